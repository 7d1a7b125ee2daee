"""lamina.utils: to_categorical, normalize, set_random_seed."""

import random

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina.utils as utils
from lamina.core import random as lamina_random


def test_to_categorical_matches_numpy_eye():
    labels = np.array([0, 3, 1, 2, 3])
    out = utils.to_categorical(labels)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    np.testing.assert_array_equal(out, np.eye(4)[labels])
    out = utils.to_categorical(labels, num_classes=6)
    np.testing.assert_array_equal(out, np.eye(6)[labels])


def test_to_categorical_shapes():
    assert utils.to_categorical([[1], [2]]).shape == (2, 3)  # trailing 1 dropped
    assert utils.to_categorical([1]).shape == (1, 2)  # a 1-D input keeps its axis
    assert utils.to_categorical(3, 5).shape == (5,)
    assert utils.to_categorical(np.zeros((2, 3), int), 4).shape == (2, 3, 4)
    assert utils.to_categorical(np.zeros((0,), int), 3).shape == (0, 3)


def test_to_categorical_jax_input():
    out = utils.to_categorical(jnp.array([[0], [2], [1]]), 3)
    assert isinstance(out, jax.Array) and out.dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(out), np.eye(3)[[0, 2, 1]])
    assert utils.to_categorical(jnp.array([0, 4])).shape == (2, 5)


def test_normalize_numpy():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 1.0]])
    out = utils.normalize(x)
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0], [2**-0.5, 2**-0.5]])
    np.testing.assert_allclose(np.linalg.norm(utils.normalize(x, axis=0), axis=0), [1.0, 1.0])
    np.testing.assert_allclose(utils.normalize(x, order=1)[0], [3 / 7, 4 / 7])
    assert utils.normalize(np.array([3.0, 4.0])).shape == (2,)


def test_normalize_jax():
    out = utils.normalize(jnp.array([[3.0, 4.0], [0.0, 0.0]]))
    assert isinstance(out, jax.Array)
    np.testing.assert_allclose(np.asarray(out), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    out = utils.normalize(jnp.array([[3, 4]]), order=1)
    assert out.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(out), [[3 / 7, 4 / 7]], rtol=1e-6)
    with pytest.raises(ValueError, match="order"):
        utils.normalize(jnp.ones(3), order=0)


def test_set_random_seed_repeats_python_and_numpy_draws():
    utils.set_random_seed(1234)
    first = (random.random(), np.random.rand(3), lamina_random.make_default_seed())
    utils.set_random_seed(1234)
    second = (random.random(), np.random.rand(3), lamina_random.make_default_seed())
    assert first[0] == second[0]
    np.testing.assert_array_equal(first[1], second[1])
    assert first[2] == second[2]
    utils.set_random_seed(4321)
    assert random.random() != first[0]


@pytest.mark.parametrize("bad", [1.5, "3", None, True])
def test_set_random_seed_rejects_non_int(bad):
    with pytest.raises(ValueError, match="seed"):
        utils.set_random_seed(bad)


def test_set_random_seed_rejects_out_of_range():
    with pytest.raises(ValueError, match="seed"):
        utils.set_random_seed(-1)
