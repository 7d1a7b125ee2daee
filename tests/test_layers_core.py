"""Dense, Activation, Dropout, Flatten, InputLayer/Input against NumPy formulas."""

import jax
import numpy as np
import pytest

import lamina as keras
from lamina import layers

RNG = np.random.default_rng(0)


def np_act(name, x):
    return {
        None: lambda v: v,
        "relu": lambda v: np.maximum(v, 0),
        "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
        "tanh": np.tanh,
        "softmax": lambda v: np.exp(v) / np.exp(v).sum(-1, keepdims=True),
    }[name](x)


@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh", "softmax"])
@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4)])
def test_dense_matches_numpy(activation, use_bias, shape):
    layer = layers.Dense(3, activation=activation, use_bias=use_bias)
    x = RNG.normal(size=shape).astype("float32")
    out = np.asarray(layer(x))
    kernel = layer.kernel.numpy()
    expected = x @ kernel + (layer.bias.numpy() if use_bias else 0)
    np.testing.assert_allclose(out, np_act(activation, expected), rtol=1e-5, atol=1e-6)
    assert out.shape == shape[:-1] + (3,)
    assert len(layer.weights) == (2 if use_bias else 1)


def test_dense_initializers_and_regularizers_from_the_overview():
    x = np.ones((2, 5), "float32")
    const = layers.Dense(4, bias_initializer=keras.initializers.Constant(2.0))
    const(x)
    np.testing.assert_array_equal(const.bias.numpy(), np.full(4, 2.0))
    ortho = layers.Dense(4, kernel_initializer="orthogonal")
    ortho(np.ones((2, 4), "float32"))
    k = ortho.kernel.numpy()
    np.testing.assert_allclose(k.T @ k, np.eye(4), atol=1e-5)
    l1 = layers.Dense(4, kernel_regularizer=keras.regularizers.l1(0.01))
    l1(x)
    assert float(l1.losses[0]) == pytest.approx(0.01 * np.abs(l1.kernel.numpy()).sum(), rel=1e-5)
    l2 = layers.Dense(4, bias_regularizer=keras.regularizers.l2(0.01), bias_initializer="ones")
    l2(x)
    assert float(l2.losses[0]) == pytest.approx(0.01 * 4, rel=1e-5)
    same = layers.Dense(4, activation=keras.activations.relu)
    assert same.get_config()["activation"] == "relu"


def test_dense_bad_units():
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)
    with pytest.raises(ValueError, match="units"):
        layers.Dense("64")


def test_activation_layer():
    x = RNG.normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(np.asarray(layers.Activation("relu")(x)), np.maximum(x, 0))
    assert layers.Activation("tanh").get_config()["activation"] == "tanh"


def test_dropout_is_identity_at_inference_and_scales_in_training():
    layer = layers.Dropout(0.25, seed=0)
    x = np.ones((200, 50), "float32")
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    out = np.asarray(layer(x, training=True))
    kept = out != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(out[kept], 1 / 0.75, rtol=1e-6)
    assert not np.array_equal(out, np.asarray(layer(x, training=True)))  # new mask each call


def test_dropout_rate_checked():
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(1.5)


def test_dropout_noise_shape():
    layer = layers.Dropout(0.5, noise_shape=(None, 1), seed=2)
    out = np.asarray(layer(np.ones((100, 6), "float32"), training=True))
    assert all(len(set(row)) == 1 for row in out)


@pytest.mark.parametrize(
    "shape,data_format", [((2, 3, 4), "channels_last"), ((2, 3, 4, 5), "channels_first")]
)
def test_flatten(shape, data_format):
    x = RNG.normal(size=shape).astype("float32")
    out = np.asarray(layers.Flatten(data_format=data_format)(x))
    ref = x if data_format == "channels_last" else np.moveaxis(x, 1, -1)
    np.testing.assert_array_equal(out, ref.reshape(shape[0], -1))


def test_input_and_input_layer():
    x = keras.Input(shape=(32,), name="features")
    assert x.shape == (None, 32) and x.dtype == "float32" and x.name == "features"
    layer = layers.InputLayer(shape=(3, 4), batch_size=8, dtype="int32")
    assert layer.batch_shape == (8, 3, 4)
    assert tuple(layer.get_config()["batch_shape"]) == (8, 3, 4)
    with pytest.raises(ValueError, match="shape"):
        keras.Input()
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(x)


def test_dense_under_jit_and_grad():
    layer = layers.Dense(2, kernel_initializer="ones")
    x = np.ones((3, 4), "float32")
    layer(x)

    def loss(tv):
        out, _ = layer.stateless_call(tv, [], x)
        return (out**2).sum()

    grads = jax.jit(jax.grad(loss))([v.value for v in layer.trainable_variables])
    np.testing.assert_allclose(np.asarray(grads[0]), np.full((4, 2), 2 * 4 * 3), rtol=1e-6)
