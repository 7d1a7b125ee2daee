"""`MonitorCallback`: the shared "did the monitored value improve?" logic."""

from __future__ import annotations

import operator
import warnings

from lamina.callbacks.callback import Callback

# Name fragments of metrics that get better as they grow (used by `mode='auto'` when a metric
# object does not say its direction through a `_direction` attribute).
_UP_FRAGMENTS = (
    "acc",
    "auc",
    "precision",
    "recall",
    "f1",
    "fbeta",
    "iou",
    "r2",
    "cosine_similarity",
    "true_positives",
    "true_negatives",
    "correlation",
    "specificity",
    "sensitivity",
)
_DOWN_FRAGMENTS = (
    "loss",
    "error",
    "crossentropy",
    "hinge",
    "logcosh",
    "poisson",
    "divergence",
    "false_positives",
    "false_negatives",
    "mae",
    "mse",
    "mape",
    "msle",
)


def _direction_from_name(name: str) -> str | None:
    lowered = name.lower()
    if any(f in lowered for f in _DOWN_FRAGMENTS):
        return "down"
    if any(f in lowered for f in _UP_FRAGMENTS):
        return "up"
    return None


class MonitorCallback(Callback):
    """Base of callbacks that watch one logged value (`EarlyStopping`, `ModelCheckpoint`, ...).

    Args:
        monitor: the log key to watch, e.g. `"val_loss"`.
        mode: `"min"`, `"max"`, or `"auto"` (loss-like names are minimized; a compiled metric
            is minimized or maximized by its kind, e.g. accuracy and AUC are maximized).
        baseline: the initial best value, or `None` to take the first value seen.
        min_delta: the smallest change that counts as an improvement.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> class BestLoss(keras.callbacks.MonitorCallback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         if self.monitor_op is None:
        ...             self._set_monitor_op()
        ...         if self._is_improvement(logs[self.monitor], self.best):
        ...             self.best = logs[self.monitor]
        >>> best = BestLoss(monitor="loss")
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> history = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=3, verbose=0,
        ...                     callbacks=[best])
        >>> best.best == min(history.history["loss"])
        True
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        mode: str = "auto",
        baseline: float | None = None,
        min_delta: float = 0,
    ):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"{type(self).__name__}: unknown mode {mode!r}; using 'auto' instead.",
                stacklevel=2,
            )
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _metric_direction(self, name: str) -> str | None:
        """`"up"`/`"down"` for the compiled metric called `name`, if the model has one."""
        model = self.model
        candidates = []
        for metric in getattr(model, "metrics", None) or []:
            inner = getattr(metric, "metrics", None)
            if isinstance(inner, list):
                candidates.extend(inner)
            entries = getattr(metric, "entries", None)
            if entries:
                # Compile metrics of several outputs are logged as `<output>_<metric>`.
                candidates.extend((key, m) for _, m, _, key in entries)
        for item in candidates:
            key, metric = item if isinstance(item, tuple) else (getattr(item, "name", None), item)
            if name not in (key, getattr(metric, "name", None)):
                continue
            direction = getattr(metric, "_direction", None)
            if direction in ("up", "down"):
                return direction
            direction = _direction_from_name(getattr(metric, "name", "") or "")
            if direction is None:
                direction = _direction_from_name(type(metric).__name__)
            if direction is not None:
                return direction
        return None

    def _set_monitor_op(self) -> None:
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            name = self.monitor.removeprefix("val_")
            direction = "down" if name == "loss" else self._metric_direction(name)
            if direction is None:
                direction = _direction_from_name(name)
            if direction is None:
                raise ValueError(
                    f"{type(self).__name__}: cannot tell whether monitor={self.monitor!r} should "
                    "be minimized or maximized. Pass mode='min' or mode='max'."
                )
            self.monitor_op = operator.gt if direction == "up" else operator.lt
        if self.monitor_op is operator.lt:
            self.min_delta *= -1

    def _is_improvement(self, monitor_value, reference_value) -> bool:
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))
