"""`train_on_batch`, `test_on_batch`, `predict_on_batch`: one step on one given batch."""

from __future__ import annotations

import jax

from lamina.training.loops import _pythonify, _spec_of


class BatchMethods:
    """The single-batch methods of `Model` (mixed into `Trainer`).

    `train_on_batch`, `test_on_batch` and `predict_on_batch` run one compiled step on one given
    batch; as in Keras 3, each reports the metrics of that batch alone.

    Args:
        (none: a mixin of `Model`)

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((2,)),
        ...                           keras.layers.Dense(1, kernel_initializer="zeros")])
        >>> model.compile("sgd", "mse")
        >>> x, y = np.ones((4, 2)), np.ones((4, 1))
        >>> model.test_on_batch(x, y)
        1.0
        >>> model.predict_on_batch(x).shape
        (4, 1)
    """

    def _one_batch(self, kind, x, y, sample_weight, class_weight=None):
        x, y, sample_weight, _ = self._prepare(x, y, sample_weight, f"{kind}_on_batch")
        if class_weight is not None:
            sample_weight = self._class_weights(y, class_weight)
        self._symbolic_build(x, y)
        builder = self._builder()
        # As in Keras 3, each on-batch call reports the metrics of that batch alone.
        state = self._gather_state(builder, reset_metrics=True, kind=kind)
        # NumPy arrays go straight into the jitted step (cheaper than a separate device_put).
        new, logs = builder.single(kind)(state, (x, y, sample_weight))
        self._sync_state(builder, state._replace(metrics=new) if kind == "test" else new)
        return _pythonify(logs)

    def train_on_batch(
        self, x, y=None, sample_weight=None, class_weight=None, return_dict: bool = False
    ):
        """Runs one optimization step on one batch; returns the loss and metrics."""
        self._assert_compiled("train_on_batch")
        logs = self._one_batch("train", x, y, sample_weight, class_weight)
        return self._format_logs(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict: bool = False):
        """Evaluates one batch; returns its loss and metrics."""
        self._assert_compiled("test_on_batch")
        logs = self._one_batch("test", x, y, sample_weight)
        return self._format_logs(logs, return_dict)

    def predict_on_batch(self, x):
        """Returns the outputs for one batch as NumPy arrays."""
        x, _, _, _ = self._prepare(x, None, None, "predict_on_batch")
        if not self.built:
            self._maybe_build((_spec_of(x),), {})
        builder = self._predict_builder()
        state = self._gather_state(builder, reset_metrics=False, kind="predict")
        out, nt = builder.single("predict")(state, x)
        # Seed generators and stateful RNN states moved on (the step returns None for the
        # values it left unchanged).
        nt = [old if new is None else new for new, old in zip(nt, state.non_trainable)]
        self._sync_state(builder, state._replace(non_trainable=nt))
        return jax.device_get(out)
