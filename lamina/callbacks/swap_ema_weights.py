"""`SwapEMAWeights`: evaluate and predict with the optimizer's moving average of the weights."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Swaps the model's weights with the optimizer's exponential moving average (EMA) of them
    for evaluation and prediction, and back afterwards.

    The model's optimizer must be created with `use_ema=True`. During `evaluate` / `predict`
    (and the validation of `fit`) the model holds the averaged weights; training continues on
    the raw weights. With `swap_on_epoch=True` the averaged weights are also swapped in at the
    end of each epoch (so checkpoint callbacks placed after this one save them) and swapped out
    again at the start of the next one.

    Args:
        swap_on_epoch: also swap at the end / start of each epoch (default False).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(keras.optimizers.SGD(0.1, use_ema=True), "mse")
        >>> x, y = np.ones((8, 2), "float32"), np.zeros((8, 1), "float32")
        >>> history = model.fit(x, y, epochs=2, verbose=0,
        ...                     callbacks=[keras.callbacks.SwapEMAWeights()])
        >>> model.optimizer.use_ema
        True
    """

    def __init__(self, swap_on_epoch: bool = False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _optimizers(self) -> list:
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer
        inner = getattr(optimizer, "optimizers", None)
        candidates = list(inner) if inner is not None else [optimizer]
        found = [o for o in candidates if getattr(o, "use_ema", False)]
        if not found:
            raise ValueError(
                "SwapEMAWeights needs an optimizer created with `use_ema=True` (it swaps in the "
                "moving average of the weights that such an optimizer keeps). Received "
                f"use_ema={getattr(optimizer, 'use_ema', None)} on {type(optimizer).__name__}."
            )
        return found

    def _pairs(self):
        for optimizer in self._optimizers():
            if not optimizer.built:
                continue
            variables = optimizer._trainable_variables
            yield from ((v, a) for v, a in zip(variables, optimizer._averages) if a is not None)

    def _swap(self) -> None:
        for variable, average in self._pairs():
            raw = jnp.copy(variable.value)
            variable.assign(jnp.copy(average.value))
            average.assign(raw)

    def _finalize(self) -> None:
        # Training ends by writing the averages into the model (`finalize_variable_values`);
        # the model holds them already, so the averages take them back first.
        for variable, average in self._pairs():
            average.assign(jnp.copy(variable.value))

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True
            if epoch == self.params["epochs"] - 1:
                self._finalize()

    def on_test_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True

    def on_test_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False

    def on_predict_begin(self, logs=None):
        self.on_test_begin(logs)

    def on_predict_end(self, logs=None):
        self.on_test_end(logs)
