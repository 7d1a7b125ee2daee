"""`History`: records the epoch logs of `fit` (returned by `fit`, also `model.history`)."""

from __future__ import annotations

from lamina.callbacks.callback import Callback


class History(Callback):
    """Records the logs of every epoch of `fit`; `fit` adds one to its callbacks and returns it (it
    is also `model.history`).

    `history.history` maps each log key (`"loss"`, `"val_loss"`, metric names) to the list of its
    per-epoch values, and `history.epoch` lists the 0-based epochs seen.

    Args:
        (none: `fit` creates it)

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> history = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=3, verbose=0)
        >>> history.epoch, list(history.history), len(history.history["loss"])
        ([0, 1, 2], ['loss'], 3)
        >>> model.history is history
        True
    """

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        self.model.history = self
