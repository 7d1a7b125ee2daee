"""Batch-normalization maths shared by `keras.ops.batch_normalization` and the
`BatchNormalization` layer."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def normalize_with_moments(x, mean, variance, axis: int, beta, gamma, epsilon: float):
    """`gamma * (x - mean) / sqrt(variance + epsilon) + beta`, with `(C,)` statistics
    broadcast along `axis` (gamma and beta may be None).

    Args:
        x: the input.
        mean: the `(C,)` means.
        variance: the `(C,)` variances.
        axis: the channels' axis.
        beta: the `(C,)` offsets, or None.
        gamma: the `(C,)` scales, or None.
        epsilon: added to the variance.

    Returns:
        The normalized array.

    Example:
        >>> import numpy as np
        >>> from lamina.ops.norm_ops import normalize_with_moments
        >>> x = np.array([[1.0, 10.0], [3.0, 30.0]])
        >>> mean, variance = np.array([2.0, 20.0]), np.array([1.0, 100.0])
        >>> normalize_with_moments(x, mean, variance, -1, None, None, 0.0)
        Array([[-1., -1.],
               [ 1.,  1.]], dtype=float32)
    """
    shape = [1] * x.ndim
    shape[axis] = mean.shape[0]
    inv = jax.lax.rsqrt(jnp.reshape(variance, shape) + epsilon)
    if gamma is not None:
        inv = inv * jnp.reshape(gamma, shape)
    shift = -jnp.reshape(mean, shape) * inv
    if beta is not None:
        shift = shift + jnp.reshape(beta, shape)
    return x * inv + shift
