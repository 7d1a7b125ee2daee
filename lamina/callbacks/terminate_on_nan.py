"""`TerminateOnNaN`: stops training at the first batch whose loss is NaN or infinite."""

from __future__ import annotations

import numpy as np

from lamina.callbacks.callback import Callback


class TerminateOnNaN(Callback):
    """Stops training when a batch reports a NaN or infinite `loss`.

    The current epoch ends after that batch (validation and epoch hooks still run).

    Args:
        raise_error: raise a `RuntimeError` instead of setting `model.stop_training`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> x, y = np.ones((4, 1)), np.array([[1.0], [np.nan], [1.0], [1.0]])
        >>> history = model.fit(x, y, batch_size=2, epochs=5, verbose=0, shuffle=False,
        ...                     callbacks=[keras.callbacks.TerminateOnNaN()])
        Batch 0: Invalid loss, terminating training
        >>> len(history.history["loss"])
        1
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = np.asarray(loss)
        if np.isnan(loss).any() or np.isinf(loss).any():
            if self.raise_error:
                raise RuntimeError(
                    f"TerminateOnNaN: the loss at batch {batch} is {loss}; stopping training."
                )
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
