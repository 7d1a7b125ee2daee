"""Convolution, pooling, padding/cropping and up-sampling layers against real Keras."""

import json  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras")

import lamina  # noqa: E402

CF = {"data_format": "channels_first"}

# (class name, constructor arguments, input shape without the batch axis)
CASES = [
    ("Conv1D", {"filters": 3, "kernel_size": 3}, (7, 2)),
    ("Conv1D", {"filters": 4, "kernel_size": 2, "strides": 2, "padding": "same"}, (7, 2)),
    ("Conv1D", {"filters": 2, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (8, 3)),
    ("Conv1D", {"filters": 4, "kernel_size": 3, "groups": 2, "padding": "same", **CF}, (4, 6)),
    ("Conv2D", {"filters": 3, "kernel_size": 3}, (6, 5, 2)),
    (
        "Conv2D",
        {"filters": 2, "kernel_size": (3, 2), "strides": (2, 1), "padding": "same"},
        (7, 6, 3),
    ),
    (
        "Conv2D",
        {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "activation": "relu"},
        (6, 6, 2),
    ),
    ("Conv2D", {"filters": 6, "kernel_size": 3, "groups": 3, "use_bias": False}, (5, 5, 3)),
    ("Conv2D", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", **CF}, (3, 6, 7)),
    ("Conv3D", {"filters": 2, "kernel_size": 2}, (3, 4, 3, 2)),
    (
        "Conv3D",
        {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", **CF},
        (2, 4, 5, 3),
    ),
    ("Conv1DTranspose", {"filters": 3, "kernel_size": 3}, (5, 2)),
    ("Conv1DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (5, 2)),
    (
        "Conv1DTranspose",
        {"filters": 2, "kernel_size": 2, "strides": 3, "output_padding": 1},
        (4, 2),
    ),
    (
        "Conv1DTranspose",
        {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "same"},
        (5, 2),
    ),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
        (4, 3, 2),
    ),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same"},
        (3, 4, 2),
    ),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 0},
        (4, 3, 2),
    ),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 2, "strides": (2, 3)}, (3, 4, 2)),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": (1, 0), **CF},
        (2, 3, 4),
    ),
    (
        "Conv3DTranspose",
        {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
        (2, 3, 2, 2),
    ),
    ("DepthwiseConv1D", {"kernel_size": 3}, (6, 3)),
    ("DepthwiseConv1D", {"kernel_size": 3, "depth_multiplier": 2, "dilation_rate": 2}, (8, 2)),
    ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2}, (5, 6, 3)),
    ("DepthwiseConv2D", {"kernel_size": 2, "strides": 2, "padding": "same", **CF}, (2, 5, 5)),
    ("SeparableConv1D", {"filters": 3, "kernel_size": 3}, (6, 2)),
    (
        "SeparableConv1D",
        {"filters": 2, "kernel_size": 3, "depth_multiplier": 2, "strides": 2, "padding": "same"},
        (7, 3),
    ),
    ("SeparableConv2D", {"filters": 4, "kernel_size": 3, "depth_multiplier": 2}, (5, 5, 2)),
    ("SeparableConv2D", {"filters": 2, "kernel_size": 2, "padding": "same", **CF}, (3, 4, 5)),
    ("MaxPooling1D", {}, (7, 2)),
    ("MaxPooling1D", {"pool_size": 3, "strides": 1, "padding": "same"}, (7, 2)),
    ("MaxPooling2D", {}, (5, 4, 2)),
    ("MaxPooling2D", {"pool_size": (3, 2), "strides": 2, "padding": "same", **CF}, (2, 5, 5)),
    ("MaxPooling3D", {"pool_size": 2, "padding": "same"}, (3, 4, 5, 2)),
    ("AveragePooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, (8, 2)),
    ("AveragePooling2D", {"pool_size": 2}, (5, 4, 2)),
    ("AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (6, 5, 2)),
    ("AveragePooling2D", {"pool_size": (2, 3), "padding": "same", **CF}, (2, 5, 5)),
    ("AveragePooling3D", {"pool_size": 2, "strides": 1, "padding": "same"}, (3, 3, 4, 2)),
    ("GlobalMaxPooling1D", {}, (5, 3)),
    ("GlobalMaxPooling1D", {"keepdims": True, **CF}, (3, 5)),
    ("GlobalAveragePooling1D", {"keepdims": True}, (5, 3)),
    ("GlobalMaxPooling2D", {**CF}, (3, 4, 5)),
    ("GlobalAveragePooling2D", {"keepdims": True}, (4, 5, 3)),
    ("GlobalMaxPooling3D", {"keepdims": True}, (2, 3, 4, 2)),
    ("GlobalAveragePooling3D", {**CF}, (2, 3, 4, 2)),
    ("ZeroPadding1D", {}, (4, 2)),
    ("ZeroPadding1D", {"padding": (2, 0), **CF}, (2, 4)),
    ("ZeroPadding2D", {"padding": ((1, 0), (2, 3))}, (3, 4, 2)),
    ("ZeroPadding2D", {"padding": (1, 2), **CF}, (2, 3, 4)),
    ("ZeroPadding3D", {"padding": 1}, (2, 3, 2, 2)),
    ("Cropping1D", {"cropping": (2, 0)}, (6, 2)),
    ("Cropping2D", {"cropping": ((1, 0), (2, 1))}, (5, 6, 2)),
    ("Cropping2D", {"cropping": 1, **CF}, (2, 4, 5)),
    ("Cropping3D", {}, (4, 5, 3, 2)),
    ("UpSampling1D", {"size": 3}, (4, 2)),
    ("UpSampling2D", {"size": (2, 3)}, (3, 2, 2)),
    ("UpSampling2D", {"interpolation": "bilinear"}, (3, 4, 2)),
    ("UpSampling2D", {"size": 3, "interpolation": "bicubic", **CF}, (2, 3, 4)),
    ("UpSampling3D", {"size": (1, 2, 3)}, (2, 2, 3, 2)),
]
IDS = [f"{i}-{c[0]}" for i, c in enumerate(CASES)]


# Random initializers compile slowly on CPU; most cases use "zeros" (weights are overwritten
# anyway) and these keep the defaults, so default configs are still compared.
DEFAULT_INIT = {"4-Conv2D", "21-DepthwiseConv1D", "27-SeparableConv2D", "15-Conv2DTranspose"}


def _fast_init(class_name, kwargs, case_id):
    if case_id in DEFAULT_INIT or "Conv" not in class_name:
        return kwargs
    if "Separable" in class_name:
        names = ("depthwise_initializer", "pointwise_initializer")
    elif "Depthwise" in class_name:
        names = ("depthwise_initializer",)
    else:
        names = ("kernel_initializer",)
    return {**kwargs, **{n: "zeros" for n in names}}


def _json(config):
    """A config as it comes back from a `.keras` file (tuples become lists)."""
    return json.loads(json.dumps(config, default=str))


@pytest.mark.parametrize(
    "class_name, kwargs, shape, case_id", [(*c, i) for c, i in zip(CASES, IDS)], ids=IDS
)
def test_layer_matches_keras(class_name, kwargs, shape, case_id):
    kwargs = _fast_init(class_name, kwargs, case_id)
    theirs = getattr(keras.layers, class_name)(name="probe", **kwargs)
    ours = getattr(lamina.layers, class_name)(name="probe", **kwargs)
    assert _json(ours.get_config()) == _json(theirs.get_config())

    k_out = theirs(keras.Input(shape))
    l_out = ours(lamina.Input(shape))
    assert tuple(l_out.shape) == tuple(k_out.shape)
    for full in [(None, *shape), (3, *shape)]:
        assert tuple(ours.compute_output_shape(full)) == tuple(theirs.compute_output_shape(full))

    assert [v.path for v in ours.weights] == [v.path for v in theirs.weights]
    assert [tuple(v.shape) for v in ours.weights] == [tuple(v.shape) for v in theirs.weights]
    assert len(ours.trainable_weights) == len(theirs.trainable_weights)
    rng = np.random.default_rng(len(shape) + sum(shape))
    weights = [rng.normal(size=v.shape).astype("float32") for v in theirs.weights]
    theirs.set_weights(weights)
    ours.set_weights(weights)

    x = rng.normal(size=(2, *shape)).astype("float32")
    expected = np.asarray(theirs(x))
    got = np.asarray(ours(x))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)

    # Keras's saved config (JSON) loads into an equal lamina layer.
    clone = getattr(lamina.layers, class_name).from_config(_json(theirs.get_config()))
    assert _json(clone.get_config()) == _json(theirs.get_config())


@pytest.mark.parametrize(
    "class_name, shape",
    [
        ("Conv2D", (None, None, 3)),
        ("Conv1DTranspose", (None, 3)),
        ("SeparableConv2D", (None, None, 3)),
        ("MaxPooling2D", (None, None, 3)),
        ("AveragePooling1D", (None, 3)),
        ("GlobalAveragePooling2D", (None, None, 3)),
        ("Cropping2D", (None, None, 3)),
        ("UpSampling2D", (None, None, 3)),
    ],
)
def test_unknown_spatial_dims_match_keras(class_name, shape):
    kwargs = (
        _fast_init(class_name, {"filters": 2, "kernel_size": 3}, "") if "Conv" in class_name else {}
    )
    if class_name == "AveragePooling1D":
        kwargs = {"pool_size": 2}
    theirs = getattr(keras.layers, class_name)(**kwargs)(keras.Input(shape))
    ours = getattr(lamina.layers, class_name)(**kwargs)(lamina.Input(shape))
    assert tuple(ours.shape) == tuple(theirs.shape)


def test_masked_global_average_pooling_matches_keras():
    x = np.random.default_rng(0).normal(size=(3, 5, 2)).astype("float32")
    mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0]], bool)
    expected = keras.layers.GlobalAveragePooling1D()(x, mask=mask)
    got = lamina.layers.GlobalAveragePooling1D()(x, mask=mask)
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-6)


@pytest.mark.parametrize(
    "class_name, kwargs, pattern",
    [
        ("Conv2D", {"filters": 0, "kernel_size": 3}, "filters=0"),
        ("Conv2D", {"filters": -2, "kernel_size": 3}, "filters=-2"),
        ("Conv2D", {"filters": 2, "kernel_size": 3, "padding": "full"}, "padding='full'"),
        ("Conv2D", {"filters": 2, "kernel_size": 3, "padding": "causal"}, "padding='causal'"),
        ("Conv2D", {"filters": 2, "kernel_size": 3, "data_format": "nhwc"}, "data_format='nhwc'"),
        ("Conv2D", {"filters": 3, "kernel_size": 3, "groups": 2}, "groups=2"),
        ("Conv2D", {"filters": 2, "kernel_size": 0}, "kernel_size=0"),
        ("Conv2D", {"filters": 2, "kernel_size": (3, 3, 3)}, r"kernel_size=\(3, 3, 3\)"),
        ("Conv1D", {"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, "strides"),
        (
            "Conv2DTranspose",
            {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 2},
            "output_padding",
        ),
        ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 0}, "depth_multiplier=0"),
        ("SeparableConv2D", {"filters": 0, "kernel_size": 3}, "filters=0"),
        ("MaxPooling2D", {"pool_size": 0}, "pool_size=0"),
        ("UpSampling1D", {"size": 0}, "size=0"),
    ],
)
def test_invalid_arguments_fail_like_keras(class_name, kwargs, pattern):
    with pytest.raises(ValueError):
        getattr(keras.layers, class_name)(**kwargs)
    with pytest.raises(ValueError, match=f"{class_name}: .*{pattern}"):
        getattr(lamina.layers, class_name)(**kwargs)


@pytest.mark.parametrize(
    "class_name, kwargs, shape",
    [
        ("Conv2D", {"filters": 2, "kernel_size": 3}, (5,)),
        ("Conv1D", {"filters": 2, "kernel_size": 3}, (4, 4, 2)),
        ("MaxPooling2D", {}, (4, 2)),
        ("GlobalAveragePooling1D", {}, (4, 4, 2)),
        ("Cropping2D", {}, (4, 2)),
    ],
)
def test_wrong_rank_fails_like_keras(class_name, kwargs, shape):
    with pytest.raises(ValueError):
        getattr(keras.layers, class_name)(**kwargs)(keras.Input(shape))
    with pytest.raises(ValueError, match=r"probe.*ndim=.*\(None, "):
        getattr(lamina.layers, class_name)(name="probe", **kwargs)(lamina.Input(shape))


def test_kernel_larger_than_input_fails_like_keras():
    with pytest.raises(ValueError):
        keras.layers.Conv2D(2, 5)(keras.Input((3, 3, 1)))
    with pytest.raises(ValueError, match=r"zero or negative.*\(None, 3, 3, 1\)"):
        lamina.layers.Conv2D(2, 5)(lamina.Input((3, 3, 1)))


def test_keras_file_round_trip(tmp_path):
    """A Keras-saved CNN loads into lamina with equal outputs, and lamina's file loads back."""
    kl = keras.layers
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            kl.ZeroPadding2D(1),
            kl.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
            kl.SeparableConv2D(4, 3, padding="same"),
            kl.DepthwiseConv2D(3, padding="same"),
            kl.Conv2DTranspose(3, 2, strides=2),
            kl.AveragePooling2D(2),
            kl.Cropping2D(1),
            kl.UpSampling2D(),
            kl.GlobalAveragePooling2D(),
            kl.Dense(2),
        ]
    )
    x = np.random.default_rng(3).normal(size=(2, 8, 8, 3)).astype("float32")
    expected = np.asarray(model(x))
    model.save(tmp_path / "theirs.keras")
    ours = lamina.models.load_model(tmp_path / "theirs.keras")
    np.testing.assert_allclose(np.asarray(ours(x)), expected, rtol=1e-5, atol=1e-5)
    ours.save(tmp_path / "ours.keras")
    back = keras.models.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(np.asarray(back(x)), expected, rtol=1e-5, atol=1e-5)
