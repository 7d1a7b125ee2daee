"""More NumPy-like `keras.ops`: element-wise functions, windows, splits and NaN-aware
reductions, each a thin `jax.numpy` wrapper following Keras's JAX backend.

Like every `lamina.ops` function, each computes right away on arrays and records a graph node
on symbolic tensors (see `lamina.ops.operation`).
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.config import floatx
from lamina.core.variable import standardize_dtype
from lamina.ops.numpy import _binary, _document, _unary
from lamina.ops.operation import dispatch


def _floating(x):
    """int64 becomes `floatx()`, other integers the float JAX promotes them to."""
    x = jnp.asarray(x)
    if jnp.issubdtype(x.dtype, jnp.inexact):
        return x
    return x.astype(floatx() if standardize_dtype(x.dtype) == "int64" else jnp.float32)


# ---------------------------------------------------------------------------- element-wise
angle = _unary(
    "angle",
    lambda x: jnp.angle(_floating(x)),
    """Element-wise angle (argument) of complex numbers, in radians; 0 or pi for real ones.

    >>> np.asarray(ops.angle(np.array([1j, -1.0], dtype="complex64"))).round(4)
    array([1.5708, 3.1416], dtype=float32)
    """,
)
cbrt = _unary(
    "cbrt",
    jnp.cbrt,
    """Element-wise cube root (negative for negative inputs).

    >>> np.asarray(ops.cbrt([8.0, -27.0])).round(4)
    array([ 2., -3.], dtype=float32)
    """,
)
conj = _unary(
    "conjugate",
    jnp.conjugate,
    """Element-wise complex conjugate; the same function as `conjugate`.

    >>> ops.conj(np.array([1 - 1j], dtype="complex64")).tolist()
    [(1+1j)]
    """,
)
deg2rad = _unary(
    "deg2rad",
    jnp.deg2rad,
    """Converts angles from degrees to radians, element-wise.

    >>> np.asarray(ops.deg2rad([180.0, 90.0])).round(4)
    array([3.1416, 1.5708], dtype=float32)
    """,
)
rad2deg = _unary(
    "rad2deg",
    jnp.rad2deg,
    """Converts angles from radians to degrees, element-wise.

    >>> np.asarray(ops.rad2deg([np.pi, np.pi / 2])).round(4)
    array([180.,  90.], dtype=float32)
    """,
)
fabs = _unary(
    "fabs",
    jnp.fabs,
    """Element-wise absolute value, always as floats.

    >>> np.asarray(ops.fabs([-2, 3]))
    array([2., 3.], dtype=float32)
    """,
)
sinc = _unary(
    "sinc",
    lambda x: jnp.sinc(_floating(x)),
    """Normalized sinc, `sin(pi * x) / (pi * x)` (1 at `x = 0`), element-wise.

    >>> np.asarray(ops.sinc([0.0, 0.5])).round(4)
    array([1.    , 0.6366], dtype=float32)
    """,
)
signbit = _unary(
    "signbit",
    jnp.signbit,
    """Whether the sign bit is set, element-wise (true for negative values, including -0.0).

    >>> ops.signbit([-1.0, -0.0, 2.0]).tolist()
    [True, True, False]
    """,
    returns="A boolean tensor of the same shape as `x`.",
)
isneginf = _unary(
    "isneginf",
    jnp.isneginf,
    """Element-wise test for negative infinity.

    >>> ops.isneginf([-np.inf, np.inf, 0.0]).tolist()
    [True, False, False]
    """,
    returns="A boolean tensor of the same shape as `x`.",
)
isposinf = _unary(
    "isposinf",
    jnp.isposinf,
    """Element-wise test for positive infinity.

    >>> ops.isposinf([-np.inf, np.inf, 0.0]).tolist()
    [False, True, False]
    """,
    returns="A boolean tensor of the same shape as `x`.",
)
isreal = _unary(
    "isreal",
    jnp.isreal,
    """Element-wise test for a zero imaginary part (always true for real dtypes).

    >>> ops.isreal(np.array([1 + 0j, 1 + 2j], dtype="complex64")).tolist()
    [True, False]
    """,
    returns="A boolean tensor of the same shape as `x`.",
)
fliplr = _unary(
    "fliplr",
    jnp.fliplr,
    """Reverses the order of the columns (the second axis); `x` must be at least 2-D.

    >>> ops.fliplr([[1, 2], [3, 4]]).tolist()
    [[2, 1], [4, 3]]
    """,
)
flipud = _unary(
    "flipud",
    jnp.flipud,
    """Reverses the order of the rows (the first axis).

    >>> ops.flipud([[1, 2], [3, 4]]).tolist()
    [[3, 4], [1, 2]]
    """,
)
corrcoef = _unary(
    "corrcoef",
    jnp.corrcoef,
    """Pearson correlation coefficients between the rows of `x` (each row is a variable,
    each column an observation).

    >>> np.asarray(ops.corrcoef([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])).round(4)
    array([[ 1., -1.],
           [-1.,  1.]], dtype=float32)
    """,
    returns="A square matrix of shape `(rows, rows)`.",
)


def i0(x):
    """Modified Bessel function of the first kind of order 0, element-wise.

    Args:
        x: input tensor (integers are computed as floats).

    Returns:
        A float tensor of the same shape as `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.i0(np.array([0.0, 1.0]))).round(4)
    array([1.    , 1.2661], dtype=float32)
    """

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


divide_no_nan = _binary(
    "divide_no_nan",
    _divide_no_nan,
    """Divides `x1` by `x2` element-wise, giving 0 wherever `x2` is 0.

    >>> np.asarray(ops.divide_no_nan([1.0, 2.0], [2.0, 0.0]))
    array([0.5, 0. ], dtype=float32)
    """,
)
fmax = _binary(
    "fmax",
    jnp.fmax,
    """Element-wise maximum that ignores NaN (NaN only where both inputs are NaN).

    >>> np.asarray(ops.fmax([1.0, np.nan], [np.nan, 2.0]))
    array([1., 2.], dtype=float32)
    """,
)
fmin = _binary(
    "fmin",
    jnp.fmin,
    """Element-wise minimum that ignores NaN (NaN only where both inputs are NaN).

    >>> np.asarray(ops.fmin([1.0, np.nan], [np.nan, 2.0]))
    array([1., 2.], dtype=float32)
    """,
)
fmod = _binary(
    "fmod",
    jnp.fmod,
    """Element-wise remainder of `x1 / x2` with the sign of `x1` (C's `fmod`).

    >>> ops.fmod([7, -7], 3).tolist()
    [1, -1]
    """,
)
gcd = _binary(
    "gcd",
    jnp.gcd,
    """Element-wise greatest common divisor of two integer tensors.

    >>> ops.gcd([12, 18], [8, 27]).tolist()
    [4, 9]
    """,
)
lcm = _binary(
    "lcm",
    jnp.lcm,
    """Element-wise least common multiple of two integer tensors.

    >>> ops.lcm([4, 6], [6, 7]).tolist()
    [12, 42]
    """,
)
heaviside = _binary(
    "heaviside",
    jnp.heaviside,
    """Heaviside step function: 0 where `x1 < 0`, 1 where `x1 > 0`, and `x2` where `x1 == 0`.

    >>> np.asarray(ops.heaviside([-2.0, 0.0, 3.0], 0.5))
    array([0. , 0.5, 1. ], dtype=float32)
    """,
)
nextafter = _binary(
    "nextafter",
    jnp.nextafter,
    """The next representable float after `x1` in the direction of `x2`, element-wise.

    >>> bool(ops.nextafter(np.float32(1.0), np.float32(2.0)) > 1.0)
    True
    """,
)


def _logaddexp2(x1, x2):
    x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
    dtype = jnp.result_type(x1.dtype, x2.dtype, jnp.float32)
    return jnp.logaddexp2(x1.astype(dtype), x2.astype(dtype))


logaddexp2 = _binary(
    "logaddexp2",
    _logaddexp2,
    """Element-wise `log2(2**x1 + 2**x2)`, computed without overflow.

    >>> np.asarray(ops.logaddexp2([1.0, 3.0], [1.0, 3.0]))
    array([2., 4.], dtype=float32)
    """,
)


def ldexp(x1, x2):
    """Element-wise `x1 * 2**x2`.

    Args:
        x1: the mantissas (integers are computed as floats).
        x2: the integer exponents; broadcasts against `x1`.

    Returns:
        A float tensor of the broadcast shape.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.ldexp(np.array([1.0, 3.0]), np.array([3, -1])))
    array([8. , 1.5], dtype=float32)
    """

    def fn(x1, x2):
        x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
        if not jnp.issubdtype(x1.dtype, jnp.inexact):
            x1 = x1.astype(floatx())
        return jnp.ldexp(x1, x2.astype("int32"))

    return dispatch("ldexp", fn, x1, x2)


# ---------------------------------------------------------------------------- bitwise
bitwise_and = _binary(
    "bitwise_and",
    jnp.bitwise_and,
    """Element-wise bitwise AND of integer (or boolean) tensors.

    >>> ops.bitwise_and([12, 10], [10, 6]).tolist()
    [8, 2]
    """,
)
bitwise_or = _binary(
    "bitwise_or",
    jnp.bitwise_or,
    """Element-wise bitwise OR of integer (or boolean) tensors.

    >>> ops.bitwise_or([12, 10], [10, 6]).tolist()
    [14, 14]
    """,
)
bitwise_xor = _binary(
    "bitwise_xor",
    jnp.bitwise_xor,
    """Element-wise bitwise exclusive OR of integer (or boolean) tensors.

    >>> ops.bitwise_xor([12, 10], [10, 6]).tolist()
    [6, 12]
    """,
)
bitwise_left_shift = _binary(
    "bitwise_left_shift",
    jnp.left_shift,
    """Shifts the bits of `x1` left by `x2` places, element-wise (`x1 << x2`).

    >>> ops.bitwise_left_shift([1, 3], 2).tolist()
    [4, 12]
    """,
)
bitwise_right_shift = _binary(
    "bitwise_right_shift",
    jnp.right_shift,
    """Shifts the bits of `x1` right by `x2` places, element-wise (`x1 >> x2`).

    >>> ops.bitwise_right_shift([8, 13], 2).tolist()
    [2, 3]
    """,
)
left_shift = _binary(
    "left_shift",
    jnp.left_shift,
    """Shifts the bits of `x1` left by `x2` places (`x1 << x2`); the same as
    `bitwise_left_shift`.

    >>> ops.left_shift([1, 3], 2).tolist()
    [4, 12]
    """,
)
right_shift = _binary(
    "right_shift",
    jnp.right_shift,
    """Shifts the bits of `x1` right by `x2` places (`x1 >> x2`); the same as
    `bitwise_right_shift`.

    >>> ops.right_shift([8, 13], 2).tolist()
    [2, 3]
    """,
)
bitwise_invert = _unary(
    "bitwise_invert",
    jnp.invert,
    """Element-wise bitwise NOT (`~x`; logical NOT for booleans).

    >>> ops.bitwise_invert([0, 5]).tolist()
    [-1, -6]
    """,
)
bitwise_not = _unary(
    "bitwise_invert",
    jnp.invert,
    """Element-wise bitwise NOT (`~x`); the same function as `bitwise_invert`.

    >>> ops.bitwise_not([True, False]).tolist()
    [False, True]
    """,
)


# ---------------------------------------------------------------------------- windows
def _window(name: str, fn, doc: str):
    def op(x):
        return dispatch(name, lambda x: fn(int(x)).astype(floatx()), x)

    op.__name__ = op.__qualname__ = name
    _document(
        op,
        doc,
        ["x: the number of points (an int)."],
        "A 1-D float tensor of `x` values (in `keras.config.floatx()`).",
    )
    return op


bartlett = _window(
    "bartlett",
    jnp.bartlett,
    """The Bartlett (triangular) window of `x` points, rising from 0 to 1 and back to 0.

    >>> np.asarray(ops.bartlett(5))
    array([0. , 0.5, 1. , 0.5, 0. ], dtype=float32)
    """,
)
blackman = _window(
    "blackman",
    jnp.blackman,
    """The Blackman window of `x` points (a sum of three cosines; low side lobes).

    >>> np.asarray(ops.blackman(5)).round(2)[1:4]
    array([0.34, 1.  , 0.34], dtype=float32)
    """,
)
hamming = _window(
    "hamming",
    jnp.hamming,
    """The Hamming window of `x` points, `0.54 - 0.46 * cos(2 pi n / (x - 1))`.

    >>> np.asarray(ops.hamming(3)).round(4)
    array([0.08, 1.  , 0.08], dtype=float32)
    """,
)
hanning = _window(
    "hanning",
    jnp.hanning,
    """The Hann window of `x` points, `0.5 - 0.5 * cos(2 pi n / (x - 1))`.

    >>> np.asarray(ops.hanning(3)).round(4)
    array([0., 1., 0.], dtype=float32)
    """,
)


def kaiser(x, beta):
    """The Kaiser window of `x` points with shape parameter `beta`.

    Args:
        x: the number of points (an int).
        beta: the shape parameter: 0 gives a rectangular window, larger values a narrower one.

    Returns:
        A 1-D float tensor of `x` values.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.kaiser(3, 0.0))
    array([1., 1., 1.], dtype=float32)
    """
    return dispatch("kaiser", lambda x, b: jnp.kaiser(int(x), b).astype(floatx()), x, beta)


# ---------------------------------------------------------------------------- arrays
def array(x, dtype=None):
    """Creates a tensor from `x` (a nested list, NumPy array, number or tensor).

    Args:
        x: the data.
        dtype: dtype of the result; None infers it from `x`.

    Returns:
        A new tensor.

    Example:
    >>> from lamina import ops
    >>> ops.array([[1, 2], [3, 4]], dtype="float32").tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    return dispatch("array", lambda x, dtype: jnp.array(x, dtype=dtype), x, dtype)


def empty_like(x, dtype=None):
    """A tensor with the shape (and, by default, the dtype) of `x`, whose values are
    not to be relied on (lamina fills it with zeros).

    Args:
        x: the tensor whose shape is used.
        dtype: dtype of the result; None keeps the dtype of `x`.

    Returns:
        A tensor of the shape of `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.empty_like(np.ones((2, 3))).shape
    (2, 3)
    """
    return dispatch("empty_like", lambda x, dtype: jnp.empty_like(x, dtype=dtype), x, dtype)


def diagflat(x, k=0):
    """A 2-D tensor with the flattened `x` on its `k`-th diagonal and zeros elsewhere.

    Args:
        x: input tensor (flattened first).
        k: the diagonal: 0 is the main one, positive above it, negative below it.

    Returns:
        A square matrix of side `size(x) + |k|`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.diagflat(np.array([[1, 2]])).tolist()
    [[1, 0], [0, 2]]
    >>> ops.diagflat(np.array([5]), k=1).tolist()
    [[0, 5], [0, 0]]
    """
    return dispatch("diagflat", lambda x, k: jnp.diagflat(x, k), x, k)


def diff(a, n=1, axis=-1):
    """The `n`-th discrete difference along `axis` (`a[i + 1] - a[i]`, applied `n` times).

    Args:
        a: input tensor.
        n: how many times to take the difference.
        axis: the axis along which to take it.

    Returns:
        A tensor whose size along `axis` is `n` smaller.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.diff(np.array([1, 4, 9, 16])).tolist()
    [3, 5, 7]
    >>> ops.diff(np.array([1, 4, 9, 16]), n=2).tolist()
    [2, 2]
    """
    return dispatch("diff", lambda a, n, axis: jnp.diff(a, n=n, axis=axis), a, n, axis)


def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D tensors, `c[k] = sum(x1[n + k] * x2[n])`.

    Args:
        x1: first 1-D tensor.
        x2: second 1-D tensor.
        mode: `"valid"` (only full overlaps), `"same"` (the length of the longer input) or
            `"full"` (every partial overlap).

    Returns:
        A 1-D tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.correlate(np.array([1, 2, 3]), np.array([0, 1])).tolist()
    [2.0, 3.0]
    >>> ops.correlate(np.array([1, 2, 3]), np.array([0, 1]), mode="full").tolist()
    [1.0, 2.0, 3.0, 0.0]
    """
    return dispatch("correlate", lambda a, b, mode: jnp.correlate(a, b, mode), x1, x2, mode)


def rot90(array, k=1, axes=(0, 1)):
    """Rotates a tensor by 90 degrees `k` times, in the plane of `axes` (counterclockwise
    for positive `k`, from the first axis towards the second).

    Args:
        array: input tensor of rank 2 or more.
        k: the number of quarter turns (negative turns the other way).
        axes: the two axes that span the plane of rotation.

    Returns:
        The rotated tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.rot90(np.array([[1, 2], [3, 4]])).tolist()
    [[2, 4], [1, 3]]
    """
    return dispatch("rot90", lambda a, k, axes: jnp.rot90(a, k=k, axes=axes), array, k, axes)


def vander(x, N=None, increasing=False):  # noqa: N803
    """The Vandermonde matrix of a 1-D tensor: its columns are powers of `x`.

    Args:
        x: 1-D input tensor.
        N: the number of columns; None uses `len(x)`.
        increasing: whether the powers increase from left to right (by default they decrease).

    Returns:
        A matrix of shape `(len(x), N)`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.vander(np.array([1, 2, 3])).tolist()
    [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
    >>> ops.vander(np.array([1, 2, 3]), N=2, increasing=True).tolist()
    [[1, 1], [1, 2], [1, 3]]
    """
    return dispatch("vander", lambda x, N, i: jnp.vander(x, N=N, increasing=i), x, N, increasing)


def argpartition(x, kth, axis=-1):
    """Indices that partially sort `x` along `axis`: the element at position `kth`
    is the one a full sort would put there, smaller ones come before it and larger ones after it.

    Args:
        x: input tensor.
        kth: the position to partition around (an int).
        axis: the axis to partition along.

    Returns:
        An int32 tensor of indices, of the shape of `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.array([30, 10, 40, 20])
    >>> idx = ops.argpartition(x, 1)
    >>> int(x[int(idx[1])])
    20
    """

    def fn(x, kth, axis):
        x = jnp.asarray(x)
        return jnp.argpartition(x, kth, axis).astype("int32")

    return dispatch("argpartition", fn, x, kth, axis)


def _split(name: str, fn, doc: str):
    def op(x, indices_or_sections):
        return dispatch(name, lambda x, s: list(fn(x, s)), x, indices_or_sections)

    op.__name__ = op.__qualname__ = name
    _document(
        op,
        doc,
        [
            "x: input tensor.",
            "indices_or_sections: an int (the number of equal parts) or a list of the indices "
            "where the parts start.",
        ],
        "A list of tensors.",
    )
    return op


hsplit = _split(
    "hsplit",
    jnp.hsplit,
    """Splits `x` into parts along its second axis (its only axis when 1-D).

    >>> [p.tolist() for p in ops.hsplit(np.array([[1, 2, 3, 4]]), 2)]
    [[[1, 2]], [[3, 4]]]
    """,
)
vsplit = _split(
    "vsplit",
    jnp.vsplit,
    """Splits `x` into parts along its first axis.

    >>> [p.tolist() for p in ops.vsplit(np.array([[1, 2], [3, 4], [5, 6]]), [1])]
    [[[1, 2]], [[3, 4], [5, 6]]]
    """,
)
dsplit = _split(
    "dsplit",
    jnp.dsplit,
    """Splits `x` into parts along its third axis (`x` must be at least 3-D).

    >>> [p.shape for p in ops.dsplit(np.zeros((1, 2, 4)), 2)]
    [(1, 2, 2), (1, 2, 2)]
    """,
)


def array_split(x, indices_or_sections, axis=0):
    """Splits `x` into parts along `axis`; unlike `split`, the sections need not be
    equal (the first parts get one more element).

    Args:
        x: input tensor.
        indices_or_sections: an int (the number of parts) or a list of the indices where the parts
            start.
        axis: the axis to split along.

    Returns:
        A list of tensors.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> [p.tolist() for p in ops.array_split(np.arange(5), 3)]
    [[0, 1], [2, 3], [4]]
    """

    def fn(x, s, axis):
        return list(jnp.array_split(x, s, axis=axis))

    return dispatch("array_split", fn, x, indices_or_sections, axis)


def dstack(xs):
    """Stacks tensors along their third axis (1-D and 2-D inputs are made 3-D first).

    Args:
        xs: a list of tensors with matching shapes except along the third axis.

    Returns:
        The stacked tensor, at least 3-D.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.dstack([np.array([1, 2]), np.array([3, 4])]).tolist()
    [[[1, 3], [2, 4]]]
    """
    return dispatch("dstack", lambda xs: jnp.dstack(list(xs)), xs)


def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of `x1` is present anywhere in `x2`.

    Args:
        x1: the elements to test.
        x2: the values to look for (any shape; flattened).
        assume_unique: whether both inputs are known to hold unique values (a speed hint).
        invert: whether to return the opposite test (not in `x2`).

    Returns:
        A boolean tensor of the shape of `x1`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> ops.isin(np.array([1, 2, 3, 4]), np.array([2, 4])).tolist()
    [False, True, False, True]
    """

    def fn(x1, x2, u, inv):
        return jnp.isin(jnp.asarray(x1), jnp.asarray(x2), assume_unique=u, invert=inv)

    return dispatch("isin", fn, x1, x2, assume_unique, invert)


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether all elements of `x1` and `x2` are equal within a tolerance
    (`|x1 - x2| <= atol + rtol * |x2|` everywhere).

    Args:
        x1: first input tensor.
        x2: second input tensor; the two broadcast against each other.
        rtol: relative tolerance.
        atol: absolute tolerance.
        equal_nan: whether two NaNs count as equal.

    Returns:
        A scalar boolean tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> bool(ops.allclose(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-7])))
    True
    """

    def fn(a, b, rtol, atol, eq):
        return jnp.allclose(a, b, rtol=rtol, atol=atol, equal_nan=eq)

    return dispatch("allclose", fn, x1, x2, rtol, atol, equal_nan)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integrates `y` along `axis` with the trapezoidal rule.

    Args:
        y: the sampled values.
        x: the sample positions; None means evenly spaced points `dx` apart.
        dx: the spacing of the samples when `x` is None.
        axis: the axis to integrate along.

    Returns:
        The integral, `y` without `axis`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> float(ops.trapezoid(np.array([0.0, 1.0, 2.0])))
    2.0
    >>> float(ops.trapezoid(np.array([0.0, 1.0, 2.0]), dx=0.5))
    1.0
    """
    return dispatch(
        "trapezoid", lambda y, x, dx, axis: jnp.trapezoid(y, x, dx=dx, axis=axis), y, x, dx, axis
    )


def select(condlist, choicelist, default=0):
    """Picks, element by element, from the first choice whose condition holds, and
    `default` where none does.

    Args:
        condlist: a list of boolean tensors.
        choicelist: a list of tensors, one per condition; all broadcast together.
        default: the value where no condition holds.

    Returns:
        A tensor of the broadcast shape.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.array([-2, 0, 3])
    >>> ops.select([x < 0, x > 0], [-x, x * 10], default=99).tolist()
    [2, 99, 30]
    """

    def fn(c, ch, d):
        return jnp.select(list(c), list(ch), d)

    return dispatch("select", fn, condlist, choicelist, default)


def unravel_index(indices, shape):
    """Converts flat indices into coordinate tensors for a tensor of `shape`.

    Args:
        indices: integer tensor of flat indices.
        shape: the shape of the tensor being indexed.

    Returns:
        A tuple of integer tensors, one per axis of `shape`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> [i.tolist() for i in ops.unravel_index(np.array([1, 5]), (2, 3))]
    [[0, 1], [1, 2]]
    """
    return dispatch("unravel_index", lambda i, s: tuple(jnp.unravel_index(i, s)), indices, shape)
