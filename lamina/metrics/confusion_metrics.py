"""Threshold-based classification metrics: counts, `Precision`, `Recall` and `AUC`."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core.config import epsilon
from lamina.losses.loss import divide_no_nan
from lamina.metrics.confusion import auc_from_counts, confusion_counts, evenly_spaced
from lamina.metrics.metric import Metric


def _parse_thresholds(thresholds, default: float) -> list[float]:
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]
    for t in values:
        if t is None or not 0 <= t <= 1:
            raise ValueError(f"Thresholds must be in [0, 1], received thresholds={thresholds!r}.")
    return [float(t) for t in values]


class _ThresholdMetric(Metric):
    """Shared state handling: one accumulator per counted condition and per threshold."""

    _counts: tuple[str, ...] = ()
    _var_names = {
        "tp": "true_positives",
        "fp": "false_positives",
        "tn": "true_negatives",
        "fn": "false_negatives",
    }

    def _setup(self, thresholds, default, top_k=None, class_id=None):
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _parse_thresholds(thresholds, default)
        self._evenly = evenly_spaced(self.thresholds)
        self._accumulators = {
            key: self.add_variable((len(self.thresholds),), "zeros", name=self._var_names[key])
            for key in self._counts
        }

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(
            y_true,
            y_pred,
            self.thresholds,
            sample_weight,
            top_k=self.top_k,
            class_id=self.class_id,
            evenly=self._evenly,
            dtype=self.dtype,
        )
        for key, variable in self._accumulators.items():
            variable.assign(variable.value + counts[key])

    def _scalar_or_vector(self, value):
        return value[0] if len(self.thresholds) == 1 else value


class _ConfusionCount(_ThresholdMetric):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._setup(thresholds, 0.5)

    def result(self):
        return self._scalar_or_vector(next(iter(self._accumulators.values())).value)

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionCount):
    """Weighted count of true positives (at each threshold).

    Args:
        thresholds: a float or a list of floats in [0, 1]; a prediction above a threshold counts
            as positive. Default 0.5. With a list the result has one value per threshold.
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.TruePositives()
        >>> m.update_state(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.3, 0.1]))
        >>> float(m.result())
        1.0
    """

    _counts = ("tp",)
    _var_names = {**_ThresholdMetric._var_names, "tp": "accumulator"}


class FalsePositives(_ConfusionCount):
    """Weighted count of false positives (at each threshold).

    Args:
        thresholds: a float or a list of floats in [0, 1]; a prediction above a threshold counts
            as positive. Default 0.5. With a list the result has one value per threshold.
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.FalsePositives()
        >>> m.update_state(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.3, 0.1]))
        >>> float(m.result())
        1.0
    """

    _counts = ("fp",)
    _var_names = {**_ThresholdMetric._var_names, "fp": "accumulator"}


class TrueNegatives(_ConfusionCount):
    """Weighted count of true negatives (at each threshold).

    Args:
        thresholds: a float or a list of floats in [0, 1]; a prediction above a threshold counts
            as positive. Default 0.5. With a list the result has one value per threshold.
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.TrueNegatives()
        >>> m.update_state(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.3, 0.1]))
        >>> float(m.result())
        1.0
    """

    _counts = ("tn",)
    _var_names = {**_ThresholdMetric._var_names, "tn": "accumulator"}


class FalseNegatives(_ConfusionCount):
    """Weighted count of false negatives (at each threshold).

    Args:
        thresholds: a float or a list of floats in [0, 1]; a prediction above a threshold counts
            as positive. Default 0.5. With a list the result has one value per threshold.
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.FalseNegatives()
        >>> m.update_state(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.3, 0.1]))
        >>> float(m.result())
        1.0
    """

    _counts = ("fn",)
    _var_names = {**_ThresholdMetric._var_names, "fn": "accumulator"}


class Precision(_ThresholdMetric):
    """`tp / (tp + fp)`, at `thresholds` (default 0.5), optionally restricted to the `top_k`
    predictions or to class `class_id`.

    Args:
        thresholds: a float or a list of floats in [0, 1]; a prediction above a threshold counts
            as positive. Default 0.5. With a list the result has one value per threshold.
        top_k: when set, only the `top_k` highest predictions of each sample can be positive.
        class_id: when set, only the column `class_id` of the last axis is counted.
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.Precision()
        >>> m.update_state(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.3, 0.1]))
        >>> float(m.result())
        0.5
        >>> m = keras.metrics.Precision(thresholds=[0.2, 0.5])
        >>> m.update_state(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.3, 0.1]))
        >>> np.asarray(m.result(), float).round(4)
        array([0.6667, 0.5   ])
    """

    _counts = ("tp", "fp")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._setup(thresholds, 0.5 if top_k is None else -1e10, top_k, class_id)

    def result(self):
        tp, fp = (self._accumulators[k].value for k in ("tp", "fp"))
        return self._scalar_or_vector(divide_no_nan(tp, tp + fp))

    def get_config(self) -> dict:
        config = {"thresholds": self.init_thresholds, "top_k": self.top_k}
        return {**super().get_config(), **config, "class_id": self.class_id}


class Recall(Precision):
    """`tp / (tp + fn)`, with the same options as `Precision`.

    Args:
        thresholds: a float or a list of floats in [0, 1]; a prediction above a threshold counts
            as positive. Default 0.5. With a list the result has one value per threshold.
        top_k: when set, only the `top_k` highest predictions of each sample can be positive.
        class_id: when set, only the column `class_id` of the last axis is counted.
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.Recall()
        >>> m.update_state(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.3, 0.1]))
        >>> float(m.result())
        0.5
    """

    _counts = ("tp", "fn")

    def result(self):
        tp, fn = (self._accumulators[k].value for k in ("tp", "fn"))
        return self._scalar_or_vector(divide_no_nan(tp, tp + fn))


class AUC(Metric):
    """Approximate area under the ROC (default), PR or PR-gain curve.

    Counts are accumulated at `num_thresholds` evenly spaced thresholds (or the given
    `thresholds`, to which 0 - eps and 1 + eps are added). With `multi_label=True`, inputs of
    shape `(batch, labels)` get one curve per label and the result is their mean (weighted by
    `label_weights` when given); otherwise every entry is one decision and `label_weights` weigh
    the entries of each label. Without `num_labels`, a multi-label AUC creates its variables on
    the first `update_state` (or `build`). `from_logits=True` applies a sigmoid first.

    Unlike Keras (which stores an array), `get_config()["label_weights"]` is a list.

    Args:
        num_thresholds: how many evenly spaced thresholds discretize the curve (> 1).
        curve: "ROC", "PR" (precision-recall) or "PRGAIN".
        summation_method: "interpolation" (trapezoids; for PR, Davis & Goadrich's interpolation),
            "minoring" (left sums) or "majoring" (right sums).
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).
        thresholds: optional explicit thresholds, replacing `num_thresholds`.
        multi_label: whether the last axis holds independent labels (one curve each).
        num_labels: the number of labels, to create the variables up front (with `multi_label`).
        label_weights: optional non-negative weights, one per label.
        from_logits: whether the predictions are logits.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.AUC(num_thresholds=3)
        >>> m.update_state(np.array([0, 0, 1, 1]), np.array([0.0, 0.5, 0.3, 0.9]))
        >>> round(float(m.result()), 4)
        0.75
    """

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        dtype=None,
        thresholds=None,
        multi_label: bool = False,
        num_labels: int | None = None,
        label_weights=None,
        from_logits: bool = False,
    ):
        curve = getattr(curve, "value", curve)
        summation_method = getattr(summation_method, "value", summation_method)
        curves = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
        if str(curve).lower() not in curves:
            raise ValueError(f"Invalid AUC curve {curve!r}: expected 'ROC', 'PR' or 'PRGAIN'.")
        methods = ("interpolation", "majoring", "minoring")
        if str(summation_method).lower() not in methods:
            raise ValueError(
                f"Invalid AUC summation_method {summation_method!r}: expected one of {methods}."
            )
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self.num_thresholds = len(inner) + 2
            self._evenly = evenly_spaced([0.0] + inner + [1.0])
        else:
            if num_thresholds <= 1:
                raise ValueError(f"AUC: num_thresholds must be > 1, received {num_thresholds}.")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        self._thresholds = [0.0 - epsilon()] + inner + [1.0 + epsilon()]
        self.curve = curves[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = (
            None if label_weights is None else jnp.asarray(label_weights, self.dtype)
        )
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self.build(None, (None, num_labels))
        else:
            if num_labels:
                raise ValueError("AUC: `num_labels` is needed only when `multi_label` is True.")
            self.build(None, None)

    @property
    def thresholds(self) -> list[float]:
        return list(self._thresholds)

    def build(self, y_true_shape, y_pred_shape) -> None:
        """Creates the count variables: `(num_thresholds,)`, or per label with `multi_label`."""
        if self._built:
            return
        shape: tuple[int, ...] = (self.num_thresholds,)
        if self.multi_label:
            if y_pred_shape is None or len(y_pred_shape) != 2:
                raise ValueError(
                    f"AUC '{self.name}': with multi_label=True, y_pred must have rank 2 "
                    f"(batch, labels), received shape {y_pred_shape}."
                )
            self._num_labels = int(y_pred_shape[1])
            shape = (self.num_thresholds, self._num_labels)
        self.true_positives = self.add_variable(shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(shape, "zeros", name="false_positives")
        self.true_negatives = self.add_variable(shape, "zeros", name="true_negatives")
        self.false_negatives = self.add_variable(shape, "zeros", name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = jnp.asarray(y_pred)
        if not self._built:
            self.build(jnp.shape(y_true), y_pred.shape)
        if self._from_logits:
            y_pred = jax.nn.sigmoid(y_pred)
        counts = confusion_counts(
            y_true,
            y_pred,
            self._thresholds,
            sample_weight,
            evenly=self._evenly,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            dtype=self.dtype,
        )
        for key, variable in (
            ("tp", self.true_positives),
            ("fp", self.false_positives),
            ("tn", self.true_negatives),
            ("fn", self.false_negatives),
        ):
            variable.assign(variable.value + counts[key])

    def result(self):
        if not self._built:
            return jnp.zeros((), self.dtype)
        area = auc_from_counts(
            self.true_positives.value,
            self.false_positives.value,
            self.true_negatives.value,
            self.false_negatives.value,
            self.curve,
            self.summation_method,
        )
        if not self.multi_label:
            return area
        if self.label_weights is None:
            return jnp.mean(area)
        return divide_no_nan(jnp.sum(area * self.label_weights), jnp.sum(self.label_weights))

    def get_config(self) -> dict:
        label_weights = self.label_weights
        if label_weights is not None:
            label_weights = [float(w) for w in np.asarray(label_weights)]
        config = {
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": label_weights,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return {**super().get_config(), **config}
