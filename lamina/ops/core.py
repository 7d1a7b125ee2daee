"""Core `keras.ops`: conversion, casting, slicing, scatter, gradients and control flow."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core.symbolic import KerasTensor
from lamina.core.variable import Variable, standardize_dtype
from lamina.ops.operation import dispatch, unwrap


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """A `jax.Array` from an array-like or a `Variable` (float64 becomes float32 without x64)."""
    if sparse or ragged:
        raise ValueError("convert_to_tensor(): sparse and ragged tensors are not supported.")
    if isinstance(x, KerasTensor):
        return x if dtype is None else cast(x, dtype)
    x = unwrap(x)
    if dtype is not None:
        return jnp.asarray(x, dtype=standardize_dtype(dtype))
    if isinstance(x, (np.ndarray, np.generic)) and x.dtype == np.float64:
        return jnp.asarray(x, dtype="float32")
    return jnp.asarray(x)


def convert_to_numpy(x) -> np.ndarray:
    """A NumPy array copy of an array or `Variable`."""
    return np.asarray(unwrap(x))


def is_tensor(x) -> bool:
    """Whether `x` is a native tensor (a `jax.Array`)."""
    return isinstance(x, jax.Array)


def dtype(x) -> str:
    """The standardized dtype name of `x` (`'float32'`, `'int32'`, ...)."""
    if isinstance(x, (KerasTensor, Variable)):
        return standardize_dtype(x.dtype)
    return standardize_dtype(jnp.asarray(x).dtype)


def cast(x, dtype):
    """`x` converted to `dtype`."""
    dtype = standardize_dtype(dtype)
    return dispatch("cast", lambda x: jnp.asarray(x).astype(dtype), x)


def stop_gradient(variable):
    """The same value, with no gradient flowing back through it."""
    return dispatch("stop_gradient", jax.lax.stop_gradient, variable)


def slice(inputs, start_indices, shape):  # noqa: A001
    """The sub-array of `shape` starting at `start_indices` (which may be traced)."""
    return dispatch(
        "slice",
        lambda x, s: jax.lax.dynamic_slice(x, s, tuple(shape)),
        inputs,
        start_indices,
    )


def slice_update(inputs, start_indices, updates):
    """`inputs` with the block at `start_indices` replaced by `updates`."""

    def fn(x, s, u):
        return jax.lax.dynamic_update_slice(x, jnp.asarray(u, x.dtype), s)

    return dispatch("slice_update", fn, inputs, start_indices, updates)


def scatter(indices, values, shape):
    """A zero array of `shape` with `values` added at `indices` (duplicates are summed)."""

    def fn(indices, values):
        values = jnp.asarray(values)
        zeros = jnp.zeros(shape, values.dtype)
        return zeros.at[tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))].add(values)

    return dispatch("scatter", fn, indices, values)


def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` written at `indices` (last axis of `indices` indexes `inputs`).

    `reduction` may be None (replace), "add", "max", "min" or "mul".
    """
    method = {None: "set", "add": "add", "max": "max", "min": "min", "mul": "multiply"}
    if reduction not in method:
        raise ValueError(
            f"scatter_update(): `reduction` must be one of {list(method)}; received {reduction!r}."
        )

    def fn(x, indices, updates):
        at = jnp.asarray(x).at[tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))]
        return getattr(at, method[reduction])(updates)

    return dispatch("scatter_update", fn, inputs, indices, updates)


def unstack(x, num=None, axis: int = 0):
    """The slices of `x` along `axis`, as a list."""

    def fn(x):
        return [jnp.squeeze(t, axis) for t in jnp.split(x, x.shape[axis], axis=axis)]

    return dispatch("unstack", fn, x)


def cond(pred, true_fn, false_fn):
    """`true_fn()` if `pred` else `false_fn()`; a traced `pred` uses `jax.lax.cond`."""
    if isinstance(pred, (bool, np.bool_)):
        return true_fn() if pred else false_fn()
    return dispatch("cond", lambda p: jax.lax.cond(p, true_fn, false_fn), pred)


def switch(index, branches, *operands):
    """Applies `branches[index]` to `operands` (`jax.lax.switch`)."""
    return dispatch("switch", lambda i, *ops: jax.lax.switch(i, branches, *ops), index, *operands)


def fori_loop(lower, upper, body_fun, init_val):
    """`val = body_fun(i, val)` for `i` in `range(lower, upper)`."""
    return jax.lax.fori_loop(lower, upper, body_fun, unwrap(init_val))


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Runs `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`; a tuple in, a tuple out.

    A single array (not a list or tuple) for `loop_vars` is passed and returned as itself.
    """
    single = not isinstance(loop_vars, (list, tuple))
    state = (unwrap(loop_vars),) if single else tuple(unwrap(loop_vars))

    def wrap(out):
        return (out,) if single else tuple(out)

    if maximum_iterations is None:
        out = jax.lax.while_loop(lambda s: cond(*s), lambda s: wrap(body(*s)), state)
        return out[0] if single else out

    def c(carry):
        i, s = carry
        return jnp.logical_and(i < maximum_iterations, cond(*s))

    def b(carry):
        i, s = carry
        return i + 1, wrap(body(*s))

    _, out = jax.lax.while_loop(c, b, (0, state))
    return out[0] if single else out


def scan(f, init, xs=None, length=None, reverse: bool = False, unroll=1):
    """`jax.lax.scan`: `carry, y = f(carry, x)` over the leading axis of `xs`."""
    return jax.lax.scan(f, unwrap(init), unwrap(xs), length=length, reverse=reverse, unroll=unroll)


def map(f, xs):  # noqa: A001
    """`f` applied to each slice of `xs` along the leading axis, results stacked."""
    return jax.lax.map(f, unwrap(xs))


def vectorized_map(function, elements):
    """`function` vectorized over the leading axis of `elements` (`jax.vmap`)."""
    return jax.vmap(function)(unwrap(elements))


def custom_gradient(f):
    """Decorator: `f(*args)` returns `(y, grad_fn)` where `grad_fn(upstream)` gives the
    gradients of the arguments (as in Keras's JAX backend)."""

    @jax.custom_gradient
    def wrapper(*args):
        y, grad_fn = f(*args)

        def vjp(upstream):
            grads = grad_fn(upstream)
            return tuple(grads) if isinstance(grads, (list, tuple)) else (grads,)

        return y, vjp

    return wrapper
