"""`FBetaScore` and `F1Score`: the weighted harmonic mean of precision and recall per class."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.config import epsilon
from lamina.metrics.metric import Metric

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """F-beta score of multi-class or multi-label predictions of shape `(batch, classes)`.

    Predictions count as positive above `threshold`, or, when `threshold` is None, where they
    equal the row's maximum (one class per sample). `average`: None (one score per class),
    "micro" (global counts), "macro" (mean of class scores) or "weighted" (class scores weighted
    by the number of true instances). Variables are created on the first `update_state` (or by
    `build`), from the number of classes.

    Args:
        average: None, "micro", "macro" or "weighted" (see above).
        beta: the weight of recall relative to precision (> 0).
        threshold: predictions above it are positive; None marks each row's maximum instead.
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.FBetaScore(beta=2.0)
        >>> y_true = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 0]])
        >>> y_pred = np.array([[0.8, 0.1, 0.1], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1]])
        >>> m.update_state(y_true, y_pred)
        >>> np.asarray(m.result(), float).round(4)
        array([0.8333, 0.5556, 0.    ])
    """

    def __init__(
        self,
        average: str | None = None,
        beta: float = 1.0,
        threshold: float | None = None,
        name: str = "fbeta_score",
        dtype=None,
    ):
        super().__init__(name=name, dtype=dtype)
        if average not in _AVERAGES:
            raise ValueError(
                f"FBetaScore: `average` must be one of {_AVERAGES}, received {average!r}."
            )
        if not isinstance(beta, float):
            raise ValueError(f"FBetaScore: `beta` must be a Python float, received {beta!r}.")
        if beta <= 0.0:
            raise ValueError(f"FBetaScore: `beta` must be > 0, received {beta}.")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(
                    f"FBetaScore: `threshold` must be a Python float, received {threshold!r}."
                )
            if not 0.0 < threshold <= 1.0:
                raise ValueError(
                    f"FBetaScore: `threshold` must satisfy 0 < threshold <= 1, received "
                    f"{threshold}."
                )
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def build(self, y_true_shape, y_pred_shape) -> None:
        """Creates the count variables for `y_pred_shape[-1]` classes."""
        if self._built:
            return
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2 or y_pred_shape[-1] is None:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects 2D inputs (batch, classes) with a "
                f"known number of classes, received y_true.shape={tuple(y_true_shape)} and "
                f"y_pred.shape={tuple(y_pred_shape)}."
            )
        shape = () if self.average == "micro" else (int(y_pred_shape[-1]),)
        self.true_positives = self.add_variable(shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(shape, "zeros", name="false_positives")
        self.false_negatives = self.add_variable(shape, "zeros", name="false_negatives")
        self.intermediate_weights = self.add_variable(shape, "zeros", name="intermediate_weights")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = jnp.asarray(y_true).astype(self.dtype)
        y_pred = jnp.asarray(y_pred).astype(self.dtype)
        if not self._built:
            self.build(y_true.shape, y_pred.shape)
        if self.threshold is None:
            top = jnp.max(y_pred, axis=-1, keepdims=True)
            positive = (y_pred >= top) & (jnp.abs(y_pred) > 1e-9)
        else:
            positive = y_pred > self.threshold
        y_pred = positive.astype(self.dtype)
        weight = None
        if sample_weight is not None:
            weight = jnp.expand_dims(jnp.asarray(sample_weight).astype(self.dtype), 1)

        def total(values):
            if weight is not None:
                values = values * weight
            return jnp.sum(values, axis=self.axis)

        self.true_positives.assign(self.true_positives.value + total(y_pred * y_true))
        self.false_positives.assign(self.false_positives.value + total(y_pred * (1 - y_true)))
        self.false_negatives.assign(self.false_negatives.value + total((1 - y_pred) * y_true))
        self.intermediate_weights.assign(self.intermediate_weights.value + total(y_true))

    def result(self):
        if not self._built:
            return jnp.zeros((), self.dtype)
        eps = epsilon()
        tp = self.true_positives.value
        precision = tp / (tp + self.false_positives.value + eps)
        recall = tp / (tp + self.false_negatives.value + eps)
        beta2 = self.beta**2
        score = precision * recall / (beta2 * precision + recall + eps) * (1 + beta2)
        if self.average == "weighted":
            counts = self.intermediate_weights.value
            return jnp.sum(score * counts / (jnp.sum(counts) + eps))
        if self.average is not None:
            return jnp.mean(score)
        return score

    def get_config(self) -> dict:
        config = {"average": self.average, "beta": self.beta, "threshold": self.threshold}
        return {**super().get_config(), **config}


class F1Score(FBetaScore):
    """`FBetaScore` with `beta=1`: the harmonic mean of precision and recall.

    Args:
        average: None, "micro", "macro" or "weighted" (see above).
        threshold: predictions above it are positive; None marks each row's maximum instead.
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.F1Score(average="macro")
        >>> y_true = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 0]])
        >>> y_pred = np.array([[0.8, 0.1, 0.1], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1]])
        >>> m.update_state(y_true, y_pred)
        >>> round(float(m.result()), 4)
        0.4444
    """

    def __init__(
        self,
        average: str | None = None,
        threshold: float | None = None,
        name: str = "f1_score",
        dtype=None,
    ):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = {k: v for k, v in config.items() if k != "beta"}
        return cls(**config)
