"""`ReduceLROnPlateau`: divides the learning rate when the monitored value stalls."""

from __future__ import annotations

import warnings

import numpy as np

from lamina.callbacks.learning_rate_scheduler import (
    add_learning_rates,
    learning_rate_value,
    optimizers_of,
)
from lamina.callbacks.monitor_callback import MonitorCallback


class ReduceLROnPlateau(MonitorCallback):
    """Multiplies the learning rate by `factor` after `patience` epochs without improvement.

    After a reduction, `cooldown` epochs pass before the wait counter runs again; the rate
    never goes below `min_lr`. The rate in use is added to the epoch logs as `learning_rate`
    (before the comparison, so `learning_rate` is the one the epoch trained with).

    Args:
        monitor: the log key to watch.
        factor: the multiplier, below 1.
        patience: epochs without improvement before a reduction.
        verbose: 1 prints each reduction.
        mode: `"auto"`, `"min"` or `"max"` (see `MonitorCallback`).
        min_delta: changes smaller than this do not count as improvements.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the lowest learning rate.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> class FlatLoss(keras.callbacks.Callback):  # a loss that never improves
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         logs["loss"] = 1.0
        >>> reduce = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(keras.optimizers.SGD(0.1), "mse")
        >>> history = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=4, verbose=0,
        ...                     callbacks=[FlatLoss(), reduce])
        >>> [round(lr, 6) for lr in history.history["learning_rate"]]  # the rate each epoch used
        [0.1, 0.1, 0.05, 0.025]
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        **kwargs,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau: factor must be below 1.0; received factor={factor}."
            )
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self) -> None:
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        self._reset()

    def _reduce(self, optimizer, epoch: int, name: str) -> bool:
        old_lr = learning_rate_value(optimizer)
        if old_lr <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            which = f" {name}" if name else ""
            print(
                f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{which} learning rate to {new_lr}."
            )
        return True

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        add_learning_rates(self.model, logs)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"ReduceLROnPlateau is watching `{self.monitor}`, which is not in the logs. "
                f"Available keys: {', '.join(logs.keys())}.",
                stacklevel=2,
            )
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                several = hasattr(self.model.optimizer, "optimizers")
                reduced = False
                for opt in optimizers_of(self.model):
                    reduced |= self._reduce(opt, epoch, opt.name if several else "")
                if reduced:
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
