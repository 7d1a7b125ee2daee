"""NaN-aware reductions, quantiles, histograms and spaced ranges among `keras.ops`, thin
`jax.numpy` wrappers following Keras's JAX backend (see `lamina.ops.operation` for symbolic
tensors)."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.config import floatx
from lamina.core.variable import standardize_dtype
from lamina.ops.numpy import _document
from lamina.ops.operation import dispatch

_AXIS = (
    "x: input tensor.",
    "axis: an axis or tuple of axes to reduce; None (the default) reduces over all of them.",
    "keepdims: whether to keep the reduced axes, with size 1.",
)


def _reduction(name: str, fn, doc: str, returns: str = "The reduced tensor."):
    def op(x, axis=None, keepdims=False):
        return dispatch(name, lambda x, axis, k: fn(x, axis=axis, keepdims=k), x, axis, keepdims)

    op.__name__ = op.__qualname__ = name
    _document(op, doc, _AXIS, returns)
    return op


nanmax = _reduction(
    "nanmax",
    jnp.nanmax,
    """Largest element over `axis`, ignoring NaN (NaN only where all elements are NaN).

    >>> ops.nanmax(np.array([[1.0, np.nan], [3.0, 2.0]]), axis=1).tolist()
    [1.0, 3.0]
    """,
)
nanmin = _reduction(
    "nanmin",
    jnp.nanmin,
    """Smallest element over `axis`, ignoring NaN (NaN only where all elements are NaN).

    >>> ops.nanmin(np.array([[1.0, np.nan], [3.0, 2.0]]), axis=1).tolist()
    [1.0, 2.0]
    """,
)
nanmean = _reduction(
    "nanmean",
    jnp.nanmean,
    """Arithmetic mean over `axis` of the elements that are not NaN.

    >>> ops.nanmean(np.array([1.0, np.nan, 3.0])).tolist()
    2.0
    """,
)
nanmedian = _reduction(
    "nanmedian",
    jnp.nanmedian,
    """Median over `axis` of the elements that are not NaN.

    >>> ops.nanmedian(np.array([1.0, np.nan, 3.0, 10.0])).tolist()
    3.0
    """,
)
nanprod = _reduction(
    "nanprod",
    jnp.nanprod,
    """Product over `axis`, counting NaN as one.

    >>> ops.nanprod(np.array([2.0, np.nan, 3.0])).tolist()
    6.0
    """,
)
nansum = _reduction(
    "nansum",
    jnp.nansum,
    """Sum over `axis`, counting NaN as zero.

    >>> ops.nansum(np.array([2.0, np.nan, 3.0])).tolist()
    5.0
    """,
)
nanstd = _reduction(
    "nanstd",
    jnp.nanstd,
    """Population standard deviation over `axis` of the elements that are not NaN.

    >>> ops.nanstd(np.array([1.0, np.nan, 3.0])).tolist()
    1.0
    """,
)
nanvar = _reduction(
    "nanvar",
    jnp.nanvar,
    """Population variance over `axis` of the elements that are not NaN.

    >>> ops.nanvar(np.array([1.0, np.nan, 3.0])).tolist()
    1.0
    """,
)
nanargmax = _reduction(
    "nanargmax",
    jnp.nanargmax,
    """Index of the largest element along `axis`, ignoring NaN (flat index when `axis` is
    None).

    >>> ops.nanargmax(np.array([1.0, np.nan, 3.0])).tolist()
    2
    """,
    returns="An integer tensor of indices.",
)
nanargmin = _reduction(
    "nanargmin",
    jnp.nanargmin,
    """Index of the smallest element along `axis`, ignoring NaN (flat index when `axis` is
    None).

    >>> ops.nanargmin(np.array([np.nan, 5.0, 3.0])).tolist()
    2
    """,
    returns="An integer tensor of indices.",
)
ptp = _reduction(
    "ptp",
    jnp.ptp,
    """Range of the values ("peak to peak"), `max - min`, over `axis`.

    >>> ops.ptp(np.array([[4, 9, 2], [1, 1, 1]]), axis=1).tolist()
    [7, 0]
    """,
)


def nancumsum(x, axis=None, dtype=None):
    """Cumulative sum along `axis`, counting NaN as zero.

    Args:
        x: input tensor.
        axis: the axis to accumulate along; None flattens `x` first.
        dtype: dtype of the result; None keeps the dtype of `x`.

    Returns:
        A tensor of running sums.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.nancumsum(np.array([1.0, np.nan, 2.0])).tolist()
    [1.0, 1.0, 3.0]
    """
    return dispatch("nancumsum", lambda x, a, d: jnp.nancumsum(x, axis=a, dtype=d), x, axis, dtype)


def nancumprod(x, axis=None, dtype=None):
    """Cumulative product along `axis`, counting NaN as one.

    Args:
        x: input tensor.
        axis: the axis to accumulate along; None flattens `x` first.
        dtype: dtype of the result; None keeps the dtype of `x`.

    Returns:
        A tensor of running products.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.nancumprod(np.array([2.0, np.nan, 3.0])).tolist()
    [2.0, 2.0, 6.0]
    """
    return dispatch(
        "nancumprod", lambda x, a, d: jnp.nancumprod(x, axis=a, dtype=d), x, axis, dtype
    )


def _quantile_fn(jfn):
    def fn(x, q, axis, method, keepdims):
        x, q = jnp.asarray(x), jnp.asarray(q)
        if standardize_dtype(x.dtype) == "int64":
            x = x.astype(floatx())
        out = jfn(x, q, axis=axis, method=method, keepdims=keepdims)
        if keepdims is True and axis is None:
            while out.ndim < x.ndim + (1 if q.ndim > 0 else 0):
                out = jnp.expand_dims(out, -1)
        return out

    return fn


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th quantiles of `x` along `axis`.

    Args:
        x: input tensor.
        q: the quantile (a number or a 1-D tensor of them), in `[0, 1]`.
        axis: an axis or tuple of axes to reduce; None uses the flattened tensor.
        method: how to pick a value between two data points: `"linear"`, `"lower"`, `"higher"`,
            `"midpoint"` or `"nearest"`.
        keepdims: whether to keep the reduced axes, with size 1.

    Returns:
        The quantiles; with several `q`, they are stacked along a new first axis.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.array([1.0, 2.0, 3.0, 4.0])
    >>> ops.quantile(x, 0.5).tolist()
    2.5
    >>> ops.quantile(x, np.array([0.0, 1.0])).tolist()
    [1.0, 4.0]
    """
    return dispatch("quantile", _quantile_fn(jnp.quantile), x, q, axis, method, keepdims)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th quantiles of `x` along `axis`, ignoring NaN.

    Args:
        x: input tensor.
        q: the quantile (a number or a 1-D tensor of them), in `[0, 1]`.
        axis: an axis or tuple of axes to reduce; None uses the flattened tensor.
        method: how to pick a value between two data points: `"linear"`, `"lower"`, `"higher"`,
            `"midpoint"` or `"nearest"`.
        keepdims: whether to keep the reduced axes, with size 1.

    Returns:
        The quantiles; with several `q`, they are stacked along a new first axis.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.nanquantile(np.array([1.0, np.nan, 3.0]), 0.5).tolist()
    2.0
    """
    return dispatch("nanquantile", _quantile_fn(jnp.nanquantile), x, q, axis, method, keepdims)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th percentiles of `x` along `axis`.

    Args:
        x: input tensor.
        q: the percentile (a number or a 1-D tensor of them), in `[0, 100]`.
        axis: an axis or tuple of axes to reduce; None uses the flattened tensor.
        method: how to pick a value between two data points: `"linear"`, `"lower"`, `"higher"`,
            `"midpoint"` or `"nearest"`.
        keepdims: whether to keep the reduced axes, with size 1.

    Returns:
        The percentiles; with several `q`, they are stacked along a new first axis.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.percentile(np.array([1.0, 2.0, 3.0, 4.0]), 50).tolist()
    2.5
    """

    def fn(x, q, axis, method, keepdims):
        return jnp.percentile(x, jnp.asarray(q), axis=axis, method=method, keepdims=keepdims)

    return dispatch("percentile", fn, x, q, axis, method, keepdims)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th percentiles of `x` along `axis`, ignoring NaN.

    Args:
        x: input tensor.
        q: the percentile (a number or a 1-D tensor of them), in `[0, 100]`.
        axis: an axis or tuple of axes to reduce; None uses the flattened tensor.
        method: how to pick a value between two data points: `"linear"`, `"lower"`, `"higher"`,
            `"midpoint"` or `"nearest"`.
        keepdims: whether to keep the reduced axes, with size 1.

    Returns:
        The percentiles; with several `q`, they are stacked along a new first axis.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.nanpercentile(np.array([1.0, np.nan, 3.0]), 50).tolist()
    2.0
    """

    def fn(x, q, axis, method, keepdims):
        return jnp.nanpercentile(x, jnp.asarray(q), axis=axis, method=method, keepdims=keepdims)

    return dispatch("nanpercentile", fn, x, q, axis, method, keepdims)


def histogram(x, bins=10, range=None):  # noqa: A002
    """Counts how many values of `x` fall into each of `bins` equal-width bins.

    Args:
        x: input tensor (flattened).
        bins: the number of bins.
        range: a `(low, high)` pair: the span the bins cover; None uses `(min(x), max(x))`.

    Returns:
        A tuple `(counts, bin_edges)`: `counts` has `bins` values and `bin_edges` has `bins + 1`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> counts, edges = ops.histogram(np.array([0.0, 0.5, 1.0, 3.0]), bins=3)
    >>> counts.tolist(), np.asarray(edges).tolist()
    ([2.0, 1.0, 1.0], [0.0, 1.0, 2.0, 3.0])
    """
    return dispatch(
        "histogram", lambda x, b, r: tuple(jnp.histogram(x, bins=b, range=r)), x, bins, range
    )


def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts the occurrences of each non-negative integer in `x` (or sums their weights).

    For a 2-D `x`, each row is counted separately. The output length depends on the values, so
    this works eagerly only (not inside a traced function).

    Args:
        x: 1-D or 2-D tensor of non-negative integers.
        weights: a tensor of the shape of `x`: each occurrence adds its weight instead of one.
        minlength: the least length of the output.
        sparse: must be False (lamina's JAX tensors are dense).

    Returns:
        A tensor of counts of length `max(max(x) + 1, minlength)` (per row for 2-D `x`).

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.bincount(np.array([0, 1, 1, 3])).tolist()
    [1, 2, 0, 1]
    >>> ops.bincount(np.array([0, 1]), minlength=4).tolist()
    [1, 1, 0, 0]
    """
    if sparse:
        raise ValueError("lamina does not support `sparse=True` in `bincount`.")

    def fn(x, w, m):
        x = jnp.asarray(x)
        if x.ndim == 2:
            if w is None:
                return jnp.stack([jnp.bincount(r, minlength=m) for r in x])
            return jnp.stack([jnp.bincount(r, weights=rw, minlength=m) for r, rw in zip(x, w)])
        return jnp.bincount(x, weights=w, minlength=m)

    return dispatch("bincount", fn, x, weights, minlength)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` numbers spaced evenly on a log scale (a geometric progression) from `start`
    to `stop`.

    Args:
        start: the first value.
        stop: the last value (included when `endpoint=True`).
        num: how many values.
        endpoint: whether `stop` is included.
        dtype: dtype of the result; None infers it.
        axis: where the new axis goes when `start`/`stop` are tensors.

    Returns:
        A tensor of `num` values.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.geomspace(1.0, 1000.0, num=4)).round(3)
    array([   1.,   10.,  100., 1000.], dtype=float32)
    """

    def fn(a, b, n, e, d, ax):
        return jnp.geomspace(a, b, num=n, endpoint=e, dtype=d, axis=ax)

    return dispatch("geomspace", fn, start, stop, num, endpoint, dtype, axis)


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """`num` numbers `base ** t`, for `t` spaced evenly from `start` to `stop`.

    Args:
        start: the first exponent.
        stop: the last exponent (included when `endpoint=True`).
        num: how many values.
        endpoint: whether `stop` is included.
        base: the base of the powers.
        dtype: dtype of the result; None infers it.
        axis: where the new axis goes when `start`/`stop` are tensors.

    Returns:
        A tensor of `num` values.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.logspace(0.0, 3.0, num=4)).round(3)
    array([   1.,   10.,  100., 1000.], dtype=float32)
    >>> np.asarray(ops.logspace(0.0, 3.0, num=4, base=2.0))
    array([1., 2., 4., 8.], dtype=float32)
    """

    def fn(a, b, n, e, base, d, ax):
        return jnp.logspace(a, b, num=n, endpoint=e, base=base, dtype=d, axis=ax)

    return dispatch("logspace", fn, start, stop, num, endpoint, base, dtype, axis)
