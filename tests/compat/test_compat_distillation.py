"""`keras.distillation`'s losses against Keras 3.15: the same values on the same outputs, the
same argument checks and configs. (`Distiller` is not built yet.)"""

import numpy as np
import pytest

import lamina

RNG = np.random.default_rng(3)


def _pair(shape=(4, 5)):
    return RNG.normal(size=shape).astype("float32"), RNG.normal(size=shape).astype("float32")


@pytest.mark.parametrize(
    "make",
    [
        lambda k: k.distillation.LogitsDistillation(),
        lambda k: k.distillation.LogitsDistillation(temperature=2.0, loss=k.losses.KLDivergence()),
        lambda k: k.distillation.LogitsDistillation(temperature=4, loss="categorical_crossentropy"),
        lambda k: k.distillation.LogitsDistillation(
            loss=k.losses.CategoricalCrossentropy(from_logits=True)
        ),
        lambda k: k.distillation.FeatureDistillation(),
        lambda k: k.distillation.FeatureDistillation(loss="cosine_similarity"),
        lambda k: k.distillation.FeatureDistillation(loss=k.losses.MeanAbsoluteError()),
    ],
)
def test_single_output_losses_equal_keras(keras, make):
    teacher, student = _pair()
    got = make(lamina).compute_loss(teacher, student)
    want = make(keras).compute_loss(teacher, student)
    np.testing.assert_allclose(float(got), float(want), rtol=1e-5, atol=1e-6)


def test_multi_output_losses_equal_keras(keras):
    t1, s1 = _pair()
    t2, s2 = _pair((4, 3))
    for build in (
        lambda k: k.distillation.LogitsDistillation(3.0, ["kl_divergence", None]),
        lambda k: k.distillation.LogitsDistillation(2.0, [k.losses.KLDivergence(), "mse"]),
        lambda k: k.distillation.FeatureDistillation(loss={"a": "mse", "b": "mae"}),
    ):
        ours, theirs = build(lamina), build(keras)
        if isinstance(ours.loss, dict):
            t, s = {"a": t1, "b": t2}, {"a": s1, "b": s2}
        else:
            t, s = [t1, t2], [s1, s2]
        np.testing.assert_allclose(
            float(ours.compute_loss(t, s)), float(theirs.compute_loss(t, s)), rtol=1e-5
        )


def test_configs_and_argument_checks(keras):
    ours = lamina.distillation.LogitsDistillation(temperature=5.0, loss="mse")
    assert ours.get_config()["temperature"] == 5.0
    back = lamina.distillation.LogitsDistillation.from_config(ours.get_config())
    t, s = _pair()
    np.testing.assert_allclose(float(back.compute_loss(t, s)), float(ours.compute_loss(t, s)))
    feat = lamina.distillation.FeatureDistillation("mae", "dense", "dense_1")
    again = lamina.distillation.FeatureDistillation.from_config(feat.get_config())
    assert (again.teacher_layer_name, again.student_layer_name) == ("dense", "dense_1")
    for bad in (0.0, -1, "3"):
        with pytest.raises(ValueError, match="temperature"):
            lamina.distillation.LogitsDistillation(temperature=bad)
        with pytest.raises(ValueError):
            keras.distillation.LogitsDistillation(temperature=bad)
    with pytest.raises(ValueError, match="not `None`"):
        lamina.distillation.FeatureDistillation(loss=[None, None])
    with pytest.raises(NotImplementedError):
        lamina.distillation.DistillationLoss().compute_loss(t, s)


def test_feature_distillation_checks_models_and_structures():
    def mlp(name):
        return lamina.Sequential(
            [lamina.Input((3,)), lamina.layers.Dense(4, name=f"{name}_hidden")], name=name
        )

    teacher, student = mlp("teacher"), mlp("student")
    lamina.distillation.FeatureDistillation(
        teacher_layer_name="teacher_hidden", student_layer_name="student_hidden"
    ).validate_model_compatibility(teacher, student)
    with pytest.raises(ValueError, match="In student model"):
        lamina.distillation.FeatureDistillation(
            student_layer_name="nope"
        ).validate_model_compatibility(teacher, student)
    with pytest.raises(ValueError, match="structure"):
        lamina.distillation.FeatureDistillation(loss=["mse", "mae"]).validate_outputs(
            np.zeros((1, 2)), np.zeros((1, 2))
        )
