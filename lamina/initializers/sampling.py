"""Initial values without one XLA compilation per weight shape.

`jax.random.uniform(key, shape)` (and `normal`, `truncated_normal`) compiles a new XLA program for
every new `shape`; the Threefry generator inside makes each of those compilations cost about a
second on a CPU. A model such as `ResNet50` has a few dozen distinct kernel shapes, so building it
spent most of its time compiling random-number programs that each ran once.

Here each distribution has one program of a fixed size (`CHUNK` values) that takes the key and the
flat index of its first value as arguments: a weight of any shape is filled chunk by chunk
through that same program, and assembled on the host. With `jax_threefry_partitionable` (JAX's
default) value `i` of `jax.random.uniform(key, shape)` depends only on the key and `i`, so the
chunks reproduce JAX's values bit for bit (the test suite checks it): the same seed still gives
Keras's exact initial weights. The per-shape affine part (`* stddev + mean`) is done with NumPy in
float32, exactly as the separate eager operations did it.

Where the fast path does not apply (a traced key, a dtype other than float32, another PRNG
implementation, `jax_threefry_partitionable=False`) `sample_*` return None and the callers use
`jax.random` directly.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.extend import random as jax_extend_random

CHUNK = 1 << 16  # values per program run


def _key_words(key, dtype: str) -> tuple[int, int] | None:
    """The key's two uint32 words when the fast path applies, else None."""
    if dtype != "float32" or not jax.config.jax_threefry_partitionable:
        return None
    if isinstance(key, jax.core.Tracer):
        return None
    try:
        if str(jax.random.key_impl(key)) != "threefry2x32":
            return None
        words = np.asarray(jax.random.key_data(key))
    except (TypeError, jax.errors.ConcretizationTypeError):
        return None
    if words.shape != (2,):
        return None
    return int(words[0]), int(words[1])


def _bits(k1, k2, start_hi, start_lo):
    """The 32 random bits of values `start .. start + CHUNK - 1` (as `jax.random.bits`)."""
    lo = start_lo + lax.iota(np.uint32, CHUNK)
    hi = start_hi + (lo < start_lo).astype(np.uint32)  # carry into the high word
    out = jax_extend_random.threefry_2x32((k1, k2), jnp.concatenate([hi, lo]))
    return out[:CHUNK] ^ out[CHUNK:]


def _unit_uniform(bits, minval, maxval):
    """`jax.random.uniform`'s float32 transform of the bits to `[minval, maxval)`."""
    float_bits = lax.bitwise_or(
        lax.shift_right_logical(bits, np.uint32(32 - 23)),
        np.array(1.0, np.float32).view(np.uint32),
    )
    floats = lax.bitcast_convert_type(float_bits, np.float32) - np.float32(1.0)
    return lax.max(minval, floats * (maxval - minval) + minval)


@jax.jit
def _uniform_chunk(k1, k2, start_hi, start_lo, minval, maxval):
    return _unit_uniform(_bits(k1, k2, start_hi, start_lo), minval, maxval)


@jax.jit
def _normal_chunk(k1, k2, start_hi, start_lo):
    lo = np.nextafter(np.float32(-1.0), np.float32(0.0), dtype=np.float32)
    u = _unit_uniform(_bits(k1, k2, start_hi, start_lo), lo, np.float32(1.0))
    return lax.mul(np.float32(np.sqrt(2)), lax.erf_inv(u))


@jax.jit
def _truncated_normal_chunk(k1, k2, start_hi, start_lo, lower, upper):
    sqrt2 = np.float32(np.sqrt(2))
    a = lax.erf(lower / sqrt2)
    b = lax.erf(upper / sqrt2)
    u = _unit_uniform(_bits(k1, k2, start_hi, start_lo), a, b)
    out = sqrt2 * lax.erf_inv(u)
    return jnp.clip(
        out,
        lax.nextafter(lower, np.float32(np.inf)),
        lax.nextafter(upper, np.float32(-np.inf)),
    )


def _fill(program, words, shape, *args) -> np.ndarray:
    size = math.prod(shape)
    out = np.empty(size, np.float32)
    k1, k2 = np.uint32(words[0]), np.uint32(words[1])
    for start in range(0, size, CHUNK):
        hi, lo = np.uint32(start >> 32), np.uint32(start & 0xFFFFFFFF)
        values = np.asarray(program(k1, k2, hi, lo, *args))
        stop = min(size, start + CHUNK)
        out[start:stop] = values[: stop - start]
    return out.reshape(shape)


def sample_uniform(key, shape, minval, maxval, dtype):
    """`jax.random.uniform(key, shape, dtype, minval, maxval)`, bit for bit, through one
    compiled program shared by every shape; None where that path does not apply (a traced key,
    a dtype other than float32), so the caller falls back to `jax.random`.

    Args:
        key: a concrete JAX random key.
        shape: the output shape.
        minval: the lower bound (included).
        maxval: the upper bound (excluded).
        dtype: the output dtype.

    Returns:
        A JAX array of `shape`, or None.

    Example:
        >>> import jax, numpy as np
        >>> from lamina.initializers.sampling import sample_uniform
        >>> key = jax.random.key(1)
        >>> fast = sample_uniform(key, (3, 4), -1.0, 1.0, "float32")
        >>> bool(np.array_equal(fast, jax.random.uniform(key, (3, 4), "float32", -1.0, 1.0)))
        True
    """
    words = _key_words(key, dtype)
    if words is None:
        return None
    values = _fill(_uniform_chunk, words, shape, np.float32(minval), np.float32(maxval))
    return jax.device_put(values)


def sample_normal(key, shape, mean, stddev, dtype):
    """`jax.random.normal(key, shape, dtype) * stddev + mean`, bit for bit, through one shared
    compiled program; None where that path does not apply (see `sample_uniform`).

    Args:
        key: a concrete JAX random key.
        shape: the output shape.
        mean: the mean.
        stddev: the standard deviation.
        dtype: the output dtype.

    Returns:
        A JAX array of `shape`, or None.

    Example:
        >>> import jax, numpy as np
        >>> from lamina.initializers.sampling import sample_normal
        >>> key = jax.random.key(2)
        >>> fast = sample_normal(key, (5,), 0.5, 2.0, "float32")
        >>> slow = jax.random.normal(key, (5,), "float32") * 2.0 + 0.5
        >>> bool(np.allclose(fast, slow, rtol=0, atol=1e-6))
        True
    """
    words = _key_words(key, dtype)
    if words is None:
        return None
    values = _fill(_normal_chunk, words, shape)
    return jax.device_put(_affine(values, mean, stddev))


def sample_truncated_normal(key, shape, mean, stddev, dtype):
    """`jax.random.truncated_normal(key, -2, 2, shape, dtype) * stddev + mean` through one
    shared compiled program; None where that path does not apply (see `sample_uniform`).

    Args:
        key: a concrete JAX random key.
        shape: the output shape.
        mean: the mean.
        stddev: the standard deviation.
        dtype: the output dtype.

    Returns:
        A JAX array of `shape`, or None.

    Example:
        >>> import jax, numpy as np
        >>> from lamina.initializers.sampling import sample_truncated_normal
        >>> values = sample_truncated_normal(jax.random.key(3), (1000,), 0.0, 1.0, "float32")
        >>> bool(np.abs(values).max() <= 2.0)
        True
    """
    words = _key_words(key, dtype)
    if words is None:
        return None
    values = _fill(_truncated_normal_chunk, words, shape, np.float32(-2.0), np.float32(2.0))
    return jax.device_put(_affine(values, mean, stddev))


def _affine(values: np.ndarray, mean, stddev) -> np.ndarray:
    # Two float32 roundings, as the two eager operations `x * stddev` then `+ mean` do (a fused
    # multiply-add would round once and differ in the last bit).
    values = np.multiply(values, np.float32(stddev), dtype=np.float32)
    return np.add(values, np.float32(mean), dtype=np.float32)


@functools.cache
def _numpy_dtype(dtype: str) -> np.dtype:
    return np.dtype(jnp.dtype(dtype))


def filled(shape, value, dtype) -> jax.Array:
    """An array of `shape` filled with `value`, made on the host (no per-shape compilation).

    Args:
        shape: the output shape.
        value: the fill value.
        dtype: the output dtype.

    Returns:
        A JAX array.

    Example:
        >>> from lamina.initializers.sampling import filled
        >>> filled((2, 2), 3.0, "float32").tolist()
        [[3.0, 3.0], [3.0, 3.0]]
    """
    return jax.device_put(np.full(shape, value, dtype=_numpy_dtype(dtype)))
