"""lamina.utils against real Keras (test-only oracle)."""

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras")

import lamina.utils as utils  # noqa: E402

CATEGORICAL_CASES = [
    ([0, 1, 2, 3], None),
    ([0, 1, 2, 3], 6),
    ([[1], [2], [0]], None),
    ([[1], [2], [0]], 4),
    ([1], None),
    (3, 5),
    (np.array([[0, 1], [2, 1]]), None),
    (np.array([[[0], [1]], [[2], [1]]]), 3),
    (np.array([1.7, 2.2]), 3),
    ([1, -1], 3),
    (np.zeros((0,), dtype=int), 3),
]


@pytest.mark.parametrize("x, num_classes", CATEGORICAL_CASES)
def test_to_categorical_matches_keras(x, num_classes):
    expected = keras.utils.to_categorical(x, num_classes)
    got = utils.to_categorical(x, num_classes)
    assert type(got) is type(expected)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("x", [jnp.array([0, 2, 1]), jnp.array([[0], [2]]), jnp.ones((2, 3), int)])
def test_to_categorical_jax_matches_keras(x):
    expected = keras.utils.to_categorical(x, 3)
    got = utils.to_categorical(x, 3)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("axis", [-1, 1])
def test_normalize_numpy_matches_keras(axis, order):
    x = np.random.RandomState(0).randn(4, 5)
    x[1] = 0.0
    np.testing.assert_allclose(
        utils.normalize(x, axis=axis, order=order),
        keras.utils.normalize(x, axis=axis, order=order),
        rtol=1e-12,
    )


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("axis", [-1, 0])
def test_normalize_jax_matches_keras(axis, order):
    x = jnp.asarray(np.random.RandomState(0).randn(4, 5).astype("float32")).at[1].set(0.0)
    np.testing.assert_allclose(
        np.asarray(utils.normalize(x, axis=axis, order=order)),
        np.asarray(keras.utils.normalize(x, axis=axis, order=order)),
        rtol=1e-6,
    )


def test_set_random_seed_matches_keras_draws():
    import random

    keras.utils.set_random_seed(99)
    expected = (random.random(), np.random.rand(4))
    utils.set_random_seed(99)
    got = (random.random(), np.random.rand(4))
    assert got[0] == expected[0]
    np.testing.assert_array_equal(got[1], expected[1])
