"""Neural-network `keras.ops`: activations, one-hot encoding, cross-entropies, moments.

These follow `keras.ops.*` (the JAX backend's formulas), which differ from
`keras.activations` in places: `ops.gelu` is the tanh approximation by default, and
`ops.hard_sigmoid` is `relu6(x + 3) / 6`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.core.config import epsilon as _epsilon
from lamina.core.config import floatx
from lamina.core.variable import standardize_dtype
from lamina.ops.numpy import _float_of, _unary
from lamina.ops.operation import dispatch

relu = _unary("relu", jax.nn.relu, "Rectified linear unit, `max(x, 0)`.")
relu6 = _unary("relu6", jax.nn.relu6, "ReLU capped at 6.")
sigmoid = _unary("sigmoid", jax.nn.sigmoid, "Logistic sigmoid, `1 / (1 + exp(-x))`.")
softplus = _unary("softplus", jax.nn.softplus, "`log(1 + exp(x))`, computed stably.")
softsign = _unary("softsign", jax.nn.soft_sign, "`x / (1 + |x|)`.")
silu = _unary("silu", jax.nn.silu, "Sigmoid linear unit (swish), `x * sigmoid(x)`.")
swish = _unary("silu", jax.nn.silu, "Alias of `silu`.")
log_sigmoid = _unary("log_sigmoid", jax.nn.log_sigmoid, "`log(sigmoid(x))`, computed stably.")
hard_sigmoid = _unary("hard_sigmoid", jax.nn.hard_sigmoid, "`relu6(x + 3) / 6`.")
hard_silu = _unary("hard_silu", jax.nn.hard_silu, "`x * hard_sigmoid(x)`.")
hard_swish = _unary("hard_silu", jax.nn.hard_silu, "Alias of `hard_silu`.")
selu = _unary("selu", jax.nn.selu, "Scaled exponential linear unit.")
sparse_plus = _unary("sparse_plus", jax.nn.sparse_plus, "Piecewise-quadratic softplus.")
hard_tanh = _unary("hard_tanh", jax.nn.hard_tanh, "`clip(x, -1, 1)`.")
tanh_shrink = _unary("tanh_shrink", lambda x: x - jnp.tanh(x), "`x - tanh(x)`.")


def leaky_relu(x, negative_slope: float = 0.2):
    """`x` for positive inputs, `negative_slope * x` otherwise."""
    return dispatch("leaky_relu", jax.nn.leaky_relu, x, negative_slope=negative_slope)


def elu(x, alpha: float = 1.0):
    """Exponential linear unit: `x` if positive, else `alpha * (exp(x) - 1)`."""
    return dispatch("elu", jax.nn.elu, x, alpha=alpha)


def celu(x, alpha: float = 1.0):
    """Continuously differentiable ELU."""
    return dispatch("celu", jax.nn.celu, x, alpha=alpha)


def gelu(x, approximate: bool = True):
    """Gaussian error linear unit; the tanh approximation by default (as `keras.ops.gelu`)."""
    return dispatch("gelu", jax.nn.gelu, x, approximate=approximate)


def glu(x, axis: int = -1):
    """Gated linear unit: halves `x` along `axis` into `a, b` and returns `a * sigmoid(b)`."""
    return dispatch("glu", jax.nn.glu, x, axis=axis)


def squareplus(x, b: float = 4):
    """`(x + sqrt(x**2 + b)) / 2`."""
    return dispatch("squareplus", jax.nn.squareplus, x, b=b)


def soft_shrink(x, threshold: float = 0.5):
    """Shrinks `x` towards zero by `threshold`, zeroing `|x| <= threshold`."""

    def fn(x, t):
        return jnp.where(x > t, x - t, jnp.where(x < -t, x + t, jnp.zeros_like(x)))

    return dispatch("soft_shrink", fn, x, threshold)


def hard_shrink(x, threshold: float = 0.5):
    """Zeroes the elements with `|x| <= threshold`."""
    return dispatch("hard_shrink", lambda x, t: jnp.where(jnp.abs(x) > t, x, 0.0), x, threshold)


def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, else `default_value`."""
    return dispatch(
        "threshold", lambda x, t, d: jnp.where(x > t, x, d), x, threshold, default_value
    )


def softmax(x, axis=-1):
    """Softmax over `axis` (an int or a tuple of ints)."""
    return dispatch("softmax", jax.nn.softmax, x, axis=axis)


def log_softmax(x, axis=-1):
    """Log of the softmax over `axis`, computed stably."""
    return dispatch("log_softmax", jax.nn.log_softmax, x, axis=axis)


def one_hot(x, num_classes: int, axis: int = -1, dtype=None, sparse: bool = False):
    """One-hot encoding of integer labels (`floatx()` by default; negative labels give zeros)."""
    if sparse:
        raise ValueError("one_hot(): `sparse=True` is not supported by lamina (JAX, dense only).")
    dtype = standardize_dtype(dtype) if dtype is not None else floatx()
    return dispatch("one_hot", jax.nn.one_hot, x, num_classes, axis=axis, dtype=dtype)


def _same_shape(name, target, output):
    if target.shape != output.shape:
        raise ValueError(
            f"{name}(): `target` and `output` must have the same shape; received "
            f"target.shape={target.shape}, output.shape={output.shape}."
        )


def _log_probs(output, from_logits, axis):
    if from_logits:
        return jax.nn.log_softmax(output, axis=axis)
    output = output / jnp.sum(output, axis, keepdims=True)
    return jnp.log(jnp.clip(output, _epsilon(), 1.0 - _epsilon()))


def binary_crossentropy(target, output, from_logits: bool = False):
    """Element-wise binary cross-entropy (no reduction); probabilities are clipped to
    `[epsilon, 1 - epsilon]`."""

    def fn(target, output):
        target, output = jnp.asarray(target), jnp.asarray(output)
        _same_shape("binary_crossentropy", target, output)
        if from_logits:
            return -target * jax.nn.log_sigmoid(output) - (1.0 - target) * jax.nn.log_sigmoid(
                -output
            )
        output = jnp.clip(output, _epsilon(), 1.0 - _epsilon())
        return -(target * jnp.log(output) + (1.0 - target) * jnp.log(1.0 - output))

    return dispatch("binary_crossentropy", fn, target, output)


def categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1):
    """Cross-entropy between one-hot (or soft) `target` and `output`, reduced over `axis`."""

    def fn(target, output):
        target, output = jnp.asarray(target), jnp.asarray(output)
        _same_shape("categorical_crossentropy", target, output)
        if target.ndim < 1:
            raise ValueError("categorical_crossentropy(): inputs must be at least rank 1.")
        return -jnp.sum(target * _log_probs(output, from_logits, axis), axis=axis)

    return dispatch("categorical_crossentropy", fn, target, output)


def sparse_categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1):
    """Cross-entropy between integer labels `target` and `output`, reduced over `axis`."""

    def fn(target, output):
        target, output = jnp.asarray(target).astype("int32"), jnp.asarray(output)
        if target.ndim == output.ndim and target.shape[-1] == 1:
            target = jnp.squeeze(target, axis=-1)
        if output.ndim < 1 or target.shape != output.shape[:-1]:
            raise ValueError(
                "sparse_categorical_crossentropy(): `target` must have the shape of `output` "
                f"without its last axis; received target.shape={target.shape}, "
                f"output.shape={output.shape}."
            )
        log_prob = _log_probs(output, from_logits, axis)
        onehot = jax.nn.one_hot(target, output.shape[axis], axis=axis, dtype=log_prob.dtype)
        return -jnp.sum(onehot * log_prob, axis=axis)

    return dispatch("sparse_categorical_crossentropy", fn, target, output)


def moments(x, axes, keepdims: bool = False, synchronized: bool = False):
    """`(mean, variance)` of `x` over `axes`; float16/bfloat16 are reduced in float32."""
    if synchronized:
        raise NotImplementedError("moments(): `synchronized=True` is not supported by lamina.")

    def fn(x):
        x = _float_of(x)
        low = x.dtype in (jnp.float16, jnp.bfloat16)
        xf = x.astype("float32") if low else x
        mean = jnp.mean(xf, axis=axes, keepdims=keepdims)
        variance = jnp.var(xf, axis=axes, keepdims=keepdims)
        if low:
            info = jnp.finfo(x.dtype)
            mean = jnp.clip(mean, info.min, info.max).astype(x.dtype)
            variance = jnp.clip(variance, info.min, info.max).astype(x.dtype)
        return mean, variance

    return dispatch("moments", fn, x)


def normalize(x, axis: int = -1, order: int = 2, epsilon: float | None = None):
    """`x / max(norm(x, order), epsilon)` along `axis`."""
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize(): `order` must be an int >= 1, received order={order!r}.")
    eps = epsilon

    def fn(x):
        x = _float_of(x)
        if x.ndim == 0:
            x = jnp.expand_dims(x, 0)
        e = _epsilon() if eps is None else eps
        if order == 2:
            inv = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
            return x * jnp.minimum(inv, 1.0 / e)
        norm = jnp.linalg.norm(x, ord=order, axis=axis, keepdims=True)
        return x / jnp.maximum(norm, e)

    return dispatch("normalize", fn, x)
