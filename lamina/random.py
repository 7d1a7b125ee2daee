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
    """Draws a tensor of values from a normal (Gaussian) distribution.

    Args:
        shape: the shape of the result.
        mean: the mean of the distribution.
        stddev: its standard deviation.
        dtype: a float dtype; None uses `keras.config.floatx()`.
        seed: an int (the same values on every call), a `keras.random.SeedGenerator` (new values
            on every call; the way to draw inside a layer or a jitted step) or None (a fresh seed
            from Python's `random` on each call).

    Returns:
        A tensor of the given shape.

    Example:
    >>> from lamina import random
    >>> x = random.normal((2, 3), seed=1)
    >>> x.shape, str(x.dtype)
    ((2, 3), 'float32')
    >>> bool((random.normal((4,), seed=7) == random.normal((4,), seed=7)).all())
    True
    """
    dtype = _float(dtype)
    sample = jax.random.normal(_key(seed), _shape(shape), dtype=dtype)
    return sample * jnp.asarray(stddev, dtype) + jnp.asarray(mean, dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Draws a tensor of values uniformly distributed in `[minval, maxval)`.

    Args:
        shape: the shape of the result.
        minval: the lower bound (included).
        maxval: the upper bound (excluded).
        dtype: a float dtype; None uses `keras.config.floatx()`.
        seed: an int (the same values on every call), a `keras.random.SeedGenerator` (new values
            on every call; the way to draw inside a layer or a jitted step) or None (a fresh seed
            from Python's `random` on each call).

    Returns:
        A tensor of the given shape.

    Example:
    >>> from lamina import random
    >>> x = random.uniform((1000,), minval=2.0, maxval=3.0, seed=0)
    >>> bool(x.min() >= 2.0), bool(x.max() < 3.0)
    (True, True)

    An int seed gives the same numbers as Keras with that seed:

    >>> import numpy as np
    >>> np.asarray(random.uniform((3,), seed=42)).round(4)
    array([0.5667, 0.0655, 0.3817], dtype=float32)
    """
    dtype = _float(dtype)
    return jax.random.uniform(_key(seed), _shape(shape), dtype=dtype, minval=minval, maxval=maxval)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Draws values from a normal distribution truncated to two standard
    deviations around the mean (values farther out are redrawn).

    Args:
        shape: the shape of the result.
        mean: the mean of the distribution.
        stddev: its standard deviation (before truncation).
        dtype: a float dtype; None uses `keras.config.floatx()`.
        seed: an int (the same values on every call), a `keras.random.SeedGenerator` (new values
            on every call; the way to draw inside a layer or a jitted step) or None (a fresh seed
            from Python's `random` on each call).

    Returns:
        A tensor of the given shape.

    Example:
    >>> from lamina import random
    >>> x = random.truncated_normal((1000,), stddev=0.5, seed=0)
    >>> bool(abs(x).max() <= 1.0)
    True
    """
    dtype = _float(dtype)
    sample = jax.random.truncated_normal(_key(seed), -2.0, 2.0, _shape(shape), dtype=dtype)
    return sample * jnp.asarray(stddev, dtype) + jnp.asarray(mean, dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Draws integers uniformly distributed in `[minval, maxval)`.

    Args:
        shape: the shape of the result.
        minval: the lower bound (included).
        maxval: the upper bound (excluded).
        dtype: an integer dtype.
        seed: an int (the same values on every call), a `keras.random.SeedGenerator` (new values
            on every call; the way to draw inside a layer or a jitted step) or None (a fresh seed
            from Python's `random` on each call).

    Returns:
        A tensor of the given shape.

    Example:
    >>> from lamina import random
    >>> x = random.randint((100,), 0, 3, seed=0)
    >>> sorted(set(x.tolist()))
    [0, 1, 2]
    """
    dtype = standardize_dtype(dtype)
    return jax.random.randint(_key(seed), _shape(shape), minval, maxval, dtype=dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Draws class indices from the categorical distribution given by each row of
    `logits`.

    Args:
        logits: tensor of shape `(batch, num_classes)`: unnormalized log-probabilities.
        num_samples: how many indices to draw per row.
        dtype: an integer dtype for the result.
        seed: an int (the same values on every call), a `keras.random.SeedGenerator` (new values
            on every call; the way to draw inside a layer or a jitted step) or None (a fresh seed
            from Python's `random` on each call).

    Returns:
        A tensor of shape `(batch, num_samples)`.

    Example:
    >>> import numpy as np
    >>> from lamina import random
    >>> logits = np.log(np.array([[1.0, 0.0], [0.0, 1.0]]) + 1e-9)
    >>> random.categorical(logits, 3, seed=0).tolist()
    [[0, 0, 0], [1, 1, 1]]
    """
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
    """Randomly sets values to zero with probability `rate`, and scales the others by
    `1 / (1 - rate)` so that the expected sum is unchanged.

    Args:
        inputs: input tensor.
        rate: the probability of dropping each value, in `[0, 1)`.
        noise_shape: the shape of the keep/drop mask, broadcast to the input (e.g.
            `(batch, 1, features)` drops the same features at every time step); None entries take
            the input's size. None uses the input's shape.
        seed: an int (the same values on every call), a `keras.random.SeedGenerator` (new values
            on every call; the way to draw inside a layer or a jitted step) or None (a fresh seed
            from Python's `random` on each call).

    Returns:
        A tensor of the shape of `inputs`.

    Example:
    >>> import numpy as np
    >>> from lamina import random
    >>> y = random.dropout(np.ones((2, 4)), rate=0.5, seed=0)
    >>> sorted(set(np.asarray(y).ravel().tolist()))
    [0.0, 2.0]
    """
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
    """Shuffles the entries of `x` along `axis` into a random order.

    Args:
        x: input tensor.
        axis: the axis to shuffle along (whole slices move together).
        seed: an int (the same values on every call), a `keras.random.SeedGenerator` (new values
            on every call; the way to draw inside a layer or a jitted step) or None (a fresh seed
            from Python's `random` on each call).

    Returns:
        A tensor of the shape of `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import random
    >>> sorted(random.shuffle(np.arange(5), seed=0).tolist())
    [0, 1, 2, 3, 4]
    """
    return jax.random.permutation(_key(seed), jnp.asarray(x), axis=axis, independent=False)


def gamma(shape, alpha, dtype=None, seed=None):
    """Draws values from a gamma distribution with shape parameter `alpha` and scale 1.

    Args:
        shape: the shape of the result.
        alpha: the shape parameter (positive; a float or a tensor that broadcasts to `shape`).
        dtype: a float dtype; None uses `keras.config.floatx()`.
        seed: an int (the same values on every call), a `keras.random.SeedGenerator` (new values
            on every call; the way to draw inside a layer or a jitted step) or None (a fresh seed
            from Python's `random` on each call).

    Returns:
        A tensor of positive values of the given shape.

    Example:
    >>> from lamina import random
    >>> x = random.gamma((2000,), alpha=2.0, seed=0)
    >>> bool(x.min() > 0), bool(abs(x.mean() - 2.0) < 0.2)
    (True, True)
    """
    dtype = _float(dtype)
    return jax.random.gamma(_key(seed), jnp.asarray(alpha, dtype), _shape(shape), dtype=dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Draws the number of successes in `counts` independent trials that each succeed
    with probability `probabilities`.

    Args:
        shape: the shape of the result.
        counts: the number of trials (a number or a tensor that broadcasts to `shape`).
        probabilities: the success probability of each trial (likewise).
        dtype: a float dtype; None uses `keras.config.floatx()`.
        seed: an int (the same values on every call), a `keras.random.SeedGenerator` (new values
            on every call; the way to draw inside a layer or a jitted step) or None (a fresh seed
            from Python's `random` on each call).

    Returns:
        A float tensor of counts, of the given shape.

    Example:
    >>> from lamina import random
    >>> x = random.binomial((1000,), counts=10, probabilities=0.5, seed=0)
    >>> bool(x.min() >= 0), bool(x.max() <= 10)
    (True, True)
    """
    dtype = _float(dtype)
    sample = jax.random.binomial(
        _key(seed), jnp.asarray(counts, dtype), jnp.asarray(probabilities, dtype), _shape(shape)
    )
    return sample.astype(dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Draws values from a beta distribution with parameters `alpha` and `beta`.

    Args:
        shape: the shape of the result.
        alpha: the first shape parameter (positive; a number or a tensor that broadcasts to
            `shape`).
        beta: the second shape parameter (likewise).
        dtype: a float dtype; None uses `keras.config.floatx()`.
        seed: an int (the same values on every call), a `keras.random.SeedGenerator` (new values
            on every call; the way to draw inside a layer or a jitted step) or None (a fresh seed
            from Python's `random` on each call).

    Returns:
        A tensor of values in `[0, 1]`, of the given shape.

    Example:
    >>> from lamina import random
    >>> x = random.beta((2000,), alpha=2.0, beta=2.0, seed=0)
    >>> bool(x.min() >= 0), bool(x.max() <= 1), bool(abs(x.mean() - 0.5) < 0.05)
    (True, True, True)
    """
    dtype = _float(dtype)
    return jax.random.beta(
        _key(seed), jnp.asarray(alpha, dtype), jnp.asarray(beta, dtype), _shape(shape), dtype=dtype
    )
