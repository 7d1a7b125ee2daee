"""`LearningRateScheduler`: sets the optimizer's learning rate at the start of each epoch."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lamina.callbacks.callback import Callback


def learning_rate_value(optimizer) -> float:
    """The optimizer's current learning rate as a Python float."""
    if not hasattr(optimizer, "learning_rate"):
        raise ValueError(
            f"The optimizer {type(optimizer).__name__} has no `learning_rate` attribute."
        )
    lr = optimizer.learning_rate
    return float(np.asarray(getattr(lr, "value", lr)))


def optimizers_of(model) -> list:
    """The model's optimizers: the inner ones of a multi-optimizer, or the single one."""
    optimizer = model.optimizer
    inner = getattr(optimizer, "optimizers", None)
    return list(inner) if inner else [optimizer]


def add_learning_rates(model, logs: dict) -> dict:
    """Adds `learning_rate` (or `learning_rate_<name>` per inner optimizer) to `logs`."""
    optimizer = model.optimizer
    if getattr(optimizer, "optimizers", None):
        for opt in optimizer.optimizers:
            logs[f"learning_rate_{opt.name}"] = learning_rate_value(opt)
    else:
        logs["learning_rate"] = learning_rate_value(optimizer)
    return logs


class LearningRateScheduler(Callback):
    """Calls `schedule(epoch, lr)` (0-based epoch, current rate) at each epoch start and sets
    the optimizer's learning rate to the float it returns; `schedule(epoch)` also works.

    The rate in use is added to the epoch logs as `learning_rate`.

    Args:
        schedule: a function returning the new learning rate as a float.
        verbose: 1 prints the rate set at each epoch.
    """

    def __init__(self, schedule: Callable, verbose: int = 0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def _update(self, optimizer, epoch: int) -> float:
        current = learning_rate_value(optimizer)
        try:
            lr = self.schedule(epoch, current)
        except TypeError:  # a one-argument schedule
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.float32, np.float64)):
            raise ValueError(
                f"LearningRateScheduler: the schedule must return a float; for epoch {epoch} it "
                f"returned {lr!r} (of type {type(lr).__name__})."
            )
        optimizer.learning_rate = float(lr)
        return float(lr)

    def on_epoch_begin(self, epoch, logs=None):
        several = bool(getattr(self.model.optimizer, "optimizers", None))
        for opt in optimizers_of(self.model):
            lr = self._update(opt, epoch)
            if self.verbose > 0:
                which = f"{opt.name} " if several else ""
                print(
                    f"\nEpoch {epoch + 1}: LearningRateScheduler setting {which}learning rate to {lr}."
                )

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            add_learning_rates(self.model, logs)
