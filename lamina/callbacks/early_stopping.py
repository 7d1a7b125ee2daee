"""`EarlyStopping`: ends `fit` once the monitored value stops improving."""

from __future__ import annotations

import warnings

from lamina.callbacks.monitor_callback import MonitorCallback


class EarlyStopping(MonitorCallback):
    """Stops training when `monitor` has not improved for `patience` epochs.

    Training stops at the end of epoch `best_epoch + patience` (0-based, kept in
    `stopped_epoch`). With a `baseline`, the wait counter only restarts on values that beat both
    the best value so far and the baseline. `restore_best_weights=True` puts back the weights
    of the best epoch when training ends, whether or not training was stopped early.

    Args:
        monitor: the log key to watch.
        min_delta: changes smaller than this do not count as improvements.
        patience: epochs without improvement before stopping.
        verbose: 1 prints a line when the callback stops training or restores weights.
        mode: `"auto"`, `"min"` or `"max"` (see `MonitorCallback`).
        baseline: a value the monitored quantity must beat to reset the wait.
        restore_best_weights: restore the best epoch's weights in `on_train_end`.
        start_from_epoch: epochs to skip before watching starts (warm-up).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> losses = iter([1.0, 0.5, 0.6, 0.7, 0.8, 0.9])
        >>> class FakeLoss(keras.callbacks.Callback):  # logs a made-up loss each epoch
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         logs["loss"] = next(losses)
        >>> stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=2)
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> history = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=6, verbose=0,
        ...                     callbacks=[FakeLoss(), stopper])
        >>> history.epoch, stopper.stopped_epoch  # best at epoch 1, two more epochs, stop
        ([0, 1, 2, 3], 3)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights: list | None = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        # The same instance may serve several `fit` calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(
                    f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs) -> float | None:
        """The monitored value from `logs`, or `None` with a warning naming the keys there are."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"EarlyStopping is watching `{self.monitor}`, which is not in the logs. "
                f"Available keys: {', '.join(logs.keys())}",
                stacklevel=2,
            )
        return value
