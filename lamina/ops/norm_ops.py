"""Batch-normalization maths shared by `keras.ops.batch_normalization` and the
`BatchNormalization` layer."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def normalize_with_moments(x, mean, variance, axis: int, beta, gamma, epsilon: float):
    """`gamma * (x - mean) / sqrt(variance + epsilon) + beta`, with `(C,)` statistics
    broadcast along `axis` (gamma and beta may be None)."""
    shape = [1] * x.ndim
    shape[axis] = mean.shape[0]
    inv = jax.lax.rsqrt(jnp.reshape(variance, shape) + epsilon)
    if gamma is not None:
        inv = inv * jnp.reshape(gamma, shape)
    shift = -jnp.reshape(mean, shape) * inv
    if beta is not None:
        shift = shift + jnp.reshape(beta, shape)
    return x * inv + shift
