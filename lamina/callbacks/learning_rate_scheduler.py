"""`LearningRateScheduler`: sets the optimizer's learning rate at the start of each epoch."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lamina.callbacks.callback import Callback


def learning_rate_value(optimizer) -> float:
    """The optimizer's current learning rate as a Python float (a schedule's current value too).

    Args:
        optimizer: an optimizer with a `learning_rate` attribute.

    Returns:
        A float.

    Raises:
        ValueError: the optimizer has no `learning_rate`.

    Example:
        >>> import lamina as keras
        >>> from lamina.callbacks.learning_rate_scheduler import learning_rate_value
        >>> learning_rate_value(keras.optimizers.SGD(0.25))
        0.25
    """
    if not hasattr(optimizer, "learning_rate"):
        raise ValueError(
            f"The optimizer {type(optimizer).__name__} has no `learning_rate` attribute."
        )
    lr = optimizer.learning_rate
    return float(np.asarray(getattr(lr, "value", lr)))


def optimizers_of(model) -> list:
    """The model's optimizers: the inner ones of a multi-optimizer, or the single one.

    Args:
        model: a compiled model.

    Returns:
        A list of optimizers.

    Example:
        >>> import lamina as keras
        >>> from lamina.callbacks.learning_rate_scheduler import optimizers_of
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(keras.optimizers.Adam(), "mse")
        >>> [type(opt).__name__ for opt in optimizers_of(model)]
        ['Adam']
    """
    optimizer = model.optimizer
    inner = getattr(optimizer, "optimizers", None)
    return list(inner) if inner else [optimizer]


def add_learning_rates(model, logs: dict) -> dict:
    """Adds the current learning rate to `logs`: as `learning_rate`, or as `learning_rate_<name>`
    for each inner optimizer of a multi-optimizer.

    Args:
        model: a compiled model.
        logs: the dict to update.

    Returns:
        `logs`, updated in place.

    Example:
        >>> import lamina as keras
        >>> from lamina.callbacks.learning_rate_scheduler import add_learning_rates
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(keras.optimizers.SGD(0.5), "mse")
        >>> add_learning_rates(model, {"loss": 1.0})
        {'loss': 1.0, 'learning_rate': 0.5}
    """
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

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> def halve_after_first(epoch, lr):
        ...     return lr if epoch == 0 else lr / 2
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(keras.optimizers.SGD(0.4), "mse")
        >>> history = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=3, verbose=0,
        ...     callbacks=[keras.callbacks.LearningRateScheduler(halve_after_first)])
        >>> [round(lr, 6) for lr in history.history["learning_rate"]]
        [0.4, 0.2, 0.1]
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
