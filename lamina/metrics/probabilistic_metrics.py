"""Probabilistic metrics: running means of cross-entropies, KL divergence and Poisson loss."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.losses import functions as LF
from lamina.losses.loss import squeeze_or_expand_to_same_rank
from lamina.metrics.reduction_metrics import Mean, _FixedFnWrapper


class KLDivergence(_FixedFnWrapper):
    """Running mean of the Kullback-Leibler divergence.

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.KLDivergence()
        >>> m.update_state(np.array([[0.5, 0.5]]), np.array([[0.9, 0.1]]))
        >>> round(float(m.result()), 4)
        0.5108
    """

    def __init__(self, name: str = "kl_divergence", dtype=None):
        super().__init__(LF.kl_divergence, name=name, dtype=dtype)


class Poisson(_FixedFnWrapper):
    """Running mean of the Poisson loss `y_pred - y_true * log(y_pred)`.

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.Poisson()
        >>> m.update_state(np.array([[0.0, 1.0], [2.0, 2.0]]), np.array([[1.0, 1.0], [2.0, 4.0]]))
        >>> round(float(m.result()), 4)
        0.9603
    """

    def __init__(self, name: str = "poisson", dtype=None):
        super().__init__(LF.poisson, name=name, dtype=dtype)


class BinaryCrossentropy(_FixedFnWrapper):
    """Running mean of the binary cross-entropy.

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; a value above 0 smooths the labels (as in the loss of the
            same name).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.BinaryCrossentropy()
        >>> m.update_state(np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[0.1, 0.8], [0.6, 0.9]]))
        >>> round(float(m.result()), 4)
        0.2362
    """

    _config_keys = ("from_logits", "label_smoothing")

    def __init__(
        self,
        name: str = "binary_crossentropy",
        dtype=None,
        from_logits: bool = False,
        label_smoothing: float = 0,
    ):
        super().__init__(
            LF.binary_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing


class CategoricalCrossentropy(_FixedFnWrapper):
    """Running mean of the categorical cross-entropy on one-hot labels.

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; a value above 0 smooths the labels (as in the loss of the
            same name).
        axis: the class axis.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.CategoricalCrossentropy()
        >>> y_true = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        >>> y_pred = np.array([[0.05, 0.9, 0.05], [0.1, 0.8, 0.1]])
        >>> m.update_state(y_true, y_pred)
        >>> round(float(m.result()), 4)
        1.204
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        name: str = "categorical_crossentropy",
        dtype=None,
        from_logits: bool = False,
        label_smoothing: float = 0,
        axis: int = -1,
    ):
        super().__init__(
            LF.categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class SparseCategoricalCrossentropy(_FixedFnWrapper):
    """Running mean of the cross-entropy on integer labels.

    Entries labelled `ignore_class` get a loss of 0. As in Keras, they still count in the mean
    when no `sample_weight` is given, and are left out (weight 0) when one is.

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).
        from_logits: whether `y_pred` holds logits rather than probabilities.
        ignore_class: an optional label value whose entries get a loss of 0.
        axis: the class axis.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.SparseCategoricalCrossentropy()
        >>> m.update_state(np.array([1, 2]), np.array([[0.05, 0.9, 0.05], [0.1, 0.8, 0.1]]))
        >>> round(float(m.result()), 4)
        1.204
    """

    _config_keys = ("from_logits", "ignore_class", "axis")

    def __init__(
        self,
        name: str = "sparse_categorical_crossentropy",
        dtype=None,
        from_logits: bool = False,
        ignore_class: int | None = None,
        axis: int = -1,
    ):
        super().__init__(
            LF.sparse_categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if sample_weight is not None and self.ignore_class is not None:
            labels = jnp.asarray(y_true)
            if labels.ndim == values.ndim + 1 and labels.shape[-1] == 1:
                labels = jnp.squeeze(labels, -1)
            keep = (labels != self.ignore_class).reshape(values.shape).astype(self.dtype)
            weight = jnp.asarray(sample_weight).astype(self.dtype)
            keep, weight = squeeze_or_expand_to_same_rank(keep, weight)
            sample_weight = keep * weight
        return Mean.update_state(self, values, sample_weight=sample_weight)
