"""`layers.FlaxLayer` against Keras 3.15 (JAX backend): a Flax linen module with parameters and
batch statistics, the same variables give the same outputs and the same state updates; its
config; dropout keys in training; building from `module.init`."""

import numpy as np
import pytest

import lamina

jax = pytest.importorskip("jax")
nn = pytest.importorskip("flax.linen")

X = np.random.default_rng(2).normal(size=(3, 5)).astype("float32")


class _Net(nn.Module):
    @nn.compact
    def __call__(self, x, training=False):
        x = nn.Dense(4)(x)
        x = nn.BatchNorm(use_running_average=not training)(x)
        return nn.Dense(2)(nn.relu(x))


class _Small(nn.Module):
    features: int = 2

    def get_config(self):
        return {"features": self.features}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    @nn.compact
    def __call__(self, x):
        return nn.Dense(self.features)(x)


def test_flax_layer_matches_keras(keras):
    module = _Net()
    variables = module.init(jax.random.PRNGKey(0), X)
    kl = keras.layers.FlaxLayer(module, variables=variables)
    ll = lamina.layers.FlaxLayer(module, variables=variables)
    np.testing.assert_allclose(np.asarray(ll(X)), np.asarray(kl(X)), atol=1e-6)
    # Training mode updates the batch statistics (non-trainable state) the same way.
    np.testing.assert_allclose(
        np.asarray(ll(X, training=True)), np.asarray(kl(X, training=True)), atol=1e-6
    )
    assert [(tuple(w.shape), w.trainable) for w in ll.weights] == [
        (tuple(w.shape), w.trainable) for w in kl.weights
    ]
    for a, b in zip(kl.weights, ll.weights):
        np.testing.assert_allclose(np.asarray(b.value), np.asarray(a.value), atol=1e-6)
    assert len(ll.trainable_weights) == 6 and len(ll.non_trainable_weights) == 2


def test_flax_layer_config_matches_keras(keras):
    for k in (keras, lamina):
        k.saving.register_keras_serializable("flax_test")(_Small)
    variables = _Small().init(jax.random.PRNGKey(0), X)
    kl = keras.layers.FlaxLayer(_Small(), variables=variables, name="f")
    ll = lamina.layers.FlaxLayer(_Small(), variables=variables, name="f")
    kl(X), ll(X)
    assert ll.get_config() == kl.get_config()
    rebuilt = lamina.layers.FlaxLayer.from_config(ll.get_config())
    assert rebuilt(X).shape == (3, 2)


def test_flax_layer_builds_trains_and_drops_out():
    class Drop(nn.Module):
        @nn.compact
        def __call__(self, x, training=False):
            return nn.Dropout(0.5, deterministic=not training)(nn.Dense(4)(x))

    layer = lamina.layers.FlaxLayer(Drop(), seed=1)  # variables from `module.init`
    first, second = np.asarray(layer(X, training=True)), np.asarray(layer(X, training=True))
    assert not np.array_equal(first, second)  # a fresh dropout key per training call
    inference = np.asarray(layer(X))
    kept = first != 0
    np.testing.assert_allclose(first[kept], 2 * inference[kept], rtol=1e-5)
    model = lamina.Sequential([lamina.Input((5,)), lamina.layers.FlaxLayer(nn.Dense(1))])
    model.compile(lamina.optimizers.SGD(0.1), "mse")
    y = X @ np.array([[1.0], [0.0], [-1.0], [2.0], [0.5]], "float32")
    history = model.fit(X, y, epochs=5, verbose=0).history["loss"]
    assert history[-1] < history[0]
