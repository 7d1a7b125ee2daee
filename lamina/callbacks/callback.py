"""`Callback`: hooks into training, evaluation and prediction."""

from __future__ import annotations


class Callback:
    """Base class of callbacks; override the hooks you need.

    `self.model` is the model being trained and `self.params` holds `verbose`, `epochs` and
    `steps`. Inside `fit`, the model's weights are current when an epoch hook runs, and in batch
    hooks of callbacks that override them.
    """

    def __init__(self):
        self.params: dict = {}
        self._model = None

    def set_params(self, params: dict) -> None:
        self.params = params

    def set_model(self, model) -> None:
        self._model = model

    @property
    def model(self):
        return self._model

    # Epoch / whole-run hooks.
    def on_epoch_begin(self, epoch: int, logs=None):
        pass

    def on_epoch_end(self, epoch: int, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass

    # Batch hooks. `on_batch_*` are the training aliases, called by the defaults below.
    def on_batch_begin(self, batch: int, logs=None):
        pass

    def on_batch_end(self, batch: int, logs=None):
        pass

    def on_train_batch_begin(self, batch: int, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs=None):
        pass

    def on_test_batch_end(self, batch: int, logs=None):
        pass

    def on_predict_batch_begin(self, batch: int, logs=None):
        pass

    def on_predict_batch_end(self, batch: int, logs=None):
        pass


_BATCH_HOOKS = (
    "on_batch_begin",
    "on_batch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
)


def overridden_batch_hooks(callback) -> set[str]:
    """The batch hooks a callback really implements (the engine skips calling the others).

    A hook counts when the class overrides it or the instance sets it (as `LambdaCallback`
    does); a callback can drop hooks it does not need with its configuration by defining
    `_unused_batch_hooks()`, which returns their names.
    """
    out = set()
    for name in _BATCH_HOOKS:
        if getattr(type(callback), name, None) is not getattr(Callback, name):
            out.add(name)
        elif name in getattr(callback, "__dict__", {}):
            out.add(name)
    unused = getattr(callback, "_unused_batch_hooks", None)
    if unused is not None:
        out -= set(unused())
    if "on_batch_begin" in out:
        out.add("on_train_batch_begin")
    if "on_batch_end" in out:
        out.add("on_train_batch_end")
    return out
