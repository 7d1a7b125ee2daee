"""Metric functions: pure `jnp` maths returning a 0/1 (float) value per sample."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.config import floatx
from lamina.losses.loss import squeeze_or_expand_to_same_rank


def _float(x):
    x = jnp.asarray(x)
    return x if jnp.issubdtype(x.dtype, jnp.floating) else x.astype("float32")


def accuracy(y_true, y_pred):
    """1.0 where `y_true == y_pred` exactly, else 0.0.

    Args:
        y_true: the labels.
        y_pred: the predictions, compared exactly.

    Returns:
        A float array, 1.0 where equal.

    Example:
        >>> import lamina as keras
        >>> keras.metrics.accuracy([[1], [2], [3]], [[1], [0], [3]]).tolist()
        [[1.0], [0.0], [1.0]]
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true).astype(y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return (y_true == y_pred).astype(floatx())


def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    """1.0 where `(y_pred > threshold)` equals the label, else 0.0.

    Args:
        y_true: 0/1 labels.
        y_pred: predicted probabilities (or scores).
        threshold: predictions above it count as 1.

    Returns:
        A float array of the shape of `y_true`, 1.0 where they agree.

    Example:
        >>> import lamina as keras
        >>> keras.metrics.binary_accuracy([[1.0], [0.0]], [[0.7], [0.6]]).tolist()
        [[1.0], [0.0]]
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    predicted = (y_pred > threshold).astype(y_true.dtype)
    return (y_true == predicted).astype(floatx())


def categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of `y_pred` equals the argmax of the one-hot `y_true`.

    Args:
        y_true: one-hot labels `(batch, classes)`.
        y_pred: class scores of the same shape.

    Returns:
        A float array of shape `(batch,)`.

    Example:
        >>> import lamina as keras
        >>> keras.metrics.categorical_accuracy([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]]).tolist()
        [1.0, 0.0]
    """
    y_pred = _float(y_pred)
    labels = jnp.argmax(jnp.asarray(y_true), axis=-1).astype(y_pred.dtype)
    original_shape = labels.shape
    reshape = labels.ndim == y_pred.ndim
    if reshape:
        labels = jnp.squeeze(labels, -1)
    predicted = jnp.argmax(y_pred, axis=-1).astype(labels.dtype)
    matches = (labels == predicted).astype(floatx())
    return matches.reshape(original_shape) if reshape else matches


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of `y_pred` equals the integer label `y_true`.

    Args:
        y_true: integer labels `(batch,)` (or `(batch, 1)`).
        y_pred: class scores `(batch, classes)`.

    Returns:
        A float array of shape `(batch,)`.

    Example:
        >>> import lamina as keras
        >>> keras.metrics.sparse_categorical_accuracy([1, 0], [[0.2, 0.8], [0.3, 0.7]]).tolist()
        [1.0, 0.0]
    """
    y_pred = _float(y_pred)
    labels = jnp.asarray(y_true).astype(y_pred.dtype)
    original_shape = labels.shape
    reshape = labels.ndim == y_pred.ndim and labels.shape[-1] == 1
    if reshape:
        labels = jnp.squeeze(labels, -1)
    predicted = jnp.argmax(y_pred, axis=-1).astype(labels.dtype)
    matches = (labels == predicted).astype(floatx())
    if reshape:
        matches = matches.reshape(original_shape)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = jnp.squeeze(matches, -1)
    return matches


def in_top_k(targets, predictions, k: int):
    """Whether each target's score ranks within the `k` largest (ties count in its favour).

    Args:
        targets: integer class ids `(batch,)`.
        predictions: scores `(batch, classes)`.
        k: how many top scores to accept.

    Returns:
        A boolean array of shape `(batch,)`.

    Example:
        >>> import jax.numpy as jnp
        >>> from lamina.metrics.functions import in_top_k
        >>> in_top_k(jnp.array([2, 0]), jnp.array([[0.1, 0.5, 0.4], [0.1, 0.5, 0.4]]), k=2).tolist()
        [True, False]
    """
    at_label = jnp.take_along_axis(predictions, targets[..., None], axis=-1)
    at_label = jnp.where(jnp.isnan(at_label), -jnp.inf, at_label)
    rank = 1 + jnp.sum(predictions > at_label, axis=-1)
    return rank <= k


def _top_k_matches(labels, y_pred, k):
    original_shape = labels.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    flat = labels.reshape(-1) if labels.ndim > 1 else labels
    matches = in_top_k(flat.astype("int32"), y_pred, k).astype(floatx())
    return matches.reshape(original_shape) if labels.ndim > 1 else matches


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    """1.0 where the one-hot label's class is among the `k` highest predictions.

    Args:
        y_true: one-hot labels `(batch, classes)`.
        y_pred: class scores of the same shape.
        k: how many top predictions to look in.

    Returns:
        A float array of shape `(batch,)`.

    Example:
        >>> import lamina as keras
        >>> y_pred = [[0.1, 0.5, 0.4], [0.1, 0.5, 0.4]]
        >>> keras.metrics.top_k_categorical_accuracy([[0, 0, 1], [1, 0, 0]], y_pred, k=2).tolist()
        [1.0, 0.0]
    """
    y_pred = _float(y_pred)
    labels = jnp.argmax(jnp.asarray(y_true), axis=-1)
    return _top_k_matches(labels, y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5, from_sorted_ids: bool = False):
    """1.0 where the integer label is among the `k` highest predictions.

    With `from_sorted_ids`, `y_pred` already holds class ids sorted by score.

    Args:
        y_true: integer labels `(batch,)`.
        y_pred: class scores `(batch, classes)`, or sorted class ids with `from_sorted_ids`.
        k: how many top predictions to look in.
        from_sorted_ids: whether `y_pred` holds class ids sorted by score.

    Returns:
        A float array of shape `(batch,)`.

    Example:
        >>> import lamina as keras
        >>> y_pred = [[0.1, 0.5, 0.4], [0.1, 0.5, 0.4]]
        >>> keras.metrics.sparse_top_k_categorical_accuracy([2, 0], y_pred, k=2).tolist()
        [1.0, 0.0]
    """
    y_pred = jnp.asarray(y_pred)
    if not from_sorted_ids:
        return _top_k_matches(jnp.asarray(y_true).astype("int32"), _float(y_pred), k)
    labels = jnp.asarray(y_true).astype(y_pred.dtype)
    original_shape = labels.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    flat = labels.reshape(-1) if labels.ndim > 1 else labels
    matches = jnp.any(flat[:, None] == y_pred[:, :k], axis=1).astype(floatx())
    return matches.reshape(original_shape) if labels.ndim > 1 else matches
