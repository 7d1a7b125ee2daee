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

relu = _unary(
    "relu",
    jax.nn.relu,
    """Rectified linear unit, `max(x, 0)`, element-wise.

    >>> np.asarray(ops.relu([-1.0, 0.0, 2.0]))
    array([0., 0., 2.], dtype=float32)
    """,
)
relu6 = _unary(
    "relu6",
    jax.nn.relu6,
    """Rectified linear unit capped at 6, `min(max(x, 0), 6)`, element-wise.

    >>> np.asarray(ops.relu6([-1.0, 3.0, 8.0]))
    array([0., 3., 6.], dtype=float32)
    """,
)
sigmoid = _unary(
    "sigmoid",
    jax.nn.sigmoid,
    """Logistic sigmoid, `1 / (1 + exp(-x))`, element-wise.

    >>> np.asarray(ops.sigmoid([-1.0, 0.0, 1.0])).round(4)
    array([0.2689, 0.5   , 0.7311], dtype=float32)
    """,
)
softplus = _unary(
    "softplus",
    jax.nn.softplus,
    """Softplus, `log(1 + exp(x))`, element-wise and without overflow.

    >>> np.asarray(ops.softplus([-1.0, 0.0, 1.0])).round(4)
    array([0.3133, 0.6931, 1.3133], dtype=float32)
    """,
)
softsign = _unary(
    "softsign",
    jax.nn.soft_sign,
    """Softsign, `x / (1 + |x|)`, element-wise.

    >>> np.asarray(ops.softsign([-1.0, 0.0, 3.0]))
    array([-0.5 ,  0.  ,  0.75], dtype=float32)
    """,
)
silu = _unary(
    "silu",
    jax.nn.silu,
    """Sigmoid linear unit (also called swish), `x * sigmoid(x)`, element-wise.

    >>> np.asarray(ops.silu([-1.0, 0.0, 1.0])).round(4)
    array([-0.2689,  0.    ,  0.7311], dtype=float32)
    """,
)
swish = _unary(
    "silu",
    jax.nn.silu,
    """Swish, `x * sigmoid(x)`, element-wise; the same function as `silu`.

    >>> np.asarray(ops.swish([-1.0, 0.0, 1.0])).round(4)
    array([-0.2689,  0.    ,  0.7311], dtype=float32)
    """,
)
log_sigmoid = _unary(
    "log_sigmoid",
    jax.nn.log_sigmoid,
    """Logarithm of the sigmoid, `-softplus(-x)`, element-wise and without overflow.

    >>> np.asarray(ops.log_sigmoid([-1.0, 0.0, 1.0])).round(4)
    array([-1.3133, -0.6931, -0.3133], dtype=float32)
    """,
)
hard_sigmoid = _unary(
    "hard_sigmoid",
    jax.nn.hard_sigmoid,
    """Piecewise-linear sigmoid, `relu6(x + 3) / 6`, element-wise.

    >>> np.asarray(ops.hard_sigmoid([-4.0, 0.0, 1.5, 4.0]))
    array([0.  , 0.5 , 0.75, 1.  ], dtype=float32)
    """,
)
hard_silu = _unary(
    "hard_silu",
    jax.nn.hard_silu,
    """Hard SiLU (hard swish), `x * hard_sigmoid(x)`, element-wise.

    >>> np.asarray(ops.hard_silu([-4.0, 0.0, 1.5, 4.0]))
    array([-0.   ,  0.   ,  1.125,  4.   ], dtype=float32)
    """,
)
hard_swish = _unary(
    "hard_silu",
    jax.nn.hard_silu,
    """Hard swish, `x * hard_sigmoid(x)`, element-wise; the same function as `hard_silu`.

    >>> np.asarray(ops.hard_swish([-4.0, 0.0, 1.5, 4.0]))
    array([-0.   ,  0.   ,  1.125,  4.   ], dtype=float32)
    """,
)
selu = _unary(
    "selu",
    jax.nn.selu,
    """Scaled exponential linear unit: `scale * x` for positive `x`, else
    `scale * alpha * (exp(x) - 1)`, with `alpha ~ 1.6733` and `scale ~ 1.0507`.

    >>> np.asarray(ops.selu([-1.0, 0.0, 1.0])).round(4)
    array([-1.1113,  0.    ,  1.0507], dtype=float32)
    """,
)
sparse_plus = _unary(
    "sparse_plus",
    jax.nn.sparse_plus,
    """SparsePlus: 0 for `x <= -1`, `x` for `x >= 1`, and `(x + 1)**2 / 4` in between.

    >>> np.asarray(ops.sparse_plus([-2.0, 0.0, 2.0]))
    array([0.  , 0.25, 2.  ], dtype=float32)
    """,
)
hard_tanh = _unary(
    "hard_tanh",
    jax.nn.hard_tanh,
    """Piecewise-linear tanh, `clip(x, -1, 1)`, element-wise.

    >>> np.asarray(ops.hard_tanh([-3.0, 0.5, 3.0]))
    array([-1. ,  0.5,  1. ], dtype=float32)
    """,
)
tanh_shrink = _unary(
    "tanh_shrink",
    lambda x: x - jnp.tanh(x),
    """Tanh shrink, `x - tanh(x)`, element-wise.

    >>> np.asarray(ops.tanh_shrink([-1.0, 0.0, 1.0])).round(4)
    array([-0.2384,  0.    ,  0.2384], dtype=float32)
    """,
)


def leaky_relu(x, negative_slope: float = 0.2):
    """Leaky rectified linear unit: `x` for positive inputs, `negative_slope * x` otherwise.

    Args:
        x: input tensor.
        negative_slope: slope for negative inputs.

    Returns:
        A tensor of the same shape as `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.leaky_relu(np.array([-2.0, 3.0]), negative_slope=0.1))
    array([-0.2,  3. ], dtype=float32)
    """
    return dispatch("leaky_relu", jax.nn.leaky_relu, x, negative_slope=negative_slope)


def elu(x, alpha: float = 1.0):
    """Exponential linear unit: `x` for positive inputs, `alpha * (exp(x) - 1)` otherwise.

    Args:
        x: input tensor.
        alpha: scale of the negative part.

    Returns:
        A tensor of the same shape as `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.elu(np.array([-1.0, 2.0]))).round(4)
    array([-0.6321,  2.    ], dtype=float32)
    """
    return dispatch("elu", jax.nn.elu, x, alpha=alpha)


def celu(x, alpha: float = 1.0):
    """Continuously differentiable exponential linear unit:
    `max(x, 0) + alpha * min(0, exp(x / alpha) - 1)`.

    Args:
        x: input tensor.
        alpha: scale of the negative part (and its rate is `1 / alpha`).

    Returns:
        A tensor of the same shape as `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.celu(np.array([-1.0, 2.0]), alpha=2.0)).round(4)
    array([-0.7869,  2.    ], dtype=float32)
    """
    return dispatch("celu", jax.nn.celu, x, alpha=alpha)


def gelu(x, approximate: bool = True):
    """Gaussian error linear unit, `x * P(X <= x)` for a standard normal `X`.

    As in `keras.ops.gelu`, the tanh approximation is the default.

    Args:
        x: input tensor.
        approximate: whether to use the tanh approximation instead of the exact `erf` form.

    Returns:
        A tensor of the same shape as `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.gelu(np.array([-1.0, 0.0, 1.0]))).round(4)
    array([-0.1588,  0.    ,  0.8412], dtype=float32)
    >>> np.asarray(ops.gelu(np.array([-1.0, 0.0, 1.0]), approximate=False)).round(4)
    array([-0.1587,  0.    ,  0.8413], dtype=float32)
    """
    return dispatch("gelu", jax.nn.gelu, x, approximate=approximate)


def glu(x, axis: int = -1):
    """Gated linear unit: splits `x` in two halves `a, b` along `axis` and returns
    `a * sigmoid(b)`.

    Args:
        x: input tensor; its size along `axis` must be even.
        axis: the axis to split.

    Returns:
        A tensor with half the size of `x` along `axis`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.glu(np.array([[1.0, 2.0, 0.0, 100.0]]))).round(4)
    array([[0.5, 2. ]], dtype=float32)
    """
    return dispatch("glu", jax.nn.glu, x, axis=axis)


def squareplus(x, b: float = 4):
    """Squareplus, `(x + sqrt(x**2 + b)) / 2`: a smooth, algebraic ReLU.

    Args:
        x: input tensor.
        b: smoothness (non-negative); `b = 0` gives ReLU.

    Returns:
        A tensor of the same shape as `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.squareplus(np.array([-2.0, 0.0, 2.0]), b=0))
    array([0., 0., 2.], dtype=float32)
    >>> np.asarray(ops.squareplus(np.array([0.0])))
    array([1.], dtype=float32)
    """
    return dispatch("squareplus", jax.nn.squareplus, x, b=b)


def soft_shrink(x, threshold: float = 0.5):
    """Soft shrinkage: moves `x` towards zero by `threshold`, and zeroes values with
    `|x| <= threshold`.

    Args:
        x: input tensor.
        threshold: the amount to shrink by (non-negative).

    Returns:
        A tensor of the same shape as `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.soft_shrink(np.array([-2.0, 0.3, 1.0])))
    array([-1.5,  0. ,  0.5], dtype=float32)
    """

    def fn(x, t):
        return jnp.where(x > t, x - t, jnp.where(x < -t, x + t, jnp.zeros_like(x)))

    return dispatch("soft_shrink", fn, x, threshold)


def hard_shrink(x, threshold: float = 0.5):
    """Hard shrinkage: keeps `x` where `|x| > threshold` and zeroes the rest.

    Args:
        x: input tensor.
        threshold: the magnitude at or below which values become zero.

    Returns:
        A tensor of the same shape as `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.hard_shrink(np.array([-2.0, 0.3, 1.0])))
    array([-2.,  0.,  1.], dtype=float32)
    """
    return dispatch("hard_shrink", lambda x, t: jnp.where(jnp.abs(x) > t, x, 0.0), x, threshold)


def threshold(x, threshold, default_value):
    """Keeps `x` where `x > threshold` and puts `default_value` everywhere else.

    Args:
        x: input tensor.
        threshold: values above it are kept.
        default_value: the value used at or below `threshold`.

    Returns:
        A tensor of the same shape as `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.threshold(np.array([-1.0, 0.5, 2.0]), 1.0, 0.0))
    array([0., 0., 2.], dtype=float32)
    """
    return dispatch(
        "threshold", lambda x, t, d: jnp.where(x > t, x, d), x, threshold, default_value
    )


def softmax(x, axis=-1):
    """Softmax over `axis`: `exp(x)` normalized to sum to one.

    Args:
        x: input tensor (logits).
        axis: an int or a tuple of ints: the axes to normalize over.

    Returns:
        A tensor of the same shape as `x` whose values along `axis` are positive and sum to one.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.softmax(np.array([0.0, 1.0, 2.0]))).round(4)
    array([0.09  , 0.2447, 0.6652], dtype=float32)
    """
    return dispatch("softmax", jax.nn.softmax, x, axis=axis)


def log_softmax(x, axis=-1):
    """Logarithm of the softmax over `axis`, computed without overflow
    (`x - logsumexp(x)`).

    Args:
        x: input tensor (logits).
        axis: an int or a tuple of ints: the axes to normalize over.

    Returns:
        A tensor of the same shape as `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.log_softmax(np.array([0.0, 1.0, 2.0]))).round(4)
    array([-2.4076, -1.4076, -0.4076], dtype=float32)
    """
    return dispatch("log_softmax", jax.nn.log_softmax, x, axis=axis)


def one_hot(x, num_classes: int, axis: int = -1, dtype=None, sparse: bool = False):
    """One-hot encodes integer labels: label `i` becomes a vector with a one at
    position `i` (negative labels give all zeros).

    Args:
        x: integer tensor of labels.
        num_classes: the length of each one-hot vector.
        axis: where the new axis goes in the result.
        dtype: dtype of the result; None uses `keras.config.floatx()`.
        sparse: must be False (lamina's JAX tensors are dense).

    Returns:
        A tensor with a new axis of size `num_classes`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.one_hot(np.array([0, 2]), 3))
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
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
    """Element-wise binary cross-entropy between labels and predictions,
    without reduction.

    Probabilities are clipped to `[epsilon, 1 - epsilon]` (see `keras.config.epsilon()`).

    Args:
        target: tensor of labels in `[0, 1]`.
        output: tensor of predictions of the same shape: probabilities, or logits when
            `from_logits=True`.
        from_logits: whether `output` holds logits.

    Returns:
        A tensor of the shape of `target` with the per-element losses.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.binary_crossentropy(np.array([1.0, 0.0]), np.array([0.9, 0.2]))).round(4)
    array([0.1054, 0.2231], dtype=float32)
    """

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
    """Cross-entropy between one-hot (or soft) labels and predicted
    class scores, summed over `axis`.

    Args:
        target: tensor of labels (one-hot or probabilities).
        output: tensor of predictions of the same shape: probabilities (rescaled to sum to one), or
            logits when `from_logits=True`.
        from_logits: whether `output` holds logits.
        axis: the class axis.

    Returns:
        A tensor of losses, `target` without its class axis.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> y_pred = np.array([[0.2, 0.8], [0.5, 0.5]])
    >>> np.asarray(ops.categorical_crossentropy(y_true, y_pred)).round(4)
    array([0.2231, 0.6931], dtype=float32)
    """

    def fn(target, output):
        target, output = jnp.asarray(target), jnp.asarray(output)
        _same_shape("categorical_crossentropy", target, output)
        if target.ndim < 1:
            raise ValueError("categorical_crossentropy(): inputs must be at least rank 1.")
        return -jnp.sum(target * _log_probs(output, from_logits, axis), axis=axis)

    return dispatch("categorical_crossentropy", fn, target, output)


def sparse_categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1):
    """Cross-entropy between integer class labels and predicted
    class scores.

    Args:
        target: integer tensor of class indices, of the shape of `output` without its class axis
            (a trailing axis of size 1 is also accepted).
        output: tensor of predictions: probabilities (rescaled to sum to one), or logits when
            `from_logits=True`.
        from_logits: whether `output` holds logits.
        axis: the class axis of `output`.

    Returns:
        A tensor of losses, of the shape of `target`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> y_pred = np.array([[0.2, 0.8], [0.5, 0.5]])
    >>> np.asarray(ops.sparse_categorical_crossentropy(np.array([1, 0]), y_pred)).round(4)
    array([0.2231, 0.6931], dtype=float32)
    """

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
    """Mean and variance of `x` over `axes`.

    float16 and bfloat16 inputs are reduced in float32 (then cast back), so they do not overflow.

    Args:
        x: input tensor.
        axes: an axis or list of axes to reduce.
        keepdims: whether to keep the reduced axes, with size 1.
        synchronized: must be False (only meaningful for distributed TensorFlow training).

    Returns:
        A tuple `(mean, variance)`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> mean, variance = ops.moments(np.array([1.0, 2.0, 3.0, 4.0]), axes=[0])
    >>> float(mean), float(variance)
    (2.5, 1.25)
    """
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
    """Divides `x` by its norm along `axis`: `x / max(norm(x, order), epsilon)`.

    Args:
        x: input tensor.
        axis: the axis along which the norm is taken.
        order: the norm: 1, 2 (the default, Euclidean) or any int >= 1.
        epsilon: the smallest norm divided by; None uses `keras.config.epsilon()`.

    Returns:
        A tensor of the same shape as `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.normalize(np.array([[3.0, 4.0]])))
    array([[0.6, 0.8]], dtype=float32)
    >>> np.asarray(ops.normalize(np.array([[3.0, 1.0]]), order=1))
    array([[0.75, 0.25]], dtype=float32)
    """
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
