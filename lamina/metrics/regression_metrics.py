"""Regression metrics: running means of the matching loss functions."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.losses import functions as LF
from lamina.losses.loss import squeeze_or_expand_to_same_rank
from lamina.metrics.metric import Metric
from lamina.metrics.reduction_metrics import Mean, _FixedFnWrapper


class MeanSquaredError(_FixedFnWrapper):
    """Running mean of the mean squared error (`'mse'`).

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.MeanSquaredError()
        >>> m.update_state(np.array([[0.0, 1.0], [2.0, 2.0]]), np.array([[1.0, 1.0], [2.0, 4.0]]))
        >>> round(float(m.result()), 4)
        1.25
    """

    def __init__(self, name: str = "mean_squared_error", dtype=None):
        super().__init__(LF.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(_FixedFnWrapper):
    """Running mean of the mean absolute error (`'mae'`).

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.MeanAbsoluteError()
        >>> m.update_state(np.array([[0.0, 1.0], [2.0, 2.0]]), np.array([[1.0, 1.0], [2.0, 4.0]]))
        >>> round(float(m.result()), 4)
        0.75
    """

    def __init__(self, name: str = "mean_absolute_error", dtype=None):
        super().__init__(LF.mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(_FixedFnWrapper):
    """Running mean of the mean absolute percentage error (`'mape'`).

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.MeanAbsolutePercentageError()
        >>> m.update_state(np.array([[1.0, 2.0], [4.0, 4.0]]), np.array([[1.0, 1.0], [2.0, 4.0]]))
        >>> round(float(m.result()), 4)
        25.0
    """

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype=None):
        super().__init__(LF.mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_FixedFnWrapper):
    """Running mean of the mean squared logarithmic error (`'msle'`).

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.MeanSquaredLogarithmicError()
        >>> m.update_state(np.array([[0.0, 1.0], [2.0, 2.0]]), np.array([[1.0, 1.0], [2.0, 4.0]]))
        >>> round(float(m.result()), 4)
        0.1853
    """

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype=None):
        super().__init__(LF.mean_squared_logarithmic_error, name=name, dtype=dtype)


class LogCoshError(_FixedFnWrapper):
    """Running mean of `log(cosh(error))`.

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.LogCoshError()
        >>> m.update_state(np.array([[0.0, 1.0], [2.0, 2.0]]), np.array([[1.0, 1.0], [2.0, 4.0]]))
        >>> round(float(m.result()), 4)
        0.4397
    """

    def __init__(self, name: str = "logcosh", dtype=None):
        super().__init__(LF.log_cosh, name=name, dtype=dtype)


def _cosine_similarity(y_true, y_pred, axis=-1):
    return -LF.cosine_similarity(y_true, y_pred, axis=axis)


class CosineSimilarity(_FixedFnWrapper):
    """Running mean of the cosine similarity along `axis` (positive: 1 means aligned).

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).
        axis: the axis the similarity is computed along.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.CosineSimilarity()
        >>> m.update_state(np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[1.0, 0.0], [1.0, 1.0]]))
        >>> round(float(m.result()), 4)  # (0 + 1) / 2
        0.5
    """

    def __init__(self, name: str = "cosine_similarity", dtype=None, axis: int = -1):
        super().__init__(_cosine_similarity, name=name, dtype=dtype, axis=axis)


class RootMeanSquaredError(Mean):
    """Square root of the running (weighted) mean of squared errors.

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.RootMeanSquaredError()
        >>> m.update_state(np.array([[0.0, 1.0], [2.0, 2.0]]), np.array([[1.0, 1.0], [2.0, 4.0]]))
        >>> round(float(m.result()), 4)
        1.118
    """

    def __init__(self, name: str = "root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = jnp.asarray(y_true).astype(self.dtype)
        y_pred = jnp.asarray(y_pred).astype(self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(jnp.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return jnp.sqrt(super().result())


class R2Score(Metric):
    """Coefficient of determination over all updates, for inputs of shape `(batch, outputs)`.

    `class_aggregation`: "uniform_average" (mean of the per-output scores), None (one score per
    output) or "variance_weighted_average" (weighted by each output's variance). With
    `num_regressors` > 0 the adjusted R2 is returned, falling back to the plain score when there
    are too few samples (Keras also warns there; lamina stays silent so that it can be traced).
    The per-output variables are created on the first `update_state` (or by `build`).

    Args:
        class_aggregation: "uniform_average", None or "variance_weighted_average" (see above).
        num_regressors: the number of independent variables, for the adjusted R2 (0: plain R2).
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.R2Score()
        >>> y_true = np.array([[1.0], [2.0], [3.0], [4.0]])
        >>> y_pred = np.array([[1.1], [1.9], [3.2], [3.8]])
        >>> m.update_state(y_true, y_pred)
        >>> round(float(m.result()), 4)
        0.98
    """

    _aggregations = (None, "uniform_average", "variance_weighted_average")

    def __init__(
        self,
        class_aggregation: str | None = "uniform_average",
        num_regressors: int = 0,
        name: str = "r2_score",
        dtype=None,
    ):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in self._aggregations:
            raise ValueError(
                f"R2Score: `class_aggregation` must be one of {self._aggregations}, received "
                f"{class_aggregation!r}."
            )
        if num_regressors < 0:
            raise ValueError(f"R2Score: `num_regressors` must be >= 0, received {num_regressors}.")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self._built = False

    def build(self, y_true_shape, y_pred_shape) -> None:
        """Creates the per-output accumulators for `y_pred_shape[-1]` outputs."""
        if self._built:
            return
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2 or y_pred_shape[-1] is None:
            raise ValueError(
                f"R2Score '{self.name}' expects 2D inputs (batch, outputs) with a known number of "
                f"outputs, received y_true.shape={tuple(y_true_shape)} and "
                f"y_pred.shape={tuple(y_pred_shape)}."
            )
        shape = (int(y_pred_shape[-1]),)
        self.squared_sum = self.add_variable(shape, "zeros", name="squared_sum")
        self.sum = self.add_variable(shape, "zeros", name="sum")
        self.total_mse = self.add_variable(shape, "zeros", name="residual")
        self.count = self.add_variable(shape, "zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = jnp.asarray(y_true).astype(self.dtype)
        y_pred = jnp.asarray(y_pred).astype(self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self.build(y_true.shape, y_pred.shape)
        weight = jnp.asarray(1.0 if sample_weight is None else sample_weight).astype(self.dtype)
        if weight.ndim == 1:
            weight = weight[:, None]
        weight = jnp.broadcast_to(weight, y_true.shape)
        weighted = y_true * weight
        self.sum.assign(self.sum.value + jnp.sum(weighted, axis=0))
        self.squared_sum.assign(self.squared_sum.value + jnp.sum(y_true * weighted, axis=0))
        residual = jnp.sum(jnp.square(y_true - y_pred) * weight, axis=0)
        self.total_mse.assign(self.total_mse.value + residual)
        self.count.assign(self.count.value + jnp.sum(weight, axis=0))
        self.num_samples.assign(self.num_samples.value + y_true.size)

    def result(self):
        if not self._built:
            return jnp.zeros((), self.dtype)
        mean = self.sum.value / self.count.value
        total = self.squared_sum.value - self.sum.value * mean
        raw = 1 - self.total_mse.value / total
        raw = jnp.where(jnp.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = jnp.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = jnp.sum(total * raw) / jnp.sum(total)
        else:
            score = raw
        if self.num_regressors == 0:
            return score
        n = self.num_samples.value.astype("float32")
        p = float(self.num_regressors)
        adjusted = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return jnp.where(p < n - 1.0, adjusted, score)

    def get_config(self) -> dict:
        config = {
            "class_aggregation": self.class_aggregation,
            "num_regressors": self.num_regressors,
        }
        return {**super().get_config(), **config}
