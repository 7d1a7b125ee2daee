"""Masks travel with arrays and symbolic tensors, through Sequential and functional models."""

import jax.numpy as jnp
import numpy as np

import lamina as keras
from lamina import layers
from lamina.core.masking import get_keras_mask, set_keras_mask


class MaskZeros(keras.Layer):
    """Marks timesteps whose features are all zero as padding."""

    def call(self, x):
        return x

    def compute_mask(self, x, mask=None):
        return jnp.any(x != 0, axis=-1)


class MaskedMean(keras.Layer):
    """Averages over the real timesteps only."""

    def call(self, x, mask=None):
        assert mask is not None, "the mask did not arrive"
        weights = mask[..., None].astype(x.dtype)
        return jnp.sum(x * weights, axis=1) / jnp.sum(weights, axis=1)


class Doubler(keras.Layer):
    def __init__(self):
        super().__init__()
        self.supports_masking = True

    def call(self, x):
        return x * 2


def padded_data():
    x = np.random.default_rng(0).normal(size=(4, 5, 3)).astype("float32")
    x[:, 3:] = 0.0
    return x, 2 * x[:, :3].mean(axis=1)


def test_mask_reaches_layers_in_sequential_and_functional_models():
    x, expected = padded_data()
    seq = keras.Sequential([keras.Input((5, 3)), MaskZeros(), Doubler(), MaskedMean()])
    np.testing.assert_allclose(seq.predict(x, verbose=0), expected, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(seq(x)), expected, rtol=1e-5)
    inputs = keras.Input((5, 3))
    masked = MaskZeros()(inputs)
    assert masked._keras_mask.shape == (None, 5) and masked._keras_mask.dtype == "bool"
    functional = keras.Model(inputs, MaskedMean()(Doubler()(masked)))
    np.testing.assert_allclose(functional.predict(x, verbose=0), expected, rtol=1e-5)


def test_a_layer_without_mask_support_stops_the_mask():
    x, _ = padded_data()

    class NoMasking(keras.Layer):
        def call(self, t):
            return t + 1.0

    assert get_keras_mask(NoMasking()(MaskZeros()(x))) is None
    assert get_keras_mask(layers.Dense(2)(MaskZeros()(x))) is not None  # Dense passes it on
    assert get_keras_mask(Doubler()(MaskZeros()(x))) is not None


def test_masked_model_trains():
    x, expected = padded_data()
    inputs = keras.Input((5, 3))
    outputs = layers.Dense(1)(MaskedMean()(MaskZeros()(inputs)))
    model = keras.Model(inputs, outputs)
    model.compile("adam", "mse")
    losses = model.fit(x, expected[:, :1], epochs=5, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


def test_set_and_get_mask_on_arrays():
    a = jnp.ones((2, 3))
    set_keras_mask(a, jnp.array([True, False]))
    np.testing.assert_array_equal(np.asarray(get_keras_mask(a)), [True, False])
    set_keras_mask(a, None)
    assert get_keras_mask(a) is None
