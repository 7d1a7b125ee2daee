"""`keras.random`: distributions, seeds (int, SeedGenerator, None) and use inside training."""

import numpy as np
import pytest

import lamina as keras
from lamina import random


def test_distributions_have_the_requested_moments_and_ranges():
    n = random.normal((20000,), mean=2.0, stddev=3.0, seed=1)
    assert abs(float(n.mean()) - 2.0) < 0.1 and abs(float(n.std()) - 3.0) < 0.1
    u = np.asarray(random.uniform((20000,), minval=-1.0, maxval=3.0, seed=2))
    assert u.min() >= -1.0 and u.max() < 3.0 and abs(u.mean() - 1.0) < 0.05
    t = np.asarray(random.truncated_normal((20000,), mean=1.0, stddev=0.5, seed=3))
    assert t.min() >= 0.0 and t.max() <= 2.0
    r = np.asarray(random.randint((1000,), 3, 7, seed=4))
    assert r.dtype == np.int32 and set(np.unique(r)) == {3, 4, 5, 6}
    g = np.asarray(random.gamma((20000,), alpha=2.0, seed=5))
    assert abs(g.mean() - 2.0) < 0.1
    b = np.asarray(random.beta((20000,), 2.0, 6.0, seed=6))
    assert abs(b.mean() - 0.25) < 0.01
    k = np.asarray(random.binomial((20000,), 10, 0.3, seed=7))
    assert abs(k.mean() - 3.0) < 0.1 and k.max() <= 10
    assert random.normal((2, 3), dtype="float16", seed=1).dtype == np.float16


def test_seeds():
    np.testing.assert_array_equal(random.normal((5,), seed=3), random.normal((5,), seed=3))
    assert not np.allclose(random.normal((5,), seed=3), random.normal((5,), seed=4))
    gen = random.SeedGenerator(11)
    a, b = random.uniform((5,), seed=gen), random.uniform((5,), seed=gen)
    assert not np.allclose(a, b)  # the generator advanced
    np.testing.assert_array_equal(a, random.uniform((5,), seed=random.SeedGenerator(11)))
    keras.utils.set_random_seed(9)
    first = random.normal((4,))
    keras.utils.set_random_seed(9)
    np.testing.assert_array_equal(first, random.normal((4,)))
    with pytest.raises(ValueError, match="seed"):
        random.normal((2,), seed="abc")


def test_dropout_categorical_shuffle():
    x = np.ones((200, 50), "float32")
    out = np.asarray(random.dropout(x, 0.25, seed=1))
    assert set(np.unique(out)) <= {np.float32(0.0), np.float32(1.0 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.02
    shared = np.asarray(random.dropout(x, 0.5, noise_shape=(None, 1), seed=2))
    assert all(len(set(row)) == 1 for row in shared)  # one decision per row
    logits = np.log(np.array([[0.01, 0.98, 0.01], [0.98, 0.01, 0.01]], "float32"))
    picks = np.asarray(random.categorical(logits, 200, seed=3))
    assert picks.shape == (2, 200) and (picks[0] == 1).mean() > 0.9 and (picks[1] == 0).mean() > 0.9
    perm = np.asarray(random.shuffle(np.arange(10), seed=4))
    assert sorted(perm) == list(range(10)) and list(perm) != list(range(10))


def test_sampling_layer_with_a_seed_generator_trains():
    """The VAE pattern: a layer drawing noise with `keras.random.normal` in `call`."""

    class Sampling(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            mean, log_var = inputs
            eps = keras.random.normal(keras.ops.shape(mean), seed=self.seed_generator)
            return mean + keras.ops.exp(0.5 * log_var) * eps

    inp = keras.Input((4,))
    mean = keras.layers.Dense(2)(inp)
    log_var = keras.layers.Dense(2)(inp)
    z = Sampling()([mean, log_var])
    model = keras.Model(inp, keras.layers.Dense(1)(z))
    # A learning rate at which learning beats the noise within 15 epochs (at Adam's default
    # the loss is dominated by the noise drawn, so "last < first" would be a matter of luck).
    model.compile(keras.optimizers.Adam(0.05), "mse")
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0).history["loss"]
    assert np.mean(history[-3:]) < 0.5 * history[0]
    a, b = model.predict(x[:4], verbose=0), model.predict(x[:4], verbose=0)
    assert not np.allclose(a, b)  # fresh noise at every call, from the generator's state


def test_seed_none_inside_a_traced_step_is_refused():
    class Bad(keras.layers.Layer):
        def call(self, x):
            return x + keras.random.normal(keras.ops.shape(x))

    model = keras.Sequential([keras.Input((2,)), Bad()])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="SeedGenerator"):
        model.fit(np.ones((4, 2), "float32"), np.ones((4, 2), "float32"), verbose=0)
