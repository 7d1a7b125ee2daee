"""NumPy-like `keras.ops` that create arrays, change shapes, index, join and split.

Like the rest of `lamina.ops`, each function works on arrays, `Variable`s and symbolic tensors.
Floating-point creation functions default to `keras.config.floatx()`, as in Keras.
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.config import floatx
from lamina.core.variable import standardize_dtype
from lamina.ops.numpy import _t
from lamina.ops.operation import dispatch


def _on_array(fn):
    return lambda x, *args, **kwargs: fn(_t(x), *args, **kwargs)


def _dtype(dtype):
    return standardize_dtype(dtype) if dtype is not None else None


# ---------------------------------------------------------------------------- creation
def zeros(shape, dtype=None):
    """A new tensor of the given shape filled with zeros.

    Args:
        shape: the shape, an int or a tuple of ints.
        dtype: dtype of the result; None uses `keras.config.floatx()` (normally float32).

    Returns:
        A tensor of zeros.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.zeros((2, 3)))
    array([[0., 0., 0.],
           [0., 0., 0.]], dtype=float32)
    """
    return dispatch("zeros", jnp.zeros, shape, dtype=_dtype(dtype) or floatx())


def ones(shape, dtype=None):
    """A new tensor of the given shape filled with ones.

    Args:
        shape: the shape, an int or a tuple of ints.
        dtype: dtype of the result; None uses `keras.config.floatx()` (normally float32).

    Returns:
        A tensor of ones.

    Example:
    >>> from lamina import ops
    >>> ops.ones(3, dtype="int32").tolist()
    [1, 1, 1]
    """
    return dispatch("ones", jnp.ones, shape, dtype=_dtype(dtype) or floatx())


def full(shape, fill_value, dtype=None):
    """A new tensor of the given shape filled with `fill_value`.

    Args:
        shape: the shape, an int or a tuple of ints.
        fill_value: the value (or a tensor that broadcasts to `shape`).
        dtype: dtype of the result; None uses `keras.config.floatx()` (normally float32).

    Returns:
        The filled tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.full((2, 2), 7.0))
    array([[7., 7.],
           [7., 7.]], dtype=float32)
    """
    return dispatch("full", jnp.full, shape, fill_value, dtype=_dtype(dtype) or floatx())


def empty(shape, dtype=None):
    """A new tensor of the given shape whose values are not to be relied on (JAX has no
    uninitialized memory, so lamina fills it with zeros).

    Args:
        shape: the shape, an int or a tuple of ints.
        dtype: dtype of the result; None uses `keras.config.floatx()` (normally float32).

    Returns:
        A tensor of the given shape.

    Example:
    >>> from lamina import ops
    >>> ops.empty((2, 3)).shape
    (2, 3)
    """
    return zeros(shape, dtype)


def zeros_like(x, dtype=None):
    """Zeros with the shape (and, by default, the dtype) of `x`.

    Args:
        x: the tensor whose shape is used.
        dtype: dtype of the result; None keeps the dtype of `x`.

    Returns:
        A tensor of zeros.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.zeros_like(np.array([[1, 2, 3]])).tolist()
    [[0, 0, 0]]
    """
    return dispatch("zeros_like", _on_array(jnp.zeros_like), x, dtype=_dtype(dtype))


def ones_like(x, dtype=None):
    """Ones with the shape (and, by default, the dtype) of `x`.

    Args:
        x: the tensor whose shape is used.
        dtype: dtype of the result; None keeps the dtype of `x`.

    Returns:
        A tensor of ones.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.ones_like(np.array([[1, 2, 3]])).tolist()
    [[1, 1, 1]]
    """
    return dispatch("ones_like", _on_array(jnp.ones_like), x, dtype=_dtype(dtype))


def full_like(x, fill_value, dtype=None):
    """`fill_value` repeated to the shape (and, by default, the dtype) of `x`.

    Args:
        x: the tensor whose shape is used.
        fill_value: the value.
        dtype: dtype of the result; None keeps the dtype of `x`.

    Returns:
        The filled tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.full_like(np.array([1, 2, 3]), 9).tolist()
    [9, 9, 9]
    """
    return dispatch("full_like", _on_array(jnp.full_like), x, fill_value, dtype=_dtype(dtype))


def eye(N: int, M: int | None = None, k: int = 0, dtype=None):
    """A 2-D tensor with ones on a diagonal and zeros elsewhere.

    Args:
        N: the number of rows.
        M: the number of columns; None means `N`.
        k: the diagonal: 0 is the main one, positive above it, negative below it.
        dtype: dtype of the result; None uses `keras.config.floatx()` (normally float32).

    Returns:
        A tensor of shape `(N, M)`.

    Example:
    >>> from lamina import ops
    >>> ops.eye(2, 3, k=1, dtype="int32").tolist()
    [[0, 1, 0], [0, 0, 1]]
    """
    return jnp.eye(N, M, k=k, dtype=_dtype(dtype) or floatx())


def identity(n: int, dtype=None):
    """The `n` x `n` identity matrix.

    Args:
        n: the number of rows and columns.
        dtype: dtype of the result; None uses `keras.config.floatx()` (normally float32).

    Returns:
        A tensor of shape `(n, n)`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.identity(2))
    array([[1., 0.],
           [0., 1.]], dtype=float32)
    """
    return jnp.identity(n, dtype=_dtype(dtype) or floatx())


def tri(N: int, M: int | None = None, k: int = 0, dtype=None):
    """A matrix with ones at and below the `k`-th diagonal and zeros above it.

    Args:
        N: the number of rows.
        M: the number of columns; None means `N`.
        k: the diagonal: 0 is the main one, positive above it, negative below it.
        dtype: dtype of the result; None uses `keras.config.floatx()` (normally float32).

    Returns:
        A tensor of shape `(N, M)`.

    Example:
    >>> from lamina import ops
    >>> ops.tri(3, dtype="int32").tolist()
    [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    """
    return jnp.tri(N, M, k=k, dtype=_dtype(dtype) or floatx())


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in the half-open interval `[start, stop)`.

    Args:
        start: the first value; with `stop` None, it is the end instead and the range starts at 0.
        stop: the end (excluded).
        step: the spacing between values; None means 1.
        dtype: dtype of the result; None infers it from the arguments (ints give int32).

    Returns:
        A 1-D tensor.

    Example:
    >>> from lamina import ops
    >>> ops.arange(4).tolist()
    [0, 1, 2, 3]
    >>> ops.arange(1, 2, 0.25).tolist()
    [1.0, 1.25, 1.5, 1.75]
    """
    return dispatch("arange", jnp.arange, start, stop, step=step, dtype=_dtype(dtype))


def linspace(
    start,
    stop,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype=None,
    axis: int = 0,
):
    """`num` evenly spaced values from `start` to `stop`.

    Args:
        start: the first value.
        stop: the last value (included when `endpoint=True`).
        num: how many values.
        endpoint: whether `stop` is included.
        retstep: whether to also return the spacing.
        dtype: dtype of the result; None infers a float dtype.
        axis: where the new axis goes when `start`/`stop` are tensors.

    Returns:
        A tensor of `num` values, or `(values, step)` when `retstep=True`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.linspace(0.0, 1.0, num=5))
    array([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float32)
    >>> np.asarray(ops.linspace(0.0, 1.0, num=4, endpoint=False))
    array([0.  , 0.25, 0.5 , 0.75], dtype=float32)
    """
    return dispatch(
        "linspace",
        jnp.linspace,
        start,
        stop,
        num=num,
        endpoint=endpoint,
        retstep=retstep,
        dtype=_dtype(dtype),
        axis=axis,
    )


def tril(x, k: int = 0):
    """Lower triangle of `x`: the elements above the `k`-th diagonal are set to zero.

    Args:
        x: tensor of rank 2 or more (a batch of matrices over the last two axes).
        k: the diagonal: 0 is the main one, positive above it, negative below it.

    Returns:
        A tensor of the shape of `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.tril(np.array([[1, 2], [3, 4]])).tolist()
    [[1, 0], [3, 4]]
    """
    return dispatch("tril", _on_array(jnp.tril), x, k=k)


def triu(x, k: int = 0):
    """Upper triangle of `x`: the elements below the `k`-th diagonal are set to zero.

    Args:
        x: tensor of rank 2 or more (a batch of matrices over the last two axes).
        k: the diagonal: 0 is the main one, positive above it, negative below it.

    Returns:
        A tensor of the shape of `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.triu(np.array([[1, 2], [3, 4]])).tolist()
    [[1, 2], [0, 4]]
    """
    return dispatch("triu", _on_array(jnp.triu), x, k=k)


def diag(x, k: int = 0):
    """Extracts the `k`-th diagonal of a matrix, or builds a diagonal matrix from a vector.

    Args:
        x: a 1-D tensor (the diagonal to place) or a 2-D tensor (the matrix to read).
        k: the diagonal: 0 is the main one, positive above it, negative below it.

    Returns:
        A 1-D tensor for a matrix input, a 2-D tensor for a vector input.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.diag(np.array([[1, 2], [3, 4]])).tolist()
    [1, 4]
    >>> ops.diag(np.array([1, 2])).tolist()
    [[1, 0], [0, 2]]
    """
    return dispatch("diag", _on_array(jnp.diag), x, k=k)


def diagonal(x, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """The diagonal of `x` taken over two of its axes.

    Args:
        x: tensor of rank 2 or more.
        offset: the diagonal: 0 is the main one, positive above it, negative below it.
        axis1: the first axis of the matrices.
        axis2: the second axis of the matrices.

    Returns:
        A tensor with `axis1` and `axis2` removed and the diagonal as its last axis.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.diagonal(np.array([[1, 2, 3], [4, 5, 6]])).tolist()
    [1, 5]
    >>> ops.diagonal(np.array([[1, 2, 3], [4, 5, 6]]), offset=1).tolist()
    [2, 6]
    """
    return dispatch("diagonal", _on_array(jnp.diagonal), x, offset=offset, axis1=axis1, axis2=axis2)


# ---------------------------------------------------------------------------- shapes
def reshape(x, newshape):
    """Gives `x` a new shape with the same number of elements (read in row-major order).

    Args:
        x: input tensor.
        newshape: the new shape; one dimension may be -1, meaning whatever size fits.

    Returns:
        The reshaped tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.reshape(np.arange(6), (2, -1)).tolist()
    [[0, 1, 2], [3, 4, 5]]
    """
    return dispatch("reshape", _on_array(jnp.reshape), x, newshape)


def transpose(x, axes=None):
    """Permutes the axes of `x`.

    Args:
        x: input tensor.
        axes: the new order of the axes (a permutation of `range(ndim)`); None reverses them.

    Returns:
        The transposed tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.transpose(np.array([[1, 2, 3]])).tolist()
    [[1], [2], [3]]
    >>> ops.transpose(np.zeros((1, 2, 3)), axes=(2, 0, 1)).shape
    (3, 1, 2)
    """
    return dispatch("transpose", _on_array(jnp.transpose), x, axes)


def expand_dims(x, axis):
    """Inserts an axis of length 1 at position `axis`.

    Args:
        x: input tensor.
        axis: the position (in the result) of the new axis, or a tuple of positions.

    Returns:
        The tensor with one more dimension per new axis.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.expand_dims(np.array([1, 2]), 0).shape
    (1, 2)
    >>> ops.expand_dims(np.array([1, 2]), -1).shape
    (2, 1)
    """
    return dispatch("expand_dims", _on_array(jnp.expand_dims), x, axis)


def squeeze(x, axis=None):
    """Removes axes of length 1.

    Args:
        x: input tensor.
        axis: an axis or tuple of axes to remove (each must have length 1); None removes all
            length-1 axes.

    Returns:
        The squeezed tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.squeeze(np.zeros((1, 3, 1))).shape
    (3,)
    >>> ops.squeeze(np.zeros((1, 3, 1)), axis=0).shape
    (3, 1)
    """
    return dispatch("squeeze", _on_array(jnp.squeeze), x, axis=axis)


def ravel(x):
    """Flattens `x` to one dimension (in row-major order).

    Args:
        x: input tensor.

    Returns:
        A 1-D tensor with all the elements of `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.ravel(np.array([[1, 2], [3, 4]])).tolist()
    [1, 2, 3, 4]
    """
    return dispatch("ravel", _on_array(jnp.ravel), x)


def moveaxis(x, source, destination):
    """Moves axes of `x` to new positions, keeping the order of the others.

    Args:
        x: input tensor.
        source: the original position(s) of the axes to move (an int or a sequence of ints).
        destination: their new position(s), matching `source`.

    Returns:
        The tensor with its axes reordered.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.moveaxis(np.zeros((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    return dispatch("moveaxis", _on_array(jnp.moveaxis), x, source, destination)


def swapaxes(x, axis1: int, axis2: int):
    """Interchanges two axes of `x`.

    Args:
        x: input tensor.
        axis1: the first axis.
        axis2: the second axis.

    Returns:
        The tensor with the two axes swapped.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.swapaxes(np.zeros((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    return dispatch("swapaxes", _on_array(jnp.swapaxes), x, axis1, axis2)


def broadcast_to(x, shape):
    """Broadcasts `x` to a new shape (following NumPy's broadcasting rules).

    Args:
        x: input tensor.
        shape: the target shape.

    Returns:
        A tensor of the given shape.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.broadcast_to(np.array([1, 2]), (2, 2)).tolist()
    [[1, 2], [1, 2]]
    """
    return dispatch("broadcast_to", _on_array(jnp.broadcast_to), x, shape)


def tile(x, repeats):
    """Repeats the whole tensor `x` the given number of times along each axis.

    Args:
        x: input tensor.
        repeats: an int or a sequence of ints, one per axis (the shorter of `x`'s shape and
            `repeats` is padded with leading ones).

    Returns:
        The tiled tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.tile(np.array([1, 2]), 2).tolist()
    [1, 2, 1, 2]
    >>> ops.tile(np.array([1, 2]), (2, 1)).tolist()
    [[1, 2], [1, 2]]
    """
    return dispatch("tile", _on_array(jnp.tile), x, repeats)


def repeat(x, repeats, axis=None):
    """Repeats each element of `x` along `axis`.

    Args:
        x: input tensor.
        repeats: how many times each element appears: an int, or one count per element.
        axis: the axis along which to repeat; None flattens `x` first.

    Returns:
        The tensor with the repeated elements.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.repeat(np.array([1, 2]), 2).tolist()
    [1, 1, 2, 2]
    >>> ops.repeat(np.array([[1, 2]]), np.array([1, 3]), axis=1).tolist()
    [[1, 2, 2, 2]]
    """
    return dispatch("repeat", _on_array(jnp.repeat), x, repeats, axis=axis)


def flip(x, axis=None):
    """Reverses the order of the elements along `axis`.

    Args:
        x: input tensor.
        axis: an axis or tuple of axes to reverse; None reverses all of them.

    Returns:
        A tensor of the shape of `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.flip(np.array([[1, 2], [3, 4]]), axis=1).tolist()
    [[2, 1], [4, 3]]
    >>> ops.flip(np.array([[1, 2], [3, 4]])).tolist()
    [[4, 3], [2, 1]]
    """
    return dispatch("flip", _on_array(jnp.flip), x, axis=axis)


def roll(x, shift, axis=None):
    """Shifts the elements of `x` along `axis` by `shift` places; those moved past the end
    come back at the start.

    Args:
        x: input tensor.
        shift: the number of places (negative shifts the other way), or one per axis.
        axis: the axis (or axes) to roll along; None rolls the flattened tensor and restores the
            shape.

    Returns:
        A tensor of the shape of `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.roll(np.array([1, 2, 3, 4]), 1).tolist()
    [4, 1, 2, 3]
    """
    return dispatch("roll", _on_array(jnp.roll), x, shift, axis=axis)


def pad(x, pad_width, mode: str = "constant", constant_values=None):
    """Pads `x` with values around its edges.

    Args:
        x: input tensor.
        pad_width: the amount of padding: `((before_1, after_1), ..., (before_n, after_n))` per
            axis, or a single `(before, after)` pair or int for all axes.
        mode: `"constant"`, `"edge"`, `"reflect"`, `"symmetric"`, `"wrap"`, ... as in `numpy.pad`.
        constant_values: the fill value for `mode="constant"` (0 when None); only allowed with
            that mode.

    Returns:
        The padded tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.pad(np.array([1, 2]), (1, 2)).tolist()
    [0, 1, 2, 0, 0]
    >>> ops.pad(np.array([1, 2]), (1, 1), mode="edge").tolist()
    [1, 1, 2, 2]
    """
    if constant_values is not None and mode != "constant":
        raise ValueError(
            "pad(): `constant_values` can only be given when `mode='constant'`; received "
            f"mode={mode!r}."
        )
    kwargs = {} if constant_values is None else {"constant_values": constant_values}
    return dispatch("pad", _on_array(jnp.pad), x, pad_width, mode=mode, **kwargs)


# ---------------------------------------------------------------------------- join and split
def concatenate(xs, axis: int = 0):
    """Joins a sequence of tensors along an existing axis.

    Args:
        xs: a list of tensors with the same shape except along `axis`.
        axis: the axis to join along.

    Returns:
        The concatenated tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.concatenate([np.array([[1, 2]]), np.array([[3, 4]])], axis=0).tolist()
    [[1, 2], [3, 4]]
    """
    return dispatch("concatenate", jnp.concatenate, list(xs), axis=axis)


def stack(x, axis: int = 0):
    """Joins a sequence of tensors of the same shape along a new axis.

    Args:
        x: a list of tensors of the same shape.
        axis: the position of the new axis in the result.

    Returns:
        A tensor with one more dimension than the inputs.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.stack([np.array([1, 2]), np.array([3, 4])], axis=1).tolist()
    [[1, 3], [2, 4]]
    """
    return dispatch("stack", jnp.stack, list(x), axis=axis)


def hstack(xs):
    """Stacks tensors horizontally: along the second axis (the first for 1-D tensors).

    Args:
        xs: a list of tensors.

    Returns:
        The stacked tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.hstack([np.array([1, 2]), np.array([3])]).tolist()
    [1, 2, 3]
    """
    return dispatch("hstack", jnp.hstack, list(xs))


def vstack(xs):
    """Stacks tensors vertically: along the first axis (1-D tensors become rows).

    Args:
        xs: a list of tensors.

    Returns:
        The stacked tensor, at least 2-D.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.vstack([np.array([1, 2]), np.array([3, 4])]).tolist()
    [[1, 2], [3, 4]]
    """
    return dispatch("vstack", jnp.vstack, list(xs))


def append(x1, x2, axis=None):
    """Appends `x2` to the end of `x1` along `axis`.

    Args:
        x1: the first tensor.
        x2: the values to append.
        axis: the axis to append along; None flattens both tensors first.

    Returns:
        The joined tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.append(np.array([1, 2]), np.array([[3, 4]])).tolist()
    [1, 2, 3, 4]
    """
    return dispatch("append", jnp.append, x1, x2, axis=axis)


def split(x, indices_or_sections, axis: int = 0):
    """Splits `x` into several tensors along `axis`.

    Args:
        x: input tensor.
        indices_or_sections: an int (the number of equal parts; it must divide the axis) or a list
            of the indices where the parts start.
        axis: the axis to split along.

    Returns:
        A list of tensors.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> [p.tolist() for p in ops.split(np.arange(6), 3)]
    [[0, 1], [2, 3], [4, 5]]
    >>> [p.tolist() for p in ops.split(np.arange(6), [1, 4])]
    [[0], [1, 2, 3], [4, 5]]
    """
    return dispatch("split", _on_array(jnp.split), x, indices_or_sections, axis=axis)


def meshgrid(*x, indexing: str = "xy"):
    """Coordinate grids from 1-D coordinate vectors.

    Args:
        *x: the 1-D coordinate tensors.
        indexing: `"xy"` (Cartesian: the first two output axes are swapped) or `"ij"` (matrix
            indexing).

    Returns:
        A list of tensors, one per input, each of the full grid's shape.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> xs, ys = ops.meshgrid(np.array([1, 2, 3]), np.array([10, 20]))
    >>> xs.tolist(), ys.tolist()
    ([[1, 2, 3], [1, 2, 3]], [[10, 10, 10], [20, 20, 20]])
    """
    return dispatch("meshgrid", jnp.meshgrid, *x, indexing=indexing)


# ---------------------------------------------------------------------------- indexing
def get_item(x, key):
    """`x[key]`: NumPy basic and advanced indexing as a function.

    A list key is read as a tuple (one entry per axis), as Keras's `GetItem` operation does (that
    is how a saved key comes back from a model file).

    Args:
        x: input tensor.
        key: an int, slice, tensor of indices, boolean mask, `None`, `Ellipsis`, or a tuple of
            these.

    Returns:
        The selected elements.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.array([[1, 2, 3], [4, 5, 6]])
    >>> ops.get_item(x, (1, slice(0, 2))).tolist()
    [4, 5]
    """
    if isinstance(key, list):
        key = tuple(key)
    return dispatch("get_item", lambda x, key: x[key], x, key)


def take(x, indices, axis=None):
    """Elements of `x` at the given indices along `axis`.

    Args:
        x: input tensor.
        indices: integer tensor of indices.
        axis: the axis to take along; None uses the flattened tensor.

    Returns:
        A tensor with `axis` replaced by the shape of `indices`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.array([[1, 2], [3, 4]])
    >>> ops.take(x, np.array([1, 0]), axis=0).tolist()
    [[3, 4], [1, 2]]
    >>> ops.take(x, np.array([3])).tolist()
    [4]
    """
    return dispatch("take", lambda x, i: jnp.take(x, jnp.asarray(i), axis=axis), x, indices)


def take_along_axis(x, indices, axis=None):
    """Elements of `x` picked by matching positions in `indices` along `axis`
    (for example the result of `argsort` or `argmax` with `keepdims`).

    Args:
        x: input tensor.
        indices: integer tensor of the same rank as `x` (other axes broadcast).
        axis: the axis to pick along; None uses the flattened tensor.

    Returns:
        A tensor of the shape of `indices` (broadcast).

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.array([[10, 30, 20], [60, 40, 50]])
    >>> ops.take_along_axis(x, np.array([[1], [0]]), axis=1).tolist()
    [[30], [60]]
    """

    def fn(x, i):
        return jnp.take_along_axis(x, jnp.asarray(i), axis=axis)

    return dispatch("take_along_axis", fn, x, indices)


def searchsorted(sorted_sequence, values, side: str = "left"):
    """Indices at which `values` would be inserted in `sorted_sequence` to keep it sorted.

    Args:
        sorted_sequence: a sorted 1-D tensor.
        values: the values to place.
        side: `"left"` (the first suitable index) or `"right"` (the last one).

    Returns:
        An integer tensor of the shape of `values`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.searchsorted(np.array([1, 3, 5]), np.array([0, 3, 6])).tolist()
    [0, 1, 3]
    >>> ops.searchsorted(np.array([1, 3, 5]), np.array([3]), side="right").tolist()
    [2]
    """
    return dispatch("search_sorted", jnp.searchsorted, sorted_sequence, values, side=side)


def digitize(x, bins):
    """Index of the bin each value of `x` falls in: `i` such that
    `bins[i - 1] <= x < bins[i]` (for increasing `bins`).

    Args:
        x: input tensor.
        bins: a sorted 1-D tensor of bin edges.

    Returns:
        An int32 tensor of the shape of `x` (0 below the first edge, `len(bins)` above the last).

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.digitize(np.array([0.5, 1.0, 2.5, 9.0]), np.array([1.0, 2.0, 3.0])).tolist()
    [0, 1, 2, 3]
    """
    return dispatch("digitize", lambda x, b: jnp.digitize(x, b).astype("int32"), x, bins)


# ---------------------------------------------------------------------------- properties
def shape(x) -> tuple:
    """The shape of `x` as a tuple of ints.

    Works for symbolic tensors too, where unknown dimensions (such as the batch size) are None.

    Args:
        x: a tensor, array or symbolic tensor.

    Returns:
        A tuple.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.shape(np.zeros((2, 3)))
    (2, 3)
    >>> import lamina
    >>> ops.shape(lamina.Input((3,)))
    (None, 3)
    """
    return tuple(x.shape) if hasattr(x, "shape") else tuple(jnp.shape(x))


def ndim(x) -> int:
    """The number of dimensions of `x`.

    Args:
        x: a tensor, array or symbolic tensor.

    Returns:
        An int.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.ndim(np.zeros((2, 3)))
    2
    """
    return len(shape(x))


def size(x) -> int:
    """The number of elements of `x`.

    Args:
        x: a tensor, array or symbolic tensor.

    Returns:
        An int, or None when a dimension is unknown (a symbolic batch size).

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.size(np.zeros((2, 3)))
    6
    """
    dims = shape(x)
    if any(d is None for d in dims):
        return None
    out = 1
    for d in dims:
        out *= d
    return out
