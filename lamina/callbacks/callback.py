"""`Callback`: hooks into training, evaluation and prediction."""

from __future__ import annotations


class Callback:
    """Base class of callbacks: objects whose hooks `fit`, `evaluate` and `predict` call at the
    start and end of a run, of each epoch and of each batch. Override the hooks you need.

    `self.model` is the model being trained and `self.params` holds `verbose`, `epochs` and
    `steps`. Inside `fit`, the model's weights are current when an epoch hook runs, and in batch
    hooks of callbacks that override them. Batch hooks nobody overrides are not called at all, so
    an epoch-level callback costs nothing per step.

    Args:
        (the constructor takes none; the hooks take these)
        epoch: the 0-based epoch index (`on_epoch_begin` / `on_epoch_end`).
        batch: the 0-based batch index within the epoch (the `on_*_batch_*` hooks).
        logs: a dict of the current results, e.g. `{"loss": ...}` at the end of a batch or epoch
            (`val_*` keys too at the end of an epoch with validation data).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> class CountBatches(keras.callbacks.Callback):
        ...     def on_train_begin(self, logs=None):
        ...         self.batches = 0
        ...     def on_train_batch_end(self, batch, logs=None):
        ...         self.batches += 1
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> counter = CountBatches()
        >>> _ = model.fit(np.ones((8, 2)), np.ones((8, 1)), batch_size=4, epochs=2, verbose=0,
        ...               callbacks=[counter])
        >>> counter.batches
        4
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
    `_unused_batch_hooks()`, which returns their names. Overriding `on_batch_begin` /
    `on_batch_end` counts as the training hooks too.

    Args:
        callback: a `Callback` instance.

    Returns:
        A set of hook names such as `{"on_train_batch_end"}`.

    Example:
        >>> from lamina.callbacks import Callback, EarlyStopping
        >>> from lamina.callbacks.callback import overridden_batch_hooks
        >>> class Printer(Callback):
        ...     def on_batch_end(self, batch, logs=None):
        ...         print(batch)
        >>> sorted(overridden_batch_hooks(Printer()))
        ['on_batch_end', 'on_train_batch_end']
        >>> overridden_batch_hooks(EarlyStopping())
        set()
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
