"""NumPy-like `keras.ops`: element-wise maths, comparisons, reductions and linear algebra.

Every function takes arrays, `Variable`s, Python numbers or symbolic tensors (`keras.Input`);
on symbolic tensors it records a graph node (see `lamina.ops.operation`). Array creation and
shape manipulation live in `lamina.ops.numpy_arrays`.
"""

from __future__ import annotations

import inspect
import sys

import jax
import jax.numpy as jnp

from lamina.core.config import floatx
from lamina.ops.operation import dispatch


def _t(x):
    """Lists and tuples of numbers become arrays (JAX rejects them where Keras accepts them)."""
    return jnp.asarray(x) if isinstance(x, (list, tuple)) else x


_X = "x: input tensor (an array, `Variable`, Python number or nested list)."
_X1X2 = (
    "x1: first input tensor.",
    "x2: second input tensor; `x1` and `x2` broadcast against each other.",
)


def _document(op, doc: str, args, returns: str) -> None:
    """Gives a factory-made function its full docstring and the calling module as its home.

    `doc` is the description, then (optionally) the example's `>>>` lines; the `Args:` and
    `Returns:` sections are written from `args` and `returns`, and the example gets its imports.
    """
    doc = inspect.cleandoc(doc)
    cut = doc.find(">>>")
    text, example = (doc, "") if cut < 0 else (doc[:cut].rstrip(), doc[cut:])
    parts = [text, "", "Args:", *(f"    {a}" for a in args), "", "Returns:", f"    {returns}"]
    if example:
        imports = [">>> import numpy as np"] if "np." in example else []
        parts += ["", "Example:", *imports, ">>> from lamina import ops", example]
    op.__doc__ = "\n".join(parts)
    # The function belongs to the module that made it (so doctest and the API pages find it).
    op.__module__ = sys._getframe(2).f_globals["__name__"]


def _unary(name: str, fn, doc: str, returns: str = "A tensor of the same shape as `x`."):
    def op(x):
        return dispatch(name, lambda x: fn(_t(x)), x)

    op.__name__ = op.__qualname__ = name
    _document(op, doc, [_X], returns)
    return op


def _binary(
    name: str, fn, doc: str, returns: str = "A tensor of the broadcast shape of `x1` and `x2`."
):
    def op(x1, x2):
        return dispatch(name, lambda x1, x2: fn(_t(x1), _t(x2)), x1, x2)

    op.__name__ = op.__qualname__ = name
    _document(op, doc, _X1X2, returns)
    return op


def _float_of(x):
    """Integers and booleans become `floatx()`, like Keras's float-only functions."""
    x = jnp.asarray(x)
    return x if jnp.issubdtype(x.dtype, jnp.inexact) else x.astype(floatx())


# ---------------------------------------------------------------------------- element-wise
add = _binary(
    "add",
    jnp.add,
    """Adds two tensors element-wise, `x1 + x2`.

    >>> ops.add([1, 2], [10, 20]).tolist()
    [11, 22]
    """,
)
subtract = _binary(
    "subtract",
    jnp.subtract,
    """Subtracts `x2` from `x1` element-wise, `x1 - x2`.

    >>> ops.subtract([5, 7], 2).tolist()
    [3, 5]
    """,
)
multiply = _binary(
    "multiply",
    jnp.multiply,
    """Multiplies two tensors element-wise, `x1 * x2`.

    >>> ops.multiply([1, 2, 3], [4, 5, 6]).tolist()
    [4, 10, 18]
    """,
)
divide = _binary(
    "divide",
    jnp.true_divide,
    """Divides `x1` by `x2` element-wise (true division: integers give floats).

    >>> np.asarray(ops.divide([1, 3], [2, 4]))
    array([0.5 , 0.75], dtype=float32)
    """,
)
true_divide = _binary(
    "true_divide",
    jnp.true_divide,
    """Divides `x1` by `x2` element-wise; the same as `divide`.

    >>> np.asarray(ops.true_divide([1.0, 3.0], 2.0))
    array([0.5, 1.5], dtype=float32)
    """,
)
floor_divide = _binary(
    "floor_divide",
    jnp.floor_divide,
    """Divides element-wise and rounds down, `x1 // x2`.

    >>> ops.floor_divide([7, -7], 2).tolist()
    [3, -4]
    """,
)
mod = _binary(
    "mod",
    jnp.mod,
    """Element-wise remainder `x1 % x2`; the result has the sign of `x2`.

    >>> ops.mod([7, -7], 3).tolist()
    [1, 2]
    """,
)
power = _binary(
    "power",
    jnp.power,
    """Raises `x1` to the power `x2` element-wise, `x1 ** x2`.

    >>> ops.power([2, 3], [3, 2]).tolist()
    [8, 9]
    """,
)
maximum = _binary(
    "maximum",
    jnp.maximum,
    """Element-wise maximum of two tensors (a NaN in either input gives NaN).

    >>> ops.maximum([1, 5], [3, 2]).tolist()
    [3, 5]
    """,
)
minimum = _binary(
    "minimum",
    jnp.minimum,
    """Element-wise minimum of two tensors (a NaN in either input gives NaN).

    >>> ops.minimum([1, 5], [3, 2]).tolist()
    [1, 2]
    """,
)
arctan2 = _binary(
    "arctan2",
    jnp.arctan2,
    """Element-wise angle (in radians) of the point `(x2, x1)`: the arc tangent of `x1 / x2`
    using the signs of both to pick the quadrant.

    >>> np.asarray(ops.arctan2([1.0, 1.0], [1.0, -1.0])).round(4)
    array([0.7854, 2.3562], dtype=float32)
    """,
)
hypot = _binary(
    "hypot",
    jnp.hypot,
    """Element-wise hypotenuse, `sqrt(x1**2 + x2**2)`.

    >>> np.asarray(ops.hypot([3.0, 6.0], [4.0, 8.0]))
    array([ 5., 10.], dtype=float32)
    """,
)
logaddexp = _binary(
    "logaddexp",
    jnp.logaddexp,
    """Element-wise `log(exp(x1) + exp(x2))`, computed without overflow.

    >>> np.asarray(ops.logaddexp([0.0, 100.0], [0.0, 100.0])).round(2)
    array([  0.69, 100.69], dtype=float32)
    """,
)
equal = _binary(
    "equal",
    jnp.equal,
    """Element-wise equality test, `x1 == x2`.

    >>> ops.equal([1, 2, 3], [1, 0, 3]).tolist()
    [True, False, True]
    """,
    returns="A boolean tensor of the broadcast shape.",
)
not_equal = _binary(
    "not_equal",
    jnp.not_equal,
    """Element-wise inequality test, `x1 != x2`.

    >>> ops.not_equal([1, 2, 3], [1, 0, 3]).tolist()
    [False, True, False]
    """,
    returns="A boolean tensor of the broadcast shape.",
)
greater = _binary(
    "greater",
    jnp.greater,
    """Element-wise comparison `x1 > x2`.

    >>> ops.greater([1, 2, 3], 2).tolist()
    [False, False, True]
    """,
    returns="A boolean tensor of the broadcast shape.",
)
greater_equal = _binary(
    "greater_equal",
    jnp.greater_equal,
    """Element-wise comparison `x1 >= x2`.

    >>> ops.greater_equal([1, 2, 3], 2).tolist()
    [False, True, True]
    """,
    returns="A boolean tensor of the broadcast shape.",
)
less = _binary(
    "less",
    jnp.less,
    """Element-wise comparison `x1 < x2`.

    >>> ops.less([1, 2, 3], 2).tolist()
    [True, False, False]
    """,
    returns="A boolean tensor of the broadcast shape.",
)
less_equal = _binary(
    "less_equal",
    jnp.less_equal,
    """Element-wise comparison `x1 <= x2`.

    >>> ops.less_equal([1, 2, 3], 2).tolist()
    [True, True, False]
    """,
    returns="A boolean tensor of the broadcast shape.",
)
logical_and = _binary(
    "logical_and",
    jnp.logical_and,
    """Element-wise logical AND (non-zero values count as true).

    >>> ops.logical_and([True, True, False], [True, False, False]).tolist()
    [True, False, False]
    """,
    returns="A boolean tensor of the broadcast shape.",
)
logical_or = _binary(
    "logical_or",
    jnp.logical_or,
    """Element-wise logical OR (non-zero values count as true).

    >>> ops.logical_or([True, True, False], [True, False, False]).tolist()
    [True, True, False]
    """,
    returns="A boolean tensor of the broadcast shape.",
)
logical_xor = _binary(
    "logical_xor",
    jnp.logical_xor,
    """Element-wise logical exclusive OR: true where exactly one input is true.

    >>> ops.logical_xor([True, True, False], [True, False, False]).tolist()
    [False, True, False]
    """,
    returns="A boolean tensor of the broadcast shape.",
)
logical_not = _unary(
    "logical_not",
    jnp.logical_not,
    """Element-wise logical NOT (zero becomes true, anything else false).

    >>> ops.logical_not([True, False]).tolist()
    [False, True]
    """,
    returns="A boolean tensor of the same shape as `x`.",
)

negative = _unary(
    "negative",
    jnp.negative,
    """Element-wise numerical negative, `-x`.

    >>> ops.negative([1, -2]).tolist()
    [-1, 2]
    """,
)
absolute = _unary(
    "absolute",
    jnp.abs,
    """Element-wise absolute value, `|x|`.

    >>> ops.absolute([-3, 0, 2]).tolist()
    [3, 0, 2]
    """,
)
abs = _unary(  # noqa: A001
    "absolute",
    jnp.abs,
    """Element-wise absolute value, `|x|`; the same as `absolute`.

    >>> ops.abs([-1.5, 2.0]).tolist()
    [1.5, 2.0]
    """,
)
square = _unary(
    "square",
    jnp.square,
    """Element-wise square, `x * x`.

    >>> ops.square([2, -3]).tolist()
    [4, 9]
    """,
)
sqrt = _unary(
    "sqrt",
    lambda x: jnp.sqrt(_float_of(x)),
    """Element-wise non-negative square root (integers are computed as floats).

    >>> np.asarray(ops.sqrt([4, 9]))
    array([2., 3.], dtype=float32)
    """,
)
exp = _unary(
    "exp",
    lambda x: jnp.exp(_float_of(x)),
    """Element-wise exponential, `e ** x`.

    >>> np.asarray(ops.exp([0.0, 1.0])).round(4)
    array([1.    , 2.7183], dtype=float32)
    """,
)
exp2 = _unary(
    "exp2",
    lambda x: jnp.exp2(_float_of(x)),
    """Element-wise power of two, `2 ** x`.

    >>> np.asarray(ops.exp2([0, 3]))
    array([1., 8.], dtype=float32)
    """,
)
expm1 = _unary(
    "expm1",
    lambda x: jnp.expm1(_float_of(x)),
    """Element-wise `exp(x) - 1`, accurate for small `x`.

    >>> np.asarray(ops.expm1([0.0, 1e-10]))
    array([0.e+00, 1.e-10], dtype=float32)
    """,
)
log = _unary(
    "log",
    lambda x: jnp.log(_float_of(x)),
    """Element-wise natural logarithm.

    >>> np.asarray(ops.log([1.0, np.e])).round(4)
    array([0., 1.], dtype=float32)
    """,
)
log1p = _unary(
    "log1p",
    lambda x: jnp.log1p(_float_of(x)),
    """Element-wise `log(1 + x)`, accurate for small `x`.

    >>> np.asarray(ops.log1p([0.0, 1e-10]))
    array([0.e+00, 1.e-10], dtype=float32)
    """,
)
log2 = _unary(
    "log2",
    lambda x: jnp.log2(_float_of(x)),
    """Element-wise base-2 logarithm.

    >>> np.asarray(ops.log2([1, 8]))
    array([0., 3.], dtype=float32)
    """,
)
log10 = _unary(
    "log10",
    lambda x: jnp.log10(_float_of(x)),
    """Element-wise base-10 logarithm.

    >>> np.asarray(ops.log10([1, 100]))
    array([0., 2.], dtype=float32)
    """,
)
sin = _unary(
    "sin",
    lambda x: jnp.sin(_float_of(x)),
    """Element-wise sine of angles in radians.

    >>> np.asarray(ops.sin([0.0, np.pi / 2])).round(4)
    array([0., 1.], dtype=float32)
    """,
)
cos = _unary(
    "cos",
    lambda x: jnp.cos(_float_of(x)),
    """Element-wise cosine of angles in radians.

    >>> np.asarray(ops.cos([0.0, np.pi])).round(4)
    array([ 1., -1.], dtype=float32)
    """,
)
tan = _unary(
    "tan",
    lambda x: jnp.tan(_float_of(x)),
    """Element-wise tangent of angles in radians.

    >>> np.asarray(ops.tan([0.0, np.pi / 4])).round(4)
    array([0., 1.], dtype=float32)
    """,
)
arcsin = _unary(
    "arcsin",
    lambda x: jnp.arcsin(_float_of(x)),
    """Element-wise inverse sine, in radians (NaN outside `[-1, 1]`).

    >>> np.asarray(ops.arcsin([0.0, 1.0])).round(4)
    array([0.    , 1.5708], dtype=float32)
    """,
)
arccos = _unary(
    "arccos",
    lambda x: jnp.arccos(_float_of(x)),
    """Element-wise inverse cosine, in radians (NaN outside `[-1, 1]`).

    >>> np.asarray(ops.arccos([1.0, 0.0])).round(4)
    array([0.    , 1.5708], dtype=float32)
    """,
)
arctan = _unary(
    "arctan",
    lambda x: jnp.arctan(_float_of(x)),
    """Element-wise inverse tangent, in radians.

    >>> np.asarray(ops.arctan([0.0, 1.0])).round(4)
    array([0.    , 0.7854], dtype=float32)
    """,
)
sinh = _unary(
    "sinh",
    lambda x: jnp.sinh(_float_of(x)),
    """Element-wise hyperbolic sine.

    >>> np.asarray(ops.sinh([0.0, 1.0])).round(4)
    array([0.    , 1.1752], dtype=float32)
    """,
)
cosh = _unary(
    "cosh",
    lambda x: jnp.cosh(_float_of(x)),
    """Element-wise hyperbolic cosine.

    >>> np.asarray(ops.cosh([0.0, 1.0])).round(4)
    array([1.    , 1.5431], dtype=float32)
    """,
)
tanh = _unary(
    "tanh",
    lambda x: jnp.tanh(_float_of(x)),
    """Element-wise hyperbolic tangent.

    >>> np.asarray(ops.tanh([0.0, 1.0])).round(4)
    array([0.    , 0.7616], dtype=float32)
    """,
)
arcsinh = _unary(
    "arcsinh",
    lambda x: jnp.arcsinh(_float_of(x)),
    """Element-wise inverse hyperbolic sine.

    >>> np.asarray(ops.arcsinh([0.0, 1.0])).round(4)
    array([0.    , 0.8814], dtype=float32)
    """,
)
arccosh = _unary(
    "arccosh",
    lambda x: jnp.arccosh(_float_of(x)),
    """Element-wise inverse hyperbolic cosine (NaN below 1).

    >>> np.asarray(ops.arccosh([1.0, 2.0])).round(4)
    array([0.   , 1.317], dtype=float32)
    """,
)
arctanh = _unary(
    "arctanh",
    lambda x: jnp.arctanh(_float_of(x)),
    """Element-wise inverse hyperbolic tangent (NaN outside `[-1, 1]`).

    >>> np.asarray(ops.arctanh([0.0, 0.5])).round(4)
    array([0.    , 0.5493], dtype=float32)
    """,
)
reciprocal = _unary(
    "reciprocal",
    lambda x: 1.0 / _float_of(x),
    """Element-wise reciprocal, `1 / x` (integers are computed as floats).

    >>> np.asarray(ops.reciprocal([2, 4]))
    array([0.5 , 0.25], dtype=float32)
    """,
)
floor = _unary(
    "floor",
    lambda x: jnp.floor(_float_of(x)),
    """Element-wise floor: the largest integer not above `x` (as a float).

    >>> np.asarray(ops.floor([1.7, -1.2]))
    array([ 1., -2.], dtype=float32)
    """,
)
ceil = _unary(
    "ceil",
    lambda x: jnp.ceil(_float_of(x)),
    """Element-wise ceiling: the smallest integer not below `x` (as a float).

    >>> np.asarray(ops.ceil([1.2, -1.7]))
    array([ 2., -1.], dtype=float32)
    """,
)
trunc = _unary(
    "trunc",
    jnp.trunc,
    """Element-wise rounding towards zero.

    >>> np.asarray(ops.trunc([1.7, -1.7]))
    array([ 1., -1.], dtype=float32)
    """,
)
sign = _unary(
    "sign",
    jnp.sign,
    """Element-wise sign: -1 for negative values, 0 for zero, 1 for positive values.

    >>> ops.sign([-4, 0, 3]).tolist()
    [-1, 0, 1]
    """,
)
isnan = _unary(
    "isnan",
    jnp.isnan,
    """Element-wise test for NaN.

    >>> ops.isnan([1.0, np.nan]).tolist()
    [False, True]
    """,
    returns="A boolean tensor of the same shape as `x`.",
)
isinf = _unary(
    "isinf",
    jnp.isinf,
    """Element-wise test for positive or negative infinity.

    >>> ops.isinf([1.0, np.inf, -np.inf]).tolist()
    [False, True, True]
    """,
    returns="A boolean tensor of the same shape as `x`.",
)
isfinite = _unary(
    "isfinite",
    jnp.isfinite,
    """Element-wise test for finite values (neither infinite nor NaN).

    >>> ops.isfinite([1.0, np.inf, np.nan]).tolist()
    [True, False, False]
    """,
    returns="A boolean tensor of the same shape as `x`.",
)
conjugate = _unary(
    "conjugate",
    jnp.conjugate,
    """Element-wise complex conjugate (real inputs are returned unchanged).

    >>> ops.conjugate(np.array([1 + 2j], dtype="complex64")).tolist()
    [(1-2j)]
    """,
)
real = _unary(
    "real",
    jnp.real,
    """Element-wise real part of a complex tensor.

    >>> ops.real(np.array([1 + 2j], dtype="complex64")).tolist()
    [1.0]
    """,
)
imag = _unary(
    "imag",
    jnp.imag,
    """Element-wise imaginary part of a complex tensor (zeros for real inputs).

    >>> ops.imag(np.array([1 + 2j], dtype="complex64")).tolist()
    [2.0]
    """,
)
copy = _unary(
    "copy",
    jnp.array,
    """Returns a copy of `x` as a new tensor.

    >>> ops.copy([1, 2]).tolist()
    [1, 2]
    """,
)


def round(x, decimals: int = 0):  # noqa: A001
    """Rounds to `decimals` decimal places; exact halves go to the nearest even value.

    Args:
        x: input tensor.
        decimals: number of decimal places to keep (a negative number rounds to tens, hundreds, ...).

    Returns:
        A tensor of the same shape and dtype as `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.round(np.array([0.5, 1.5, 2.25]), 1))
    array([0.5, 1.5, 2.2], dtype=float32)
    >>> ops.round(np.array([0.5, 1.5, 2.5])).tolist()
    [0.0, 2.0, 2.0]
    """
    return dispatch("round", jnp.round, x, decimals=decimals)


def clip(x, x_min, x_max):
    """Limits the values of `x` to the interval `[x_min, x_max]`.

    Booleans are clipped as int32, as Keras does.

    Args:
        x: input tensor.
        x_min: lower bound (a number or a tensor that broadcasts against `x`).
        x_max: upper bound (a number or a tensor that broadcasts against `x`).

    Returns:
        A tensor of the shape of `x` with every value inside the bounds.

    Example:
    >>> from lamina import ops
    >>> ops.clip([-5, 0, 5, 10], 0, 6).tolist()
    [0, 0, 5, 6]
    """

    def fn(x, lo, hi):
        x = jnp.asarray(x)
        if x.dtype == jnp.bool_:
            x = x.astype("int32")
        return jnp.clip(x, lo, hi)

    return dispatch("clip", fn, x, x_min, x_max)


def where(condition, x1=None, x2=None):
    """Picks elements from `x1` where `condition` is true and from `x2` elsewhere.

    With neither `x1` nor `x2`, returns the indices of the non-zero elements of `condition` instead
    (as `numpy.nonzero` does).

    Args:
        condition: boolean tensor (or one whose non-zero values count as true).
        x1: values taken where `condition` holds.
        x2: values taken where it does not; `condition`, `x1` and `x2` broadcast together.

    Returns:
        A tensor of the broadcast shape, or a tuple of index tensors (one per axis of `condition`)
        when `x1` and `x2` are both None.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.where(np.array([True, False, True]), np.array([1, 2, 3]), -1).tolist()
    [1, -1, 3]
    >>> [i.tolist() for i in ops.where(np.array([0, 5, 0, 7]))]
    [[1, 3]]
    """
    if x1 is None and x2 is None:
        return dispatch("where", jnp.nonzero, condition)
    return dispatch("where", jnp.where, condition, x1, x2)


def nan_to_num(x, nan: float = 0.0, posinf=None, neginf=None):
    """Replaces NaN by `nan` and infinities by large finite numbers (or the given ones).

    Args:
        x: input tensor.
        nan: the value that replaces NaN.
        posinf: the value that replaces positive infinity; None uses the largest finite value of
            the dtype.
        neginf: the value that replaces negative infinity; None uses the most negative finite value.

    Returns:
        A tensor of the shape and dtype of `x` without NaN or infinities.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.nan_to_num(np.array([np.nan, np.inf, -np.inf, 1.0]), posinf=9.0, neginf=-9.0))
    array([ 0.,  9., -9.,  1.], dtype=float32)
    """
    return dispatch("nan_to_num", jnp.nan_to_num, x, nan=nan, posinf=posinf, neginf=neginf)


def isclose(x1, x2, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False):
    """Element-wise test of `|x1 - x2| <= atol + rtol * |x2|`.

    Args:
        x1: first input tensor.
        x2: second input tensor; the two broadcast against each other.
        rtol: relative tolerance.
        atol: absolute tolerance.
        equal_nan: whether two NaNs count as close.

    Returns:
        A boolean tensor of the broadcast shape.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.isclose(np.array([1.0, 1.0]), np.array([1.0 + 1e-7, 1.1])).tolist()
    [True, False]
    """
    return dispatch("isclose", jnp.isclose, x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)


# ---------------------------------------------------------------------------- reductions
_AXIS = (
    _X,
    "axis: an axis or tuple of axes to reduce; None (the default) reduces over all of them.",
    "keepdims: whether to keep the reduced axes, with size 1.",
)


def _reduction(name: str, fn, doc: str, returns: str = "The reduced tensor."):
    def op(x, axis=None, keepdims: bool = False):
        return dispatch(name, lambda x: fn(_t(x), axis=axis, keepdims=keepdims), x)

    op.__name__ = op.__qualname__ = name
    _document(op, doc, _AXIS, returns)
    return op


sum = _reduction(  # noqa: A001
    "sum",
    jnp.sum,
    """Sum of the elements over `axis`.

    >>> ops.sum([[1, 2], [3, 4]], axis=0).tolist()
    [4, 6]
    """,
)
all = _reduction(  # noqa: A001
    "all",
    jnp.all,
    """Whether every element along `axis` is true (non-zero).

    >>> ops.all(np.array([[True, False], [True, True]]), axis=1).tolist()
    [False, True]
    """,
    returns="A boolean tensor.",
)
any = _reduction(  # noqa: A001
    "any",
    jnp.any,
    """Whether at least one element along `axis` is true (non-zero).

    >>> ops.any(np.array([[True, False], [False, False]]), axis=1).tolist()
    [True, False]
    """,
    returns="A boolean tensor.",
)
amax = _reduction(
    "amax",
    jnp.max,
    """Largest element over `axis`.

    >>> ops.amax(np.array([[1, 5], [7, 2]]), axis=1).tolist()
    [5, 7]
    """,
)
amin = _reduction(
    "amin",
    jnp.min,
    """Smallest element over `axis`.

    >>> ops.amin(np.array([[1, 5], [7, 2]]), axis=1).tolist()
    [1, 2]
    """,
)
argmax = _reduction(
    "argmax",
    jnp.argmax,
    """Index of the largest element along `axis` (of the flattened tensor when `axis` is None;
    the first one on ties).

    >>> ops.argmax([[1, 5], [7, 2]], axis=1).tolist()
    [1, 0]
    """,
    returns="An int32 tensor of indices.",
)
argmin = _reduction(
    "argmin",
    jnp.argmin,
    """Index of the smallest element along `axis` (of the flattened tensor when `axis` is None;
    the first one on ties).

    >>> ops.argmin([[1, 5], [7, 2]], axis=1).tolist()
    [0, 1]
    """,
    returns="An int32 tensor of indices.",
)
median = _reduction(
    "median",
    lambda x, **kw: jnp.median(_float_of(x), **kw),
    """Median over `axis` (the mean of the two middle values for an even count).

    >>> np.asarray(ops.median([1, 3, 2, 10]))
    array(2.5, dtype=float32)
    """,
)


def _float_reduce(fn):
    def reduce(x, axis=None, keepdims=False):
        x = jnp.asarray(x)
        if jnp.issubdtype(x.dtype, jnp.inexact):
            # Low-precision floats are reduced in float32 and cast back, like Keras.
            out = fn(x.astype(jnp.promote_types(x.dtype, "float32")), axis=axis, keepdims=keepdims)
            return out.astype(x.dtype)
        return fn(x.astype(floatx()), axis=axis, keepdims=keepdims)

    return reduce


mean = _reduction(
    "mean",
    _float_reduce(jnp.mean),
    """Arithmetic mean over `axis` (integers are averaged as floats).

    >>> np.asarray(ops.mean([[1, 2], [3, 4]], axis=0))
    array([2., 3.], dtype=float32)
    """,
)
var = _reduction(
    "var",
    _float_reduce(jnp.var),
    """Population variance over `axis` (the mean squared deviation from the mean).

    >>> np.asarray(ops.var([1.0, 2.0, 3.0, 4.0]))
    array(1.25, dtype=float32)
    """,
)
std = _reduction(
    "std",
    _float_reduce(jnp.std),
    """Population standard deviation over `axis` (the square root of `var`).

    >>> np.asarray(ops.std([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]))
    array(2., dtype=float32)
    """,
)


def max(x, axis=None, keepdims: bool = False, initial=None):  # noqa: A001
    """Largest element over `axis`, optionally also compared with `initial`.

    Args:
        x: input tensor.
        axis: an axis or tuple of axes to reduce; None (the default) reduces over all of them.
        keepdims: whether to keep the reduced axes, with size 1.
        initial: a value every result is at least as large as (allows reducing empty tensors).

    Returns:
        The reduced tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.max(np.array([[1, 5], [7, 2]]), axis=0).tolist()
    [7, 5]
    >>> ops.max(np.array([1, 2]), initial=4).tolist()
    4
    """
    return dispatch("max", jnp.max, x, axis=axis, keepdims=keepdims, initial=initial)


def min(x, axis=None, keepdims: bool = False, initial=None):  # noqa: A001
    """Smallest element over `axis`, optionally also compared with `initial`.

    Args:
        x: input tensor.
        axis: an axis or tuple of axes to reduce; None (the default) reduces over all of them.
        keepdims: whether to keep the reduced axes, with size 1.
        initial: a value every result is at most as large as (allows reducing empty tensors).

    Returns:
        The reduced tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.min(np.array([[1, 5], [7, 2]]), axis=0).tolist()
    [1, 2]
    """
    return dispatch("min", jnp.min, x, axis=axis, keepdims=keepdims, initial=initial)


def prod(x, axis=None, keepdims: bool = False, dtype=None):
    """Product of the elements over `axis`.

    Args:
        x: input tensor.
        axis: an axis or tuple of axes to reduce; None (the default) reduces over all of them.
        keepdims: whether to keep the reduced axes, with size 1.
        dtype: dtype of the result; None keeps the dtype of `x`.

    Returns:
        The reduced tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.prod(np.array([[1, 2], [3, 4]]), axis=1).tolist()
    [2, 12]
    """
    return dispatch("prod", jnp.prod, x, axis=axis, keepdims=keepdims, dtype=dtype)


def count_nonzero(x, axis=None):
    """Counts the non-zero elements along `axis`.

    Args:
        x: input tensor.
        axis: an axis or tuple of axes to count over; None counts over the whole tensor.

    Returns:
        An int32 tensor of counts.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.count_nonzero(np.array([[0, 1, 2], [0, 0, 3]]), axis=1).tolist()
    [2, 1]
    """
    return dispatch("count_nonzero", lambda x, axis: jnp.count_nonzero(x, axis), x, axis)


def average(x, axis=None, weights=None):
    """Weighted mean over `axis` (`sum(x * weights) / sum(weights)`).

    Args:
        x: input tensor.
        axis: the axis to average over; None averages the whole tensor.
        weights: a tensor of weights, of the shape of `x` or of the length of `axis`; None weighs
            all elements equally.

    Returns:
        The reduced float tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.average(np.array([1.0, 2.0, 3.0]), weights=np.array([3.0, 1.0, 0.0])))
    array(1.25, dtype=float32)
    """
    return dispatch("average", lambda x, w: jnp.average(_float_of(x), axis, w), x, weights)


def cumsum(x, axis=None, dtype=None):
    """Cumulative sum along `axis`.

    Args:
        x: input tensor.
        axis: the axis to accumulate along; None flattens `x` first.
        dtype: dtype of the result; None keeps the dtype of `x`.

    Returns:
        A tensor of running sums (flat when `axis` is None).

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.cumsum(np.array([[1, 2], [3, 4]]), axis=1).tolist()
    [[1, 3], [3, 7]]
    >>> ops.cumsum(np.array([[1, 2], [3, 4]])).tolist()
    [1, 3, 6, 10]
    """
    return dispatch("cumsum", jnp.cumsum, x, axis=axis, dtype=dtype)


def cumprod(x, axis=None, dtype=None):
    """Cumulative product along `axis`.

    Args:
        x: input tensor.
        axis: the axis to accumulate along; None flattens `x` first.
        dtype: dtype of the result; None keeps the dtype of `x`.

    Returns:
        A tensor of running products (flat when `axis` is None).

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.cumprod(np.array([1, 2, 3, 4])).tolist()
    [1, 2, 6, 24]
    """
    return dispatch("cumprod", jnp.cumprod, x, axis=axis, dtype=dtype)


def sort(x, axis: int = -1):
    """Sorts `x` in ascending order along `axis`.

    Args:
        x: input tensor.
        axis: the axis to sort along; None sorts the flattened tensor.

    Returns:
        A sorted tensor of the shape of `x` (flat when `axis` is None).

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.sort(np.array([[3, 1, 2], [9, 7, 8]])).tolist()
    [[1, 2, 3], [7, 8, 9]]
    """
    return dispatch("sort", jnp.sort, x, axis=axis)


def argsort(x, axis: int = -1):
    """Indices that sort `x` in ascending order along `axis`.

    Args:
        x: input tensor.
        axis: the axis to sort along; None sorts the flattened tensor.

    Returns:
        An int32 tensor of indices, such that `take_along_axis(x, indices, axis)` is sorted.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.argsort(np.array([30, 10, 20])).tolist()
    [1, 2, 0]
    """
    return dispatch("argsort", jnp.argsort, x, axis=axis)


def logsumexp(x, axis=None, keepdims: bool = False):
    """`log(sum(exp(x)))` over `axis`, computed without overflow.

    Args:
        x: input tensor.
        axis: an axis or tuple of axes to reduce; None (the default) reduces over all of them.
        keepdims: whether to keep the reduced axes, with size 1.

    Returns:
        The reduced tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.logsumexp(np.array([0.0, 0.0]))).round(4)
    np.float32(0.6931)
    >>> np.asarray(ops.logsumexp(np.array([1000.0, 1000.0]))).round(4)
    np.float32(1000.6932)
    """
    return dispatch("logsumexp", jax.scipy.special.logsumexp, x, axis=axis, keepdims=keepdims)


# ---------------------------------------------------------------------------- products
matmul = _binary(
    "matmul",
    jnp.matmul,
    """Matrix product of two tensors; leading (batch) axes broadcast, as in `numpy.matmul`.

    >>> ops.matmul([[1, 2], [3, 4]], [[1], [1]]).tolist()
    [[3], [7]]
    """,
    returns="The product tensor.",
)
dot = _binary(
    "dot",
    jnp.dot,
    """Dot product, as `numpy.dot`: inner product of vectors, matrix product of matrices, and
    a sum over the last axis of `x1` and the second-to-last of `x2` in general.

    >>> ops.dot([1, 2, 3], [4, 5, 6]).tolist()
    32
    """,
    returns="The product tensor.",
)
outer = _binary(
    "outer",
    jnp.outer,
    """Outer product of two tensors, both flattened first.

    >>> ops.outer(np.array([1, 2]), np.array([1, 10, 100])).tolist()
    [[1, 10, 100], [2, 20, 200]]
    """,
    returns="A matrix of shape `(size(x1), size(x2))`.",
)
inner = _binary(
    "inner",
    jnp.inner,
    """Inner product: sum of products over the last axes of both tensors.

    >>> ops.inner([1, 2, 3], [0, 1, 0]).tolist()
    2
    """,
    returns="The product tensor.",
)
vdot = _binary(
    "vdot",
    jnp.vdot,
    """Dot product of the two tensors flattened (conjugating `x1` when complex).

    >>> ops.vdot([[1, 2], [3, 4]], [[1, 1], [1, 1]]).tolist()
    10
    """,
    returns="A scalar tensor.",
)
kron = _binary(
    "kron",
    jnp.kron,
    """Kronecker product: every element of `x1` scales a whole copy of `x2`.

    >>> ops.kron([1, 10], [1, 2]).tolist()
    [1, 2, 10, 20]
    """,
    returns="The Kronecker product.",
)


def tensordot(x1, x2, axes=2):
    """Sum of products over chosen axes of two tensors, as `numpy.tensordot`.

    Args:
        x1: first input tensor.
        x2: second input tensor.
        axes: an int `n` (sum over the last `n` axes of `x1` and the first `n` of `x2`) or a pair
            of axis lists `(axes_of_x1, axes_of_x2)`.

    Returns:
        A tensor of the remaining axes of `x1` followed by those of `x2`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.tensordot(np.array([[1, 2], [3, 4]]), np.eye(2, dtype="int32"), axes=2).tolist()
    5
    >>> ops.tensordot(np.array([[1, 2], [3, 4]]), np.array([1, 1]), axes=([1], [0])).tolist()
    [3, 7]
    """
    return dispatch("tensordot", jnp.tensordot, x1, x2, axes=axes)


def einsum(subscripts: str, *operands, **kwargs):
    """Einstein summation over the operands, as `numpy.einsum`.

    Args:
        subscripts: the summation, e.g. `"ij,jk->ik"` for a matrix product.
        *operands: the input tensors, one per comma-separated term of `subscripts`.
        **kwargs: extra options passed on to `jax.numpy.einsum` (e.g. `preferred_element_type`).

    Returns:
        The result tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.einsum("ij,jk->ik", np.array([[1, 2], [3, 4]]), np.array([[1], [1]])).tolist()
    [[3], [7]]
    >>> ops.einsum("ii", np.array([[1, 2], [3, 4]])).tolist()
    5
    """
    return dispatch("einsum", jnp.einsum, subscripts, *operands, **kwargs)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of two (batches of) 3-vectors, or the z-component for 2-vectors.

    Args:
        x1: first tensor of vectors.
        x2: second tensor of vectors.
        axisa: the axis of `x1` that holds the vectors.
        axisb: the axis of `x2` that holds the vectors.
        axisc: the axis of the result that holds the vectors.
        axis: when given, overrides `axisa`, `axisb` and `axisc`.

    Returns:
        The tensor of cross products.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.cross(np.array([1, 0, 0]), np.array([0, 1, 0])).tolist()
    [0, 0, 1]
    """
    return dispatch("cross", jnp.cross, x1, x2, axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


def trace(x, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """Sum along a diagonal of `x` (of each matrix, for batches).

    Args:
        x: input tensor of rank 2 or more.
        offset: the diagonal: 0 is the main one, positive above it, negative below it.
        axis1: first axis of the matrices.
        axis2: second axis of the matrices.

    Returns:
        A tensor with `axis1` and `axis2` removed.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.trace(np.array([[1, 2], [3, 4]])).tolist()
    5
    >>> ops.trace(np.array([[1, 2], [3, 4]]), offset=1).tolist()
    2
    """
    return dispatch("trace", jnp.trace, x, offset=offset, axis1=axis1, axis2=axis2)
