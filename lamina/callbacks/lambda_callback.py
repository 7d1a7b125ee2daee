"""`LambdaCallback`: a callback made of plain functions."""

from __future__ import annotations

from collections.abc import Callable

from lamina.callbacks.callback import Callback


class LambdaCallback(Callback):
    """Runs the given functions at the matching hooks.

    `on_epoch_begin`/`on_epoch_end` receive `(epoch, logs)`, the batch ones `(batch, logs)`,
    `on_train_begin`/`on_train_end` receive `(logs)`. Extra keyword arguments set attributes of
    the callback, so other hooks (e.g. `on_test_end=...`) can be given too.
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
