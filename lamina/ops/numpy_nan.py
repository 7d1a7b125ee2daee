"""NaN-aware reductions, quantiles, histograms and spaced ranges among `keras.ops`, thin
`jax.numpy` wrappers following Keras's JAX backend (see `lamina.ops.operation` for symbolic
tensors)."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.config import floatx
from lamina.core.variable import standardize_dtype
from lamina.ops.operation import dispatch


def _reduction(name: str, fn, doc: str):
    def op(x, axis=None, keepdims=False):
        return dispatch(name, lambda x, axis, k: fn(x, axis=axis, keepdims=k), x, axis, keepdims)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


nanmax = _reduction("nanmax", jnp.nanmax, "Maximum, ignoring NaNs.")
nanmin = _reduction("nanmin", jnp.nanmin, "Minimum, ignoring NaNs.")
nanmean = _reduction("nanmean", jnp.nanmean, "Mean, ignoring NaNs.")
nanmedian = _reduction("nanmedian", jnp.nanmedian, "Median, ignoring NaNs.")
nanprod = _reduction("nanprod", jnp.nanprod, "Product, treating NaNs as one.")
nansum = _reduction("nansum", jnp.nansum, "Sum, treating NaNs as zero.")
nanstd = _reduction("nanstd", jnp.nanstd, "Standard deviation, ignoring NaNs.")
nanvar = _reduction("nanvar", jnp.nanvar, "Variance, ignoring NaNs.")
nanargmax = _reduction("nanargmax", jnp.nanargmax, "Index of the maximum, ignoring NaNs.")
nanargmin = _reduction("nanargmin", jnp.nanargmin, "Index of the minimum, ignoring NaNs.")
ptp = _reduction("ptp", jnp.ptp, "Range of values (maximum - minimum).")


def nancumsum(x, axis=None, dtype=None):
    """Cumulative sum, treating NaNs as zero."""
    return dispatch("nancumsum", lambda x, a, d: jnp.nancumsum(x, axis=a, dtype=d), x, axis, dtype)


def nancumprod(x, axis=None, dtype=None):
    """Cumulative product, treating NaNs as one."""
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
    """The `q`-th quantiles (in [0, 1]) along `axis`."""
    return dispatch("quantile", _quantile_fn(jnp.quantile), x, q, axis, method, keepdims)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th quantiles (in [0, 1]) along `axis`, ignoring NaNs."""
    return dispatch("nanquantile", _quantile_fn(jnp.nanquantile), x, q, axis, method, keepdims)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th percentiles (in [0, 100]) along `axis`."""

    def fn(x, q, axis, method, keepdims):
        return jnp.percentile(x, jnp.asarray(q), axis=axis, method=method, keepdims=keepdims)

    return dispatch("percentile", fn, x, q, axis, method, keepdims)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th percentiles (in [0, 100]) along `axis`, ignoring NaNs."""

    def fn(x, q, axis, method, keepdims):
        return jnp.nanpercentile(x, jnp.asarray(q), axis=axis, method=method, keepdims=keepdims)

    return dispatch("nanpercentile", fn, x, q, axis, method, keepdims)


def histogram(x, bins=10, range=None):  # noqa: A002
    """Counts and bin edges of the values of `x`."""
    return dispatch(
        "histogram", lambda x, b, r: tuple(jnp.histogram(x, bins=b, range=r)), x, bins, range
    )


def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts of each non-negative integer value (per row for 2-D `x`); eager only."""
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
    """`num` numbers spaced evenly on a log scale from `start` to `stop`."""

    def fn(a, b, n, e, d, ax):
        return jnp.geomspace(a, b, num=n, endpoint=e, dtype=d, axis=ax)

    return dispatch("geomspace", fn, start, stop, num, endpoint, dtype, axis)


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """`num` numbers `base ** t` for `t` spaced evenly from `start` to `stop`."""

    def fn(a, b, n, e, base, d, ax):
        return jnp.logspace(a, b, num=n, endpoint=e, base=base, dtype=d, axis=ax)

    return dispatch("logspace", fn, start, stop, num, endpoint, base, dtype, axis)
