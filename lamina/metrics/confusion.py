"""Pure confusion-matrix counting at thresholds and the AUC summation (used by the classes in
`confusion_metrics`)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core.config import epsilon
from lamina.losses.loss import divide_no_nan, squeeze_or_expand_to_same_rank

NEG_INF = -1e10


def evenly_spaced(thresholds) -> bool:
    """Whether `thresholds` are `i / (n - 1)` for `i = 0..n-1` (n >= 3), up to epsilon.

    Args:
        thresholds: a sequence of floats.

    Returns:
        A bool.

    Example:
        >>> from lamina.metrics.confusion import evenly_spaced
        >>> evenly_spaced([0.0, 0.5, 1.0]), evenly_spaced([0.0, 0.3, 1.0])
        (True, False)
    """
    thresholds = np.asarray(thresholds, dtype=np.float64)
    n = len(thresholds)
    if n < 3:
        return False
    return bool(np.allclose(thresholds, np.arange(n) / (n - 1), atol=epsilon()))


def _filter_top_k(x, k: int):
    _, idx = jax.lax.top_k(x, k)
    keep = jnp.sum(jax.nn.one_hot(idx, x.shape[-1], dtype=x.dtype), axis=-2)
    return x * keep + NEG_INF * (1 - keep)


def confusion_counts(
    y_true,
    y_pred,
    thresholds,
    sample_weight=None,
    top_k: int | None = None,
    class_id: int | None = None,
    evenly: bool = False,
    multi_label: bool = False,
    label_weights=None,
    dtype="float32",
) -> dict:
    """Weighted true/false positive/negative counts, one per threshold.

    A prediction is positive at threshold `t` when `y_pred > t`; labels are positive when
    nonzero. With `evenly` (thresholds `i / (n - 1)`), counts come from one bucketing pass,
    as Keras does, instead of comparing every prediction with every threshold.

    With `multi_label`, `y_pred` of shape `(batch, labels)` is counted per label; otherwise every
    entry is one decision. `label_weights` (one per label, flattened case only) scale the
    weights of each label's entries.

    Returns:
        dict with keys "tp", "fp", "tn", "fn", each of shape `(len(thresholds),)`, or
        `(len(thresholds), labels)` with `multi_label`.

    Args:
        y_true: labels (nonzero means positive).
        y_pred: predicted scores, same shape.
        thresholds: the thresholds, a sequence of floats.
        sample_weight: optional weights, broadcastable to `y_true`.
        top_k: only the `top_k` largest predictions of each row may be positive.
        class_id: only count the column `class_id` of the last axis.
        evenly: whether the thresholds are evenly spaced (enables the bucketing pass).
        multi_label: count each label (last axis) separately.
        label_weights: optional weights, one per label.
        dtype: the dtype of the counts.

    Example:
        >>> from lamina.metrics.confusion import confusion_counts
        >>> counts = confusion_counts([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1], thresholds=[0.5])
        >>> {k: v.tolist() for k, v in sorted(counts.items())}
        {'fn': [1.0], 'fp': [1.0], 'tn': [1.0], 'tp': [1.0]}
    """
    y_true = jnp.asarray(y_true).astype(dtype)
    y_pred = jnp.asarray(y_pred).astype(dtype)
    thresholds_np = np.asarray(thresholds, dtype=np.float64)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = jnp.expand_dims(jnp.asarray(sample_weight).astype(dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(
            y_true, sample_weight, expand_rank_1=False
        )
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                "With `class_id`, y_pred must have shape (num_samples, num_classes), received "
                f"shape {y_pred.shape}."
            )
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    if sample_weight is None:
        weights = jnp.ones(y_pred.shape, dtype)
    else:
        weights = jnp.broadcast_to(sample_weight, y_pred.shape)
    if label_weights is not None and not multi_label:
        label_weights = jnp.asarray(label_weights, dtype)
        weights = weights * jnp.broadcast_to(label_weights[None], y_pred.shape)
    # Work on (entries, columns): one column per label with `multi_label`, else one column.
    if multi_label:
        labels, preds = y_true != 0, y_pred
    else:
        labels, preds = (y_true != 0).reshape(-1, 1), y_pred.reshape(-1, 1)
        weights = weights.reshape(-1, 1)
    if evenly:
        counts = _bucketed_counts(labels, preds, weights, thresholds_np, dtype)
    else:
        thr = jnp.asarray(thresholds_np, dtype).reshape(-1, 1, 1)
        pred_pos = preds[None] > thr

        def count(label, pred):
            return jnp.sum(jnp.where(label & pred, weights[None], 0.0), axis=1)

        labels = labels[None]
        counts = {
            "tp": count(labels, pred_pos),
            "fp": count(~labels, pred_pos),
            "tn": count(~labels, ~pred_pos),
            "fn": count(labels, ~pred_pos),
        }
    if not multi_label:
        counts = {key: value[:, 0] for key, value in counts.items()}
    return counts


def _bucketed_counts(labels, preds, weights, thresholds_np, dtype) -> dict:
    """Counts of shape `(thresholds, columns)` via one bucketing pass per column."""
    n = len(thresholds_np)
    labels = labels.astype(dtype)
    true_w, false_w = labels * weights, (1.0 - labels) * weights
    buckets = jnp.ceil(jnp.clip(preds, 0.0, 1.0) * (n - 1)) - 1
    if thresholds_np[0] < 0.0 or thresholds_np[-1] > 1.0:
        buckets = jax.nn.relu(buckets)
    buckets = buckets.astype("int32")

    def per_column(data, ids):
        return jax.ops.segment_sum(data, ids, num_segments=n)

    def above(data):
        per_bucket = jax.vmap(per_column, in_axes=1, out_axes=1)(data, buckets)
        return jnp.flip(jnp.cumsum(jnp.flip(per_bucket, 0), axis=0), 0)

    tp, fp = above(true_w), above(false_w)
    return {
        "tp": tp,
        "fp": fp,
        "tn": jnp.sum(false_w, axis=0) - fp,
        "fn": jnp.sum(true_w, axis=0) - tp,
    }


def auc_from_counts(tp, fp, tn, fn, curve: str = "ROC", summation_method: str = "interpolation"):
    """Area under the ROC, PR or PR-gain curve from per-threshold counts (Riemann sum).

    Counts may carry a trailing label axis; the area is then one value per label.

    Args:
        tp: true positives per threshold (thresholds ascending).
        fp: false positives per threshold.
        tn: true negatives per threshold.
        fn: false negatives per threshold.
        curve: "ROC", "PR" or "PRGAIN".
        summation_method: "interpolation", "minoring" or "majoring".

    Returns:
        The area: a scalar, or one value per label.

    Example:
        >>> import jax.numpy as jnp
        >>> from lamina.metrics.confusion import auc_from_counts, confusion_counts
        >>> thresholds = [-1e-7, 0.5, 1 + 1e-7]
        >>> c = confusion_counts([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1], thresholds=thresholds)
        >>> round(float(auc_from_counts(c["tp"], c["fp"], c["tn"], c["fn"])), 4)
        0.5
    """
    n = tp.shape[0]
    if curve == "PR" and summation_method == "interpolation":
        return _interpolate_pr_auc(tp, fp, fn)
    recall = divide_no_nan(tp, tp + fn)
    if curve == "ROC":
        x, y = divide_no_nan(fp, fp + tn), recall
    elif curve == "PR":
        x, y = recall, divide_no_nan(tp, tp + fp)
    else:
        scale = divide_no_nan(tp + fn, tn + fp)
        recall_gain = 1.0 - scale * divide_no_nan(fn, tp)
        precision_gain = 1.0 - scale * divide_no_nan(fp, tp)
        x = jnp.maximum(jnp.where(tp == 0, 0.0, recall_gain), 0.0)
        y = jnp.where(tp == 0, 1.0, precision_gain)
    if summation_method == "interpolation":
        heights = (y[: n - 1] + y[1:]) / 2.0
    elif summation_method == "minoring":
        heights = jnp.minimum(y[: n - 1], y[1:])
    else:
        heights = jnp.maximum(y[: n - 1], y[1:])
    return jnp.sum((x[: n - 1] - x[1:]) * heights, axis=0)


def _interpolate_pr_auc(tp, fp, fn):
    """PR AUC with precision interpolated between thresholds (Davis & Goadrich, 2006)."""
    n = tp.shape[0]
    dtp = tp[: n - 1] - tp[1:]
    p = tp + fp
    dp = p[: n - 1] - p[1:]
    slope = divide_no_nan(dtp, jnp.maximum(dp, 0))
    intercept = tp[1:] - slope * p[1:]
    both = (p[: n - 1] > 0) & (p[1:] > 0)
    ratio = jnp.where(both, divide_no_nan(p[: n - 1], jnp.maximum(p[1:], 0)), 1.0)
    increments = divide_no_nan(
        slope * (dtp + intercept * jnp.log(ratio)), jnp.maximum(tp[1:] + fn[1:], 0)
    )
    return jnp.sum(increments, axis=0)
