"""`train_on_batch`, `test_on_batch`, `predict_on_batch`: one step on one given batch."""

from __future__ import annotations

import jax

from lamina.training.loops import _spec_of
from lamina.training.steps import TrainState


def _pythonify(logs):
    from lamina.training.loops import _pythonify as convert

    return convert(jax.device_get(logs))


class BatchMethods:
    """The single-batch methods of `Model` (mixed into `Trainer`)."""

    def _one_batch(self, kind, x, y, sample_weight, class_weight=None):
        x, y, sample_weight, _ = self._prepare(x, y, sample_weight, f"{kind}_on_batch")
        if class_weight is not None:
            sample_weight = self._class_weights(y, class_weight)
        self._symbolic_build(x, y)
        builder = self._builder()
        # As in Keras 3, each on-batch call reports the metrics of that batch alone.
        state = self._gather_state(builder, reset_metrics=True)
        step = builder.single(kind)
        # NumPy arrays go straight into the jitted step (cheaper than a separate device_put).
        data = (x, y, sample_weight)
        if kind == "test":
            metrics, logs = step(state._replace(optimizer=[]), data)
            for v, value in zip(builder.metric_vars, metrics):
                v._value = value
        else:
            state, logs = step(state, data)
            self._sync_state(builder, state)
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
        state = TrainState(
            [v._value for v in builder.trainable_vars],
            [v._value for v in builder.non_trainable_vars],
            [],
            [],
        )
        out, nt = builder.single("predict")(state, x)
        for v, value in zip(builder.non_trainable_vars, nt):
            v._value = value  # seed generators and stateful RNN states moved on
        return jax.device_get(out)
