"""`keras.random`: random tensors drawn with `jax.random`.

`seed` is an int (the same numbers every call: Keras's raw key `[seed, 0]`, so an int seed gives
Keras's values), a `SeedGenerator` (advances at each draw; the way to draw inside a layer's
`call` or a jitted step), or None (a fresh seed each call, from Python's `random`, so
`keras.utils.set_random_seed` makes it repeatable; not allowed inside a traced step).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core.config import floatx
from lamina.core.random import SeedGenerator, draw_key, int_seed_key
from lamina.core.variable import standardize_dtype

__all__ = [
    "SeedGenerator",
    "beta",
    "binomial",
    "categorical",
    "dropout",
    "gamma",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]


def _key(seed):
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int_seed_key(seed)
    if seed is not None and not isinstance(seed, (SeedGenerator, jax.Array, np.ndarray)):
        raise ValueError(
            "`seed` must be an int, a keras.random.SeedGenerator or None; received "
            f"seed={seed!r} of type {type(seed).__name__}."
        )
    return draw_key(seed)


def _float(dtype) -> str:
    dtype = standardize_dtype(dtype or floatx())
    if "float" not in dtype:
        raise ValueError(f"`dtype` must be a floating-point type; received dtype={dtype!r}.")
    return dtype


def _shape(shape) -> tuple:
    # Symbolic dimensions (a shape read while building a graph) pass through as they are.
    return tuple(int(d) if isinstance(d, (int, np.integer)) else d for d in shape)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Values from a normal distribution."""
    dtype = _float(dtype)
    sample = jax.random.normal(_key(seed), _shape(shape), dtype=dtype)
    return sample * jnp.asarray(stddev, dtype) + jnp.asarray(mean, dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Values uniformly distributed in `[minval, maxval)`."""
    dtype = _float(dtype)
    return jax.random.uniform(_key(seed), _shape(shape), dtype=dtype, minval=minval, maxval=maxval)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal values, redrawn beyond two standard deviations (then scaled and shifted)."""
    dtype = _float(dtype)
    sample = jax.random.truncated_normal(_key(seed), -2.0, 2.0, _shape(shape), dtype=dtype)
    return sample * jnp.asarray(stddev, dtype) + jnp.asarray(mean, dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers uniformly distributed in `[minval, maxval)`."""
    dtype = standardize_dtype(dtype)
    return jax.random.randint(_key(seed), _shape(shape), minval, maxval, dtype=dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """`num_samples` class indices per row of `logits` (unnormalized log-probabilities)."""
    logits = jnp.asarray(logits)
    if logits.ndim != 2:
        raise ValueError(
            f"`logits` must have shape (batch_size, num_classes); received shape {logits.shape}."
        )
    samples = jax.random.categorical(
        _key(seed), logits[..., None, :], axis=-1, shape=(logits.shape[0], int(num_samples))
    )
    return samples.astype(standardize_dtype(dtype))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zeroes each value with probability `rate` and scales the rest by `1 / (1 - rate)`."""
    inputs = jnp.asarray(inputs)
    if not 0 <= float(rate) < 1:
        raise ValueError(f"`rate` must be in [0, 1); received rate={rate!r}.")
    shape = (
        inputs.shape
        if noise_shape is None
        else _shape([d if d is not None else s for d, s in zip(noise_shape, inputs.shape)])
    )
    keep = jax.random.bernoulli(_key(seed), 1.0 - float(rate), shape)
    return jnp.where(keep, inputs / (1.0 - float(rate)), jnp.zeros_like(inputs))


def shuffle(x, axis=0, seed=None):
    """`x` with its entries along `axis` in a random order."""
    return jax.random.permutation(_key(seed), jnp.asarray(x), axis=axis, independent=False)


def gamma(shape, alpha, dtype=None, seed=None):
    """Values from a gamma distribution of shape `alpha` (scale 1)."""
    dtype = _float(dtype)
    return jax.random.gamma(_key(seed), jnp.asarray(alpha, dtype), _shape(shape), dtype=dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Successes among `counts` trials of probability `probabilities`."""
    dtype = _float(dtype)
    sample = jax.random.binomial(
        _key(seed), jnp.asarray(counts, dtype), jnp.asarray(probabilities, dtype), _shape(shape)
    )
    return sample.astype(dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Values from a beta distribution with parameters `alpha` and `beta`."""
    dtype = _float(dtype)
    return jax.random.beta(
        _key(seed), jnp.asarray(alpha, dtype), jnp.asarray(beta, dtype), _shape(shape), dtype=dtype
    )
