"""Probabilistic metrics: running means of cross-entropies, KL divergence and Poisson loss."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.losses import functions as LF
from lamina.losses.loss import squeeze_or_expand_to_same_rank
from lamina.metrics.reduction_metrics import Mean, _FixedFnWrapper


class KLDivergence(_FixedFnWrapper):
    """Running mean of the Kullback-Leibler divergence."""

    def __init__(self, name: str = "kl_divergence", dtype=None):
        super().__init__(LF.kl_divergence, name=name, dtype=dtype)


class Poisson(_FixedFnWrapper):
    """Running mean of the Poisson loss `y_pred - y_true * log(y_pred)`."""

    def __init__(self, name: str = "poisson", dtype=None):
        super().__init__(LF.poisson, name=name, dtype=dtype)


class BinaryCrossentropy(_FixedFnWrapper):
    """Running mean of the binary cross-entropy."""

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
    """Running mean of the categorical cross-entropy on one-hot labels."""

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
