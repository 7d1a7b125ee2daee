"""Image augmentation layers against Keras 3.15 (JAX backend).

lamina draws its random numbers as Keras does on JAX (same distributions, same order, same keys
for the same seed), so with equal seeds the outputs must be equal — for batches, single images,
channels-first images and dict inputs, over successive calls. Configs are Keras's, `.keras`
files cross both ways, the layers are the identity in inference and augment inside `fit`.
"""

import json
import random

import numpy as np
import pytest

import lamina

RNG = np.random.default_rng(1)
X = (RNG.random((3, 5, 6, 3)) * 255).astype("float32")
X_CF = np.ascontiguousarray(np.transpose(X, (0, 3, 1, 2)))
LABELS = np.eye(3, dtype="float32")

CASES = [
    ("RandomBrightness", {"factor": 0.3, "seed": 5}),
    ("RandomContrast", {"factor": 0.4, "seed": 2}),
    ("RandomHue", {"factor": 0.6, "seed": 3}),
    ("RandomSaturation", {"factor": (0.2, 0.9), "seed": 4}),
    ("RandomGrayscale", {"factor": 0.5, "seed": 1}),
    ("RandomInvert", {"factor": 0.5, "seed": 8}),
    ("RandomColorDegeneration", {"factor": 0.7, "seed": 3}),
    ("RandomPosterization", {"factor": (2, 6), "seed": 3}),
    ("RandomSharpness", {"factor": 0.8, "seed": 3}),
    ("RandomGaussianBlur", {"factor": 0.7, "kernel_size": 5, "sigma": (0.2, 1.0), "seed": 3}),
    (
        "RandomColorJitter",
        {
            "brightness_factor": 0.2,
            "contrast_factor": 0.3,
            "saturation_factor": 0.4,
            "hue_factor": 0.2,
            "seed": 9,
        },
    ),
    ("Solarization", {"addition_factor": 0.3, "threshold_factor": (0.4, 0.8), "seed": 3}),
    ("AutoContrast", {}),
    ("Equalization", {}),
    ("RandomCrop", {"height": 5, "width": 6, "seed": 3}),
    ("RandomCrop", {"height": 8, "width": 4, "seed": 3}),  # taller than the input: resized
    ("RandomShear", {"x_factor": 0.4, "y_factor": 0.2, "seed": 3}),
    ("RandomPerspective", {"factor": 0.8, "scale": 0.6, "seed": 3}),
    ("RandomElasticTransform", {"factor": 0.8, "scale": 0.5, "seed": 3}),
    ("RandomErasing", {"fill_value": 3.0, "scale": (0.1, 0.5), "seed": 3}),
    ("MixUp", {"alpha": 0.4, "seed": 3}),
    ("CutMix", {"factor": 0.8, "seed": 3}),
    ("RandAugment", {"num_ops": 3, "factor": 0.8, "seed": 5}),
    ("AugMix", {"num_chains": 2, "chain_depth": 2, "alpha": 0.5, "seed": 5}),
]  # fmt: skip


def _config(layer):
    config = json.loads(json.dumps(layer.get_config()))
    config.pop("name", None)
    config.pop("dtype", None)
    return config


def _pair(keras, name, kwargs):
    return getattr(keras.layers, name)(**kwargs), getattr(lamina.layers, name)(**kwargs)


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_same_seed_same_output_as_keras(keras, name, kwargs):
    k, m = _pair(keras, name, kwargs)
    assert _config(m) == _config(k)
    for i in range(2):  # successive calls advance both generators alike
        random.seed(i)  # AugMix picks its operations with Python's `random`, as Keras does
        expected = np.asarray(k(X))
        random.seed(i)
        got = np.asarray(m(X))
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("RandomSharpness", {"factor": 0.9, "seed": 1}),
        ("RandomErasing", {"fill_value": 0.0, "seed": 1}),
        ("RandomCrop", {"height": 4, "width": 5, "seed": 1}),
    ],
)
def test_channels_first_and_single_images(keras, name, kwargs):
    k, m = _pair(keras, name, {**kwargs, "data_format": "channels_first"})
    np.testing.assert_allclose(m(X_CF), k(X_CF), rtol=1e-5, atol=1e-3)
    k, m = _pair(keras, name, kwargs)
    np.testing.assert_allclose(m(X[0]), k(X[0]), rtol=1e-5, atol=1e-3)


def test_dict_inputs_match_keras(keras):
    masks = (RNG.random((3, 5, 6, 1)) * 3).astype("int32").astype("float32")
    for name, kwargs in [
        ("MixUp", {"alpha": 0.5, "seed": 4}),
        ("CutMix", {"seed": 4}),
        ("RandomBrightness", {"factor": 0.2, "seed": 4}),
        ("RandomCrop", {"height": 4, "width": 4, "seed": 4}),
        ("RandomShear", {"x_factor": 0.3, "seed": 4}),
    ]:
        k, m = _pair(keras, name, kwargs)
        data = {"images": X, "labels": LABELS, "segmentation_masks": masks}
        expected = k(dict(data))
        got = m(dict(data))
        assert sorted(got) == sorted(expected)
        for key in expected:
            if key == "segmentation_masks" and name in ("MixUp", "CutMix"):
                continue  # Keras 3.15 scrambles these (docs/differences.md); checked below
            np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, atol=1e-3, err_msg=name)
        if name == "MixUp":
            # A fresh layer with the same seed draws the same transformation.
            t = lamina.layers.MixUp(**kwargs).get_random_transformation({"images": X})
            out = lamina.layers.MixUp(**kwargs)(dict(data))
            w = np.asarray(t["mix_weight"]).reshape(-1, 1, 1, 1)
            perm = np.asarray(t["permutation_order"])
            np.testing.assert_allclose(
                out["segmentation_masks"], w * masks + (1 - w) * masks[perm], rtol=1e-5
            )
        if name == "CutMix":
            assert got["segmentation_masks"].shape == masks.shape


def test_max_num_bounding_boxes(keras):
    boxes = {
        "boxes": RNG.random((2, 3, 4)).astype("float32"),
        "labels": np.array([[1, 2, 3], [4, 5, 6]], "float32"),
    }
    for n in (2, 5):
        k = keras.layers.MaxNumBoundingBoxes(n, bounding_box_format="xyxy")
        m = lamina.layers.MaxNumBoundingBoxes(n, bounding_box_format="xyxy")
        data = {"images": X[:2], "bounding_boxes": dict(boxes)}
        expected, got = k(dict(data)), m(dict(data))
        for key in ("boxes", "labels"):
            np.testing.assert_allclose(got["bounding_boxes"][key], expected["bounding_boxes"][key])
        assert _config(m) == _config(k)
    with pytest.raises(ValueError, match="bounding_box_format"):
        lamina.layers.MaxNumBoundingBoxes(2)({"images": X, "bounding_boxes": boxes})


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"tile_grid_size": (3, 4), "clip_limit": 2.0},  # 13x10 is not a multiple of the grid
        {"tile_grid_size": (2, 2), "clip_limit": 0.0},  # no clipping
        {"value_range": (0, 1), "tile_grid_size": (2, 3)},
    ],
)
def test_clahe_matches_keras(keras, kwargs):
    name = "ContrastLimitedAdaptiveHistogramEqualization"
    k, m = _pair(keras, name, kwargs)
    assert _config(m) == _config(k)
    scale = 1.0 if kwargs.get("value_range") == (0, 1) else 255.0
    x = (RNG.random((2, 13, 10, 3)) * scale).astype("float32")
    for inputs in (x, x[0], x.astype("uint8") if scale == 255.0 else x):
        expected, got = np.asarray(k(inputs)), np.asarray(m(inputs))
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)
    # applied in inference too, as in Keras
    np.testing.assert_allclose(m(x, training=False), k(x, training=False), rtol=1e-5, atol=1e-4)
    k, m = _pair(keras, name, {**kwargs, "data_format": "channels_first"})
    x_cf = np.ascontiguousarray(np.transpose(x, (0, 3, 1, 2)))
    np.testing.assert_allclose(m(x_cf), k(x_cf), rtol=1e-5, atol=1e-4)


def test_identity_in_inference():
    for name, kwargs in CASES:
        if name == "AutoContrast":  # Keras applies it in inference too
            continue
        layer = getattr(lamina.layers, name)(**kwargs)
        np.testing.assert_array_equal(np.asarray(layer(X, training=False)), X, err_msg=name)


def test_distributions():
    big = np.full((4000, 1, 1, 3), 100.0, "float32")
    delta = np.asarray(lamina.layers.RandomBrightness(0.2)(big))[:, 0, 0, 0] - 100.0
    assert -51.0 <= delta.min() < -45 and 45 < delta.max() <= 51.0
    assert abs(delta.mean()) < 2.0  # uniform on [-51, 51]: sd of the mean ~0.5
    flags = np.asarray(lamina.layers.RandomInvert(factor=(0.3, 0.3))(big))[:, 0, 0, 0] > 150
    assert abs(flags.mean() - 0.3) < 0.04
    mix = lamina.layers.MixUp(alpha=0.5)
    t = mix.get_random_transformation({"images": big[:2000]})
    w = np.asarray(t["mix_weight"])
    assert abs(w.mean() - 0.5) < 0.03 and abs(w.var() - 0.125) < 0.015  # Beta(0.5, 0.5)
    assert sorted(np.asarray(t["permutation_order"]).tolist()) == list(range(2000))


def test_augments_inside_fit_and_identity_in_predict(keras, tmp_path):
    def model(k):
        return k.Sequential(
            [
                k.Input((5, 6, 3)),
                k.layers.RandomBrightness(0.1, seed=1),
                k.layers.RandomPerspective(scale=0.2, seed=3),  # (Keras cannot reload RandomShear)
                k.layers.CutMix(seed=4),
                k.layers.Rescaling(1 / 255.0),
                k.layers.Flatten(),
                k.layers.Dense(3, kernel_initializer="zeros"),
            ]
        )

    m = model(lamina)
    m.compile("sgd", "mse")
    y = LABELS
    state_before = np.asarray(m.layers[0].generator.state.value).copy()
    hist = m.fit(X, y, epochs=2, batch_size=3, verbose=0)
    assert all(np.isfinite(hist.history["loss"]))
    # The seed state advanced once per step: the augmentation ran in the compiled step.
    state_after = np.asarray(m.layers[0].generator.state.value)
    assert int(state_after[1]) - int(state_before[1]) == 2
    k = model(keras)
    assert [w.shape for w in m.get_weights()] == [tuple(w.shape) for w in k.get_weights()]
    k.set_weights(m.get_weights())
    xs = X
    np.testing.assert_allclose(
        m.predict(xs, verbose=0), k.predict(xs, verbose=0), rtol=1e-5, atol=1e-5
    )
    m.save(tmp_path / "m.keras")
    k2 = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(k2.predict(xs, verbose=0), m.predict(xs, verbose=0), atol=1e-5)
    k.save(tmp_path / "k.keras")
    m2 = lamina.models.load_model(tmp_path / "k.keras")
    assert [type(layer).__name__ for layer in m2.layers] == [
        type(layer).__name__ for layer in k.layers
    ]
    np.testing.assert_allclose(m2.predict(xs, verbose=0), k.predict(xs, verbose=0), atol=1e-5)


def test_pipeline_matches_keras_and_round_trips(keras):
    def pipe(k):
        return k.layers.Pipeline(
            [
                k.layers.AutoContrast(),
                k.layers.RandomGrayscale(0.5, seed=2),
                k.layers.RandomCrop(4, 5, seed=3),
            ]
        )

    kp, mp = pipe(keras), pipe(lamina)
    np.testing.assert_allclose(mp(X), kp(X), rtol=1e-5, atol=1e-3)
    config = json.loads(json.dumps(mp.get_config()))
    kconfig = json.loads(json.dumps(kp.get_config()))
    assert [r["class_name"] for r in config["layers"]] == [
        r["class_name"] for r in kconfig["layers"]
    ]
    again = lamina.layers.Pipeline.from_config(config)
    assert [type(x).__name__ for x in again.layers] == [type(x).__name__ for x in mp.layers]


def test_bad_arguments():
    with pytest.raises(ValueError, match="RandomBrightness.*factor"):
        lamina.layers.RandomBrightness(2.0)
    with pytest.raises(ValueError, match="value_range"):
        lamina.layers.RandomSaturation(0.5, value_range=5)
    with pytest.raises(ValueError, match="odd"):
        lamina.layers.RandomGaussianBlur(kernel_size=4)
    with pytest.raises(NotImplementedError, match="fill_mode"):
        lamina.layers.RandomShear(0.1, fill_mode="mirror-ish")
    with pytest.raises(ValueError, match="rank 3.*or 4"):
        lamina.layers.RandomHue(0.2)(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="'images'"):
        lamina.layers.MixUp()({"labels": LABELS})
