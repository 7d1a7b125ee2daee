"""Regression metrics: running means of the matching loss functions."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.losses import functions as LF
from lamina.losses.loss import squeeze_or_expand_to_same_rank
from lamina.metrics.reduction_metrics import Mean, _FixedFnWrapper


class MeanSquaredError(_FixedFnWrapper):
    """Running mean of the mean squared error (`'mse'`)."""

    def __init__(self, name: str = "mean_squared_error", dtype=None):
        super().__init__(LF.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(_FixedFnWrapper):
    """Running mean of the mean absolute error (`'mae'`)."""

    def __init__(self, name: str = "mean_absolute_error", dtype=None):
        super().__init__(LF.mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(_FixedFnWrapper):
    """Running mean of the mean absolute percentage error (`'mape'`)."""

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype=None):
        super().__init__(LF.mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_FixedFnWrapper):
    """Running mean of the mean squared logarithmic error (`'msle'`)."""

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype=None):
        super().__init__(LF.mean_squared_logarithmic_error, name=name, dtype=dtype)


class LogCoshError(_FixedFnWrapper):
    """Running mean of `log(cosh(error))`."""

    def __init__(self, name: str = "logcosh", dtype=None):
        super().__init__(LF.log_cosh, name=name, dtype=dtype)


def _cosine_similarity(y_true, y_pred, axis=-1):
    return -LF.cosine_similarity(y_true, y_pred, axis=axis)


class CosineSimilarity(_FixedFnWrapper):
    """Running mean of the cosine similarity along `axis` (positive: 1 means aligned)."""

    def __init__(self, name: str = "cosine_similarity", dtype=None, axis: int = -1):
        super().__init__(_cosine_similarity, name=name, dtype=dtype, axis=axis)


class RootMeanSquaredError(Mean):
    """Square root of the running (weighted) mean of squared errors."""

    def __init__(self, name: str = "root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = jnp.asarray(y_true).astype(self.dtype)
        y_pred = jnp.asarray(y_pred).astype(self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(jnp.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return jnp.sqrt(super().result())
