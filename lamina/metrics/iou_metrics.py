"""Intersection-over-union metrics for segmentation: `IoU`, `MeanIoU`, `BinaryIoU`,
`OneHotIoU`, `OneHotMeanIoU`. All accumulate a `(num_classes, num_classes)` confusion matrix
(rows: true class, columns: predicted class)."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.config import epsilon
from lamina.metrics.metric import Metric


def weighted_confusion_matrix(y_true, y_pred, num_classes: int, weights, dtype):
    """Adds `weights` at `[y_true, y_pred]` of a zero `(num_classes, num_classes)` matrix.

    Args:
        y_true: integer labels, flat.
        y_pred: integer predictions, flat.
        num_classes: the matrix size.
        weights: the weight of each entry.
        dtype: the matrix dtype.

    Returns:
        A `(num_classes, num_classes)` array; rows are labels, columns predictions.

    Example:
        >>> import numpy as np
        >>> from lamina.metrics.iou_metrics import weighted_confusion_matrix
        >>> y_true, y_pred = np.array([0, 1, 1]), np.array([0, 0, 1])
        >>> weighted_confusion_matrix(y_true, y_pred, 2, np.ones(3), "int32").tolist()
        [[1, 0], [1, 1]]
    """
    matrix = jnp.zeros((num_classes, num_classes), dtype)
    return matrix.at[y_true.astype("int32"), y_pred.astype("int32")].add(weights.astype(dtype))


class IoU(Metric):
    """Mean IoU over `target_class_ids`: `tp / (tp + fp + fn)` per class, accumulated.

    Labels and predictions are class ids, or one-hot/scores reduced with argmax over `axis` when
    `sparse_y_true` / `sparse_y_pred` is False. Entries whose class is out of range or equal to
    `ignore_class` are skipped. The state dtype defaults to int32, so float sample weights are
    truncated (as in Keras). Classes absent from both labels and predictions are left out of
    the mean.

    Args:
        num_classes: the number of classes.
        target_class_ids: the class ids whose IoUs are averaged.
        name: the metric's name.
        dtype: the state dtype (default "int32").
        ignore_class: an optional class id whose entries are skipped.
        sparse_y_true: whether labels are class ids (else one-hot, reduced by argmax over `axis`).
        sparse_y_pred: whether predictions are class ids (else scores, reduced by argmax over
            `axis`).
        axis: the class axis for the argmax.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.IoU(num_classes=2, target_class_ids=[0])
        >>> m.update_state(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]))
        >>> round(float(m.result()), 4)  # class 0: 1 / (1 + 1 + 1)
        0.3333
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids,
        name: str | None = None,
        dtype=None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ):
        super().__init__(name=name, dtype=dtype or "int32")
        if max(target_class_ids) >= num_classes:
            raise ValueError(
                f"{type(self).__name__}: target class id {max(target_class_ids)} is out of range "
                f"[0, {num_classes})."
            )
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.target_class_ids = list(target_class_ids)
        self.total_cm = self.add_variable(
            (num_classes, num_classes), "zeros", dtype=self.dtype, name="total_confusion_matrix"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.sparse_y_true:
            y_true = jnp.argmax(jnp.asarray(y_true), axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = jnp.argmax(jnp.asarray(y_pred), axis=self.axis)
        y_true = jnp.asarray(y_true).astype(self.dtype).reshape(-1)
        y_pred = jnp.asarray(y_pred).astype(self.dtype).reshape(-1)
        weight = jnp.asarray(1 if sample_weight is None else sample_weight).astype(self.dtype)
        weight = jnp.broadcast_to(weight.reshape(-1) if weight.ndim > 1 else weight, y_true.shape)
        valid = (y_true >= 0) & (y_true < self.num_classes)
        valid = valid & (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            valid = valid & (y_true != self.ignore_class)
        y_true = jnp.where(valid, y_true, 0)
        y_pred = jnp.where(valid, y_pred, 0)
        weight = jnp.where(valid, weight, 0)
        current = weighted_confusion_matrix(y_true, y_pred, self.num_classes, weight, self.dtype)
        self.total_cm.assign(self.total_cm.value + current)

    def result(self):
        cm = self.total_cm.value
        predicted = jnp.sum(cm, axis=0).astype("float32")
        actual = jnp.sum(cm, axis=1).astype("float32")
        tp = jnp.diag(cm).astype("float32")
        ids = jnp.asarray(self.target_class_ids, "int32")
        tp = tp[ids]
        denominator = (predicted + actual)[ids] - tp
        valid = denominator > 1e-9
        iou = jnp.where(valid, tp / (denominator + epsilon()), 0.0)
        return jnp.sum(iou, axis=self.axis) / (jnp.sum(valid.astype("float32")) + epsilon())

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class BinaryIoU(IoU):
    """IoU of binary labels against predictions thresholded at `threshold` (`>=`).

    Args:
        target_class_ids: which of the classes 0 and 1 to average over.
        threshold: predictions at or above it count as class 1.
        name: the metric's name.
        dtype: the state dtype (default "int32").

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.5)
        >>> m.update_state(np.array([0, 1, 0, 1]), np.array([0.1, 0.9, 0.6, 0.4]))
        >>> round(float(m.result()), 4)
        0.3333
    """

    def __init__(
        self,
        target_class_ids=(0, 1),
        threshold: float = 0.5,
        name: str | None = None,
        dtype=None,
    ):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = (jnp.asarray(y_pred).astype("float32") >= self.threshold).astype(self.dtype)
        return super().update_state(jnp.asarray(y_true).astype(self.dtype), y_pred, sample_weight)

    def get_config(self) -> dict:
        return {
            "target_class_ids": self.target_class_ids,
            "threshold": self.threshold,
            "name": self.name,
            "dtype": self.dtype,
        }

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class MeanIoU(IoU):
    """IoU averaged over all `num_classes` classes.

    Args:
        num_classes: the number of classes.
        name: the metric's name.
        dtype: the state dtype (default "int32").
        ignore_class: an optional class id whose entries are skipped.
        sparse_y_true: whether labels are class ids (else one-hot, reduced by argmax over `axis`).
        sparse_y_pred: whether predictions are class ids (else scores, reduced by argmax over
            `axis`).
        axis: the class axis for the argmax.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.MeanIoU(num_classes=2)
        >>> m.update_state(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]))
        >>> round(float(m.result()), 4)
        0.3333
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype=None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ):
        super().__init__(
            num_classes=num_classes,
            target_class_ids=list(range(num_classes)),
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """`IoU` for one-hot labels (and, unless `sparse_y_pred`, per-class scores).

    Args:
        num_classes: the number of classes.
        target_class_ids: the class ids whose IoUs are averaged.
        name: the metric's name.
        dtype: the state dtype (default "int32").
        ignore_class: an optional class id whose entries are skipped.
        sparse_y_pred: whether predictions are class ids (else scores, reduced by argmax over
            `axis`).
        axis: the class axis for the argmax.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2])
        >>> y_true = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]])
        >>> y_pred = np.array([[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
        >>> m.update_state(y_true, y_pred)
        >>> round(float(m.result()), 4)
        0.1667
    """

    def __init__(
        self,
        num_classes: int,
        target_class_ids,
        name: str | None = None,
        dtype=None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ):
        super().__init__(
            num_classes=num_classes,
            target_class_ids=target_class_ids,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """`MeanIoU` for one-hot labels (and, unless `sparse_y_pred`, per-class scores).

    Args:
        num_classes: the number of classes.
        name: the metric's name.
        dtype: the state dtype (default "int32").
        ignore_class: an optional class id whose entries are skipped.
        sparse_y_pred: whether predictions are class ids (else scores, reduced by argmax over
            `axis`).
        axis: the class axis for the argmax.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.OneHotMeanIoU(num_classes=3)
        >>> y_true = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]])
        >>> y_pred = np.array([[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
        >>> m.update_state(y_true, y_pred)
        >>> round(float(m.result()), 4)
        0.1111
    """

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype=None,
        ignore_class: int | None = None,
        sparse_y_pred: bool = False,
        axis: int = -1,
    ):
        super().__init__(
            num_classes=num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        return config
