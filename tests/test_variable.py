"""Variable, the state scope and seed generators."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina as keras
from lamina.core import state
from lamina.core.random import SeedGenerator
from lamina.core.variable import Variable


def test_value_shape_dtype_and_assign():
    v = Variable(np.ones((2, 3)), name="w")
    assert v.shape == (2, 3) and v.dtype == "float32" and v.path == "w"
    v.assign(np.full((2, 3), 2.0))
    np.testing.assert_array_equal(v.numpy(), np.full((2, 3), 2.0))
    v.assign_add(np.ones((2, 3)))
    v.assign_sub(np.full((2, 3), 0.5))
    np.testing.assert_allclose(np.asarray(v), np.full((2, 3), 2.5))


def test_callable_initializer_needs_shape():
    with pytest.raises(ValueError, match="shape"):
        Variable(lambda shape, dtype=None: jnp.zeros(shape), name="w")
    v = Variable("ones", shape=(4,), name="b")
    np.testing.assert_array_equal(v.numpy(), np.ones(4))


def test_assign_wrong_shape_names_the_variable():
    v = Variable(np.zeros((2, 2)), name="kernel")
    with pytest.raises(ValueError, match=r"'kernel'.*\(2, 2\).*\(3,\)"):
        v.assign(np.zeros(3))


def test_name_with_slash_is_rejected():
    with pytest.raises(ValueError, match="/"):
        Variable(np.zeros(2), name="a/b")


def test_state_scope_reads_and_writes_do_not_touch_the_variable():
    v = Variable(np.zeros(3), name="v")
    with state.StateScope([(v, jnp.ones(3))]) as scope:
        np.testing.assert_array_equal(np.asarray(v.value), np.ones(3))
        v.assign(jnp.full(3, 5.0))
        np.testing.assert_array_equal(np.asarray(scope.get(v)), np.full(3, 5.0))
    np.testing.assert_array_equal(v.numpy(), np.zeros(3))


def test_pure_function_of_variables_under_jit():
    v = Variable(np.ones(3), name="v")

    @jax.jit
    def f(value, x):
        with state.StateScope([(v, value)]) as scope:
            v.assign(v.value * x)
            return scope.get(v)

    np.testing.assert_array_equal(np.asarray(f(jnp.ones(3), 3.0)), np.full(3, 3.0))
    np.testing.assert_array_equal(v.numpy(), np.ones(3))


def test_operators_and_jax_interop():
    v = Variable(np.array([1.0, 2.0]), name="v")
    np.testing.assert_allclose(np.asarray(v + 1), [2, 3])
    np.testing.assert_allclose(np.asarray(2 * v), [2, 4])
    np.testing.assert_allclose(np.asarray(jnp.sum(v.value)), 3.0)
    np.testing.assert_allclose(np.asarray(jnp.ones(2) @ v), 3.0)
    np.testing.assert_allclose(np.asarray(v @ v), 5.0)


def test_seed_generator_is_deterministic_and_advances():
    a, b = SeedGenerator(7), SeedGenerator(7)
    k1, k2 = a.next(), a.next()
    assert not np.array_equal(np.asarray(k1), np.asarray(k2))
    np.testing.assert_array_equal(np.asarray(b.next()), np.asarray(k1))


def test_seed_generator_state_follows_the_scope():
    gen = SeedGenerator(3)
    before = np.asarray(gen.state.value)
    with state.StateScope([(gen.state, gen.state.value)]):
        gen.next()
    np.testing.assert_array_equal(np.asarray(gen.state.value), before)


def test_set_random_seed_makes_weights_reproducible():
    def weights():
        keras.utils.set_random_seed(123)
        m = keras.Sequential([keras.layers.Dense(4, input_shape=(3,)), keras.layers.Dense(2)])
        return m.get_weights()

    for a, b in zip(weights(), weights()):
        np.testing.assert_array_equal(a, b)
