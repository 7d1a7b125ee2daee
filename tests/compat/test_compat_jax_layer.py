"""`JaxLayer` against Keras 3.15's (JAX backend): the same JAX functions give the same
outputs, train to the same weights, keep state the same way, and weights files cross."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina

RNG = np.random.default_rng(5)
X = RNG.normal(size=(8, 4)).astype("float32")
Y = RNG.normal(size=(8, 2)).astype("float32")
PARAMS = {"w": RNG.normal(size=(4, 2)).astype("float32"), "b": np.zeros(2, "float32")}


def call_fn(params, inputs):
    return jnp.tanh(inputs @ params["w"] + params["b"])


def stateful_call(params, state, rng, inputs, training):
    out = inputs @ params["w"] + params["b"]
    if training:
        out = out + 0.0 * jax.random.normal(rng, out.shape)
        state = {"count": state["count"] + 1.0}
    return out, state


def init_fn(rng, inputs):
    return {"w": jax.random.normal(rng, (inputs.shape[-1], 2)), "b": jnp.zeros(2)}


def _models(keras, fn, **kwargs):
    out = []
    for k in (keras, lamina):
        inp = k.Input((4,))
        out.append(k.Model(inp, k.layers.JaxLayer(fn, **kwargs)(inp)))
    return out


def test_outputs_and_training_match_keras(keras):
    km, lm = _models(keras, call_fn, params=PARAMS)
    np.testing.assert_allclose(lm.predict(X, verbose=0), km.predict(X, verbose=0), atol=1e-6)
    assert [w.shape for w in lm.trainable_weights] == [w.shape for w in km.trainable_weights]
    for m, mod in ((km, keras), (lm, lamina)):
        m.compile(optimizer=mod.optimizers.SGD(0.1), loss="mse")
        m.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(km.get_weights(), lm.get_weights(), strict=True):
        np.testing.assert_allclose(b, a, atol=1e-5)


def test_state_rng_and_init_fn(keras):
    kwargs = {"params": PARAMS, "state": {"count": np.float32(0.0)}, "seed": 1}
    km, lm = _models(keras, stateful_call, **kwargs)
    for m in (km, lm):
        m.compile(optimizer="sgd", loss="mse")
        m.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    assert [float(w) for w in lm.non_trainable_weights[:1]] == [2.0]
    np.testing.assert_allclose(lm.predict(X, verbose=0), km.predict(X, verbose=0), atol=1e-5)
    layer = lamina.layers.JaxLayer(call_fn, init_fn=init_fn)
    assert layer(X).shape == (8, 2) and len(layer.trainable_weights) == 2


def test_weights_files_cross(keras, tmp_path):
    # (Keras's JaxLayer needs TensorFlow to build from `init_fn`, so the weights are given.)
    km, lm = _models(keras, call_fn, params=PARAMS)
    lm.set_weights([w + 1 for w in lm.get_weights()])
    km.save_weights(tmp_path / "k.weights.h5")
    lm.load_weights(tmp_path / "k.weights.h5")
    np.testing.assert_allclose(lm.predict(X, verbose=0), km.predict(X, verbose=0), atol=1e-6)
    lm.set_weights([w * 2 for w in lm.get_weights()])
    lm.save_weights(tmp_path / "l.weights.h5")
    km.load_weights(tmp_path / "l.weights.h5")
    np.testing.assert_allclose(km.predict(X, verbose=0), lm.predict(X, verbose=0), atol=1e-6)


def test_bad_functions_are_explained():
    with pytest.raises(ValueError, match="inputs"):
        lamina.layers.JaxLayer(lambda params, x: x, params=PARAMS)
    with pytest.raises(ValueError, match="cannot all be None"):
        lamina.layers.JaxLayer(call_fn)
