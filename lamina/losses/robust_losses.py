"""Losses for noisy labels and metric learning: generalized cross-entropy and Circle loss."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.losses.loss import Loss
from lamina.losses.losses import LossFunctionWrapper

_SUM = "sum_over_batch_size"


def categorical_generalized_cross_entropy(y_true, y_pred, q: float):
    """`(1 - p ** q) / q`, with `p` the predicted probability of the integer label `y_true`.

    `q` in (0, 1) moves between cross-entropy (q -> 0) and MAE (q = 1), which is robust to
    label noise.

    Args:
        y_true: integer labels `(batch,)`.
        y_pred: predicted probabilities `(batch, num_classes)`.
        q: in (0, 1); see above.

    Returns:
        An array of shape `(batch,)`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_pred = np.array([[0.1, 0.9], [0.75, 0.25]])
        >>> y_true = np.array([1, 1])
        >>> loss = keras.losses.categorical_generalized_cross_entropy(y_true, y_pred, q=0.5)
        >>> np.asarray(loss, float).round(4)
        array([0.1026, 1.    ])
    """
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype("float32")
    one_hot = jax.nn.one_hot(jnp.asarray(y_true).astype("int32"), y_pred.shape[-1])
    p = jnp.sum(y_pred * one_hot.astype(y_pred.dtype), axis=-1)
    return (1 - jnp.power(p, q)) / q


def _pair_masks(query_labels, key_labels, remove_diagonal: bool):
    query_labels = query_labels.reshape(-1, 1)
    key_labels = key_labels.reshape(-1, 1)
    positive = query_labels == key_labels.T
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~jnp.eye(query_labels.size, key_labels.size, dtype=bool)
    return positive, negative


def circle(
    y_true,
    y_pred,
    ref_labels=None,
    ref_embeddings=None,
    remove_diagonal: bool = True,
    gamma: float = 80,
    margin: float = 0.4,
):
    """Circle loss (Sun et al., 2020) of L2-normalized embeddings `y_pred` with labels `y_true`.

    Pairs are formed against `ref_embeddings`/`ref_labels` (default: the batch itself, without
    self-pairs when `remove_diagonal`). Returns one value per query.

    Args:
        y_true: integer labels `(batch,)`.
        y_pred: L2-normalized embeddings `(batch, dim)`.
        ref_labels: optional labels of the reference embeddings.
        ref_embeddings: optional reference embeddings `(num_refs, dim)`.
        remove_diagonal: whether to leave out the self-pairs (with the default references).
        gamma: the scale factor of the pair terms.
        margin: the relaxation margin.

    Returns:
        An array of shape `(batch,)`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> emb = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
        >>> np.asarray(keras.losses.circle(np.array([0, 0, 1]), emb), float).round(3)
        array([0.   , 6.402, 0.   ])
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true).astype("int32")
    ref_embeddings = y_pred if ref_embeddings is None else jnp.asarray(ref_embeddings)
    ref_labels = y_true if ref_labels is None else jnp.asarray(ref_labels).astype("int32")
    distances = jnp.maximum(1 - y_pred @ ref_embeddings.T, 0.0)
    positive, negative = _pair_masks(y_true, ref_labels, remove_diagonal)
    pos_mask = positive.astype(distances.dtype)
    neg_mask = negative.astype(distances.dtype)
    pos_weights = jnp.maximum((margin + distances) * pos_mask, 0.0)
    neg_weights = jnp.maximum((1 + margin - distances) * neg_mask, 0.0)
    pos_terms = -gamma * pos_weights * (margin - distances)
    neg_terms = gamma * neg_weights * ((1 - margin) - distances)
    pos_lse = jax.nn.logsumexp(jnp.where(positive, pos_terms, -jnp.inf), axis=1)
    neg_lse = jax.nn.logsumexp(jnp.where(negative, neg_terms, -jnp.inf), axis=1)
    return jax.nn.softplus(pos_lse + neg_lse)


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized cross-entropy on integer labels (see `categorical_generalized_cross_entropy`).

    Args:
        q: in (0, 1); small values act like cross-entropy, 1 like MAE.
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> y_pred = np.array([[0.1, 0.9], [0.75, 0.25]])
        >>> loss = keras.losses.CategoricalGeneralizedCrossEntropy(q=0.5)
        >>> round(float(loss(np.array([1, 1]), y_pred)), 4)
        0.5513
    """

    def __init__(
        self,
        q: float = 0.5,
        reduction=_SUM,
        name: str = "categorical_generalized_cross_entropy",
        dtype=None,
    ):
        if not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: q must be in (0, 1), got {q}.")
        super().__init__(
            categorical_generalized_cross_entropy, reduction=reduction, name=name, dtype=dtype, q=q
        )
        self.q = q

    def get_config(self) -> dict:
        return {**Loss.get_config(self), "q": self.q}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class Circle(LossFunctionWrapper):
    """Circle loss over the pairs of a batch (see `circle`).

    Queries whose loss is 0 are masked out: the averaging reductions divide by the number of
    queries with a positive loss, as Keras does.

    Args:
        gamma: the scale factor of the pair terms.
        margin: the relaxation margin.
        remove_diagonal: whether to leave out each embedding's pair with itself.
        reduction: how the per-sample values are combined: "sum_over_batch_size" (the
            default), "sum", "mean", "mean_with_sample_weight", or "none"/None (no reduction).
        name: the loss's name.
        dtype: the dtype the loss is computed in (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> emb = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
        >>> round(float(keras.losses.Circle()(np.array([0, 0, 1]), emb)), 3)
        3.201
    """

    def __init__(
        self,
        gamma: float = 80.0,
        margin: float = 0.4,
        remove_diagonal: bool = True,
        reduction=_SUM,
        name: str = "circle",
        dtype=None,
    ):
        super().__init__(
            circle,
            reduction=reduction,
            name=name,
            dtype=dtype,
            gamma=gamma,
            margin=margin,
            remove_diagonal=remove_diagonal,
        )
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal

    def call_with_mask(self, y_true, y_pred):
        values = self.call(y_true, y_pred)
        return values, values > 0

    def get_config(self) -> dict:
        config = {
            "gamma": self.gamma,
            "margin": self.margin,
            "remove_diagonal": self.remove_diagonal,
        }
        return {**Loss.get_config(self), **config}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)
