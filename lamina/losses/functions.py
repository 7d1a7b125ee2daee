"""Loss functions: pure `jnp` maths returning one value per sample (last axis reduced).

Probabilities are clipped to `[epsilon, 1 - epsilon]` (`lamina.config.epsilon()`, 1e-7) when
`from_logits=False`, as Keras does.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from lamina.core.config import epsilon
from lamina.losses.loss import squeeze_or_expand_to_same_rank


def _pair(y_true, y_pred, align: bool = True):
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype("float32")
    y_true = jnp.asarray(y_true).astype(y_pred.dtype)
    if align:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    """Mean over the last axis of `(y_true - y_pred) ** 2`.

    Args:
        y_true: the targets.
        y_pred: the predictions, of the same shape.

    Returns:
        An array of the batch shape (the last axis reduced).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [2.0, 2.0]])
        >>> y_pred = np.array([[1.0, 1.0], [2.0, 4.0]])
        >>> np.asarray(keras.losses.mean_squared_error(y_true, y_pred), float).round(4)
        array([0.5, 2. ])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return jnp.mean(jnp.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Mean over the last axis of `|y_true - y_pred|`.

    Args:
        y_true: the targets.
        y_pred: the predictions, of the same shape.

    Returns:
        An array of the batch shape (the last axis reduced).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [2.0, 2.0]])
        >>> y_pred = np.array([[1.0, 1.0], [2.0, 4.0]])
        >>> np.asarray(keras.losses.mean_absolute_error(y_true, y_pred), float).round(4)
        array([0.5, 1. ])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(|(y_true - y_pred) / max(|y_true|, epsilon)|)` over the last axis.

    Args:
        y_true: the targets.
        y_pred: the predictions, of the same shape.

    Returns:
        An array of the batch shape (the last axis reduced).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[1.0, 2.0], [4.0, 4.0]])
        >>> y_pred = np.array([[1.0, 1.0], [2.0, 4.0]])
        >>> np.asarray(keras.losses.mean_absolute_percentage_error(y_true, y_pred), float).round(4)
        array([25., 25.])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    denom = jnp.maximum(jnp.abs(y_true), jnp.asarray(epsilon(), y_pred.dtype))
    return 100.0 * jnp.mean(jnp.abs((y_true - y_pred) / denom), axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean squared difference of `log(max(x, epsilon) + 1)` over the last axis.

    Args:
        y_true: the targets.
        y_pred: the predictions, of the same shape.

    Returns:
        An array of the batch shape (the last axis reduced).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [2.0, 2.0]])
        >>> y_pred = np.array([[1.0, 1.0], [2.0, 4.0]])
        >>> np.asarray(keras.losses.mean_squared_logarithmic_error(y_true, y_pred), float).round(4)
        array([0.2402, 0.1305])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    eps = jnp.asarray(epsilon(), y_pred.dtype)
    diff = jnp.log(jnp.maximum(y_pred, eps) + 1.0) - jnp.log(jnp.maximum(y_true, eps) + 1.0)
    return jnp.mean(jnp.square(diff), axis=-1)


def l2_normalize(x, axis: int = -1):
    """`x / ||x||`, with the inverse norm capped at `1 / epsilon` (zero vectors stay zero).

    Args:
        x: input array.
        axis: the axis the norm is taken over.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina.losses.functions import l2_normalize
        >>> np.asarray(l2_normalize(np.array([[3.0, 4.0], [0.0, 0.0]])), float).round(3)
        array([[0.6, 0.8],
               [0. , 0. ]])
    """
    inv_norm = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
    return x * jnp.minimum(inv_norm, 1.0 / epsilon())


def cosine_similarity(y_true, y_pred, axis: int = -1):
    """Negative cosine similarity along `axis` (so that minimizing it aligns the vectors).

    Args:
        y_true: the targets.
        y_pred: the predictions, of the same shape.
        axis: the axis the similarity is computed along.

    Returns:
        An array of the batch shape, in [-1, 1] (-1 for aligned vectors).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 0.0], [2.0, 2.0]])
        >>> np.asarray(keras.losses.cosine_similarity(y_true, y_pred), float).round(4)
        array([-0., -1.])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return -jnp.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


def huber(y_true, y_pred, delta: float = 1.0):
    """Huber loss: quadratic for errors up to `delta`, linear beyond; mean over the last axis.

    Args:
        y_true: the targets.
        y_pred: the predictions, of the same shape.
        delta: the error size where the loss turns from quadratic to linear.

    Returns:
        An array of the batch shape (the last axis reduced).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [2.0, 2.0]])
        >>> y_pred = np.array([[1.0, 1.0], [2.0, 4.0]])
        >>> np.asarray(keras.losses.huber(y_true, y_pred), float).round(4)
        array([0.25, 0.75])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    delta = jnp.asarray(delta, y_pred.dtype)
    error = y_pred - y_true
    abs_error = jnp.abs(error)
    quadratic = 0.5 * jnp.square(error)
    linear = delta * abs_error - 0.5 * jnp.square(delta)
    return jnp.mean(jnp.where(abs_error <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """Mean over the last axis of `log(cosh(y_pred - y_true))`, computed stably.

    Args:
        y_true: the targets.
        y_pred: the predictions, of the same shape.

    Returns:
        An array of the batch shape (the last axis reduced).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [2.0, 2.0]])
        >>> y_pred = np.array([[1.0, 1.0], [2.0, 4.0]])
        >>> np.asarray(keras.losses.log_cosh(y_true, y_pred), float).round(4)
        array([0.2169, 0.6625])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return jnp.mean(x + jax.nn.softplus(-2.0 * x) - jnp.log(2.0).astype(x.dtype), axis=-1)


def kl_divergence(y_true, y_pred):
    """`sum(y_true * log(y_true / y_pred))` over the last axis, both clipped to `[eps, 1]`.

    Args:
        y_true: the target distributions.
        y_pred: the predicted distributions.

    Returns:
        An array of the batch shape (the last axis reduced).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.5, 0.5], [0.9, 0.1]])
        >>> y_pred = np.array([[0.9, 0.1], [0.9, 0.1]])
        >>> np.asarray(keras.losses.kl_divergence(y_true, y_pred), float).round(4)
        array([0.5108, 0.    ])
    """
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    y_true = jnp.clip(y_true, epsilon(), 1.0)
    y_pred = jnp.clip(y_pred, epsilon(), 1.0)
    return jnp.sum(y_true * jnp.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """Mean over the last axis of `y_pred - y_true * log(y_pred + epsilon)`.

    Args:
        y_true: the targets.
        y_pred: the predicted rates (positive), of the same shape.

    Returns:
        An array of the batch shape (the last axis reduced).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [2.0, 2.0]])
        >>> y_pred = np.array([[1.0, 1.0], [2.0, 4.0]])
        >>> np.asarray(keras.losses.poisson(y_true, y_pred), float).round(4)
        array([1.    , 0.9206])
    """
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    return jnp.mean(y_pred - y_true * jnp.log(y_pred + epsilon()), axis=-1)


def _to_signed_labels(y_true):
    """Maps {0, 1} labels to {-1, 1}; other labels are returned unchanged."""
    is_binary = jnp.all((y_true == 0) | (y_true == 1))
    return jnp.where(is_binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """Mean over the last axis of `max(1 - y_true * y_pred, 0)` ({0,1} labels become ±1).

    Args:
        y_true: the targets, -1/1 (or 0/1, mapped to -1/1).
        y_pred: the predicted scores.

    Returns:
        An array of the batch shape (the last axis reduced).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> y_pred = np.array([[0.6, 0.4], [0.3, -0.2]])
        >>> np.asarray(keras.losses.hinge(y_true, y_pred), float).round(4)
        array([1.1 , 0.75])
    """
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    y_true = _to_signed_labels(y_true)
    return jnp.mean(jnp.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """Mean over the last axis of `max(1 - y_true * y_pred, 0) ** 2`.

    Args:
        y_true: the targets, -1/1 (or 0/1, mapped to -1/1).
        y_pred: the predicted scores.

    Returns:
        An array of the batch shape (the last axis reduced).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> y_pred = np.array([[0.6, 0.4], [0.3, -0.2]])
        >>> np.asarray(keras.losses.squared_hinge(y_true, y_pred), float).round(4)
        array([1.46 , 0.565])
    """
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    y_true = _to_signed_labels(y_true)
    return jnp.mean(jnp.square(jnp.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """`max(max_neg - pos + 1, 0)`: best wrong-class score against the true-class score.

    Args:
        y_true: one-hot targets.
        y_pred: the predicted class scores.

    Returns:
        An array of the batch shape.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> y_pred = np.array([[0.6, 0.4], [0.3, -0.2]])
        >>> np.asarray(keras.losses.categorical_hinge(y_true, y_pred), float).round(4)
        array([1.2, 0.7])
    """
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    pos = jnp.sum(y_true * y_pred, axis=-1)
    neg = jnp.max((1.0 - y_true) * y_pred, axis=-1)
    return jnp.maximum(neg - pos + 1.0, 0.0)


def _log_probs(y_pred, from_logits: bool, axis: int):
    if from_logits:
        return jax.nn.log_softmax(y_pred, axis=axis)
    probs = y_pred / jnp.sum(y_pred, axis=axis, keepdims=True)
    return jnp.log(jnp.clip(probs, epsilon(), 1.0 - epsilon()))


def categorical_crossentropy(
    y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
):
    """Cross-entropy between one-hot (or soft) labels and predicted class distributions.

    Without logits, predictions are renormalized to sum to 1 along `axis` and clipped.
    `label_smoothing` mixes the labels with the uniform distribution.

    Args:
        y_true: one-hot (or soft) labels.
        y_pred: predicted probabilities (or logits with `from_logits=True`), same shape.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; mixes the labels with the uniform distribution.
        axis: the class axis.

    Returns:
        An array of the batch shape (the class axis reduced).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        >>> y_pred = np.array([[0.05, 0.9, 0.05], [0.1, 0.8, 0.1]])
        >>> np.asarray(keras.losses.categorical_crossentropy(y_true, y_pred), float).round(4)
        array([0.1054, 2.3026])
    """
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be an int, received axis={axis!r}.")
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "categorical_crossentropy: `y_true` and `y_pred` must have the same shape, received "
            f"{y_true.shape} and {y_pred.shape}. For integer labels use "
            "sparse_categorical_crossentropy."
        )
    if label_smoothing:
        num_classes = y_true.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    if from_logits:
        return optax.softmax_cross_entropy(y_pred, y_true, axis=axis)
    return -jnp.sum(y_true * _log_probs(y_pred, False, axis), axis=axis)


def sparse_categorical_crossentropy(
    y_true, y_pred, from_logits: bool = False, ignore_class: int | None = None, axis: int = -1
):
    """Cross-entropy between integer labels and predicted class distributions.

    Entries whose label equals `ignore_class` get a loss of 0 (the `SparseCategoricalCrossentropy`
    class also excludes them from the average).

    Args:
        y_true: integer labels, of `y_pred`'s shape without the class axis (or with a class
            axis of size 1).
        y_pred: predicted probabilities (or logits with `from_logits=True`).
        from_logits: whether `y_pred` holds logits.
        ignore_class: an optional label value whose entries get a loss of 0.
        axis: the class axis of `y_pred`.

    Returns:
        An array of the shape of the labels.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_pred = np.array([[0.05, 0.9, 0.05], [0.1, 0.8, 0.1]])
        >>> loss = keras.losses.sparse_categorical_crossentropy(np.array([1, 2]), y_pred)
        >>> np.asarray(loss, float).round(4)
        array([0.1054, 2.3026])
    """
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype("float32")
    y_true = jnp.asarray(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
        y_true = jnp.squeeze(y_true, axis=axis)
    valid = None
    if ignore_class is not None:
        valid = y_true != ignore_class
        y_true = jnp.where(valid, y_true, 0)
    labels = y_true.astype("int32")
    class_axis = axis % y_pred.ndim
    if labels.shape != y_pred.shape[:class_axis] + y_pred.shape[class_axis + 1 :]:
        raise ValueError(
            "sparse_categorical_crossentropy: `y_true` must have the shape of `y_pred` without "
            f"its class axis, received y_true.shape={labels.shape}, y_pred.shape={y_pred.shape}."
        )
    log_probs = _log_probs(y_pred, from_logits, axis)
    picked = jnp.take_along_axis(log_probs, jnp.expand_dims(labels, class_axis), axis=class_axis)
    loss = -jnp.squeeze(picked, class_axis)
    if valid is not None:
        loss = jnp.where(valid, loss, 0.0)
    return loss


def binary_crossentropy(
    y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
):
    """Binary cross-entropy averaged over `axis`.

    `label_smoothing` squeezes the labels towards 0.5. Without logits, predictions are clipped
    to `[epsilon, 1 - epsilon]`.

    Args:
        y_true: 0/1 (or soft) targets.
        y_pred: predicted probabilities (or logits with `from_logits=True`), same shape.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; pulls the labels toward 0.5.
        axis: the axis the mean is taken over.

    Returns:
        An array of the batch shape (`axis` reduced).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.1, 0.8], [0.6, 0.9]])
        >>> np.asarray(keras.losses.binary_crossentropy(y_true, y_pred), float).round(4)
        array([0.1643, 0.3081])
    """
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return jnp.mean(_elementwise_bce(y_true, y_pred, from_logits), axis=axis)


def _elementwise_bce(y_true, y_pred, from_logits: bool):
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "binary_crossentropy: `y_true` and `y_pred` must have the same shape, received "
            f"{y_true.shape} and {y_pred.shape}."
        )
    if from_logits:
        return optax.sigmoid_binary_cross_entropy(y_pred, y_true)
    p = jnp.clip(y_pred, epsilon(), 1.0 - epsilon())
    return -(y_true * jnp.log(p) + (1.0 - y_true) * jnp.log(1.0 - p))


def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
):
    """Binary cross-entropy scaled by the focal factor `(1 - p_t) ** gamma`, mean over `axis`.

    With `apply_class_balancing`, positives weigh `alpha` and negatives `1 - alpha`.

    Args:
        y_true: 0/1 (or soft) targets.
        y_pred: predicted probabilities (or logits with `from_logits=True`), same shape.
        apply_class_balancing: weigh positives by `alpha` and negatives by `1 - alpha`.
        alpha: the class-balancing weight of the positives.
        gamma: the focusing exponent.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; pulls the labels toward 0.5.
        axis: the axis the mean is taken over.

    Returns:
        An array of the batch shape (`axis` reduced).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.1, 0.8], [0.6, 0.9]])
        >>> np.asarray(keras.losses.binary_focal_crossentropy(y_true, y_pred), float).round(4)
        array([0.005 , 0.0414])
    """
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = jax.nn.sigmoid(y_pred)
    bce = _elementwise_bce(y_true, y_pred, False)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal = jnp.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return jnp.mean(focal, axis=axis)


def categorical_focal_crossentropy(
    y_true,
    y_pred,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
):
    """Categorical cross-entropy scaled by `alpha * (1 - p) ** gamma` per class.

    Args:
        y_true: one-hot (or soft) labels.
        y_pred: predicted probabilities (or logits with `from_logits=True`), same shape.
        alpha: a weight on every class term.
        gamma: the focusing exponent.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; mixes the labels with the uniform distribution.
        axis: the class axis.

    Returns:
        An array of the batch shape (the class axis reduced).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        >>> y_pred = np.array([[0.05, 0.9, 0.05], [0.1, 0.8, 0.1]])
        >>> np.asarray(keras.losses.categorical_focal_crossentropy(y_true, y_pred), float).round(4)
        array([3.000e-04, 4.663e-01])
    """
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = jax.nn.softmax(y_pred, axis=axis)
    output = y_pred / jnp.sum(y_pred, axis=axis, keepdims=True)
    output = jnp.clip(output, epsilon(), 1.0 - epsilon())
    cce = -y_true * jnp.log(output)
    return jnp.sum(alpha * jnp.power(1.0 - output, gamma) * cce, axis=axis)
