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

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.relu([-2.0, 1.0, 8.0])).tolist()
        [0.0, 1.0, 8.0]
        >>> y = activations.relu([-2.0, 1.0, 8.0], negative_slope=0.5, max_value=6.0)
        >>> np.asarray(y).tolist()
        [-1.0, 1.0, 6.0]
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
    """Leaky ReLU: `x` for positive inputs, `negative_slope * x` otherwise.

    Args:
        x: input array.
        negative_slope: the slope used for negative inputs.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.leaky_relu([-2.0, 0.0, 3.0]), float).round(3)
        array([-0.4,  0. ,  3. ])
    """
    return jax.nn.leaky_relu(_array(x), negative_slope=negative_slope)


def relu6(x) -> jax.Array:
    """ReLU clipped to the range [0, 6]: `min(max(x, 0), 6)`.

    Args:
        x: input array.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.relu6([-1.0, 3.0, 8.0])).tolist()
        [0.0, 3.0, 6.0]
    """
    return jax.nn.relu6(_array(x))


def softmax(x, axis: Axis = -1) -> jax.Array:
    """Normalized exponentials along `axis`: `exp(x) / sum(exp(x))`; the outputs sum to 1.

    Args:
        x: input array (logits).
        axis: the axis, or tuple of axes, to normalize over.

    Returns:
        An array of the shape of `x` holding probabilities.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.softmax([[1.0, 2.0, 3.0]]), float).round(3)
        array([[0.09 , 0.245, 0.665]])
    """
    return jax.nn.softmax(_array(x), axis=axis)


def log_softmax(x, axis: Axis = -1) -> jax.Array:
    """Logarithm of `softmax`, computed stably: `x - logsumexp(x)` along `axis`.

    Args:
        x: input array (logits).
        axis: the axis, or tuple of axes, to normalize over.

    Returns:
        An array of the shape of `x` holding log-probabilities.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.log_softmax([[1.0, 2.0, 3.0]]), float).round(3)
        array([[-2.408, -1.408, -0.408]])
    """
    return jax.nn.log_softmax(_array(x), axis=axis)


def elu(x, alpha: float = 1.0) -> jax.Array:
    """Exponential linear unit: `x` if positive, else `alpha * (exp(x) - 1)`.

    Args:
        x: input array.
        alpha: the value the negative side tends to is `-alpha`.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.elu([-1.0, 0.0, 2.0]), float).round(3)
        array([-0.632,  0.   ,  2.   ])
    """
    return jax.nn.elu(_array(x), alpha=alpha)


def selu(x) -> jax.Array:
    """Scaled exponential linear unit: `scale * elu(x, alpha)` with the self-normalizing
    constants (alpha ~1.6733, scale ~1.0507). Pair it with `lecun_normal` initialization.

    Args:
        x: input array.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.selu([-1.0, 0.0, 1.0]), float).round(3)
        array([-1.111,  0.   ,  1.051])
    """
    return jax.nn.selu(_array(x))


def celu(x, alpha: float = 1.0) -> jax.Array:
    """Continuously differentiable ELU: `max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))`.

    Args:
        x: input array.
        alpha: scale of the negative side (and of its input).

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.celu([-1.0, 0.0, 2.0]), float).round(3)
        array([-0.632,  0.   ,  2.   ])
    """
    return jax.nn.celu(_array(x), alpha=alpha)


def softplus(x) -> jax.Array:
    """Softplus `log(1 + exp(x))`, computed stably; a smooth ReLU.

    Args:
        x: input array.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.softplus([-1.0, 0.0, 1.0]), float).round(3)
        array([0.313, 0.693, 1.313])
    """
    return jax.nn.softplus(_array(x))


def softsign(x) -> jax.Array:
    """Softsign `x / (1 + |x|)`, with values in (-1, 1).

    Args:
        x: input array.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.softsign([-1.0, 0.0, 3.0])).tolist()
        [-0.5, 0.0, 0.75]
    """
    return jax.nn.soft_sign(_array(x))


def soft_shrink(x, threshold: float = 0.5) -> jax.Array:
    """Soft shrinkage: moves values toward zero by `threshold`; values within
    `threshold` of zero become 0.

    Args:
        x: input array.
        threshold: the amount to shrink by (and the width of the zero band).

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.soft_shrink([-1.0, 0.2, 2.0])).tolist()
        [-0.5, 0.0, 1.5]
    """
    x = _array(x)
    zero = jnp.zeros_like(x)
    return jnp.where(x > threshold, x - threshold, jnp.where(x < -threshold, x + threshold, zero))


def hard_shrink(x, threshold: float = 0.5) -> jax.Array:
    """Hard shrinkage: keeps values whose magnitude exceeds `threshold`, zeroes the rest.

    Args:
        x: input array.
        threshold: values with `|x| <= threshold` become 0.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.hard_shrink([-1.0, 0.2, 2.0])).tolist()
        [-1.0, 0.0, 2.0]
    """
    x = _array(x)
    return jnp.where(jnp.abs(x) > threshold, x, jnp.zeros_like(x))


def tanh_shrink(x) -> jax.Array:
    """Tanh shrinkage `x - tanh(x)`.

    Args:
        x: input array.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.tanh_shrink([-1.0, 0.0, 2.0]), float).round(3)
        array([-0.238,  0.   ,  1.036])
    """
    x = _array(x)
    return x - jnp.tanh(x)


def threshold(x, threshold: float, default_value: float) -> jax.Array:
    """Keeps values above `threshold` and replaces the others with `default_value`.

    Args:
        x: input array.
        threshold: values at or below it are replaced.
        default_value: the replacement value.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> y = activations.threshold([-1.0, 0.5, 2.0], threshold=0.5, default_value=-9.0)
        >>> np.asarray(y).tolist()
        [-9.0, -9.0, 2.0]
    """
    x = _array(x)
    return jnp.where(x > threshold, x, jnp.asarray(default_value, x.dtype))


def sparse_plus(x) -> jax.Array:
    """Sparse plus: 0 below -1, `(x + 1)**2 / 4` on [-1, 1], and `x` above 1.

    Args:
        x: input array.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.sparse_plus([-2.0, 0.0, 0.5, 3.0])).tolist()
        [0.0, 0.25, 0.5625, 3.0]
    """
    return jax.nn.sparse_plus(_array(x))


def squareplus(x, b: float = 4) -> jax.Array:
    """Squareplus `(x + sqrt(x**2 + b)) / 2`, a smooth ReLU-like curve.

    Args:
        x: input array.
        b: smoothness; the curve's value at 0 is `sqrt(b) / 2`.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.squareplus([-2.0, 0.0, 2.0]), float).round(3)
        array([0.414, 1.   , 2.414])
    """
    return jax.nn.squareplus(_array(x), b=b)


def silu(x) -> jax.Array:
    """Sigmoid linear unit (swish): `x * sigmoid(x)`.

    Args:
        x: input array.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.silu([-1.0, 0.0, 2.0]), float).round(3)
        array([-0.269,  0.   ,  1.762])
    """
    return jax.nn.silu(_array(x))


def gelu(x, approximate: bool = False) -> jax.Array:
    """Gaussian error linear unit `x * Phi(x)`, where `Phi` is the standard normal CDF.

    Unlike `jax.nn.gelu`, the default is the exact form based on `erf`, as in Keras.

    Args:
        x: input array.
        approximate: use the tanh approximation instead of the exact `erf` form.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.gelu([-1.0, 0.0, 2.0]), float).round(3)
        array([-0.159,  0.   ,  1.954])
    """
    return jax.nn.gelu(_array(x), approximate=approximate)


def glu(x, axis: int = -1) -> jax.Array:
    """Gated linear unit: splits `x` in two halves `a, b` along `axis` and returns
    `a * sigmoid(b)`.

    Args:
        x: input array; its size along `axis` must be even.
        axis: the axis to split.

    Returns:
        An array whose size along `axis` is half that of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.glu([[1.0, 2.0, 0.0, 0.0]])).tolist()
        [[0.5, 1.0]]
    """
    return jax.nn.glu(_array(x), axis=axis)


def tanh(x) -> jax.Array:
    """Hyperbolic tangent, with values in (-1, 1).

    Args:
        x: input array.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.tanh([-1.0, 0.0, 2.0]), float).round(3)
        array([-0.762,  0.   ,  0.964])
    """
    return jnp.tanh(_array(x))


def hard_tanh(x) -> jax.Array:
    """Hard tanh: the piecewise-linear clip of `x` to [-1, 1].

    Args:
        x: input array.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.hard_tanh([-3.0, 0.5, 2.0])).tolist()
        [-1.0, 0.5, 1.0]
    """
    return jax.nn.hard_tanh(_array(x))


def sigmoid(x) -> jax.Array:
    """Logistic sigmoid `1 / (1 + exp(-x))`, with values in (0, 1).

    Args:
        x: input array.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.sigmoid([-1.0, 0.0, 2.0]), float).round(3)
        array([0.269, 0.5  , 0.881])
    """
    return jax.nn.sigmoid(_array(x))


def sparse_sigmoid(x) -> jax.Array:
    """Sparse sigmoid: 0 below -1, `(x + 1) / 2` on [-1, 1], and 1 above 1.

    Args:
        x: input array.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.sparse_sigmoid([-2.0, 0.0, 0.5, 3.0])).tolist()
        [0.0, 0.5, 0.75, 1.0]
    """
    return jax.nn.sparse_sigmoid(_array(x))


def hard_sigmoid(x) -> jax.Array:
    """Hard sigmoid, piecewise linear: `clip(x / 6 + 0.5, 0, 1)`.

    Args:
        x: input array.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.hard_sigmoid([-4.0, 0.0, 1.5, 4.0])).tolist()
        [0.0, 0.5, 0.75, 1.0]
    """
    return jax.nn.hard_sigmoid(_array(x))


def log_sigmoid(x) -> jax.Array:
    """`log(sigmoid(x))`, computed stably (equal to `-softplus(-x)`).

    Args:
        x: input array.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.log_sigmoid([-1.0, 0.0, 2.0]), float).round(3)
        array([-1.313, -0.693, -0.127])
    """
    return jax.nn.log_sigmoid(_array(x))


def hard_silu(x) -> jax.Array:
    """Hard SiLU (hard swish): `x * hard_sigmoid(x)`.

    Args:
        x: input array.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.hard_silu([-4.0, 0.0, 1.5, 4.0])).tolist()
        [-0.0, 0.0, 1.125, 4.0]
    """
    return jax.nn.hard_silu(_array(x))


def exponential(x) -> jax.Array:
    """Exponential `exp(x)`.

    Args:
        x: input array.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.exponential([0.0, 1.0]), float).round(3)
        array([1.   , 2.718])
    """
    return jnp.exp(_array(x))


def linear(x):
    """The identity activation: returns its input unchanged.

    Args:
        x: input, returned as is.

    Returns:
        `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> activations.linear(3.0)
        3.0
    """
    return x


def mish(x) -> jax.Array:
    """Mish `x * tanh(softplus(x))`, a smooth, non-monotonic ReLU-like curve.

    Args:
        x: input array.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.mish([-1.0, 0.0, 2.0]), float).round(3)
        array([-0.303,  0.   ,  1.944])
    """
    x = _array(x)
    return x * jnp.tanh(jax.nn.softplus(x))


def sparsemax(x, axis: int = -1) -> jax.Array:
    """Sparsemax: the Euclidean projection of `x` onto the probability simplex along `axis`.

    Like softmax it returns a distribution, but one where many entries are exactly zero.

    Args:
        x: input array (logits).
        axis: the axis to normalize over.

    Returns:
        An array of the shape of `x` whose entries are >= 0 and sum to 1 along `axis`.

    Example:
        >>> import numpy as np
        >>> from lamina import activations
        >>> np.asarray(activations.sparsemax([[1.0, 1.5, 2.0]])).tolist()
        [[0.0, 0.25, 0.75]]
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
