"""Preprocessing layers against real Keras 3 (JAX backend): outputs, configs, adapt results."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

import lamina  # noqa: E402
from lamina.layers.preprocessing.image_augmentation import affine_transform  # noqa: E402

RNG = np.random.default_rng(1)
IMAGES = (RNG.random((2, 9, 7, 3)) * 255).astype("float32")

# (constructor name, kwargs, input)
DETERMINISTIC = [
    ("Rescaling", {"scale": 1 / 127.5, "offset": -1}, IMAGES),
    ("Normalization", {"mean": [1.0, 2.0, 3.0], "variance": [4.0, 5.0, 6.0]}, IMAGES),
    ("Normalization", {"axis": None, "mean": 2.0, "variance": 3.0, "invert": True}, IMAGES),
    ("Resizing", {"height": 4, "width": 5}, IMAGES),
    ("Resizing", {"height": 12, "width": 5, "interpolation": "nearest"}, IMAGES),
    ("Resizing", {"height": 4, "width": 4, "interpolation": "bicubic"}, IMAGES[0]),
    ("Resizing", {"height": 4, "width": 6, "crop_to_aspect_ratio": True}, IMAGES),
    ("Resizing", {"height": 6, "width": 3, "pad_to_aspect_ratio": True, "fill_value": 1.0}, IMAGES),
    ("Resizing", {"height": 4, "width": 4, "data_format": "channels_first"}, IMAGES),
    ("CenterCrop", {"height": 5, "width": 3}, IMAGES),
    ("CenterCrop", {"height": 12, "width": 10}, IMAGES),
    ("CategoryEncoding", {"num_tokens": 5, "output_mode": "one_hot"}, np.array([[1], [4]])),
    ("CategoryEncoding", {"num_tokens": 5}, np.array([[1, 2, 2], [0, 4, 4]])),
    (
        "CategoryEncoding",
        {"num_tokens": 5, "output_mode": "count"},
        np.array([[1, 2, 2], [0, 4, 4]]),
    ),
    ("Discretization", {"bin_boundaries": [0.2, 0.5, 0.9]}, RNG.random((3, 4))),
    ("Discretization", {"bin_boundaries": [0.5], "output_mode": "one_hot"}, RNG.random((4,))),
]


@pytest.mark.parametrize("name,kwargs,x", DETERMINISTIC)
def test_deterministic_outputs_and_configs(name, kwargs, x):
    ours = getattr(lamina.layers, name)(**kwargs)
    theirs = getattr(keras.layers, name)(**kwargs)
    expected = np.asarray(theirs(x))
    got = np.asarray(ours(x))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)
    ours_cfg, theirs_cfg = ours.get_config(), theirs.get_config()
    ours_cfg.pop("name"), theirs_cfg.pop("name")
    assert ours_cfg == theirs_cfg


RANDOM = [
    ("RandomFlip", {"seed": 1}),
    ("RandomFlip", {"mode": "vertical", "seed": 1}),
    ("RandomRotation", {"factor": 0.2, "seed": 1}),
    ("RandomZoom", {"height_factor": (-0.3, 0.2), "width_factor": 0.1, "seed": 1}),
    ("RandomTranslation", {"height_factor": 0.1, "width_factor": 0.2, "seed": 1}),
    ("RandomContrast", {"factor": 0.3, "seed": 1}),
]


@pytest.mark.parametrize("name,kwargs", RANDOM)
def test_random_layers_inference_config_and_weights(name, kwargs):
    ours = getattr(lamina.layers, name)(**kwargs)
    theirs = getattr(keras.layers, name)(**kwargs)
    np.testing.assert_allclose(ours(IMAGES, training=False), theirs(IMAGES, training=False))
    ours_cfg, theirs_cfg = ours.get_config(), theirs.get_config()
    ours_cfg.pop("name"), theirs_cfg.pop("name")
    assert ours_cfg == theirs_cfg
    trained = np.asarray(ours(IMAGES, training=True))
    # The same seed draws Keras's numbers: equal augmented images.
    np.testing.assert_allclose(
        trained, np.asarray(theirs(IMAGES, training=True)), rtol=1e-5, atol=1e-3
    )
    assert trained.min() >= -1e-3 and trained.max() <= 255 + 1e-3
    # Keras numbers seed generators globally (`seed_generator_3/...`); compare the leaf names.
    assert [v.path.split("/")[-1] for v in ours.non_trainable_variables] == [
        v.path.split("/")[-1] for v in theirs.non_trainable_variables
    ]


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("RandomFlip", {"mode": "vertical"}),
        ("RandomRotation", {"factor": (-0.1, 0.3), "fill_mode": "wrap"}),
        ("RandomZoom", {"height_factor": 0.3, "fill_mode": "nearest"}),
        ("RandomTranslation", {"height_factor": 0.2, "width_factor": (-0.1, 0.3)}),
    ],
)
def test_geometric_layers_draw_keras_numbers(name, kwargs):
    # channels_first, batched then unbatched calls: each call advances the seed generator.
    x = RNG.uniform(size=(3, 2, 6, 5)).astype("float32")
    ours = getattr(lamina.layers, name)(seed=5, data_format="channels_first", **kwargs)
    theirs = getattr(keras.layers, name)(seed=5, data_format="channels_first", **kwargs)
    for data in (x, x[0], x):
        np.testing.assert_allclose(np.asarray(ours(data)), np.asarray(theirs(data)), atol=1e-5)


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_transform_matches_keras(fill_mode, interpolation):
    from keras.src.backend.jax.image import affine_transform as keras_affine

    angle = np.array([0.3, -1.1], "float32")
    cos, sin = np.cos(angle), np.sin(angle)
    transform = np.stack(
        [cos * 1.1, -sin, np.array([0.5, -1.0]), sin, cos * 0.9, np.array([2.0, 0.3])]
        + [np.zeros(2), np.zeros(2)],
        axis=1,
    ).astype("float32")
    expected = keras_affine(IMAGES, transform, interpolation, fill_mode, 7.0, "channels_last")
    got = affine_transform(IMAGES, transform, interpolation, fill_mode, 7.0, "channels_last")
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-3)


def test_normalization_adapt_matches_keras():
    data = RNG.normal(2.0, 3.0, (40, 5, 3)).astype("float32")
    for axis in (-1, (1, 2), None):
        ours, theirs = lamina.layers.Normalization(axis=axis), keras.layers.Normalization(axis=axis)
        ours.adapt(data)
        theirs.adapt(data)
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ours(data[:3]), theirs(data[:3]), rtol=1e-5, atol=1e-5)
        assert [w.path.split("/")[-1] for w in ours.weights] == [
            w.path.split("/")[-1] for w in theirs.weights
        ]
    # Keras's adapt on a list of batches needs TensorFlow; stream ours and compare with the
    # whole-array Keras result.
    ours, theirs = lamina.layers.Normalization(), keras.layers.Normalization()
    ours.adapt([data[:15], data[15:]])
    theirs.adapt(data)
    np.testing.assert_allclose(ours.get_weights()[1], theirs.get_weights()[1], rtol=1e-5)


def test_discretization_adapt_matches_keras_summary_maths():
    # Keras's `adapt` needs TensorFlow to run; its quantile-summary functions do not.
    from keras.src.layers.preprocessing import discretization as kd

    data = [RNG.normal(size=300).astype("float32"), RNG.random(500).astype("float32")]
    summary = np.array([[], []], dtype="float32")
    for batch in data:
        summary = kd.merge_summaries(kd.summarize(batch, 0.01), summary, 0.01)
    expected = kd.get_bin_boundaries(summary, 5).tolist()
    layer = lamina.layers.Discretization(num_bins=5)
    layer.adapt(iter(data))
    np.testing.assert_allclose(layer.bin_boundaries, expected, rtol=1e-6)
