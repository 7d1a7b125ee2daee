"""Correlation metrics: Pearson's and Lin's concordance coefficients, per sample along `axis`."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.config import epsilon
from lamina.losses.loss import squeeze_or_expand_to_same_rank
from lamina.metrics.reduction_metrics import _FixedFnWrapper


def _pair(y_true, y_pred):
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype("float32")
    y_true = jnp.asarray(y_true).astype(y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def pearson_correlation(y_true, y_pred, axis: int = -1):
    """Pearson correlation coefficient of `y_true` and `y_pred` along `axis`.

    Args:
        y_true: the targets.
        y_pred: the predictions, same shape.
        axis: the axis the correlation is computed along.

    Returns:
        An array with `axis` reduced, values in [-1, 1].

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
        >>> y_pred = np.array([[2.0, 4.0, 6.0], [3.0, 2.0, 1.0]])
        >>> np.asarray(keras.metrics.pearson_correlation(y_true, y_pred), float).round(4)
        array([ 1., -1.])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    t = y_true - jnp.mean(y_true, axis=axis, keepdims=True)
    p = y_pred - jnp.mean(y_pred, axis=axis, keepdims=True)
    t = t / jnp.std(t, axis=axis, keepdims=True)
    p = p / jnp.std(p, axis=axis, keepdims=True)
    return jnp.mean(t * p, axis=axis)


def concordance_correlation(y_true, y_pred, axis: int = -1):
    """Lin's concordance correlation coefficient along `axis`.

    As in Keras 3, the covariance term centres both factors on the mean of `y_pred`.

    Args:
        y_true: the targets.
        y_pred: the predictions, same shape.
        axis: the axis the coefficient is computed along.

    Returns:
        An array with `axis` reduced, values in [-1, 1].

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
        >>> y_pred = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])
        >>> np.asarray(keras.metrics.concordance_correlation(y_true, y_pred), float).round(4)
        array([1.    , 0.3636])
    """
    y_true, y_pred = _pair(y_true, y_pred)
    true_mean = jnp.mean(y_true, axis=axis, keepdims=True)
    pred_mean = jnp.mean(y_pred, axis=axis, keepdims=True)
    true_var = jnp.var(y_true - true_mean, axis=axis, keepdims=True)
    pred_var = jnp.var(y_pred - pred_mean, axis=axis, keepdims=True)
    covariance = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + jnp.square(true_mean - pred_mean)
    return jnp.mean(2 * covariance / (norm + epsilon()), axis=axis)


class PearsonCorrelation(_FixedFnWrapper):
    """Running mean of the per-sample Pearson correlation along `axis`.

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).
        axis: the axis the correlation is computed along.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.PearsonCorrelation()
        >>> m.update_state(np.array([[1.0, 2.0, 3.0]]), np.array([[1.5, 2.0, 3.5]]))
        >>> round(float(m.result()), 4)
        0.9608
    """

    _config_keys = ("axis",)

    def __init__(self, name: str = "pearson_correlation", dtype=None, axis: int = -1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class ConcordanceCorrelation(_FixedFnWrapper):
    """Running mean of the per-sample concordance correlation along `axis`.

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).
        axis: the axis the coefficient is computed along.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.ConcordanceCorrelation()
        >>> m.update_state(np.array([[1.0, 2.0, 3.0]]), np.array([[1.5, 2.0, 3.5]]))
        >>> round(float(m.result()), 4)
        0.8889
    """

    _config_keys = ("axis",)

    def __init__(self, name: str = "concordance_correlation", dtype=None, axis: int = -1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
