"""Initializers that draw random values: RandomNormal, RandomUniform, TruncatedNormal,
Orthogonal, and the seed handling they share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core import registry
from lamina.core.random import SeedGenerator, draw_key, int_seed_key, make_default_seed
from lamina.initializers.initializer import Initializer, resolve_dtype, standardize_shape


class RandomInitializer(Initializer):
    """Base of the random initializers: holds the seed.

    Args:
        seed: an int, a `SeedGenerator`, or None. None draws an int once, here, from Python's
            `random` (so `keras.utils.set_random_seed` makes it reproducible). As in Keras, an
            int seed gives the same values at every call of the same instance; a
            `SeedGenerator` gives new values at each call.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> init = keras.initializers.RandomNormal(seed=7)
        >>> bool(np.array_equal(init((2, 2)), init((2, 2))))  # an int seed repeats
        True
        >>> init = keras.initializers.RandomNormal(seed=keras.random.SeedGenerator(7))
        >>> bool(np.array_equal(init((2, 2)), init((2, 2))))  # a SeedGenerator moves on
        False
    """

    def __init__(self, seed: int | SeedGenerator | Mapping | None = None):
        self._init_seed = seed
        if seed is None:
            seed = make_default_seed()
        elif isinstance(seed, Mapping):
            seed = registry.deserialize(
                seed, kind="seed generator", objects={"SeedGenerator": SeedGenerator}
            )
        elif isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            seed = int(seed)
        elif not isinstance(seed, SeedGenerator):
            raise ValueError(
                f"{type(self).__name__}: `seed` must be an int, a `keras.random.SeedGenerator` "
                f"or None, received seed={seed!r} of type {type(seed).__name__}."
            )
        self.seed = seed

    def _key(self) -> jax.Array:
        if isinstance(self.seed, SeedGenerator):
            return draw_key(self.seed)
        return int_seed_key(self.seed)

    def get_config(self) -> dict:
        seed = self._init_seed
        if isinstance(seed, SeedGenerator):
            seed = registry.serialize(seed, "keras.random")
        return {"seed": seed}


def normal(key, shape, mean, stddev, dtype) -> jax.Array:
    """Normal samples, scaled by `stddev` and shifted by `mean`.

    Args:
        key: a JAX random key.
        shape: the output shape.
        mean: the mean.
        stddev: the standard deviation.
        dtype: the output dtype.

    Returns:
        An array of `shape`: `mean + stddev * N(0, 1)` samples.

    Example:
        >>> import jax
        >>> from lamina.initializers.random_initializers import normal
        >>> normal(jax.random.key(0), (2, 3), 0.0, 1.0, "float32").shape
        (2, 3)
    """
    return jax.random.normal(key, shape=shape, dtype=dtype) * stddev + mean


def truncated_normal(key, shape, mean, stddev, dtype) -> jax.Array:
    """Normal values cut at two standard deviations (then scaled and shifted).

    Args:
        key: a JAX random key.
        shape: the output shape.
        mean: the mean.
        stddev: the standard deviation before truncation.
        dtype: the output dtype.

    Returns:
        An array of `shape` with values in `[mean - 2 * stddev, mean + 2 * stddev]`.

    Example:
        >>> import jax
        >>> from lamina.initializers.random_initializers import truncated_normal
        >>> x = truncated_normal(jax.random.key(0), (1000,), 0.0, 1.0, "float32")
        >>> bool(abs(x).max() <= 2.0)
        True
    """
    sample = jax.random.truncated_normal(key, -2.0, 2.0, shape=shape, dtype=dtype)
    return sample * stddev + mean


def uniform(key, shape, minval, maxval, dtype) -> jax.Array:
    """Uniform samples in `[minval, maxval)`.

    Args:
        key: a JAX random key.
        shape: the output shape.
        minval: the lower bound (included).
        maxval: the upper bound (excluded).
        dtype: the output dtype.

    Returns:
        An array of `shape` with values in `[minval, maxval)`.

    Example:
        >>> import jax
        >>> from lamina.initializers.random_initializers import uniform
        >>> x = uniform(jax.random.key(0), (1000,), 2.0, 3.0, "float32")
        >>> bool(x.min() >= 2.0 and x.max() < 3.0)
        True
    """
    return jax.random.uniform(key, shape=shape, dtype=dtype, minval=minval, maxval=maxval)


class RandomNormal(RandomInitializer):
    """Values from a normal distribution.

    Args:
        mean: the mean.
        stddev: the standard deviation.
        seed: see `RandomInitializer`.

    Example:
        >>> import lamina as keras
        >>> w = keras.initializers.RandomNormal(mean=1.0, stddev=0.1, seed=0)((100, 100))
        >>> w.shape, round(float(w.mean()), 1)
        ((100, 100), 1.0)
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> jax.Array:
        return normal(
            self._key(), standardize_shape(shape), self.mean, self.stddev, resolve_dtype(dtype)
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """Values from a normal distribution, redrawn beyond two standard deviations of the mean.

    Args:
        mean: the mean before truncation.
        stddev: the standard deviation before truncation.
        seed: see `RandomInitializer`.

    Example:
        >>> import lamina as keras
        >>> w = keras.initializers.TruncatedNormal(stddev=0.1, seed=0)((50, 50))
        >>> w.shape, bool(abs(w).max() <= 0.2)
        ((50, 50), True)
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> jax.Array:
        return truncated_normal(
            self._key(), standardize_shape(shape), self.mean, self.stddev, resolve_dtype(dtype)
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Values drawn uniformly from `[minval, maxval)`.

    Args:
        minval: the lower bound.
        maxval: the upper bound (excluded).
        seed: see `RandomInitializer`.

    Example:
        >>> import lamina as keras
        >>> w = keras.initializers.RandomUniform(minval=0.0, maxval=1.0, seed=0)((3, 4))
        >>> w.shape, bool(w.min() >= 0.0 and w.max() < 1.0)
        ((3, 4), True)
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: Any = None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> jax.Array:
        return uniform(
            self._key(), standardize_shape(shape), self.minval, self.maxval, resolve_dtype(dtype)
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class Orthogonal(RandomInitializer):
    """A random orthogonal matrix (times `gain`), reshaped to the requested shape.

    The shape is seen as a matrix of `prod(shape[:-1])` rows and `shape[-1]` columns; its
    rows (or columns, whichever are fewer) are orthonormal.

    Args:
        gain: the factor applied to the orthogonal matrix.
        seed: see `RandomInitializer`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> w = np.asarray(keras.initializers.Orthogonal(seed=0)((4, 3)))
        >>> np.allclose(w.T @ w, np.eye(3), atol=1e-5)  # orthonormal columns
        True
    """

    def __init__(self, gain: float = 1.0, seed: Any = None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> jax.Array:
        shape = standardize_shape(shape)
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal initializer: the shape must have rank 2 or more, received "
                f"shape={shape} of rank {len(shape)}."
            )
        dtype = resolve_dtype(dtype)
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        # QR is not available in 16-bit floats, so those are drawn and factored in float32.
        work_dtype = dtype if dtype in ("float32", "float64") else "float32"
        sample = jax.random.normal(
            self._key(), shape=(max(rows, cols), min(rows, cols)), dtype=work_dtype
        )
        q, r = jnp.linalg.qr(sample)
        # Fixing the signs with R's diagonal makes Q uniformly distributed.
        q = q * jnp.sign(jnp.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "gain": self.gain}
