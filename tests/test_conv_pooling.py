"""Convolution, pooling, padding/cropping and up-sampling layers: NumPy references, symbolic
shapes, errors, configs and a small CNN on the bundled digits."""

import time

import jax
import numpy as np
import pytest

import lamina as keras
from lamina import layers

RNG = np.random.default_rng(0)


def _normal(*shape):
    return RNG.normal(size=shape).astype("float32")


def _np_conv2d(x, k, stride=1, pad=((0, 0), (0, 0)), dilation=1):
    """A direct NHWC convolution with an HWIO kernel."""
    x = np.pad(x, ((0, 0), *pad, (0, 0)))
    kh, kw, _, out = k.shape
    eh, ew = (kh - 1) * dilation + 1, (kw - 1) * dilation + 1
    oh = (x.shape[1] - eh) // stride + 1
    ow = (x.shape[2] - ew) // stride + 1
    y = np.zeros((x.shape[0], oh, ow, out), np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = x[
                :,
                i * stride : i * stride + eh : dilation,
                j * stride : j * stride + ew : dilation,
                :,
            ]
            y[:, i, j] = np.einsum("nhwc,hwco->no", patch, k)
    return y


def _layer_with(layer, input_shape, weights):
    layer.build(input_shape)
    layer.set_weights(weights)
    return layer


@pytest.mark.parametrize(
    "kwargs, pad",
    [
        ({"strides": 1, "padding": "valid"}, ((0, 0), (0, 0))),
        ({"strides": 2, "padding": "same"}, ((1, 1), (0, 1))),  # 7x6 input, kernel 3
        ({"dilation_rate": 2, "padding": "valid"}, ((0, 0), (0, 0))),
    ],
)
def test_conv2d_matches_numpy(kwargs, pad):
    x, k, b = _normal(2, 7, 6, 3), _normal(3, 3, 3, 4), _normal(4)
    layer = _layer_with(layers.Conv2D(4, 3, **kwargs), x.shape, [k, b])
    expected = _np_conv2d(x, k, kwargs.get("strides", 1), pad, kwargs.get("dilation_rate", 1)) + b
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-4, atol=1e-4)


def test_grouped_conv_is_two_independent_convs():
    x, k = _normal(2, 5, 5, 4), _normal(3, 3, 2, 6)
    layer = _layer_with(layers.Conv2D(6, 3, groups=2, use_bias=False), x.shape, [k])
    first = _np_conv2d(x[..., :2], k[..., :3])
    second = _np_conv2d(x[..., 2:], k[..., 3:])
    expected = np.concatenate([first, second], axis=-1)
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-4, atol=1e-4)


def test_channels_first_equals_transposed_channels_last():
    x, k, b = _normal(2, 3, 6, 5), _normal(2, 2, 3, 4), _normal(4)
    first = _layer_with(layers.Conv2D(4, 2, data_format="channels_first"), x.shape, [k, b])
    last = _layer_with(layers.Conv2D(4, 2), (2, 6, 5, 3), [k, b])
    expected = np.transpose(np.asarray(last(np.transpose(x, (0, 2, 3, 1)))), (0, 3, 1, 2))
    np.testing.assert_allclose(np.asarray(first(x)), expected, rtol=1e-5, atol=1e-5)


def test_causal_conv1d_sees_no_future_step():
    x, k = _normal(1, 6, 2), _normal(3, 2, 1)
    layer = _layer_with(
        layers.Conv1D(1, 3, padding="causal", dilation_rate=2, use_bias=False), x.shape, [k]
    )
    xp = np.pad(x, ((0, 0), (4, 0), (0, 0)))
    expected = np.stack([sum(xp[:, t + 2 * i] @ k[i] for i in range(3)) for t in range(6)], axis=1)
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-5, atol=1e-5)


def test_conv2d_transpose_matches_scatter_add():
    """'valid' transposed convolution: every input pixel adds a scaled kernel to the output."""
    x, k = _normal(1, 3, 2, 2), _normal(3, 3, 4, 2)  # kernel (kh, kw, filters, in)
    layer = _layer_with(layers.Conv2DTranspose(4, 3, strides=2, use_bias=False), x.shape, [k])
    expected = np.zeros((1, 7, 5, 4))
    for i in range(3):
        for j in range(2):
            expected[0, 2 * i : 2 * i + 3, 2 * j : 2 * j + 3] += np.einsum(
                "c,hwoc->hwo", x[0, i, j], k
            )
    out = np.asarray(layer(x))
    assert out.shape == (1, 7, 5, 4) == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "kwargs, spatial",
    [
        ({"padding": "same", "strides": 2}, (8, 6)),
        ({"padding": "valid", "strides": 3}, (12, 9)),
        ({"padding": "same", "strides": 2, "output_padding": 0}, (7, 5)),
        ({"padding": "valid", "strides": 2, "output_padding": 1}, (10, 8)),
    ],
)
def test_conv_transpose_output_sizes(kwargs, spatial):
    layer = layers.Conv2DTranspose(2, 3, **kwargs)
    assert layer(_normal(1, 4, 3, 2)).shape == (1, *spatial, 2)
    assert layer.compute_output_shape((None, 4, 3, 2)) == (None, *spatial, 2)


def test_depthwise_and_separable_match_per_channel_convs():
    x, dk, pk, b = _normal(2, 5, 5, 2), _normal(3, 3, 2, 2), _normal(1, 1, 4, 3), _normal(3)
    depthwise = _layer_with(
        layers.DepthwiseConv2D(3, depth_multiplier=2), x.shape, [dk, b[:1].repeat(4)]
    )
    per_channel = np.concatenate(
        [_np_conv2d(x[..., c : c + 1], dk[:, :, c : c + 1, :]) for c in range(2)], axis=-1
    )
    np.testing.assert_allclose(np.asarray(depthwise(x)), per_channel + b[0], rtol=1e-4, atol=1e-4)
    separable = _layer_with(layers.SeparableConv2D(3, 3, depth_multiplier=2), x.shape, [dk, pk, b])
    assert [v.name for v in separable.weights] == ["depthwise_kernel", "pointwise_kernel", "bias"]
    expected = per_channel @ pk[0, 0] + b
    np.testing.assert_allclose(np.asarray(separable(x)), expected, rtol=1e-4, atol=1e-4)


def test_pooling_matches_numpy():
    x = _normal(2, 5, 5, 3)
    assert np.allclose(
        layers.MaxPooling2D()(x), x[:, :4, :4].reshape(2, 2, 2, 2, 2, 3).max(axis=(2, 4))
    )
    assert np.allclose(
        layers.AveragePooling2D(2)(x), x[:, :4, :4].reshape(2, 2, 2, 2, 2, 3).mean(axis=(2, 4))
    )
    # 'same' average pooling averages the real inputs only (the padding is not counted).
    same = np.asarray(layers.AveragePooling2D(2, padding="same")(x))
    assert same.shape == (2, 3, 3, 3)
    np.testing.assert_allclose(same[:, 2, 2], x[:, 4, 4], rtol=1e-6)
    np.testing.assert_allclose(same[:, 0, 2], x[:, 0:2, 4].mean(axis=1), rtol=1e-6)
    maxed = np.asarray(layers.MaxPooling1D(3, strides=1, padding="same")(x[:, 0]))
    np.testing.assert_allclose(maxed[:, 0], x[:, 0, :2].max(axis=1))
    np.testing.assert_allclose(layers.GlobalMaxPooling2D()(x), x.max(axis=(1, 2)))
    np.testing.assert_allclose(
        layers.GlobalAveragePooling2D(keepdims=True)(x),
        x.mean(axis=(1, 2), keepdims=True),
        rtol=1e-6,
    )


def test_global_average_pooling_1d_ignores_masked_steps():
    x = _normal(2, 4, 3)
    mask = np.array([[True, True, False, False], [True, True, True, True]])
    out = np.asarray(layers.GlobalAveragePooling1D()(x, mask=mask))
    np.testing.assert_allclose(out[0], x[0, :2].mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(out[1], x[1].mean(axis=0), rtol=1e-6)
    # The engine passes the mask of an Embedding(mask_zero=True) input on its own.
    tokens = keras.Input((4,), dtype="int32")
    if not hasattr(layers, "Embedding"):
        pytest.skip("Embedding is not available yet")
    embedded = layers.Embedding(5, 3, mask_zero=True)
    model = keras.Model(tokens, layers.GlobalAveragePooling1D()(embedded(tokens)))
    ids = np.array([[1, 2, 0, 0]])
    vectors = np.asarray(embedded.embeddings.value)
    np.testing.assert_allclose(model(ids)[0], vectors[[1, 2]].mean(axis=0), rtol=1e-6)


def test_padding_cropping_upsampling_match_numpy():
    x = _normal(2, 4, 5, 3)
    np.testing.assert_array_equal(
        layers.ZeroPadding2D(((1, 0), (2, 1)))(x), np.pad(x, ((0, 0), (1, 0), (2, 1), (0, 0)))
    )
    np.testing.assert_array_equal(layers.Cropping2D(((1, 0), (2, 1)))(x), x[:, 1:, 2:-1])
    np.testing.assert_array_equal(layers.Cropping1D((1, 2))(x[:, 0]), x[:, 0, 1:-2])
    np.testing.assert_array_equal(
        layers.UpSampling2D((2, 3))(x), np.repeat(np.repeat(x, 2, axis=1), 3, axis=2)
    )
    np.testing.assert_array_equal(layers.UpSampling1D(2)(x[:, 0]), np.repeat(x[:, 0], 2, axis=1))
    bilinear = np.asarray(layers.UpSampling2D(interpolation="bilinear")(x))
    np.testing.assert_allclose(bilinear, jax.image.resize(x, (2, 8, 10, 3), "bilinear"), rtol=1e-6)


@pytest.mark.parametrize(
    "layer, shape, expected",
    [
        (
            lambda: layers.Conv2D(4, 3, strides=2, padding="same"),
            (None, None, 3),
            (None, None, None, 4),
        ),
        (lambda: layers.Conv2D(4, 3), (9, None, 3), (None, 7, None, 4)),
        (lambda: layers.Conv1D(4, 3, padding="causal"), (None, 2), (None, None, 4)),
        (lambda: layers.Conv2DTranspose(2, 3, strides=2), (4, None, 3), (None, 9, None, 2)),
        (lambda: layers.DepthwiseConv1D(3, depth_multiplier=3), (None, 2), (None, None, 6)),
        (lambda: layers.MaxPooling2D(), (None, 7, 3), (None, None, 3, 3)),
        (lambda: layers.AveragePooling1D(2, padding="same"), (None, 3), (None, None, 3)),
        (lambda: layers.GlobalMaxPooling1D(keepdims=True), (None, 3), (None, 1, 3)),
        (lambda: layers.ZeroPadding2D(2), (None, 5, 3), (None, None, 9, 3)),
        (lambda: layers.Cropping2D(1), (None, 5, 3), (None, None, 3, 3)),
        (lambda: layers.UpSampling3D(), (None, 2, 3, 1), (None, None, 4, 6, 1)),
    ],
)
def test_symbolic_shapes(layer, shape, expected):
    instance = layer()
    out = instance(keras.Input(shape))
    assert tuple(out.shape) == expected
    assert tuple(instance.compute_output_shape((None, *shape))) == expected


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: layers.Conv2D(0, 3), "filters=0"),
        (lambda: layers.Conv2D(-4, 3), "filters=-4"),
        (lambda: layers.Conv2D(4, 3, padding="full"), "padding='full'"),
        (lambda: layers.Conv2D(4, 3, padding="causal"), "padding='causal'"),
        (lambda: layers.Conv1D(4, 3, data_format="nwc"), "data_format='nwc'"),
        (lambda: layers.Conv2D(4, (3, 3, 3)), "kernel_size"),
        (lambda: layers.Conv2D(3, 3, groups=2), "groups=2"),
        (lambda: layers.Conv2D(3, 3, strides=2, dilation_rate=2), "dilation_rate"),
        (lambda: layers.Conv2DTranspose(3, 3, strides=2, output_padding=2), "output_padding"),
        (lambda: layers.SeparableConv1D(3, 3, depth_multiplier=0), "depth_multiplier=0"),
        (lambda: layers.MaxPooling2D(padding="full"), "padding='full'"),
        (lambda: layers.AveragePooling2D((2, 2, 2)), "pool_size"),
        (lambda: layers.GlobalAveragePooling2D(data_format="nhwc"), "data_format='nhwc'"),
        (lambda: layers.ZeroPadding2D((1, 2, 3)), "padding"),
        (lambda: layers.Cropping2D(-1), "cropping=-1"),
        (lambda: layers.UpSampling2D(interpolation="area"), "interpolation='area'"),
    ],
)
def test_invalid_arguments_fail_at_construction(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_wrong_rank_names_layer_rank_and_shape():
    with pytest.raises(ValueError, match=r'"conv_probe".*ndim=4.*ndim=2.*\(None, 5\)'):
        layers.Conv2D(2, 3, name="conv_probe")(keras.Input((5,)))
    with pytest.raises(ValueError, match=r'"pool_probe".*ndim=3.*\(2, 3, 4, 5\)'):
        layers.MaxPooling1D(name="pool_probe")(np.zeros((2, 3, 4, 5), "float32"))
    with pytest.raises(ValueError, match=r"zero or negative.*\(None, 3, 3, 1\)"):
        layers.Conv2D(2, 5)(keras.Input((3, 3, 1)))
    with pytest.raises(ValueError, match="cropping"):
        layers.Cropping1D((2, 2))(keras.Input((4, 1)))
    conv = layers.Conv2D(2, 3)
    conv(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match="axis -1.*3"):
        conv(np.zeros((1, 5, 5, 4), "float32"))


@pytest.mark.parametrize(
    "layer",
    [
        layers.Conv1D(3, 2, padding="causal", dilation_rate=2),
        layers.Conv3DTranspose(2, 3, strides=2, padding="same", output_padding=1),
        layers.SeparableConv2D(4, 3, depth_multiplier=2, data_format="channels_first"),
        layers.DepthwiseConv2D(3, depth_multiplier=2, activation="relu"),
        layers.AveragePooling3D(2, strides=1, padding="same"),
        layers.GlobalAvgPool1D(keepdims=True),
        layers.ZeroPadding3D(((1, 0), (0, 2), (1, 1))),
        layers.Cropping3D(1),
        layers.UpSampling2D(2, interpolation="bilinear"),
    ],
)
def test_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


def test_aliases_are_the_same_classes():
    assert layers.MaxPool2D is layers.MaxPooling2D
    assert layers.AvgPool1D is layers.AveragePooling1D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D
    assert layers.GlobalMaxPool3D is layers.GlobalMaxPooling3D
    assert layers.Convolution2D is layers.Conv2D
    assert layers.Convolution2DTranspose is layers.Conv2DTranspose
    assert layers.SeparableConvolution1D is layers.SeparableConv1D


def test_stateless_call_equals_call_under_jit():
    layer = layers.Conv2D(3, 3, padding="same", activation="relu")
    x = _normal(2, 6, 6, 2)
    expected = np.asarray(layer(x))
    trainable = [v.value for v in layer.trainable_variables]
    traces = []

    @jax.jit
    def run(values, inputs):
        traces.append(1)
        return layer.stateless_call(values, [], inputs)[0]

    np.testing.assert_allclose(np.asarray(run(trainable, x)), expected, rtol=1e-6)
    run(trainable, x + 1)
    assert len(traces) == 1
    grads = jax.grad(lambda v: run(v, x).sum())(trainable)
    assert [g.shape for g in grads] == [(3, 3, 2, 3), (3,)]


def test_small_cnn_learns_digits():
    # CPU time of this process: a wall-clock bound fails when other processes (pytest-xdist
    # workers, other jobs) share the cores.
    start = time.process_time()
    keras.utils.set_random_seed(0)
    (x, y), (x_test, y_test) = keras.datasets.digits.load_data()
    x = (x.reshape(-1, 8, 8, 1) / 16).astype("float32")
    x_test = (x_test.reshape(-1, 8, 8, 1) / 16).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.25),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x, y, batch_size=64, epochs=12, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.97
    assert time.process_time() - start < 30
