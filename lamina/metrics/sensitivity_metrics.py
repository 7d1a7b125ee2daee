"""Metrics that read one rate off the curve where another rate reaches a target:
`SensitivityAtSpecificity`, `SpecificityAtSensitivity`, `PrecisionAtRecall`,
`RecallAtPrecision`."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.losses.loss import divide_no_nan
from lamina.metrics.confusion import confusion_counts
from lamina.metrics.metric import Metric


class _RateAtRateBase(Metric):
    """Counts at `num_thresholds` thresholds (0, evenly spaced, 1; or 0.5 alone when 1) and
    returns the best `dependent` rate over the thresholds where `constrained >= value`."""

    _value_name = "value"

    def __init__(
        self,
        value: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype=None,
    ):
        if not 0 <= value <= 1:
            raise ValueError(
                f"{type(self).__name__}: `{self._value_name}` must be in [0, 1], received {value}."
            )
        if num_thresholds <= 0:
            raise ValueError(
                f"{type(self).__name__}: `num_thresholds` must be an integer > 0, received "
                f"{num_thresholds}."
            )
        super().__init__(name=name, dtype=dtype)
        setattr(self, self._value_name, value)
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._evenly = False
        else:
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
            self._evenly = True
        shape = (len(self.thresholds),)
        self.true_positives = self.add_variable(shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(shape, "zeros", name="false_positives")
        self.true_negatives = self.add_variable(shape, "zeros", name="true_negatives")
        self.false_negatives = self.add_variable(shape, "zeros", name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(
            y_true,
            y_pred,
            self.thresholds,
            sample_weight,
            class_id=self.class_id,
            evenly=self._evenly,
            dtype=self.dtype,
        )
        for key, variable in (
            ("tp", self.true_positives),
            ("fp", self.false_positives),
            ("tn", self.true_negatives),
            ("fn", self.false_negatives),
        ):
            variable.assign(variable.value + counts[key])

    def _rates(self) -> dict:
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        return {
            "recall": divide_no_nan(tp, tp + fn),
            "specificity": divide_no_nan(tn, tn + fp),
            "precision": divide_no_nan(tp, tp + fp),
        }

    def _best(self, constrained, dependent):
        feasible = constrained >= self.value
        return jnp.max(jnp.where(feasible, dependent, 0.0), initial=0.0)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "class_id": self.class_id,
            "num_thresholds": self.num_thresholds,
            self._value_name: self.value,
        }


class SensitivityAtSpecificity(_RateAtRateBase):
    """Best sensitivity (recall) among the thresholds whose specificity is >= `specificity`.

    Args:
        specificity: the required specificity, in [0, 1].
        num_thresholds: how many thresholds to evaluate (0 and 1 included).
        class_id: when set, only the column `class_id` of the last axis is counted.
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.SensitivityAtSpecificity(specificity=0.5, num_thresholds=5)
        >>> m.update_state(np.array([0, 0, 0, 1, 1]), np.array([0.0, 0.3, 0.8, 0.3, 0.8]))
        >>> round(float(m.result()), 4)
        0.5
    """

    _value_name = "specificity"

    def __init__(
        self,
        specificity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype=None,
    ):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self):
        rates = self._rates()
        return self._best(rates["specificity"], rates["recall"])


class SpecificityAtSensitivity(_RateAtRateBase):
    """Best specificity among the thresholds whose sensitivity is >= `sensitivity`.

    Args:
        sensitivity: the required sensitivity (recall), in [0, 1].
        num_thresholds: how many thresholds to evaluate (0 and 1 included).
        class_id: when set, only the column `class_id` of the last axis is counted.
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.SpecificityAtSensitivity(sensitivity=0.5, num_thresholds=5)
        >>> m.update_state(np.array([0, 0, 0, 1, 1]), np.array([0.0, 0.3, 0.8, 0.3, 0.8]))
        >>> round(float(m.result()), 4)
        0.6667
    """

    _value_name = "sensitivity"

    def __init__(
        self,
        sensitivity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype=None,
    ):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self):
        rates = self._rates()
        return self._best(rates["recall"], rates["specificity"])


class PrecisionAtRecall(_RateAtRateBase):
    """Best precision among the thresholds whose recall is >= `recall`.

    Args:
        recall: the required recall, in [0, 1].
        num_thresholds: how many thresholds to evaluate (0 and 1 included).
        class_id: when set, only the column `class_id` of the last axis is counted.
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.PrecisionAtRecall(recall=0.5, num_thresholds=5)
        >>> m.update_state(np.array([0, 0, 0, 1, 1]), np.array([0.0, 0.3, 0.8, 0.3, 0.8]))
        >>> round(float(m.result()), 4)
        0.5
    """

    _value_name = "recall"

    def __init__(
        self,
        recall: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype=None,
    ):
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self):
        rates = self._rates()
        return self._best(rates["recall"], rates["precision"])


class RecallAtPrecision(_RateAtRateBase):
    """Best recall among the thresholds whose precision is >= `precision`.

    Args:
        precision: the required precision, in [0, 1].
        num_thresholds: how many thresholds to evaluate (0 and 1 included).
        class_id: when set, only the column `class_id` of the last axis is counted.
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.RecallAtPrecision(precision=0.5, num_thresholds=5)
        >>> m.update_state(np.array([0, 0, 0, 1, 1]), np.array([0.0, 0.3, 0.8, 0.3, 0.8]))
        >>> round(float(m.result()), 4)
        1.0
    """

    _value_name = "precision"

    def __init__(
        self,
        precision: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype=None,
    ):
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self):
        rates = self._rates()
        return self._best(rates["precision"], rates["recall"])
