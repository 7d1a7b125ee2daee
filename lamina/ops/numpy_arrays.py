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
    """An array of zeros (`floatx()` by default)."""
    return dispatch("zeros", jnp.zeros, shape, dtype=_dtype(dtype) or floatx())


def ones(shape, dtype=None):
    """An array of ones (`floatx()` by default)."""
    return dispatch("ones", jnp.ones, shape, dtype=_dtype(dtype) or floatx())


def full(shape, fill_value, dtype=None):
    """An array filled with `fill_value` (`floatx()` by default)."""
    return dispatch("full", jnp.full, shape, fill_value, dtype=_dtype(dtype) or floatx())


def empty(shape, dtype=None):
    """An array of the given shape (filled with zeros, as JAX has no uninitialized memory)."""
    return zeros(shape, dtype)


def zeros_like(x, dtype=None):
    """Zeros with the shape (and by default the dtype) of `x`."""
    return dispatch("zeros_like", _on_array(jnp.zeros_like), x, dtype=_dtype(dtype))


def ones_like(x, dtype=None):
    """Ones with the shape (and by default the dtype) of `x`."""
    return dispatch("ones_like", _on_array(jnp.ones_like), x, dtype=_dtype(dtype))


def full_like(x, fill_value, dtype=None):
    """`fill_value` with the shape (and by default the dtype) of `x`."""
    return dispatch("full_like", _on_array(jnp.full_like), x, fill_value, dtype=_dtype(dtype))


def eye(N: int, M: int | None = None, k: int = 0, dtype=None):
    """A 2-D array with ones on the `k`-th diagonal (`floatx()` by default)."""
    return jnp.eye(N, M, k=k, dtype=_dtype(dtype) or floatx())


def identity(n: int, dtype=None):
    """The `n` x `n` identity matrix (`floatx()` by default)."""
    return jnp.identity(n, dtype=_dtype(dtype) or floatx())


def tri(N: int, M: int | None = None, k: int = 0, dtype=None):
    """Ones at and below the `k`-th diagonal (`floatx()` by default)."""
    return jnp.tri(N, M, k=k, dtype=_dtype(dtype) or floatx())


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in `[start, stop)`; the dtype follows the arguments by default."""
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
    """`num` evenly spaced values from `start` to `stop`."""
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
    """`x` with the elements above the `k`-th diagonal zeroed."""
    return dispatch("tril", _on_array(jnp.tril), x, k=k)


def triu(x, k: int = 0):
    """`x` with the elements below the `k`-th diagonal zeroed."""
    return dispatch("triu", _on_array(jnp.triu), x, k=k)


def diag(x, k: int = 0):
    """The `k`-th diagonal of a matrix, or a diagonal matrix from a vector."""
    return dispatch("diag", _on_array(jnp.diag), x, k=k)


def diagonal(x, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """The diagonal of `x` over the two given axes."""
    return dispatch("diagonal", _on_array(jnp.diagonal), x, offset=offset, axis1=axis1, axis2=axis2)


# ---------------------------------------------------------------------------- shapes
def reshape(x, newshape):
    """`x` with a new shape (one dimension may be -1)."""
    return dispatch("reshape", _on_array(jnp.reshape), x, newshape)


def transpose(x, axes=None):
    """Permutes the axes (reverses them when `axes` is None)."""
    return dispatch("transpose", _on_array(jnp.transpose), x, axes)


def expand_dims(x, axis):
    """Inserts a length-1 axis at `axis` (an int or a tuple of ints)."""
    return dispatch("expand_dims", _on_array(jnp.expand_dims), x, axis)


def squeeze(x, axis=None):
    """Removes length-1 axes (all of them when `axis` is None)."""
    return dispatch("squeeze", _on_array(jnp.squeeze), x, axis=axis)


def ravel(x):
    """`x` flattened to one dimension."""
    return dispatch("ravel", _on_array(jnp.ravel), x)


def moveaxis(x, source, destination):
    """Moves axes to new positions."""
    return dispatch("moveaxis", _on_array(jnp.moveaxis), x, source, destination)


def swapaxes(x, axis1: int, axis2: int):
    """Interchanges two axes."""
    return dispatch("swapaxes", _on_array(jnp.swapaxes), x, axis1, axis2)


def broadcast_to(x, shape):
    """`x` broadcast to `shape`."""
    return dispatch("broadcast_to", _on_array(jnp.broadcast_to), x, shape)


def tile(x, repeats):
    """`x` repeated `repeats` times along each axis."""
    return dispatch("tile", _on_array(jnp.tile), x, repeats)


def repeat(x, repeats, axis=None):
    """Each element repeated `repeats` times (the flattened array when `axis` is None)."""
    return dispatch("repeat", _on_array(jnp.repeat), x, repeats, axis=axis)


def flip(x, axis=None):
    """Reverses the order of elements along `axis` (all axes when None)."""
    return dispatch("flip", _on_array(jnp.flip), x, axis=axis)


def roll(x, shift, axis=None):
    """Rolls elements along `axis` by `shift` places."""
    return dispatch("roll", _on_array(jnp.roll), x, shift, axis=axis)


def pad(x, pad_width, mode: str = "constant", constant_values=None):
    """Pads `x`; `constant_values` is only allowed with `mode="constant"`."""
    if constant_values is not None and mode != "constant":
        raise ValueError(
            "pad(): `constant_values` can only be given when `mode='constant'`; received "
            f"mode={mode!r}."
        )
    kwargs = {} if constant_values is None else {"constant_values": constant_values}
    return dispatch("pad", _on_array(jnp.pad), x, pad_width, mode=mode, **kwargs)


# ---------------------------------------------------------------------------- join and split
def concatenate(xs, axis: int = 0):
    """Joins a sequence of arrays along an existing axis."""
    return dispatch("concatenate", jnp.concatenate, list(xs), axis=axis)


def stack(x, axis: int = 0):
    """Joins a sequence of arrays along a new axis."""
    return dispatch("stack", jnp.stack, list(x), axis=axis)


def hstack(xs):
    """Stacks arrays horizontally (column-wise)."""
    return dispatch("hstack", jnp.hstack, list(xs))


def vstack(xs):
    """Stacks arrays vertically (row-wise)."""
    return dispatch("vstack", jnp.vstack, list(xs))


def append(x1, x2, axis=None):
    """`x2` appended to `x1` along `axis` (both flattened when None)."""
    return dispatch("append", jnp.append, x1, x2, axis=axis)


def split(x, indices_or_sections, axis: int = 0):
    """Splits into equal sections or at the given indices; returns a list."""
    return dispatch("split", _on_array(jnp.split), x, indices_or_sections, axis=axis)


def meshgrid(*x, indexing: str = "xy"):
    """Coordinate matrices from coordinate vectors."""
    return dispatch("meshgrid", jnp.meshgrid, *x, indexing=indexing)


# ---------------------------------------------------------------------------- indexing
def get_item(x, key):
    """`x[key]`: NumPy basic and advanced indexing. A list key is read as a tuple (one entry
    per axis), as Keras's `GetItem` does (it is how a saved key comes back)."""
    if isinstance(key, list):
        key = tuple(key)
    return dispatch("get_item", lambda x, key: x[key], x, key)


def take(x, indices, axis=None):
    """Elements of `x` at `indices` along `axis` (of the flattened array when None)."""
    return dispatch("take", lambda x, i: jnp.take(x, jnp.asarray(i), axis=axis), x, indices)


def take_along_axis(x, indices, axis=None):
    """Elements of `x` picked by matching `indices` along `axis`."""

    def fn(x, i):
        return jnp.take_along_axis(x, jnp.asarray(i), axis=axis)

    return dispatch("take_along_axis", fn, x, indices)


def searchsorted(sorted_sequence, values, side: str = "left"):
    """Indices where `values` would be inserted to keep `sorted_sequence` sorted."""
    return dispatch("search_sorted", jnp.searchsorted, sorted_sequence, values, side=side)


def digitize(x, bins):
    """Index of the bin each value of `x` falls in."""
    return dispatch("digitize", lambda x, b: jnp.digitize(x, b).astype("int32"), x, bins)


# ---------------------------------------------------------------------------- properties
def shape(x) -> tuple:
    """The shape as a tuple (`None` for unknown dimensions of symbolic tensors)."""
    return tuple(x.shape) if hasattr(x, "shape") else tuple(jnp.shape(x))


def ndim(x) -> int:
    """The number of dimensions (an int, also for symbolic tensors)."""
    return len(shape(x))


def size(x) -> int:
    """The number of elements (None if a dimension is unknown)."""
    dims = shape(x)
    if any(d is None for d in dims):
        return None
    out = 1
    for d in dims:
        out *= d
    return out
