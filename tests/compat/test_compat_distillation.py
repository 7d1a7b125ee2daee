"""`keras.distillation`'s losses against Keras 3.15: the same values on the same outputs, the
same argument checks and configs; a `Distiller` trains a student as Keras's does."""

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


def _mlp(package, width, name):
    return package.Sequential(
        [
            package.Input((4,)),
            package.layers.Dense(width, activation="relu", name=f"{name}_hidden"),
            package.layers.Dense(3, name=f"{name}_out"),
        ],
        name=name,
    )


@pytest.mark.parametrize(
    "losses, student_loss_weight",
    [
        (lambda k: k.distillation.LogitsDistillation(2.0, k.losses.KLDivergence()), 0.3),
        (
            lambda k: [k.distillation.LogitsDistillation(), k.distillation.FeatureDistillation()],
            0.5,
        ),
        (lambda k: k.distillation.FeatureDistillation("mae"), 0.0),
        (  # named intermediate layers (teacher 16 wide, student 4: compare the outputs)
            lambda k: [
                k.distillation.FeatureDistillation(
                    "mse", teacher_layer_name="teacher_out", student_layer_name="student_out"
                ),
                k.distillation.LogitsDistillation(),
            ],
            0.4,
        ),
        (
            lambda k: k.distillation.FeatureDistillation(
                "mae", teacher_layer_name="teacher_out", student_layer_name=None
            ),
            0.0,
        ),
    ],
)
def test_distiller_trains_like_keras(keras, losses, student_loss_weight):
    # Fixed starting weights (not whatever the worker's global seed has reached) and a small
    # step: with random weights and SGD(0.1) some starts diverge, and a diverging run amplifies
    # float rounding differences past any tolerance in both libraries.
    lamina.utils.set_random_seed(1)
    rng = np.random.default_rng(0)
    x = rng.random((32, 4)).astype("float32")
    y = rng.integers(0, 3, 32)
    histories, weights = [], None
    for package in (lamina, keras):
        teacher, student = _mlp(package, 16, "teacher"), _mlp(package, 4, "student")
        if weights is None:
            weights = teacher.get_weights(), student.get_weights()
        else:
            teacher.set_weights(weights[0])
            student.set_weights(weights[1])
        distiller = package.distillation.Distiller(
            teacher=teacher,
            student=student,
            distillation_losses=losses(package),
            student_loss_weight=student_loss_weight,
        )
        distiller.compile(
            optimizer=package.optimizers.SGD(0.02),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        history = distiller.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
        histories.append((history.history, distiller.student.get_weights()))
        assert not teacher.trainable
    (ours, our_weights), (theirs, their_weights) = histories
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-4, atol=1e-6, err_msg=key)
    for a, b in zip(our_weights, their_weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_distiller_arguments_and_config():
    teacher, student = _mlp(lamina, 8, "teacher"), _mlp(lamina, 2, "student")
    logits = lamina.distillation.LogitsDistillation()
    with pytest.raises(ValueError, match="student_loss_weight"):
        lamina.distillation.Distiller(teacher, student, logits, student_loss_weight=1.5)
    with pytest.raises(ValueError, match="cannot be None"):
        lamina.distillation.Distiller(teacher, student, None)
    with pytest.raises(ValueError, match="one weight per loss"):
        lamina.distillation.Distiller(teacher, student, [logits], distillation_loss_weights=[1, 2])
    with pytest.raises(ValueError, match="nope"):
        lamina.distillation.Distiller(
            teacher,
            student,
            lamina.distillation.FeatureDistillation(
                teacher_layer_name="teacher_hidden", student_layer_name="nope"
            ),
        )
    distiller = lamina.distillation.Distiller(teacher, student, logits, student_loss_weight=0.2)
    with pytest.raises(ValueError, match="`loss`"):
        distiller.compile(optimizer="sgd")
    clone = lamina.distillation.Distiller.from_config(distiller.get_config())
    assert clone.student_loss_weight == 0.2 and clone.distillation_losses[0].temperature == 3.0
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(np.asarray(distiller(x)), np.asarray(student(x)), rtol=1e-6)
