"""`ProgbarLogger`: prints the progress bar and per-epoch lines of fit/evaluate/predict."""

from __future__ import annotations

from lamina.callbacks.callback import Callback
from lamina.utils.progbar import Progbar


class ProgbarLogger(Callback):
    """Prints a progress bar per epoch (and an `Epoch i/n` line) during `fit`, and one for
    `evaluate` and `predict`; these add it themselves when `verbose` is not 0.

    With `verbose=1` the bar is redrawn after each batch; with `verbose=2` only one line per
    epoch is printed. The values shown are the batch logs (loss and metrics).

    Args:
        (none: `verbose`, `epochs` and `steps` come from the run's `params`)

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=2)
        Epoch 1/2
        1/1 - ... - loss: ...
        Epoch 2/2
        1/1 - ... - loss: ...
    """

    def __init__(self):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.progbar = None
        self._mode = "train"

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        if self.verbose == "auto":
            self.verbose = 1
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _reset(self):
        # The logs are running values already: shown as given (Keras passes the same).
        self.progbar = Progbar(
            self.target, verbose=self.verbose, unit_name="step", stateless_metrics=set()
        )

    def on_train_begin(self, logs=None):
        self._mode = "train"

    def on_epoch_begin(self, epoch, logs=None):
        self._reset()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self.progbar.update(batch + 1, _floats_lazy(logs), finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        self.progbar.update(self.progbar_target(), logs, finalize=True)

    def progbar_target(self):
        return self.target if self.target is not None else getattr(self, "_seen", 0)

    def on_test_begin(self, logs=None):
        if self._mode != "train" or self.progbar is None:
            self._mode = "test"
            self._reset()

    def on_test_batch_end(self, batch, logs=None):
        if self._mode == "test":
            self.progbar.update(batch + 1, _floats_lazy(logs), finalize=False)

    def on_test_end(self, logs=None):
        if self._mode == "test":
            self.progbar.update(self.target or 0, logs, finalize=True)

    def on_predict_begin(self, logs=None):
        self._mode = "predict"
        self._reset()

    def on_predict_batch_end(self, batch, logs=None):
        self.progbar.update(batch + 1, None, finalize=False)

    def on_predict_end(self, logs=None):
        self.progbar.update(self.target or 0, None, finalize=True)


def _floats_lazy(logs):
    """Flattens nested logs; values stay on the device until Progbar redraws."""
    if not logs:
        return logs
    out = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            out.update(_floats_lazy(value))
        else:
            out[key] = value
    return out
