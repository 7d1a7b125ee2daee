"""`keras.ops` from `keras.ops.math` and `keras.ops.linalg`: special functions, top-k,
segment reductions and small linear algebra."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.ops.numpy import _document, _float_of, _unary
from lamina.ops.operation import dispatch

erf = _unary(
    "erf",
    lambda x: jax.lax.erf(_float_of(x)),
    """Gauss error function, `2 / sqrt(pi) * integral of exp(-t**2)` from 0 to `x`, element-wise.

    >>> np.asarray(ops.erf([-1.0, 0.0, 1.0])).round(4)
    array([-0.8427,  0.    ,  0.8427], dtype=float32)
    """,
)
erfc = _unary(
    "erfc",
    lambda x: jax.scipy.special.erfc(_float_of(x)),
    """Complementary error function, `1 - erf(x)`, element-wise (accurate for large `x`).

    >>> np.asarray(ops.erfc([0.0, 1.0])).round(4)
    array([1.    , 0.1573], dtype=float32)
    """,
)
erfinv = _unary(
    "erfinv",
    lambda x: jax.lax.erf_inv(_float_of(x)),
    """Inverse error function: the `y` with `erf(y) == x`, element-wise, for `x` in `(-1, 1)`.

    >>> np.asarray(ops.erfinv([0.0, 0.5])).round(4)
    array([0.    , 0.4769], dtype=float32)
    """,
)
rsqrt = _unary(
    "rsqrt",
    lambda x: jax.lax.rsqrt(_float_of(x)),
    """Reciprocal square root, `1 / sqrt(x)`, element-wise.

    >>> np.asarray(ops.rsqrt([1.0, 4.0]))
    array([1. , 0.5], dtype=float32)
    """,
)
inv = _unary(
    "inv",
    jnp.linalg.inv,
    """Inverse of a square matrix (or of each matrix in a batch, over the last two axes).

    >>> np.asarray(ops.inv(np.array([[2.0, 0.0], [0.0, 4.0]])))
    array([[0.5 , 0.  ],
           [0.  , 0.25]], dtype=float32)
    """,
    returns="A tensor of the same shape as `x`.",
)
det = _unary(
    "det",
    jnp.linalg.det,
    """Determinant of a square matrix (or of each matrix in a batch).

    >>> round(float(ops.det(np.array([[1.0, 2.0], [3.0, 4.0]]))), 4)
    -2.0
    """,
    returns="A tensor of `x`'s shape without the last two axes.",
)
logdet = _unary(
    "logdet",
    lambda x: jnp.linalg.slogdet(x)[1],
    """Natural logarithm of the absolute determinant of a square matrix (or of each one in
    a batch), computed without overflow.

    >>> round(float(ops.logdet(np.array([[2.0, 0.0], [0.0, 3.0]]))), 4)
    1.7918
    """,
    returns="A tensor of `x`'s shape without the last two axes.",
)
eigh = _unary(
    "eigh",
    jnp.linalg.eigh,
    """Eigenvalues (ascending) and eigenvectors of a symmetric (Hermitian) matrix.

    >>> w, v = ops.eigh(np.array([[2.0, 0.0], [0.0, 1.0]]))
    >>> np.asarray(w)
    array([1., 2.], dtype=float32)
    """,
    returns="A tuple `(eigenvalues, eigenvectors)`; the eigenvectors are the columns.",
)


def top_k(x, k: int, sorted: bool = True):  # noqa: A002
    """The `k` largest values along the last axis, with their indices.

    Args:
        x: input tensor.
        k: how many values to keep.
        sorted: kept for Keras compatibility; the values always come in descending order.

    Returns:
        A tuple `(values, indices)`, each of `x`'s shape with the last axis of size `k`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> values, indices = ops.top_k(np.array([1, 9, 3, 7]), k=2)
    >>> values.tolist(), indices.tolist()
    ([9, 7], [1, 3])
    """
    return dispatch("top_k", lambda x: tuple(jax.lax.top_k(x, k)), x)


def in_top_k(targets, predictions, k: int):
    """Whether each target's predicted score is among the `k` largest of its row.

    Ties with the `k`-th largest score count as inside; a non-finite score counts as outside.

    Args:
        targets: integer tensor of class indices, shape `(batch,)`.
        predictions: tensor of scores, shape `(batch, num_classes)`.
        k: how many top scores to consider.

    Returns:
        A boolean tensor of shape `(batch,)`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> scores = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]])
    >>> ops.in_top_k(np.array([2, 0]), scores, k=1).tolist()
    [False, True]
    >>> ops.in_top_k(np.array([2, 0]), scores, k=2).tolist()
    [True, True]
    """

    def fn(targets, predictions):
        at_label = jnp.take_along_axis(predictions, targets[..., None], axis=-1)
        # Ties with the k-th largest value count as inside, as in Keras.
        rank = jnp.sum(predictions > at_label, axis=-1)
        finite = jnp.isfinite(at_label[..., 0])
        return jnp.logical_and(rank < k, finite)

    return dispatch("in_top_k", fn, targets, predictions)


_SEGMENT_ARGS = (
    "data: tensor whose first axis is split into segments.",
    "segment_ids: int32 tensor of shape `(data.shape[0],)`: the segment of each row.",
    "num_segments: the number of segments; None uses `max(segment_ids) + 1` (not allowed "
    "inside a traced function).",
    "sorted: whether `segment_ids` are known to be sorted (a hint that may be faster).",
)


def _segment(name, fn, doc):
    def op(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
        return dispatch(
            name,
            lambda d, s: fn(d, s, num_segments=num_segments, indices_are_sorted=sorted),
            data,
            segment_ids,
        )

    op.__name__ = op.__qualname__ = name
    _document(op, doc, _SEGMENT_ARGS, "A tensor of shape `(num_segments,) + data.shape[1:]`.")
    return op


segment_sum = _segment(
    "segment_sum",
    jax.ops.segment_sum,
    """Sums the rows of `data` that share a segment id (empty segments give 0).

    >>> data = np.array([1, 2, 3, 4])
    >>> ops.segment_sum(data, np.array([0, 0, 1, 2]), num_segments=3).tolist()
    [3, 3, 4]
    """,
)
segment_max = _segment(
    "segment_max",
    jax.ops.segment_max,
    """Maximum of the rows of `data` that share a segment id (empty segments give the dtype's
    lowest value).

    >>> data = np.array([1, 2, 3, 4])
    >>> ops.segment_max(data, np.array([0, 0, 1, 1]), num_segments=2).tolist()
    [2, 4]
    """,
)
segment_min = _segment(
    "segment_min",
    jax.ops.segment_min,
    """Minimum of the rows of `data` that share a segment id (empty segments give the dtype's
    highest value).

    >>> data = np.array([1, 2, 3, 4])
    >>> ops.segment_min(data, np.array([0, 0, 1, 1]), num_segments=2).tolist()
    [1, 3]
    """,
)
segment_prod = _segment(
    "segment_prod",
    jax.ops.segment_prod,
    """Product of the rows of `data` that share a segment id (empty segments give 1).

    >>> data = np.array([1, 2, 3, 4])
    >>> ops.segment_prod(data, np.array([0, 0, 1, 1]), num_segments=2).tolist()
    [2, 12]
    """,
)


def norm(x, ord=None, axis=None, keepdims: bool = False):  # noqa: A002
    """Vector or matrix norm, as `numpy.linalg.norm` (integers are computed as floats).

    Args:
        x: input tensor.
        ord: the norm: None (2-norm of vectors, Frobenius norm of matrices), an int or `inf` for
            vector norms, or `"fro"`, `"nuc"`, `1`, `2`, `inf`, ... for matrix norms.
        axis: None (the whole tensor, as a vector or as a matrix when it is 2-D), an int (vector
            norms along it) or a pair of ints (matrix norms over them).
        keepdims: whether to keep the reduced axes, with size 1.

    Returns:
        The tensor of norms.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.norm(np.array([3.0, 4.0])))
    array(5., dtype=float32)
    >>> np.asarray(ops.norm(np.array([[1.0, -2.0], [3.0, 4.0]]), ord=1, axis=1))
    array([3., 7.], dtype=float32)
    """
    return dispatch(
        "norm",
        lambda x: jnp.linalg.norm(_float_of(x), ord=ord, axis=axis, keepdims=keepdims),
        x,
    )


def solve(a, b):
    """Solves the linear system `a @ x = b` for `x`.

    Args:
        a: square matrix (or batch of them), shape `(..., n, n)`.
        b: right-hand side, shape `(..., n)` or `(..., n, k)`.

    Returns:
        The solution `x`, of the shape of `b`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> a = np.array([[2.0, 0.0], [0.0, 4.0]])
    >>> np.asarray(ops.solve(a, np.array([[2.0], [8.0]])))
    array([[1.],
           [2.]], dtype=float32)
    """
    return dispatch("solve", jnp.linalg.solve, a, b)


def cholesky(x, upper: bool = False):
    """Cholesky factor of a symmetric positive-definite matrix: the lower-triangular `l`
    with `l @ l.T == x` (or the upper-triangular `u = l.T` when `upper=True`).

    Args:
        x: square matrix (or batch of them).
        upper: whether to return the upper-triangular factor.

    Returns:
        A tensor of the same shape as `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.cholesky(np.array([[4.0, 2.0], [2.0, 5.0]])))
    array([[2., 0.],
           [1., 2.]], dtype=float32)
    """

    def fn(x):
        factor = jnp.linalg.cholesky(x)
        return jnp.swapaxes(factor, -1, -2).conj() if upper else factor

    return dispatch("cholesky", fn, x)


def qr(x, mode: str = "reduced"):
    """QR decomposition `x = q @ r`, with `q` orthonormal and `r` upper-triangular.

    Args:
        x: matrix (or batch of them) of shape `(..., m, n)`.
        mode: `"reduced"` (`q` is `(m, k)` and `r` is `(k, n)` with `k = min(m, n)`) or
            `"complete"` (`q` is `(m, m)` and `r` is `(m, n)`).

    Returns:
        A tuple `(q, r)`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> q, r = ops.qr(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    >>> q.shape, r.shape
    ((3, 2), (2, 2))
    >>> q, r = ops.qr(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), mode="complete")
    >>> q.shape, r.shape
    ((3, 3), (3, 2))
    """
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr(): `mode` must be 'reduced' or 'complete', received {mode!r}.")
    return dispatch("qr", lambda x: tuple(jnp.linalg.qr(x, mode=mode)), x)


def svd(x, full_matrices: bool = True, compute_uv: bool = True):
    """Singular value decomposition `x = u @ diag(s) @ vh`.

    Args:
        x: matrix (or batch of them) of shape `(..., m, n)`.
        full_matrices: whether `u` and `vh` are square (`(m, m)` and `(n, n)`) or reduced to
            `min(m, n)` columns / rows.
        compute_uv: whether to compute `u` and `vh`; if False only `s` is returned.

    Returns:
        A tuple `(u, s, vh)` with the singular values `s` in descending order, or `s` alone.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.svd(np.array([[3.0, 0.0], [0.0, -2.0]]), compute_uv=False))
    array([3., 2.], dtype=float32)
    >>> u, s, vh = ops.svd(np.ones((3, 2)), full_matrices=False)
    >>> u.shape, s.shape, vh.shape
    ((3, 2), (2,), (2, 2))
    """

    def fn(x):
        out = jnp.linalg.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)
        return tuple(out) if compute_uv else out

    return dispatch("svd", fn, x)
