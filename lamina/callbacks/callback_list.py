"""`CallbackList`: calls every callback's hook, skipping batch hooks that nobody implements."""

from __future__ import annotations

from lamina.callbacks.callback import Callback, overridden_batch_hooks
from lamina.callbacks.history import History
from lamina.callbacks.progbar_logger import ProgbarLogger


class CallbackList(Callback):
    """A group of callbacks used as one.

    Args:
        callbacks: the user's callbacks.
        add_history: append a `History` callback (fit).
        add_progbar: append a `ProgbarLogger` (when verbose is not 0).
        model: the model the callbacks observe.
        **params: `verbose`, `epochs`, `steps` for `set_params`.

    Example:
        >>> import lamina as keras
        >>> seen = []
        >>> callbacks = keras.callbacks.CallbackList(
        ...     [keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(logs))],
        ...     epochs=1)
        >>> callbacks.on_epoch_end(0, {"loss": 0.5})
        >>> seen, callbacks.params
        ([{'loss': 0.5}], {'epochs': 1})
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        if isinstance(callbacks, Callback):
            raise TypeError(
                f"callbacks: expected a list of keras.callbacks.Callback instances, received a "
                f"single {type(callbacks).__name__}. Wrap it in a list: callbacks=[...]."
            )
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    f"callbacks: expected instances of keras.callbacks.Callback, received {cb!r} "
                    f"(of type {type(cb).__name__})."
                )
        self.history = None
        if add_history:
            self.history = next((c for c in self.callbacks if isinstance(c, History)), None)
            if self.history is None:
                self.history = History()
                self.callbacks.append(self.history)
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        # Batch hooks implemented by user callbacks: these need the model's weights current and
        # Python-number logs, so the engine syncs for them; built-in ones need neither.
        self.user_batch_hooks: set[str] = set()
        self.any_batch_hooks: set[str] = set()
        for cb in self.callbacks:
            hooks = overridden_batch_hooks(cb)
            self.any_batch_hooks |= hooks
            if not isinstance(cb, (History, ProgbarLogger)):
                self.user_batch_hooks |= hooks
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        for cb in self.callbacks:
            cb.set_params(params)

    def _call(self, hook, *args):
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs)

    def _batch(self, hook, batch, logs):
        if hook not in self.any_batch_hooks:
            return
        for cb in self.callbacks:
            getattr(cb, hook)(batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._batch("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._batch("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._batch("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._batch("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._batch("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._batch("on_predict_batch_end", batch, logs)
