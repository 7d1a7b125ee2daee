"""`Sum`, `Mean` and `MeanMetricWrapper`: weighted running reductions of values."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.masking import get_keras_mask
from lamina.losses.loss import divide_no_nan, squeeze_or_expand_to_same_rank
from lamina.metrics.metric import Metric


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Reduces `values` to one value per sample, weighted like Keras.

    Returns `(values, sample_weight)`: axes of `values` beyond the rank of `sample_weight` are
    reduced with `reduce_fn` before weighting, then everything past the batch axis; the weights
    are reduced the same way.

    Args:
        values: the values, batch first.
        sample_weight: optional weights, broadcastable to `values` after rank alignment.
        reduce_fn: the reduction, such as `jnp.mean` or `jnp.sum`.
        dtype: the computation dtype.

    Returns:
        `(values, sample_weight)` as above.

    Example:
        >>> import jax.numpy as jnp
        >>> import numpy as np
        >>> from lamina.metrics.reduction_metrics import reduce_to_samplewise_values
        >>> values, weight = reduce_to_samplewise_values(
        ...     np.array([[1.0, 3.0], [2.0, 2.0]]), np.array([1.0, 0.5]), jnp.mean, "float32"
        ... )
        >>> values.tolist(), weight.tolist()
        ([2.0, 1.0], [1.0, 0.5])
    """
    values = jnp.asarray(values).astype(dtype)
    if sample_weight is not None:
        sample_weight = jnp.asarray(sample_weight).astype(dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim, values_ndim = sample_weight.ndim, values.ndim
        if values_ndim > weight_ndim:
            values = reduce_fn(values, axis=tuple(range(weight_ndim, values_ndim)))
        sample_weight = jnp.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """Running (weighted) sum of the values passed to `update_state`.

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.Sum()
        >>> m.update_state(np.array([1.0, 3.0]))
        >>> m.update_state(np.array([2.0]), sample_weight=np.array([0.5]))
        >>> float(m.result())
        5.0
    """

    def __init__(self, name: str = "sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", dtype=self.dtype, name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, jnp.sum, self.dtype)
        self.total.assign(self.total.value + jnp.sum(values))

    def result(self):
        return self.total.value.astype(self.dtype)


class Mean(Metric):
    """Running (weighted) mean: `sum(w * v) / sum(w)` over every update since the last reset.

    Without weights each sample (first axis) counts once; extra axes are averaged first.

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.Mean()
        >>> m.update_state(np.array([1.0, 3.0]))
        >>> m.update_state(np.array([8.0]), sample_weight=np.array([2.0]))
        >>> float(m.result())  # (1 + 3 + 2 * 8) / (1 + 1 + 2)
        5.0
    """

    def __init__(self, name: str = "mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", dtype=self.dtype, name="total")
        self.count = self.add_variable((), "zeros", dtype=self.dtype, name="count")

    def update_state(self, values, sample_weight=None):
        values, sample_weight = reduce_to_samplewise_values(
            values, sample_weight, jnp.mean, self.dtype
        )
        self.total.assign(self.total.value + jnp.sum(values))
        if sample_weight is not None:
            num_samples = jnp.sum(sample_weight)
        elif values.ndim >= 1:
            num_samples = values.shape[0]
        else:
            num_samples = 1
        self.count.assign(self.count.value + jnp.asarray(num_samples, self.dtype))

    def result(self):
        return divide_no_nan(self.total.value, self.count.value.astype(self.dtype))


class MeanMetricWrapper(Mean):
    """Mean of `fn(y_true, y_pred, **kwargs)` over all updates.

    Args:
        fn: returns one value per sample (or per entry).
        name: metric name (default: `mean_metric_wrapper`, made unique).
        dtype: state dtype.
        **kwargs: extra keyword arguments for `fn`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> def within(y_true, y_pred, tol=0.5):
        ...     return keras.ops.cast(keras.ops.abs(y_true - y_pred) <= tol, "float32")
        >>> m = keras.metrics.MeanMetricWrapper(within, name="within", tol=1.0)
        >>> m.update_state(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.5, 2.0, 5.0, 4.9]))
        >>> float(m.result())
        0.75
    """

    def __init__(self, fn, name: str | None = None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        # Entries masked in `y_pred` (its Keras mask) get weight 0, as in Keras.
        mask = get_keras_mask(y_pred)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            mask = jnp.asarray(mask).astype(self.dtype)
            if sample_weight is None:
                sample_weight = mask
            else:
                sample_weight = jnp.asarray(sample_weight).astype(self.dtype)
                mask, sample_weight = squeeze_or_expand_to_same_rank(mask, sample_weight)
                while sample_weight.ndim < mask.ndim:  # per-sample weights, per-step mask
                    sample_weight = sample_weight[..., None]
                sample_weight = sample_weight * mask
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self) -> dict:
        from lamina.losses.serialization import serialize_function

        config = super().get_config()
        config["fn"] = serialize_function(self._fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: dict):
        from lamina.metrics.serialization import metric_functions

        config = dict(config)
        if "fn" in config:
            from lamina.losses.serialization import deserialize_function

            config["fn"] = deserialize_function(config["fn"], metric_functions())
        return cls(**config)


class _FixedFnWrapper(MeanMetricWrapper):
    """A `MeanMetricWrapper` with a built-in function; its config holds `_config_keys` only."""

    _config_keys: tuple[str, ...] = ()

    def get_config(self) -> dict:
        config = Metric.get_config(self)
        for key in self._config_keys:
            config[key] = getattr(self, key)
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)
