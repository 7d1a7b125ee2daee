"""Element-wise and axis-wise activation functions with Keras 3's names and defaults.

Each function takes an array-like and returns a `jax.Array`. Where Keras's default differs from
`jax.nn` (notably `gelu`, which is the exact erf form here), Keras's default wins.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

Axis = int | tuple[int, ...]


def _array(x) -> jax.Array:
    return jnp.asarray(x)


def relu(
    x, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0
) -> jax.Array:
    """Rectified linear unit, optionally leaky, capped and shifted.

    Args:
        x: input array.
        negative_slope: slope applied below `threshold` (0 gives the plain ReLU).
        max_value: upper bound of the output, or None for no bound.
        threshold: values at or below it are treated as inactive.

    Returns:
        `x` where `threshold < x`, clipped to `max_value`; below the threshold,
        `negative_slope * (x - threshold)`.
    """
    x = _array(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return jax.nn.leaky_relu(x, negative_slope=negative_slope)
    if negative_slope != 0.0:
        below = jax.nn.relu(threshold - x) if threshold != 0 else jax.nn.relu(-x)
    if threshold != 0:
        out = jnp.where(x > jnp.asarray(threshold, x.dtype), x, jnp.zeros_like(x))
    else:
        out = jax.nn.relu(x)
    if max_value is not None:
        out = jnp.clip(out, jnp.asarray(0, out.dtype), jnp.asarray(max_value, out.dtype))
    if negative_slope != 0.0:
        out = out - negative_slope * below
    return out


def leaky_relu(x, negative_slope: float = 0.2) -> jax.Array:
    """Leaky ReLU: `x` for positive inputs, `negative_slope * x` otherwise."""
    return jax.nn.leaky_relu(_array(x), negative_slope=negative_slope)


def relu6(x) -> jax.Array:
    """ReLU clipped to the range [0, 6]."""
    return jax.nn.relu6(_array(x))


def softmax(x, axis: Axis = -1) -> jax.Array:
    """Normalized exponentials along `axis` (an int or a tuple of ints); outputs sum to 1."""
    return jax.nn.softmax(_array(x), axis=axis)


def log_softmax(x, axis: Axis = -1) -> jax.Array:
    """Logarithm of `softmax`, computed stably."""
    return jax.nn.log_softmax(_array(x), axis=axis)


def elu(x, alpha: float = 1.0) -> jax.Array:
    """Exponential linear unit: `x` if positive, else `alpha * (exp(x) - 1)`."""
    return jax.nn.elu(_array(x), alpha=alpha)


def selu(x) -> jax.Array:
    """Scaled ELU with the self-normalizing constants (alpha ~1.6733, scale ~1.0507)."""
    return jax.nn.selu(_array(x))


def celu(x, alpha: float = 1.0) -> jax.Array:
    """Continuously differentiable ELU: `max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))`."""
    return jax.nn.celu(_array(x), alpha=alpha)


def softplus(x) -> jax.Array:
    """`log(1 + exp(x))`, computed stably."""
    return jax.nn.softplus(_array(x))


def softsign(x) -> jax.Array:
    """`x / (1 + |x|)`."""
    return jax.nn.soft_sign(_array(x))


def soft_shrink(x, threshold: float = 0.5) -> jax.Array:
    """Moves values toward zero by `threshold`; values within `threshold` of zero become 0."""
    x = _array(x)
    zero = jnp.zeros_like(x)
    return jnp.where(x > threshold, x - threshold, jnp.where(x < -threshold, x + threshold, zero))


def hard_shrink(x, threshold: float = 0.5) -> jax.Array:
    """Keeps values whose magnitude exceeds `threshold` and zeroes the rest."""
    x = _array(x)
    return jnp.where(jnp.abs(x) > threshold, x, jnp.zeros_like(x))


def tanh_shrink(x) -> jax.Array:
    """`x - tanh(x)`."""
    x = _array(x)
    return x - jnp.tanh(x)


def threshold(x, threshold: float, default_value: float) -> jax.Array:
    """Keeps values above `threshold` and replaces the others with `default_value`."""
    x = _array(x)
    return jnp.where(x > threshold, x, jnp.asarray(default_value, x.dtype))


def sparse_plus(x) -> jax.Array:
    """0 below -1, `(x + 1)**2 / 4` on [-1, 1], and `x` above 1."""
    return jax.nn.sparse_plus(_array(x))


def squareplus(x, b: float = 4) -> jax.Array:
    """`(x + sqrt(x**2 + b)) / 2`, a smooth ReLU-like curve."""
    return jax.nn.squareplus(_array(x), b=b)


def silu(x) -> jax.Array:
    """Sigmoid linear unit (swish): `x * sigmoid(x)`."""
    return jax.nn.silu(_array(x))


def gelu(x, approximate: bool = False) -> jax.Array:
    """Gaussian error linear unit `x * Phi(x)`.

    Unlike `jax.nn.gelu`, the default is the exact form based on `erf`, as in Keras; pass
    `approximate=True` for the tanh approximation.
    """
    return jax.nn.gelu(_array(x), approximate=approximate)


def glu(x, axis: int = -1) -> jax.Array:
    """Gated linear unit: splits `x` in two halves along `axis` and returns `a * sigmoid(b)`."""
    return jax.nn.glu(_array(x), axis=axis)


def tanh(x) -> jax.Array:
    """Hyperbolic tangent."""
    return jnp.tanh(_array(x))


def hard_tanh(x) -> jax.Array:
    """`tanh` replaced by its piecewise-linear clip to [-1, 1]."""
    return jax.nn.hard_tanh(_array(x))


def sigmoid(x) -> jax.Array:
    """Logistic function `1 / (1 + exp(-x))`."""
    return jax.nn.sigmoid(_array(x))


def sparse_sigmoid(x) -> jax.Array:
    """Piecewise-linear sigmoid: 0 below -1, `(x + 1) / 2` on [-1, 1], and 1 above 1."""
    return jax.nn.sparse_sigmoid(_array(x))


def hard_sigmoid(x) -> jax.Array:
    """Piecewise-linear sigmoid: `clip(x / 6 + 0.5, 0, 1)`."""
    return jax.nn.hard_sigmoid(_array(x))


def log_sigmoid(x) -> jax.Array:
    """`log(sigmoid(x))`, computed stably."""
    return jax.nn.log_sigmoid(_array(x))


def hard_silu(x) -> jax.Array:
    """Hard swish: `x * hard_sigmoid(x)`."""
    return jax.nn.hard_silu(_array(x))


def exponential(x) -> jax.Array:
    """`exp(x)`."""
    return jnp.exp(_array(x))


def linear(x):
    """The identity: returns its input unchanged."""
    return x


def mish(x) -> jax.Array:
    """`x * tanh(softplus(x))`."""
    x = _array(x)
    return x * jnp.tanh(jax.nn.softplus(x))


def sparsemax(x, axis: int = -1) -> jax.Array:
    """Euclidean projection of `x` onto the probability simplex along `axis`.

    Like softmax it returns a distribution, but one where many entries are exactly zero.
    """
    x = _array(x)
    ordered = -jnp.sort(-x, axis=axis)
    cumulative = jnp.cumsum(ordered, axis=axis)
    ranks_shape = [1] * x.ndim
    ranks_shape[axis] = -1
    ranks = jnp.arange(1, x.shape[axis] + 1, dtype=x.dtype).reshape(ranks_shape)
    in_support = ordered - (cumulative - 1) / ranks > 0
    support_size = jnp.sum(in_support, axis=axis, keepdims=True).astype(x.dtype)
    support_total = jnp.sum(jnp.where(in_support, ordered, 0.0), axis=axis, keepdims=True)
    tau = (support_total - 1) / support_size
    return jnp.maximum(x - tau, 0.0)


swish = silu
hard_swish = hard_silu
