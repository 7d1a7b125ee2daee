"""The `Loss` base class and the one reduction code path shared by losses and the engine."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.core.config import floatx
from lamina.core.masking import get_keras_mask
from lamina.core.naming import auto_name
from lamina.core.variable import standardize_dtype

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def standardize_reduction(reduction: str | None) -> str | None:
    """Checks that `reduction` is one of Keras's reduction names and returns it.

    Args:
        reduction: the value to check.

    Returns:
        `reduction`, unchanged.

    Example:
        >>> from lamina.losses.loss import standardize_reduction
        >>> standardize_reduction("sum")
        'sum'
        >>> standardize_reduction("avg")
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for argument `reduction`: 'avg'...
    """
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`: {reduction!r}. Expected one of "
            f"{list(REDUCTIONS)}."
        )
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1: bool = True):
    """Aligns two arrays whose ranks differ by one through a trailing axis of size 1.

    The array with the extra trailing unit axis is squeezed, except that a rank-1 partner is
    expanded instead when `expand_rank_1` is true (Keras's rule).

    Args:
        x1: first array.
        x2: second array.
        expand_rank_1: expand a rank-1 partner instead of squeezing the other array.

    Returns:
        The pair `(x1, x2)`, aligned.

    Example:
        >>> import numpy as np
        >>> from lamina.losses.loss import squeeze_or_expand_to_same_rank
        >>> a, b = squeeze_or_expand_to_same_rank(np.zeros((4, 1)), np.zeros((4,)))
        >>> a.shape, b.shape
        ((4, 1), (4, 1))
        >>> a, b = squeeze_or_expand_to_same_rank(np.zeros((4, 3, 1)), np.zeros((4, 3)))
        >>> a.shape, b.shape
        ((4, 3), (4, 3))
    """
    r1, r2 = jnp.ndim(x1), jnp.ndim(x2)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and jnp.shape(x1)[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = jnp.expand_dims(x2, -1)
        else:
            x1 = jnp.squeeze(x1, -1)
    if r2 == r1 + 1 and jnp.shape(x2)[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = jnp.expand_dims(x1, -1)
        else:
            x2 = jnp.squeeze(x2, -1)
    return x1, x2


def divide_no_nan(x, y):
    """`x / y`, with 0 wherever `y == 0`.

    Args:
        x: numerator.
        y: denominator.

    Returns:
        The elementwise quotient, 0 where `y` is 0.

    Example:
        >>> import numpy as np
        >>> from lamina.losses.loss import divide_no_nan
        >>> np.asarray(divide_no_nan(np.array([1.0, 2.0]), np.array([2.0, 0.0]))).tolist()
        [0.5, 0.0]
    """
    safe = jnp.where(y == 0, jnp.ones_like(y), y)
    return jnp.where(y == 0, jnp.zeros_like(x / safe), x / safe)


def _broadcast_mask(mask, shape: tuple):
    mask = jnp.asarray(mask).astype(bool)
    while mask.ndim < len(shape):
        mask = mask[..., None]
    while mask.ndim > len(shape) and mask.shape[-1] == 1:
        mask = jnp.squeeze(mask, -1)
    return jnp.broadcast_to(mask, shape)


def _fold_mask(mask, values, reduction):
    """The mask as a weight array of `values`' shape.

    For "sum_over_batch_size" and "mean" the kept entries weigh `total / valid`, so the final
    division by the number of elements becomes a division by the number of kept elements.
    """
    mask = _broadcast_mask(mask, jnp.shape(values))
    if reduction in ("mean", "sum_over_batch_size"):
        valid = jnp.sum(mask.astype(values.dtype))
        scale = divide_no_nan(jnp.asarray(mask.size, values.dtype), valid)
        return jnp.where(mask, scale, jnp.zeros((), values.dtype))
    return mask.astype(values.dtype)


def reduce_values(
    values,
    sample_weight=None,
    reduction: str | None = "sum_over_batch_size",
    mask=None,
    *,
    dtype=None,
):
    """Weights and reduces per-sample loss values, like Keras's losses.

    Args:
        values: unreduced loss values (what `Loss.call` returns), shape = batch dims.
        sample_weight: optional weights, broadcastable to `values` after rank alignment.
        reduction: "sum_over_batch_size" (weighted sum / number of elements), "sum", "mean"
            (same as "sum_over_batch_size"), "mean_with_sample_weight" (weighted sum / sum of
            weights), or "none"/None (weighted values, unreduced).
        mask: optional boolean (or 0/1) array marking the real entries; its rank may be lower
            than that of `values` (trailing axes are broadcast). Masked entries contribute
            nothing, and the averaging reductions divide by the number of real entries.
        dtype: computation dtype (default: the float dtype of `values`, else `floatx()`).

    Returns:
        A scalar, or the weighted values for reduction "none"/None.

    Example:
        >>> import numpy as np
        >>> from lamina.losses.loss import reduce_values
        >>> values = np.array([1.0, 2.0, 3.0, 4.0])
        >>> float(reduce_values(values))
        2.5
        >>> float(reduce_values(values, sample_weight=np.array([1.0, 1.0, 0.0, 0.0])))
        0.75
        >>> float(reduce_values(values, mask=np.array([1, 1, 0, 0])))  # the mean of the kept ones
        1.5
    """
    reduction = standardize_reduction(reduction)
    values = jnp.asarray(values)
    if dtype is None:
        dtype = values.dtype if jnp.issubdtype(values.dtype, jnp.floating) else floatx()
    values = values.astype(standardize_dtype(dtype))
    weight = None
    if mask is not None and values.ndim == 0:
        # An already reduced loss (a function ending in `ops.mean`): one value for every entry.
        values = jnp.broadcast_to(values, jnp.shape(mask))
    if mask is not None:
        weight = _fold_mask(mask, values, reduction)
    if sample_weight is not None:
        sample_weight = jnp.asarray(sample_weight).astype(values.dtype)
        if weight is not None:
            weight, sample_weight = squeeze_or_expand_to_same_rank(weight, sample_weight)
            sample_weight = sample_weight * weight
        weight = sample_weight
    if weight is not None:
        values, weight = squeeze_or_expand_to_same_rank(values, weight)
        values = values * weight
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    total = jnp.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and weight is not None:
        divisor = jnp.sum(weight)
    else:
        divisor = jnp.asarray(values.size, total.dtype)
    return divide_no_nan(total, divisor.astype(total.dtype))


def combine_masks(mask_a, mask_b):
    """The logical and of two optional masks (either may be None).

    Args:
        mask_a: a mask or None.
        mask_b: a mask or None; the lower-rank mask gets trailing axes.

    Returns:
        The combined boolean mask, or None when both are None.

    Example:
        >>> import numpy as np
        >>> from lamina.losses.loss import combine_masks
        >>> np.asarray(combine_masks(np.array([1, 1, 0]), np.array([True, False, True]))).tolist()
        [True, False, False]
        >>> combine_masks(None, None) is None
        True
    """
    if mask_a is None:
        return mask_b
    if mask_b is None:
        return mask_a
    a, b = jnp.asarray(mask_a).astype(bool), jnp.asarray(mask_b).astype(bool)
    while a.ndim < b.ndim:
        a = a[..., None]
    while b.ndim < a.ndim:
        b = b[..., None]
    return jnp.logical_and(a, b)


def _compute_dtype(dtype) -> str:
    if dtype is None:
        return floatx()
    compute = getattr(dtype, "compute_dtype", None)
    if compute is not None:
        return standardize_dtype(compute)
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        return dtype.split("_", 1)[1]
    return standardize_dtype(dtype)


class Loss:
    """Base class of losses: subclasses implement `call(y_true, y_pred)`.

    `call` returns unreduced values (the loss over the last axis already taken); `__call__`
    converts the inputs to the loss dtype, calls `call`, then weights and reduces through
    `reduce_values`.

    Args:
        name: the loss name (default: snake_case class name, made unique).
        reduction: see `reduce_values`. Default "sum_over_batch_size".
        dtype: computation dtype (default `floatx()`).

    Call arguments:
        y_true: the targets.
        y_pred: the predictions.
        sample_weight: optional per-sample (or per-entry) weights.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> class MeanCubedError(keras.losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return keras.ops.mean(keras.ops.abs(y_true - y_pred) ** 3, axis=-1)
        >>> loss = MeanCubedError()
        >>> float(loss(np.zeros((2, 2)), np.full((2, 2), 2.0)))
        8.0
        >>> float(loss(np.zeros((2, 2)), np.full((2, 2), 2.0), sample_weight=np.array([1.0, 0.0])))
        4.0
    """

    def __init__(
        self, name: str | None = None, reduction: str | None = "sum_over_batch_size", dtype=None
    ):
        self.name = name or auto_name(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = _compute_dtype(dtype)

    @property
    def dtype(self) -> str:
        return self._dtype

    def call(self, y_true, y_pred):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `call(y_true, y_pred)` returning unreduced "
            "per-sample loss values."
        )

    def call_with_mask(self, y_true, y_pred):
        """Returns `(values, mask)`: `call`'s values and the entries they cover (or None).

        Losses that exclude some entries (e.g. `ignore_class`) return a mask here.
        """
        return self.call(y_true, y_pred), None

    def compute_values(self, y_true, y_pred, mask=None):
        """Converts the inputs to the loss dtype and returns `(values, mask)` unreduced.

        `mask` (optional, e.g. the engine's padding mask) is combined with the loss's own mask
        and with the mask carried by `y_pred` (e.g. from `Embedding(mask_zero=True)` upstream),
        so masked timesteps count 0 and the mean is over the unmasked ones, as in Keras.
        The training engine feeds the result to `reduce_values(values, sample_weight,
        loss.reduction, mask)`.
        """
        pred_mask = get_keras_mask(y_pred) if not isinstance(y_pred, (list, tuple, dict)) else None
        y_true = jax.tree.map(lambda x: jnp.asarray(x, dtype=self.dtype), y_true)
        y_pred = jax.tree.map(lambda x: jnp.asarray(x, dtype=self.dtype), y_pred)
        values, own_mask = self.call_with_mask(y_true, y_pred)
        if pred_mask is not None and jnp.ndim(pred_mask) <= jnp.ndim(values):
            own_mask = combine_masks(own_mask, pred_mask)
        return values, combine_masks(own_mask, mask)

    def __call__(self, y_true, y_pred, sample_weight=None):
        values, mask = self.compute_values(y_true, y_pred)
        return reduce_values(values, sample_weight, self.reduction, mask=mask, dtype=self.dtype)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"
