"""Connectionist temporal classification loss (`CTC`), computed with `optax.ctc_loss`."""

from __future__ import annotations

import jax.numpy as jnp
import optax

from lamina.losses.loss import Loss
from lamina.losses.losses import LossFunctionWrapper


def ctc(y_true, y_pred):
    """Per-sequence CTC loss.

    Args:
        y_true: integer labels `(batch, max_label_length)`; class 0 is the blank and pads the
            labels (a label's length is its number of nonzero entries, taken from the start).
        y_pred: logits `(batch, time, num_classes)`; every time step is used.

    Returns:
        The negative log-likelihood of each label sequence, shape `(batch,)`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> logits = np.zeros((1, 4, 3))  # uniform over {blank, 1, 2} at 4 steps
        >>> np.asarray(keras.losses.ctc(np.array([[1, 2]]), logits), float).round(4)
        array([1.6864])
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true)
    if y_true.ndim != 2:
        raise ValueError(
            "ctc: `y_true` must be integer labels of shape (batch_size, max_length), received "
            f"shape {y_true.shape}."
        )
    if y_pred.ndim != 3:
        raise ValueError(
            "ctc: `y_pred` must be logits of shape (batch_size, max_length, num_classes), "
            f"received shape {y_pred.shape}."
        )
    if not jnp.issubdtype(y_pred.dtype, jnp.floating) or y_pred.dtype == jnp.float16:
        y_pred = y_pred.astype("float32")
    labels = y_true.astype("int32")
    lengths = jnp.sum(labels != 0, axis=-1)
    label_paddings = (jnp.arange(labels.shape[1])[None, :] >= lengths[:, None]).astype(y_pred.dtype)
    logit_paddings = jnp.zeros(y_pred.shape[:2], y_pred.dtype)
    return optax.ctc_loss(
        y_pred, logit_paddings, labels, label_paddings, blank_id=0, log_epsilon=-1e5
    )


class CTC(LossFunctionWrapper):
    """CTC loss between integer label sequences and per-step logits (see `ctc`).

    Args:
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> logits = np.zeros((2, 4, 3))
        >>> labels = np.array([[1, 2], [1, 0]])  # the second label is `[1]`, padded with 0
        >>> round(float(keras.losses.CTC()(labels, logits)), 4)
        1.8891
    """

    def __init__(self, reduction="sum_over_batch_size", name: str = "ctc", dtype=None):
        super().__init__(ctc, reduction=reduction, name=name, dtype=dtype)

    def get_config(self) -> dict:
        return Loss.get_config(self)

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)
