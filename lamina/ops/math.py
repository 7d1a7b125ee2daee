"""`keras.ops` from `keras.ops.math` and `keras.ops.linalg`: special functions, top-k,
segment reductions and small linear algebra."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.ops.numpy import _float_of, _unary
from lamina.ops.operation import dispatch

erf = _unary("erf", lambda x: jax.lax.erf(_float_of(x)), "Gauss error function.")
erfc = _unary("erfc", lambda x: jax.scipy.special.erfc(_float_of(x)), "`1 - erf(x)`.")
erfinv = _unary("erfinv", lambda x: jax.lax.erf_inv(_float_of(x)), "Inverse of `erf`.")
rsqrt = _unary("rsqrt", lambda x: jax.lax.rsqrt(_float_of(x)), "`1 / sqrt(x)`.")
inv = _unary("inv", jnp.linalg.inv, "Inverse of a square matrix (batched).")
det = _unary("det", jnp.linalg.det, "Determinant of a square matrix (batched).")
logdet = _unary("logdet", lambda x: jnp.linalg.slogdet(x)[1], "Log of the determinant.")
eigh = _unary("eigh", jnp.linalg.eigh, "Eigenvalues and eigenvectors of a Hermitian matrix.")


def top_k(x, k: int, sorted: bool = True):  # noqa: A002
    """`(values, indices)` of the `k` largest entries along the last axis (always sorted)."""
    return dispatch("top_k", lambda x: tuple(jax.lax.top_k(x, k)), x)


def in_top_k(targets, predictions, k: int):
    """Whether each target's prediction is among the `k` largest of its row."""

    def fn(targets, predictions):
        at_label = jnp.take_along_axis(predictions, targets[..., None], axis=-1)
        # Ties with the k-th largest value count as inside, as in Keras.
        rank = jnp.sum(predictions > at_label, axis=-1)
        finite = jnp.isfinite(at_label[..., 0])
        return jnp.logical_and(rank < k, finite)

    return dispatch("in_top_k", fn, targets, predictions)


def _segment(name, fn):
    def op(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
        return dispatch(
            name,
            lambda d, s: fn(d, s, num_segments=num_segments, indices_are_sorted=sorted),
            data,
            segment_ids,
        )

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"`jax.ops.{name}`: reduces `data` rows with the same segment id."
    return op


segment_sum = _segment("segment_sum", jax.ops.segment_sum)
segment_max = _segment("segment_max", jax.ops.segment_max)
segment_min = _segment("segment_min", jax.ops.segment_min)
segment_prod = _segment("segment_prod", jax.ops.segment_prod)


def norm(x, ord=None, axis=None, keepdims: bool = False):  # noqa: A002
    """Vector or matrix norm (as `numpy.linalg.norm`); integers are promoted to float."""
    return dispatch(
        "norm",
        lambda x: jnp.linalg.norm(_float_of(x), ord=ord, axis=axis, keepdims=keepdims),
        x,
    )


def solve(a, b):
    """The solution `x` of `a @ x = b`."""
    return dispatch("solve", jnp.linalg.solve, a, b)


def cholesky(x, upper: bool = False):
    """The Cholesky factor (lower, or upper when `upper=True`)."""

    def fn(x):
        factor = jnp.linalg.cholesky(x)
        return jnp.swapaxes(factor, -1, -2).conj() if upper else factor

    return dispatch("cholesky", fn, x)


def qr(x, mode: str = "reduced"):
    """`(q, r)` of the QR decomposition."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr(): `mode` must be 'reduced' or 'complete', received {mode!r}.")
    return dispatch("qr", lambda x: tuple(jnp.linalg.qr(x, mode=mode)), x)


def svd(x, full_matrices: bool = True, compute_uv: bool = True):
    """Singular value decomposition: `(u, s, vh)`, or `s` alone when `compute_uv=False`."""

    def fn(x):
        out = jnp.linalg.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)
        return tuple(out) if compute_uv else out

    return dispatch("svd", fn, x)
