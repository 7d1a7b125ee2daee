"""Loss classes: each wraps a function of `lamina.losses.functions` and holds its config."""

from __future__ import annotations

import inspect

from lamina.losses import functions as F
from lamina.losses.loss import Loss, squeeze_or_expand_to_same_rank
from lamina.losses.serialization import deserialize_function, serialize_function

_SUM = "sum_over_batch_size"


class LossFunctionWrapper(Loss):
    """Turns a function `fn(y_true, y_pred, **fn_kwargs)` into a `Loss`.

    Args:
        fn: returns unreduced per-sample values.
        reduction, name, dtype: see `Loss`.
        **fn_kwargs: extra keyword arguments passed to `fn`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> def scaled_mae(y_true, y_pred, scale=1.0):
        ...     return scale * keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)
        >>> loss = keras.losses.LossFunctionWrapper(scaled_mae, scale=10.0)
        >>> float(loss(np.zeros((2, 2)), np.ones((2, 2))))
        10.0
    """

    def __init__(self, fn, reduction=_SUM, name: str | None = None, dtype=None, **fn_kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = fn_kwargs

    def call(self, y_true, y_pred):
        if not isinstance(y_true, (list, tuple, dict)):
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        config["fn"] = serialize_function(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if "fn" in config:
            config["fn"] = deserialize_function(config["fn"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class _BuiltinLoss(LossFunctionWrapper):
    """A wrapper whose config lists only the constructor arguments named in `_config_keys`."""

    _fn = staticmethod(F.mean_squared_error)
    _config_keys: tuple[str, ...] = ()
    # Arguments Keras leaves out of the config: kept only when they differ from the default.
    _optional_keys: tuple[str, ...] = ()

    def __init__(self, reduction=_SUM, name=None, dtype=None, **fn_kwargs):
        super().__init__(type(self)._fn, reduction=reduction, name=name, dtype=dtype, **fn_kwargs)
        for key, value in fn_kwargs.items():
            setattr(self, key, value)

    def get_config(self) -> dict:
        config = Loss.get_config(self)
        for key in self._config_keys:
            config[key] = self._fn_kwargs[key]
        defaults = inspect.signature(type(self).__init__).parameters
        for key in self._optional_keys:
            if self._fn_kwargs[key] != defaults[key].default:
                config[key] = self._fn_kwargs[key]
        return config


class MeanSquaredError(_BuiltinLoss):
    """Mean of squared errors over the last axis (`'mse'`).

    Args:
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [2.0, 2.0]])
        >>> y_pred = np.array([[1.0, 1.0], [2.0, 4.0]])
        >>> round(float(keras.losses.MeanSquaredError()(y_true, y_pred)), 4)
        1.25
    """

    _fn = staticmethod(F.mean_squared_error)

    def __init__(self, reduction=_SUM, name="mean_squared_error", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(_BuiltinLoss):
    """Mean of absolute errors over the last axis (`'mae'`).

    Args:
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [2.0, 2.0]])
        >>> y_pred = np.array([[1.0, 1.0], [2.0, 4.0]])
        >>> round(float(keras.losses.MeanAbsoluteError()(y_true, y_pred)), 4)
        0.75
    """

    _fn = staticmethod(F.mean_absolute_error)

    def __init__(self, reduction=_SUM, name="mean_absolute_error", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(_BuiltinLoss):
    """Mean absolute percentage error (`'mape'`).

    Args:
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[1.0, 2.0], [4.0, 4.0]])
        >>> y_pred = np.array([[1.0, 1.0], [2.0, 4.0]])
        >>> round(float(keras.losses.MeanAbsolutePercentageError()(y_true, y_pred)), 4)
        25.0
    """

    _fn = staticmethod(F.mean_absolute_percentage_error)

    def __init__(self, reduction=_SUM, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_BuiltinLoss):
    """Mean squared logarithmic error (`'msle'`).

    Args:
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [2.0, 2.0]])
        >>> y_pred = np.array([[1.0, 1.0], [2.0, 4.0]])
        >>> round(float(keras.losses.MeanSquaredLogarithmicError()(y_true, y_pred)), 4)
        0.1853
    """

    _fn = staticmethod(F.mean_squared_logarithmic_error)

    def __init__(self, reduction=_SUM, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(_BuiltinLoss):
    """Negative cosine similarity along `axis` (saved in the config only when not -1).

    Args:
        axis: the axis the similarity is computed along.
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[1.0, 0.0], [1.0, 1.0]])  # orthogonal, then aligned
        >>> round(float(keras.losses.CosineSimilarity()(y_true, y_pred)), 4)
        -0.5
    """

    _fn = staticmethod(F.cosine_similarity)
    _optional_keys = ("axis",)

    def __init__(self, axis: int = -1, reduction=_SUM, name="cosine_similarity", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, axis=axis)


class Huber(_BuiltinLoss):
    """Huber loss (`delta` is saved in the config only when not 1.0; Keras drops it).

    Args:
        delta: the error size where the loss turns from quadratic to linear.
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [2.0, 2.0]])
        >>> y_pred = np.array([[1.0, 1.0], [2.0, 4.0]])
        >>> round(float(keras.losses.Huber()(y_true, y_pred)), 4)
        0.5
    """

    _fn = staticmethod(F.huber)
    _optional_keys = ("delta",)

    def __init__(self, delta: float = 1.0, reduction=_SUM, name="huber_loss", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, delta=delta)


class LogCosh(_BuiltinLoss):
    """Mean of `log(cosh(error))` over the last axis.

    Args:
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [2.0, 2.0]])
        >>> y_pred = np.array([[1.0, 1.0], [2.0, 4.0]])
        >>> round(float(keras.losses.LogCosh()(y_true, y_pred)), 4)
        0.4397
    """

    _fn = staticmethod(F.log_cosh)

    def __init__(self, reduction=_SUM, name="log_cosh", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class Hinge(_BuiltinLoss):
    """Hinge loss; labels in {0, 1} are mapped to {-1, 1}.

    Args:
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> y_pred = np.array([[0.6, 0.4], [0.3, -0.2]])
        >>> round(float(keras.losses.Hinge()(y_true, y_pred)), 4)
        0.925
    """

    _fn = staticmethod(F.hinge)

    def __init__(self, reduction=_SUM, name="hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(_BuiltinLoss):
    """Squared hinge loss; labels in {0, 1} are mapped to {-1, 1}.

    Args:
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> y_pred = np.array([[0.6, 0.4], [0.3, -0.2]])
        >>> round(float(keras.losses.SquaredHinge()(y_true, y_pred)), 4)
        1.0125
    """

    _fn = staticmethod(F.squared_hinge)

    def __init__(self, reduction=_SUM, name="squared_hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(_BuiltinLoss):
    """Categorical hinge loss on one-hot labels.

    Args:
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> y_pred = np.array([[0.6, 0.4], [0.3, -0.2]])
        >>> round(float(keras.losses.CategoricalHinge()(y_true, y_pred)), 4)
        0.95
    """

    _fn = staticmethod(F.categorical_hinge)

    def __init__(self, reduction=_SUM, name="categorical_hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class KLDivergence(_BuiltinLoss):
    """Kullback-Leibler divergence (`'kld'`).

    Args:
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.5, 0.5]])
        >>> y_pred = np.array([[0.9, 0.1]])
        >>> round(float(keras.losses.KLDivergence()(y_true, y_pred)), 4)
        0.5108
    """

    _fn = staticmethod(F.kl_divergence)

    def __init__(self, reduction=_SUM, name="kl_divergence", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class Poisson(_BuiltinLoss):
    """Poisson loss `y_pred - y_true * log(y_pred)`.

    Args:
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [2.0, 2.0]])
        >>> y_pred = np.array([[1.0, 1.0], [2.0, 4.0]])
        >>> round(float(keras.losses.Poisson()(y_true, y_pred)), 4)
        0.9603
    """

    _fn = staticmethod(F.poisson)

    def __init__(self, reduction=_SUM, name="poisson", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class BinaryCrossentropy(_BuiltinLoss):
    """Binary cross-entropy (`'bce'`) on probabilities or, with `from_logits`, logits.

    Args:
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; a value above 0 pulls the labels toward 0.5.
        axis: the axis the mean is taken over.
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.1, 0.8], [0.6, 0.9]])
        >>> round(float(keras.losses.BinaryCrossentropy()(y_true, y_pred)), 4)
        0.2362
        >>> logits = np.array([[-2.0, 1.5], [0.5, 2.0]])
        >>> round(float(keras.losses.BinaryCrossentropy(from_logits=True)(y_true, logits)), 4)
        0.2323
    """

    _fn = staticmethod(F.binary_crossentropy)
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction=_SUM,
        name="binary_crossentropy",
        dtype=None,
    ):
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class BinaryFocalCrossentropy(_BuiltinLoss):
    """Binary focal cross-entropy (down-weights easy examples by `(1 - p_t) ** gamma`).

    Args:
        apply_class_balancing: weigh positives by `alpha` and negatives by `1 - alpha`.
        alpha: the class-balancing weight of the positives.
        gamma: the focusing exponent; 0 gives the plain binary cross-entropy.
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; a value above 0 pulls the labels toward 0.5.
        axis: the axis the mean is taken over.
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0], [1.0, 1.0]])
        >>> y_pred = np.array([[0.1, 0.8], [0.6, 0.9]])
        >>> round(float(keras.losses.BinaryFocalCrossentropy(gamma=2.0)(y_true, y_pred)), 4)
        0.0232
    """

    _fn = staticmethod(F.binary_focal_crossentropy)
    _config_keys = (
        "from_logits",
        "label_smoothing",
        "axis",
        "apply_class_balancing",
        "alpha",
        "gamma",
    )

    def __init__(
        self,
        apply_class_balancing: bool = False,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction=_SUM,
        name="binary_focal_crossentropy",
        dtype=None,
    ):
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class CategoricalCrossentropy(_BuiltinLoss):
    """Categorical cross-entropy on one-hot labels.

    Args:
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; a value above 0 mixes the labels with the uniform
            distribution.
        axis: the class axis.
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        >>> y_pred = np.array([[0.05, 0.9, 0.05], [0.1, 0.8, 0.1]])
        >>> round(float(keras.losses.CategoricalCrossentropy()(y_true, y_pred)), 4)
        1.204
    """

    _fn = staticmethod(F.categorical_crossentropy)
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction=_SUM,
        name="categorical_crossentropy",
        dtype=None,
    ):
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class CategoricalFocalCrossentropy(_BuiltinLoss):
    """Categorical focal cross-entropy.

    Args:
        alpha: a weight on every class term.
        gamma: the focusing exponent; 0 gives `alpha` times the cross-entropy.
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; a value above 0 mixes the labels with the uniform
            distribution.
        axis: the class axis.
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        >>> y_pred = np.array([[0.05, 0.9, 0.05], [0.1, 0.8, 0.1]])
        >>> round(float(keras.losses.CategoricalFocalCrossentropy()(y_true, y_pred)), 4)
        0.2333
    """

    _fn = staticmethod(F.categorical_focal_crossentropy)
    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(
        self,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction=_SUM,
        name="categorical_focal_crossentropy",
        dtype=None,
    ):
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class SparseCategoricalCrossentropy(_BuiltinLoss):
    """Cross-entropy on integer labels.

    Entries labelled `ignore_class` are left out: they contribute nothing and are not counted
    by the averaging reductions.

    Args:
        from_logits: whether `y_pred` holds logits rather than probabilities.
        ignore_class: an optional label value to leave out (e.g. a padding class).
        axis: the class axis of `y_pred`.
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_true = np.array([1, 2])
        >>> y_pred = np.array([[0.05, 0.9, 0.05], [0.1, 0.8, 0.1]])
        >>> round(float(keras.losses.SparseCategoricalCrossentropy()(y_true, y_pred)), 4)
        1.204
        >>> loss = keras.losses.SparseCategoricalCrossentropy(ignore_class=2)
        >>> round(float(loss(y_true, y_pred)), 4)  # the second sample is left out
        0.1054
    """

    _fn = staticmethod(F.sparse_categorical_crossentropy)
    _config_keys = ("from_logits", "ignore_class")

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction=_SUM,
        axis: int = -1,
        name="sparse_categorical_crossentropy",
        dtype=None,
    ):
        super().__init__(
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )

    def call(self, y_true, y_pred):
        # Ranks differ on purpose (integer labels): no rank alignment here.
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def call_with_mask(self, y_true, y_pred):
        values = self.call(y_true, y_pred)
        if self.ignore_class is None:
            return values, None
        if y_true.ndim == y_pred.ndim and y_true.shape[self.axis] == 1:
            y_true = y_true.squeeze(self.axis)
        return values, (y_true != self.ignore_class).reshape(values.shape)
