"""Core `keras.ops`: conversion, casting, slicing, scatter, gradients and control flow."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core.symbolic import KerasTensor
from lamina.core.variable import Variable, standardize_dtype
from lamina.ops.operation import dispatch, unwrap


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """Converts an array-like (list, NumPy array, number, `Variable`, ...) to a tensor
    (a `jax.Array`).

    float64 NumPy data becomes float32, since JAX runs without 64-bit types by default. A symbolic
    tensor is returned as it is (cast when `dtype` is given).

    Args:
        x: the value to convert.
        dtype: dtype of the result; None infers it.
        sparse: must be falsy (lamina has no sparse tensors).
        ragged: must be falsy (lamina has no ragged tensors).

    Returns:
        A tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> t = ops.convert_to_tensor(np.array([1.0, 2.0]))
    >>> ops.is_tensor(t), ops.dtype(t)
    (True, 'float32')
    >>> ops.dtype(ops.convert_to_tensor([1, 2], dtype="float16"))
    'float16'
    """
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
    """Converts a tensor (or `Variable`) to a NumPy array.

    Args:
        x: the tensor.

    Returns:
        A `numpy.ndarray`.

    Example:
    >>> from lamina import ops
    >>> ops.convert_to_numpy(ops.ones((2,)))
    array([1., 1.], dtype=float32)
    """
    return np.asarray(unwrap(x))


def is_tensor(x) -> bool:
    """Whether `x` is a native tensor of the backend (a `jax.Array`).

    NumPy arrays, Python numbers and `Variable`s are not tensors in this sense.

    Args:
        x: any value.

    Returns:
        A bool.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.is_tensor(ops.ones(2)), ops.is_tensor(np.ones(2))
    (True, False)
    """
    return isinstance(x, jax.Array)


def dtype(x) -> str:
    """The dtype of `x` as a standardized string (`"float32"`, `"int32"`, ...).

    Args:
        x: a tensor, array, `Variable`, symbolic tensor or Python number.

    Returns:
        A string.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.dtype(ops.ones(2)), ops.dtype(np.arange(3, dtype="int32"))
    ('float32', 'int32')
    """
    if isinstance(x, (KerasTensor, Variable)):
        return standardize_dtype(x.dtype)
    return standardize_dtype(jnp.asarray(x).dtype)


def cast(x, dtype):
    """Converts `x` to another dtype (floats to integers truncate towards zero).

    Args:
        x: input tensor.
        dtype: the target dtype, e.g. `"int32"` or `"float16"`.

    Returns:
        A tensor of the shape of `x` with the new dtype.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.cast(np.array([1.7, -1.7]), "int32").tolist()
    [1, -1]
    """
    dtype = standardize_dtype(dtype)
    return dispatch("cast", lambda x: jnp.asarray(x).astype(dtype), x)


def stop_gradient(variable):
    """Returns its input unchanged, but no gradient flows back through it.

    Args:
        variable: a tensor.

    Returns:
        The same values, treated as a constant by differentiation.

    Example:
    >>> from lamina import ops
    >>> import jax
    >>> float(jax.grad(lambda x: x * ops.stop_gradient(x))(3.0))
    3.0
    """
    return dispatch("stop_gradient", jax.lax.stop_gradient, variable)


def slice(inputs, start_indices, shape):  # noqa: A001
    """A block of `inputs` of size `shape` that starts at `start_indices`.

    The start may be a traced value (inside a jitted function); the size must be static.

    Args:
        inputs: input tensor.
        start_indices: one start index per axis.
        shape: the size of the block along each axis.

    Returns:
        A tensor of the given shape.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.arange(12).reshape(3, 4)
    >>> ops.slice(x, (1, 1), (2, 2)).tolist()
    [[5, 6], [9, 10]]
    """
    return dispatch(
        "slice",
        lambda x, s: jax.lax.dynamic_slice(x, s, tuple(shape)),
        inputs,
        start_indices,
    )


def slice_update(inputs, start_indices, updates):
    """`inputs` with the block that starts at `start_indices` replaced by `updates`.

    Args:
        inputs: input tensor.
        start_indices: one start index per axis.
        updates: the new block (of the rank of `inputs`).

    Returns:
        A new tensor of the shape of `inputs` (the input is not modified).

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.slice_update(np.zeros((2, 3), "int32"), (0, 1), np.ones((2, 2), "int32")).tolist()
    [[0, 1, 1], [0, 1, 1]]
    """

    def fn(x, s, u):
        return jax.lax.dynamic_update_slice(x, jnp.asarray(u, x.dtype), s)

    return dispatch("slice_update", fn, inputs, start_indices, updates)


def scatter(indices, values, shape):
    """A tensor of zeros of the given shape with `values` added at `indices`
    (values sent to the same position are summed).

    Args:
        indices: integer tensor of shape `(n, k)`: `n` positions, each indexing the first `k` axes.
        values: tensor of shape `(n,) + shape[k:]`: what to put at each position.
        shape: the shape of the result.

    Returns:
        A tensor of the given shape.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.scatter(np.array([[0], [2], [2]]), np.array([1, 5, 5]), (4,)).tolist()
    [1, 0, 10, 0]
    """

    def fn(indices, values):
        values = jnp.asarray(values)
        zeros = jnp.zeros(shape, values.dtype)
        return zeros.at[tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))].add(values)

    return dispatch("scatter", fn, indices, values)


def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` written at `indices` (the input is not modified).

    Args:
        inputs: input tensor.
        indices: integer tensor of shape `(n, k)`: `n` positions, each indexing the first `k` axes
            of `inputs`.
        updates: tensor of shape `(n,) + inputs.shape[k:]`.
        reduction: None (replace), `"add"`, `"max"`, `"min"` or `"mul"`: how an update combines
            with the value already there.

    Returns:
        A new tensor of the shape of `inputs`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.zeros((2, 2), "int32")
    >>> ops.scatter_update(x, np.array([[0, 1], [1, 0]]), np.array([7, 8])).tolist()
    [[0, 7], [8, 0]]
    >>> ops.scatter_update(np.ones(3, "int32"), np.array([[1]]), np.array([5]), "add").tolist()
    [1, 6, 1]
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
    """Splits `x` into the list of its slices along `axis`.

    Args:
        x: input tensor.
        num: the number of slices (optional; `x.shape[axis]` is used).
        axis: the axis to unstack along.

    Returns:
        A list of tensors, each of `x`'s shape without `axis`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> [t.tolist() for t in ops.unstack(np.array([[1, 2], [3, 4]]), axis=1)]
    [[1, 3], [2, 4]]
    """

    def fn(x):
        return [jnp.squeeze(t, axis) for t in jnp.split(x, x.shape[axis], axis=axis)]

    return dispatch("unstack", fn, x)


def cond(pred, true_fn, false_fn):
    """Calls `true_fn()` if `pred` is true, else `false_fn()`.

    A Python or NumPy bool just picks the branch; a tensor `pred` (possibly traced) uses
    `jax.lax.cond`, in which case both branches must return the same structure, shapes and dtypes.

    Args:
        pred: a scalar boolean.
        true_fn: a function of no arguments.
        false_fn: a function of no arguments.

    Returns:
        The result of the branch that ran.

    Example:
    >>> from lamina import ops
    >>> ops.cond(ops.convert_to_tensor(True), lambda: 1, lambda: 2).tolist()
    1
    """
    if isinstance(pred, (bool, np.bool_)):
        return true_fn() if pred else false_fn()
    return dispatch("cond", lambda p: jax.lax.cond(p, true_fn, false_fn), pred)


def switch(index, branches, *operands):
    """Calls `branches[index](*operands)` (the index is clamped to the valid range).

    Args:
        index: a scalar integer (possibly traced).
        branches: a sequence of functions that all return the same structure, shapes and dtypes.
        *operands: the arguments passed to the chosen branch.

    Returns:
        The result of the chosen branch.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> branches = [lambda x: x + 1, lambda x: x * 10]
    >>> ops.switch(1, branches, np.array(3)).tolist()
    30
    """
    return dispatch("switch", lambda i, *ops: jax.lax.switch(i, branches, *ops), index, *operands)


def fori_loop(lower, upper, body_fun, init_val):
    """Runs `val = body_fun(i, val)` for `i` from `lower` to `upper - 1` and returns the
    final `val` (`jax.lax.fori_loop`).

    Args:
        lower: the first index.
        upper: the end index (excluded).
        body_fun: a function `(i, val) -> val` that keeps the structure, shapes and dtypes of
            `val`.
        init_val: the initial value (any nest of tensors).

    Returns:
        The final value.

    Example:
    >>> from lamina import ops
    >>> ops.fori_loop(0, 4, lambda i, total: total + i, 0).tolist()
    6
    """
    return jax.lax.fori_loop(lower, upper, body_fun, unwrap(init_val))


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Runs `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` is true
    (`jax.lax.while_loop`).

    Args:
        cond: a function of the loop variables that returns a scalar boolean.
        body: a function of the loop variables that returns new values of the same structure,
            shapes and dtypes.
        loop_vars: a tuple or list of tensors (a single tensor is passed and returned as itself).
        maximum_iterations: an optional upper bound on the number of iterations.

    Returns:
        The final loop variables, as a tuple (or the single tensor).

    Example:
    >>> from lamina import ops
    >>> i, s = ops.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2), (0, 1))
    >>> int(i), int(s)
    (3, 8)
    >>> int(ops.while_loop(lambda x: x < 100, lambda x: x * 3, 1, maximum_iterations=2))
    9
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
    """Loops `f` over the leading axis of `xs`, threading a carry: `carry, y = f(carry, x)`
    (`jax.lax.scan`).

    Args:
        f: a function `(carry, x) -> (new_carry, y)`; `new_carry` must match `carry` in structure,
            shapes and dtypes.
        init: the initial carry.
        xs: the sequence to loop over (a nest of tensors sharing their leading axis), or None to
            loop `length` times with `x = None`.
        length: the number of iterations when `xs` is None.
        reverse: whether to loop from the end.
        unroll: how many iterations to unroll in each step of the compiled loop.

    Returns:
        A tuple `(final_carry, ys)` with the `y`s stacked along a new leading axis.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> def running_sum(carry, x):
    ...     return carry + x, carry + x
    >>> carry, ys = ops.scan(running_sum, 0, np.array([1, 2, 3]))
    >>> int(carry), ys.tolist()
    (6, [1, 3, 6])
    """
    return jax.lax.scan(f, unwrap(init), unwrap(xs), length=length, reverse=reverse, unroll=unroll)


def map(f, xs):  # noqa: A001
    """Applies `f` to each slice of `xs` along its leading axis and stacks the results
    (`jax.lax.map`, a sequential loop).

    Args:
        f: a function of one slice.
        xs: a tensor (or nest of tensors sharing their leading axis).

    Returns:
        The stacked results.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.map(lambda row: row.sum(), np.array([[1, 2], [3, 4]])).tolist()
    [3, 7]
    """
    return jax.lax.map(f, unwrap(xs))


def vectorized_map(function, elements):
    """Applies `function` to each slice of `elements` along its leading axis, in
    parallel (`jax.vmap`), and stacks the results.

    Args:
        function: a function of one slice.
        elements: a tensor (or nest of tensors sharing their leading axis).

    Returns:
        The stacked results.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.vectorized_map(lambda v: v * v.sum(), np.array([[1, 2], [3, 4]])).tolist()
    [[3, 6], [21, 28]]
    """
    return jax.vmap(function)(unwrap(elements))


def custom_gradient(f):
    """Decorator that gives a function its own gradient.

    The decorated `f(*args)` returns `(y, grad_fn)`, where `grad_fn(upstream)` returns the
    gradients with respect to the arguments (one per argument, or a single value for one
    argument), as with Keras's JAX backend.

    Args:
        f: the function to decorate.

    Returns:
        A function with the value of `f` and the custom gradient.

    Example:
    >>> from lamina import ops
    >>> import jax
    >>> @ops.custom_gradient
    ... def clipped_square(x):
    ...     def grad_fn(upstream):
    ...         return upstream * ops.clip(2.0 * x, -1.0, 1.0)
    ...     return x * x, grad_fn
    >>> float(jax.grad(clipped_square)(3.0))
    1.0
    """

    @jax.custom_gradient
    def wrapper(*args):
        y, grad_fn = f(*args)

        def vjp(upstream):
            grads = grad_fn(upstream)
            return tuple(grads) if isinstance(grads, (list, tuple)) else (grads,)

        return y, vjp

    return wrapper
