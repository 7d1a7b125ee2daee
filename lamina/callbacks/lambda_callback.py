"""`LambdaCallback`: a callback made of plain functions."""

from __future__ import annotations

from collections.abc import Callable

from lamina.callbacks.callback import Callback


class LambdaCallback(Callback):
    """A callback made of plain functions, each run at the hook of the same name.

    `on_epoch_begin`/`on_epoch_end` receive `(epoch, logs)`, the batch ones `(batch, logs)`,
    `on_train_begin`/`on_train_end` receive `(logs)`. Extra keyword arguments set attributes of
    the callback, so other hooks (e.g. `on_test_end=...`) can be given too.

    Args:
        on_epoch_begin: called as `f(epoch, logs)` when an epoch starts.
        on_epoch_end: called as `f(epoch, logs)` when an epoch ends.
        on_train_begin: called as `f(logs)` when `fit` starts.
        on_train_end: called as `f(logs)` when `fit` ends.
        on_train_batch_begin: called as `f(batch, logs)` before each training batch.
        on_train_batch_end: called as `f(batch, logs)` after each training batch.
        **kwargs: any other hook, by name (`on_predict_end=...`, `on_test_batch_end=...`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> seen = []
        >>> callback = keras.callbacks.LambdaCallback(
        ...     on_epoch_end=lambda epoch, logs: seen.append(epoch))
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=3, verbose=0,
        ...               callbacks=[callback])
        >>> seen
        [0, 1, 2]
    """

    def __init__(
        self,
        on_epoch_begin: Callable | None = None,
        on_epoch_end: Callable | None = None,
        on_train_begin: Callable | None = None,
        on_train_end: Callable | None = None,
        on_train_batch_begin: Callable | None = None,
        on_train_batch_end: Callable | None = None,
        **kwargs,
    ):
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
        }
        for name, function in hooks.items():
            if function is not None:
                setattr(self, name, function)
