"""Overlap losses for segmentation: Dice and Tversky (functions and classes)."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.config import epsilon
from lamina.losses.loss import Loss
from lamina.losses.losses import LossFunctionWrapper

_SUM = "sum_over_batch_size"


def _axis(axis):
    # A config read back from JSON holds a list where the user passed a tuple.
    return tuple(axis) if isinstance(axis, list) else axis


def _pair(y_true, y_pred):
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype("float32")
    return jnp.asarray(y_true).astype(y_pred.dtype), y_pred


def dice(y_true, y_pred, axis=None):
    """`1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))`, summed over `axis`.

    With the default `axis=None` the sums run over every entry, giving one scalar for the batch.

    Args:
        y_true: the targets.
        y_pred: the predictions, of the same shape.
        axis: the axes the sums run over (None: all of them).

    Returns:
        A scalar (`axis=None`) or an array of the remaining axes.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[1.0, 1.0, 0.0, 0.0]])
        >>> y_pred = np.array([[0.9, 0.6, 0.2, 0.0]])
        >>> round(float(keras.losses.dice(y_true, y_pred)), 4)
        0.1892
    """
    y_true, y_pred = _pair(y_true, y_pred)
    axis = _axis(axis)
    overlap = jnp.sum(y_true * y_pred, axis=axis)
    total = jnp.sum(y_true, axis=axis) + jnp.sum(y_pred, axis=axis)
    return 1 - 2.0 * overlap / (total + epsilon())


def tversky(y_true, y_pred, alpha: float = 0.5, beta: float = 0.5, axis=None):
    """`1 - tp / (tp + alpha * a + beta * b)` summed over `axis` (default: every entry).

    Following Keras, `a = sum((1 - y_pred) * y_true)` and `b = sum(y_pred * (1 - y_true))`, so
    `alpha` weighs missed positives and `beta` false alarms.

    Args:
        y_true: the targets.
        y_pred: the predictions, of the same shape.
        alpha: the weight of the missed positives.
        beta: the weight of the false alarms.
        axis: the axes the sums run over (None: all of them).

    Returns:
        A scalar (`axis=None`) or an array of the remaining axes.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[1.0, 1.0, 0.0, 0.0]])
        >>> y_pred = np.array([[0.9, 0.6, 0.2, 0.0]])
        >>> round(float(keras.losses.tversky(y_true, y_pred, alpha=0.7, beta=0.3)), 4)
        0.2147
    """
    y_true, y_pred = _pair(y_true, y_pred)
    axis = _axis(axis)
    tp = jnp.sum(y_true * y_pred, axis=axis)
    a = jnp.sum((1 - y_pred) * y_true, axis=axis)
    b = jnp.sum(y_pred * (1 - y_true), axis=axis)
    return 1 - tp / (tp + a * alpha + b * beta + epsilon())


class Dice(LossFunctionWrapper):
    """Dice loss (see `dice`); `axis` selects the axes summed over (None: all).

    Args:
        axis: the axes the sums run over (None: all of them).
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[1.0, 1.0, 0.0, 0.0]])
        >>> y_pred = np.array([[0.9, 0.6, 0.2, 0.0]])
        >>> round(float(keras.losses.Dice()(y_true, y_pred)), 4)
        0.1892
    """

    def __init__(self, reduction=_SUM, name: str = "dice", axis=None, dtype=None):
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self) -> dict:
        return {**Loss.get_config(self), "axis": self.axis}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class Tversky(LossFunctionWrapper):
    """Tversky loss (see `tversky`); `alpha = beta = 0.5` gives the Dice loss.

    Args:
        alpha: the weight of the missed positives.
        beta: the weight of the false alarms.
        axis: the axes the sums run over (None: all of them).
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[1.0, 1.0, 0.0, 0.0]])
        >>> y_pred = np.array([[0.9, 0.6, 0.2, 0.0]])
        >>> round(float(keras.losses.Tversky(alpha=0.7, beta=0.3)(y_true, y_pred)), 4)
        0.2147
    """

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        reduction=_SUM,
        name: str = "tversky",
        axis=None,
        dtype=None,
    ):
        super().__init__(
            tversky, reduction=reduction, name=name, dtype=dtype, alpha=alpha, beta=beta, axis=axis
        )
        self.alpha = alpha
        self.beta = beta
        self.axis = axis

    def get_config(self) -> dict:
        config = {"alpha": self.alpha, "beta": self.beta, "axis": self.axis}
        return {**Loss.get_config(self), **config}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)
