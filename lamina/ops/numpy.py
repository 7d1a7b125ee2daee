"""NumPy-like `keras.ops`: element-wise maths, comparisons, reductions and linear algebra.

Every function takes arrays, `Variable`s, Python numbers or symbolic tensors (`keras.Input`);
on symbolic tensors it records a graph node (see `lamina.ops.operation`). Array creation and
shape manipulation live in `lamina.ops.numpy_arrays`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.core.config import floatx
from lamina.ops.operation import dispatch


def _t(x):
    """Lists and tuples of numbers become arrays (JAX rejects them where Keras accepts them)."""
    return jnp.asarray(x) if isinstance(x, (list, tuple)) else x


def _unary(name: str, fn, doc: str):
    def op(x):
        return dispatch(name, lambda x: fn(_t(x)), x)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def _binary(name: str, fn, doc: str):
    def op(x1, x2):
        return dispatch(name, lambda x1, x2: fn(_t(x1), _t(x2)), x1, x2)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def _float_of(x):
    """Integers and booleans become `floatx()`, like Keras's float-only functions."""
    x = jnp.asarray(x)
    return x if jnp.issubdtype(x.dtype, jnp.inexact) else x.astype(floatx())


# ---------------------------------------------------------------------------- element-wise
add = _binary("add", jnp.add, "Element-wise `x1 + x2`.")
subtract = _binary("subtract", jnp.subtract, "Element-wise `x1 - x2`.")
multiply = _binary("multiply", jnp.multiply, "Element-wise `x1 * x2`.")
divide = _binary("divide", jnp.true_divide, "Element-wise `x1 / x2` (true division).")
true_divide = _binary("true_divide", jnp.true_divide, "Element-wise `x1 / x2`.")
floor_divide = _binary("floor_divide", jnp.floor_divide, "Element-wise `x1 // x2`.")
mod = _binary("mod", jnp.mod, "Element-wise remainder `x1 % x2` (sign of `x2`).")
power = _binary("power", jnp.power, "Element-wise `x1 ** x2`.")
maximum = _binary("maximum", jnp.maximum, "Element-wise maximum (NaN propagates).")
minimum = _binary("minimum", jnp.minimum, "Element-wise minimum (NaN propagates).")
arctan2 = _binary("arctan2", jnp.arctan2, "Element-wise arc tangent of `x1 / x2`.")
hypot = _binary("hypot", jnp.hypot, "Element-wise `sqrt(x1**2 + x2**2)`.")
logaddexp = _binary("logaddexp", jnp.logaddexp, "Element-wise `log(exp(x1) + exp(x2))`.")
equal = _binary("equal", jnp.equal, "Element-wise `x1 == x2`.")
not_equal = _binary("not_equal", jnp.not_equal, "Element-wise `x1 != x2`.")
greater = _binary("greater", jnp.greater, "Element-wise `x1 > x2`.")
greater_equal = _binary("greater_equal", jnp.greater_equal, "Element-wise `x1 >= x2`.")
less = _binary("less", jnp.less, "Element-wise `x1 < x2`.")
less_equal = _binary("less_equal", jnp.less_equal, "Element-wise `x1 <= x2`.")
logical_and = _binary("logical_and", jnp.logical_and, "Element-wise logical AND.")
logical_or = _binary("logical_or", jnp.logical_or, "Element-wise logical OR.")
logical_xor = _binary("logical_xor", jnp.logical_xor, "Element-wise logical XOR.")
logical_not = _unary("logical_not", jnp.logical_not, "Element-wise logical NOT.")

negative = _unary("negative", jnp.negative, "Element-wise `-x`.")
absolute = _unary("absolute", jnp.abs, "Element-wise absolute value.")
abs = _unary("absolute", jnp.abs, "Element-wise absolute value (alias of `absolute`).")  # noqa: A001
square = _unary("square", jnp.square, "Element-wise `x * x`.")
sqrt = _unary("sqrt", lambda x: jnp.sqrt(_float_of(x)), "Element-wise square root.")
exp = _unary("exp", lambda x: jnp.exp(_float_of(x)), "Element-wise `e ** x`.")
exp2 = _unary("exp2", lambda x: jnp.exp2(_float_of(x)), "Element-wise `2 ** x`.")
expm1 = _unary("expm1", lambda x: jnp.expm1(_float_of(x)), "Element-wise `exp(x) - 1`.")
log = _unary("log", lambda x: jnp.log(_float_of(x)), "Element-wise natural logarithm.")
log1p = _unary("log1p", lambda x: jnp.log1p(_float_of(x)), "Element-wise `log(1 + x)`.")
log2 = _unary("log2", lambda x: jnp.log2(_float_of(x)), "Element-wise base-2 logarithm.")
log10 = _unary("log10", lambda x: jnp.log10(_float_of(x)), "Element-wise base-10 logarithm.")
sin = _unary("sin", lambda x: jnp.sin(_float_of(x)), "Element-wise sine.")
cos = _unary("cos", lambda x: jnp.cos(_float_of(x)), "Element-wise cosine.")
tan = _unary("tan", lambda x: jnp.tan(_float_of(x)), "Element-wise tangent.")
arcsin = _unary("arcsin", lambda x: jnp.arcsin(_float_of(x)), "Element-wise inverse sine.")
arccos = _unary("arccos", lambda x: jnp.arccos(_float_of(x)), "Element-wise inverse cosine.")
arctan = _unary("arctan", lambda x: jnp.arctan(_float_of(x)), "Element-wise inverse tangent.")
sinh = _unary("sinh", lambda x: jnp.sinh(_float_of(x)), "Element-wise hyperbolic sine.")
cosh = _unary("cosh", lambda x: jnp.cosh(_float_of(x)), "Element-wise hyperbolic cosine.")
tanh = _unary("tanh", lambda x: jnp.tanh(_float_of(x)), "Element-wise hyperbolic tangent.")
arcsinh = _unary("arcsinh", lambda x: jnp.arcsinh(_float_of(x)), "Inverse hyperbolic sine.")
arccosh = _unary("arccosh", lambda x: jnp.arccosh(_float_of(x)), "Inverse hyperbolic cosine.")
arctanh = _unary("arctanh", lambda x: jnp.arctanh(_float_of(x)), "Inverse hyperbolic tangent.")
reciprocal = _unary("reciprocal", lambda x: 1.0 / _float_of(x), "Element-wise `1 / x`.")
floor = _unary("floor", lambda x: jnp.floor(_float_of(x)), "Element-wise floor.")
ceil = _unary("ceil", lambda x: jnp.ceil(_float_of(x)), "Element-wise ceiling.")
trunc = _unary("trunc", jnp.trunc, "Element-wise rounding towards zero.")
sign = _unary("sign", jnp.sign, "Element-wise sign: -1, 0 or 1.")
isnan = _unary("isnan", jnp.isnan, "Element-wise test for NaN.")
isinf = _unary("isinf", jnp.isinf, "Element-wise test for infinity.")
isfinite = _unary("isfinite", jnp.isfinite, "Element-wise test for finite values.")
conjugate = _unary("conjugate", jnp.conjugate, "Element-wise complex conjugate.")
real = _unary("real", jnp.real, "Real part.")
imag = _unary("imag", jnp.imag, "Imaginary part.")
copy = _unary("copy", jnp.array, "A copy of `x`.")


def round(x, decimals: int = 0):  # noqa: A001
    """Rounds half to even to `decimals` decimal places."""
    return dispatch("round", jnp.round, x, decimals=decimals)


def clip(x, x_min, x_max):
    """Limits values to `[x_min, x_max]` (booleans are clipped as int32, like Keras)."""

    def fn(x, lo, hi):
        x = jnp.asarray(x)
        if x.dtype == jnp.bool_:
            x = x.astype("int32")
        return jnp.clip(x, lo, hi)

    return dispatch("clip", fn, x, x_min, x_max)


def where(condition, x1=None, x2=None):
    """`x1` where `condition` holds, else `x2` (or the indices of non-zeros when both None)."""
    if x1 is None and x2 is None:
        return dispatch("where", jnp.nonzero, condition)
    return dispatch("where", jnp.where, condition, x1, x2)


def nan_to_num(x, nan: float = 0.0, posinf=None, neginf=None):
    """Replaces NaN and infinities by finite numbers."""
    return dispatch("nan_to_num", jnp.nan_to_num, x, nan=nan, posinf=posinf, neginf=neginf)


def isclose(x1, x2, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False):
    """Element-wise `|x1 - x2| <= atol + rtol * |x2|`."""
    return dispatch("isclose", jnp.isclose, x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)


# ---------------------------------------------------------------------------- reductions
def _reduction(name: str, fn, doc: str):
    def op(x, axis=None, keepdims: bool = False):
        return dispatch(name, lambda x: fn(_t(x), axis=axis, keepdims=keepdims), x)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


sum = _reduction("sum", jnp.sum, "Sum over `axis` (all axes when None).")  # noqa: A001
all = _reduction("all", jnp.all, "Whether every element along `axis` is true.")  # noqa: A001
any = _reduction("any", jnp.any, "Whether some element along `axis` is true.")  # noqa: A001
amax = _reduction("amax", jnp.max, "Maximum over `axis`.")
amin = _reduction("amin", jnp.min, "Minimum over `axis`.")
argmax = _reduction("argmax", jnp.argmax, "Index of the maximum along `axis` (flat if None).")
argmin = _reduction("argmin", jnp.argmin, "Index of the minimum along `axis` (flat if None).")
median = _reduction("median", lambda x, **kw: jnp.median(_float_of(x), **kw), "Median.")


def _float_reduce(fn):
    def reduce(x, axis=None, keepdims=False):
        x = jnp.asarray(x)
        if jnp.issubdtype(x.dtype, jnp.inexact):
            # Low-precision floats are reduced in float32 and cast back, like Keras.
            out = fn(x.astype(jnp.promote_types(x.dtype, "float32")), axis=axis, keepdims=keepdims)
            return out.astype(x.dtype)
        return fn(x.astype(floatx()), axis=axis, keepdims=keepdims)

    return reduce


mean = _reduction("mean", _float_reduce(jnp.mean), "Arithmetic mean over `axis`.")
var = _reduction("var", _float_reduce(jnp.var), "Variance over `axis` (population).")
std = _reduction("std", _float_reduce(jnp.std), "Standard deviation over `axis` (population).")


def max(x, axis=None, keepdims: bool = False, initial=None):  # noqa: A001
    """Maximum over `axis`, starting from `initial` when given."""
    return dispatch("max", jnp.max, x, axis=axis, keepdims=keepdims, initial=initial)


def min(x, axis=None, keepdims: bool = False, initial=None):  # noqa: A001
    """Minimum over `axis`, starting from `initial` when given."""
    return dispatch("min", jnp.min, x, axis=axis, keepdims=keepdims, initial=initial)


def prod(x, axis=None, keepdims: bool = False, dtype=None):
    """Product over `axis`."""
    return dispatch("prod", jnp.prod, x, axis=axis, keepdims=keepdims, dtype=dtype)


def count_nonzero(x, axis=None):
    """Number of non-zero elements along `axis` (int32)."""
    return dispatch("count_nonzero", lambda x, axis: jnp.count_nonzero(x, axis), x, axis)


def average(x, axis=None, weights=None):
    """Weighted mean over `axis`."""
    return dispatch("average", lambda x, w: jnp.average(_float_of(x), axis, w), x, weights)


def cumsum(x, axis=None, dtype=None):
    """Cumulative sum along `axis` (of the flattened array when None)."""
    return dispatch("cumsum", jnp.cumsum, x, axis=axis, dtype=dtype)


def cumprod(x, axis=None, dtype=None):
    """Cumulative product along `axis` (of the flattened array when None)."""
    return dispatch("cumprod", jnp.cumprod, x, axis=axis, dtype=dtype)


def sort(x, axis: int = -1):
    """Sorted copy of `x` along `axis`."""
    return dispatch("sort", jnp.sort, x, axis=axis)


def argsort(x, axis: int = -1):
    """Indices that sort `x` along `axis`."""
    return dispatch("argsort", jnp.argsort, x, axis=axis)


def logsumexp(x, axis=None, keepdims: bool = False):
    """`log(sum(exp(x)))` over `axis`, computed stably."""
    return dispatch("logsumexp", jax.scipy.special.logsumexp, x, axis=axis, keepdims=keepdims)


# ---------------------------------------------------------------------------- products
matmul = _binary("matmul", jnp.matmul, "Matrix product with NumPy broadcasting rules.")
dot = _binary("dot", jnp.dot, "Dot product (NumPy's `dot`).")
outer = _binary("outer", jnp.outer, "Outer product of the flattened inputs.")
inner = _binary("inner", jnp.inner, "Inner product over the last axes.")
vdot = _binary("vdot", jnp.vdot, "Dot product of the flattened inputs.")
kron = _binary("kron", jnp.kron, "Kronecker product.")


def tensordot(x1, x2, axes=2):
    """Sum of products over the given axes (NumPy's `tensordot`)."""
    return dispatch("tensordot", jnp.tensordot, x1, x2, axes=axes)


def einsum(subscripts: str, *operands, **kwargs):
    """Einstein summation, as `numpy.einsum`."""
    return dispatch("einsum", jnp.einsum, subscripts, *operands, **kwargs)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors (or 2-vectors)."""
    return dispatch("cross", jnp.cross, x1, x2, axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


def trace(x, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """Sum along a diagonal."""
    return dispatch("trace", jnp.trace, x, offset=offset, axis1=axis1, axis2=axis2)
