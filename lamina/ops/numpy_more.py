"""More NumPy-like `keras.ops`: element-wise functions, windows, splits and NaN-aware
reductions, each a thin `jax.numpy` wrapper following Keras's JAX backend.

Like every `lamina.ops` function, each computes right away on arrays and records a graph node
on symbolic tensors (see `lamina.ops.operation`).
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.config import floatx
from lamina.core.variable import standardize_dtype
from lamina.ops.numpy import _binary, _unary
from lamina.ops.operation import dispatch


def _floating(x):
    """int64 becomes `floatx()`, other integers the float JAX promotes them to."""
    x = jnp.asarray(x)
    if jnp.issubdtype(x.dtype, jnp.inexact):
        return x
    return x.astype(floatx() if standardize_dtype(x.dtype) == "int64" else jnp.float32)


# ---------------------------------------------------------------------------- element-wise
angle = _unary("angle", lambda x: jnp.angle(_floating(x)), "Element-wise complex angle.")
cbrt = _unary("cbrt", jnp.cbrt, "Element-wise cube root.")
conj = _unary("conjugate", jnp.conjugate, "Element-wise complex conjugate.")
deg2rad = _unary("deg2rad", jnp.deg2rad, "Degrees to radians.")
rad2deg = _unary("rad2deg", jnp.rad2deg, "Radians to degrees.")
fabs = _unary("fabs", jnp.fabs, "Element-wise absolute value, as floats.")
sinc = _unary("sinc", lambda x: jnp.sinc(_floating(x)), "Normalized `sin(pi x) / (pi x)`.")
signbit = _unary("signbit", jnp.signbit, "Whether the sign bit is set.")
isneginf = _unary("isneginf", jnp.isneginf, "Element-wise test for negative infinity.")
isposinf = _unary("isposinf", jnp.isposinf, "Element-wise test for positive infinity.")
isreal = _unary("isreal", jnp.isreal, "Element-wise test for a zero imaginary part.")
fliplr = _unary("fliplr", jnp.fliplr, "Reverses the second axis.")
flipud = _unary("flipud", jnp.flipud, "Reverses the first axis.")
corrcoef = _unary("corrcoef", jnp.corrcoef, "Pearson correlation coefficients of the rows.")


def i0(x):
    """Modified Bessel function of the first kind, order 0."""

    def fn(x):
        x = jnp.asarray(x)
        dtype = standardize_dtype(x.dtype)
        if dtype in ("int64", "float64"):
            dtype = "float64"
        elif dtype not in ("bfloat16", "float16"):
            dtype = floatx()
        return jnp.i0(x.astype(dtype))

    return dispatch("i0", fn, x)


def _divide_no_nan(x1, x2):
    x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
    safe = jnp.where(x2 == 0, 1, x2)
    return jnp.where(x2 == 0, 0, jnp.divide(x1, safe))


divide_no_nan = _binary("divide_no_nan", _divide_no_nan, "`x1 / x2`, with 0 where `x2 == 0`.")
fmax = _binary("fmax", jnp.fmax, "Element-wise maximum, ignoring NaNs.")
fmin = _binary("fmin", jnp.fmin, "Element-wise minimum, ignoring NaNs.")
fmod = _binary("fmod", jnp.fmod, "Element-wise remainder with the sign of `x1`.")
gcd = _binary("gcd", jnp.gcd, "Element-wise greatest common divisor.")
lcm = _binary("lcm", jnp.lcm, "Element-wise least common multiple.")
heaviside = _binary("heaviside", jnp.heaviside, "Heaviside step; `x2` where `x1 == 0`.")
nextafter = _binary("nextafter", jnp.nextafter, "The next float after `x1` towards `x2`.")


def _logaddexp2(x1, x2):
    x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
    dtype = jnp.result_type(x1.dtype, x2.dtype, jnp.float32)
    return jnp.logaddexp2(x1.astype(dtype), x2.astype(dtype))


logaddexp2 = _binary("logaddexp2", _logaddexp2, "Element-wise `log2(2**x1 + 2**x2)`.")


def ldexp(x1, x2):
    """Element-wise `x1 * 2**x2`."""

    def fn(x1, x2):
        x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
        if not jnp.issubdtype(x1.dtype, jnp.inexact):
            x1 = x1.astype(floatx())
        return jnp.ldexp(x1, x2.astype("int32"))

    return dispatch("ldexp", fn, x1, x2)


# ---------------------------------------------------------------------------- bitwise
bitwise_and = _binary("bitwise_and", jnp.bitwise_and, "Element-wise bitwise AND.")
bitwise_or = _binary("bitwise_or", jnp.bitwise_or, "Element-wise bitwise OR.")
bitwise_xor = _binary("bitwise_xor", jnp.bitwise_xor, "Element-wise bitwise XOR.")
bitwise_left_shift = _binary("bitwise_left_shift", jnp.left_shift, "Element-wise `x << y`.")
bitwise_right_shift = _binary("bitwise_right_shift", jnp.right_shift, "Element-wise `x >> y`.")
left_shift = _binary("left_shift", jnp.left_shift, "Element-wise `x << y`.")
right_shift = _binary("right_shift", jnp.right_shift, "Element-wise `x >> y`.")
bitwise_invert = _unary("bitwise_invert", jnp.invert, "Element-wise bitwise NOT.")
bitwise_not = _unary("bitwise_invert", jnp.invert, "Element-wise bitwise NOT.")


# ---------------------------------------------------------------------------- windows
def _window(name: str, fn):
    def op(x):
        return dispatch(name, lambda x: fn(int(x)).astype(floatx()), x)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"The {name.capitalize()} window of `x` points."
    return op


bartlett = _window("bartlett", jnp.bartlett)
blackman = _window("blackman", jnp.blackman)
hamming = _window("hamming", jnp.hamming)
hanning = _window("hanning", jnp.hanning)


def kaiser(x, beta):
    """The Kaiser window of `x` points with shape parameter `beta`."""
    return dispatch("kaiser", lambda x, b: jnp.kaiser(int(x), b).astype(floatx()), x, beta)


# ---------------------------------------------------------------------------- arrays
def array(x, dtype=None):
    """`x` as a tensor, optionally of `dtype`."""
    return dispatch("array", lambda x, dtype: jnp.array(x, dtype=dtype), x, dtype)


def empty_like(x, dtype=None):
    """An uninitialized (here: zero) tensor with the shape of `x`."""
    return dispatch("empty_like", lambda x, dtype: jnp.empty_like(x, dtype=dtype), x, dtype)


def diagflat(x, k=0):
    """A 2-D tensor with the flattened `x` on its `k`-th diagonal."""
    return dispatch("diagflat", lambda x, k: jnp.diagflat(x, k), x, k)


def diff(a, n=1, axis=-1):
    """The `n`-th discrete difference along `axis`."""
    return dispatch("diff", lambda a, n, axis: jnp.diff(a, n=n, axis=axis), a, n, axis)


def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D tensors."""
    return dispatch("correlate", lambda a, b, mode: jnp.correlate(a, b, mode), x1, x2, mode)


def rot90(array, k=1, axes=(0, 1)):
    """Rotates by 90 degrees `k` times in the plane of `axes`."""
    return dispatch("rot90", lambda a, k, axes: jnp.rot90(a, k=k, axes=axes), array, k, axes)


def vander(x, N=None, increasing=False):  # noqa: N803
    """The Vandermonde matrix of `x`."""
    return dispatch("vander", lambda x, N, i: jnp.vander(x, N=N, increasing=i), x, N, increasing)


def argpartition(x, kth, axis=-1):
    """Indices that partition `x` around its `kth` element along `axis`."""

    def fn(x, kth, axis):
        x = jnp.asarray(x)
        return jnp.argpartition(x, kth, axis).astype("int32")

    return dispatch("argpartition", fn, x, kth, axis)


def _split(name: str, fn, doc: str):
    def op(x, indices_or_sections):
        return dispatch(name, lambda x, s: list(fn(x, s)), x, indices_or_sections)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


hsplit = _split("hsplit", jnp.hsplit, "Splits along the second axis (the first for 1-D).")
vsplit = _split("vsplit", jnp.vsplit, "Splits along the first axis.")
dsplit = _split("dsplit", jnp.dsplit, "Splits along the third axis.")


def array_split(x, indices_or_sections, axis=0):
    """Splits into possibly unequal parts along `axis`."""

    def fn(x, s, axis):
        return list(jnp.array_split(x, s, axis=axis))

    return dispatch("array_split", fn, x, indices_or_sections, axis)


def dstack(xs):
    """Stacks along the third axis."""
    return dispatch("dstack", lambda xs: jnp.dstack(list(xs)), xs)


def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of `x1` is in `x2`."""

    def fn(x1, x2, u, inv):
        return jnp.isin(jnp.asarray(x1), jnp.asarray(x2), assume_unique=u, invert=inv)

    return dispatch("isin", fn, x1, x2, assume_unique, invert)


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether all elements are equal within tolerance."""

    def fn(a, b, rtol, atol, eq):
        return jnp.allclose(a, b, rtol=rtol, atol=atol, equal_nan=eq)

    return dispatch("allclose", fn, x1, x2, rtol, atol, equal_nan)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integrates `y` along `axis` with the trapezoidal rule."""
    return dispatch(
        "trapezoid", lambda y, x, dx, axis: jnp.trapezoid(y, x, dx=dx, axis=axis), y, x, dx, axis
    )


def select(condlist, choicelist, default=0):
    """Picks from `choicelist` where the matching condition in `condlist` holds."""

    def fn(c, ch, d):
        return jnp.select(list(c), list(ch), d)

    return dispatch("select", fn, condlist, choicelist, default)


def unravel_index(indices, shape):
    """Flat indices to a tuple of coordinate tensors for `shape`."""
    return dispatch("unravel_index", lambda i, s: tuple(jnp.unravel_index(i, s)), indices, shape)
