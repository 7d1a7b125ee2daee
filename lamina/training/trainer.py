"""`compile`, `fit`, `evaluate`, `predict` and the `*_on_batch` methods of `Model`.

During `fit` the `TrainState` (a tuple of lists of arrays) is the truth: it goes through the
jitted step, donated, and is written back to the variables once per epoch, before callbacks
that need the model, and at the end (also when training is interrupted).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core import state as state_lib
from lamina.core.variable import structure_version
from lamina.distribution import engine as dist_engine
from lamina.training import data as data_lib
from lamina.training.batch_methods import BatchMethods
from lamina.training.compile_utils import CompileLoss, CompileMetrics
from lamina.training.loops import Loops, _spec_of
from lamina.training.steps import (
    StepBuilder,
    TrainState,
    flatten_outputs,
    flatten_targets,
    full_mask,
)
from lamina.utils.data_utils import unpack_x_y_sample_weight


class Trainer(Loops, BatchMethods):
    """The training half of `Model` (mixed into it): `compile`, `fit`, `evaluate`, `predict` and
    the `*_on_batch` methods.

    During `fit` the train state (the variables' arrays) goes through the jitted step and is
    written back to the variables once per epoch, before callbacks that need the model, and at
    the end (also when training is interrupted).

    Args:
        (none: use it through `keras.Model`)

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.training.trainer import Trainer
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> isinstance(model, Trainer)
        True
        >>> model.compile("sgd", "mse")
        >>> round(float(model.evaluate(np.zeros((2, 2)), np.zeros((2, 1)), verbose=0)), 4)
        0.0
    """

    # Until `compile` sets them on the instance, a model reads these defaults.
    compiled = False
    optimizer = None
    loss = None
    history = None
    stop_training = False
    _compile_loss = None
    _compile_metrics = None
    _loss_tracker = None
    _output_loss_trackers: list = []
    _compile_built = False
    _step_builder = None
    _compile_config = None
    _run_eagerly = False
    _steps_per_execution = "auto"

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly: bool = False,
        steps_per_execution: int | str = "auto",
        jit_compile="auto",
        auto_scale_loss: bool = True,
    ) -> None:
        """Configures the model for training (Keras's arguments and defaults)."""
        from lamina import metrics as metrics_module
        from lamina import optimizers

        # `optimizer=None` is accepted as in Keras (a model only evaluated or used for
        # predictions needs none); `fit` then says what is missing.
        optimizer = None if optimizer is None else optimizers.get(optimizer)
        if (
            optimizer is not None
            and auto_scale_loss
            and self.dtype_policy.name == "mixed_float16"
            and not isinstance(optimizer, optimizers.LossScaleOptimizer)
        ):
            # float16 gradients underflow without loss scaling (Keras does the same).
            optimizer = optimizers.LossScaleOptimizer(optimizer, name="loss_scale_optimizer")
        _check_compile_arguments(steps_per_execution, loss, metrics, weighted_metrics)
        _set = object.__setattr__
        _set(self, "optimizer", optimizer)
        _set(self, "loss", loss)
        _set(self, "_compile_loss", CompileLoss(loss, loss_weights))
        _set(self, "_compile_metrics", CompileMetrics(metrics, weighted_metrics))
        _set(self, "_loss_tracker", metrics_module.Mean(name="loss"))
        _set(self, "_output_loss_trackers", [])
        _set(self, "_compile_built", False)
        _set(self, "_step_builder", None)
        _set(self, "_run_eagerly", bool(run_eagerly))
        _set(self, "_steps_per_execution", steps_per_execution)
        _set(self, "compiled", True)
        _set(
            self,
            "_compile_config",
            {
                "optimizer": optimizer,
                "loss": loss,
                "loss_weights": loss_weights,
                "metrics": metrics,
                "weighted_metrics": weighted_metrics,
                "run_eagerly": bool(run_eagerly),
                # Files carry Keras's int; "auto" (lamina's default) is written as Keras's 1.
                "steps_per_execution": 1 if steps_per_execution == "auto" else steps_per_execution,
                # "auto" means jit, as in Keras when every layer supports it (all of lamina's do).
                "jit_compile": False
                if run_eagerly
                else (jit_compile == "auto" or bool(jit_compile)),
            },
        )

    @property
    def run_eagerly(self) -> bool:
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value: bool) -> None:
        object.__setattr__(self, "_run_eagerly", bool(value))
        object.__setattr__(self, "_step_builder", None)

    @property
    def steps_per_execution(self) -> int:
        return self._steps_per_execution

    def get_compile_config(self) -> dict:
        """The arguments given to `compile` ({} if not compiled), for saving."""
        return dict(self._compile_config) if self.compiled else {}

    def _assert_compiled(self, method: str) -> None:
        if not self.compiled:
            raise ValueError(
                f"You must call `compile()` before `{method}()`: e.g. "
                "model.compile(optimizer='adam', loss='mse')."
            )
        if method in ("fit", "train_on_batch") and self.optimizer is None:
            raise ValueError(
                f"Model '{self.name}' was compiled with optimizer=None, and `{method}()` needs "
                "an optimizer: compile it with one, e.g. model.compile(optimizer='adam', ...)."
            )

    # ------------------------------------------------------------------ metrics
    @property
    def metrics(self) -> list:
        """The loss tracker, `compile_metrics`, the per-output loss trackers, the metrics the
        model tracks as attributes, then those of its layers — not of nested models, whose
        metrics are their own (Keras's order and rule)."""
        out = []
        if self._loss_tracker is not None:
            out.append(self._loss_tracker)
            out.append(self._compile_metrics)
            out.extend(self._output_loss_trackers)
        out.extend(self._metrics)
        for layer in self._layers:
            if not isinstance(layer, Trainer):
                out.extend(layer.metrics)
        return out

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def _compile_metric_variables(self) -> list:
        return [v for m in self.metrics for v in m.variables]

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    # ------------------------------------------------------------------ building
    def _output_names(self, n: int) -> list[str]:
        names = getattr(self, "output_names", None)
        if names and len(names) == n:
            return list(names)
        return [f"output_{i + 1}" for i in range(n)] if n > 1 else ["output"]

    def _symbolic_build(self, x, y=None) -> None:
        if self.built and self._compile_built:
            return
        x_spec = _spec_of(x)
        if not self.built:
            self._maybe_build((x_spec,), {})
        if self._compile_built:
            return
        from lamina import metrics as metrics_module

        with state_lib.call_context(False):
            y_pred_spec = self.compute_output_spec(x_spec)
        preds = flatten_outputs(self, y_pred_spec)
        names = self._output_names(len(preds))
        pred_shapes = [p.shape for p in preds]
        if y is not None:
            targets = flatten_targets(self, y, len(preds))
            target_shapes = [(None, *tuple(t.shape[1:])) for t in targets]
            if self.loss is not None:
                self._compile_loss.build(target_shapes, pred_shapes, names)
                if isinstance(self.loss, dict):
                    # Per-output losses are reported in the order the loss dict names them.
                    order = list(self.loss)
                    self._compile_loss.entries.sort(key=lambda e: order.index(names[e.index]))
            else:
                self._compile_loss.entries = []
            self._compile_metrics.build(target_shapes, pred_shapes, names)
            trackers = []
            if len(self._compile_loss.entries) > 1:
                trackers = [
                    metrics_module.Mean(name=f"{e.name}_loss") for e in self._compile_loss.entries
                ]
            object.__setattr__(self, "_output_loss_trackers", trackers)
            object.__setattr__(self, "_compile_built", True)
        else:
            # No targets (`fit(x)`): only `add_loss` losses count, and no compiled loss or
            # metric applies (built for real once data with targets arrives).
            if self._compile_loss.entries is None:
                self._compile_loss.entries = []
            if self._compile_metrics.entries is None:
                self._compile_metrics.entries = []
        if self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(self.trainable_variables)

    def _builder(self) -> StepBuilder:
        """The step builder for the current variables (rebuilt when they change, e.g. after the
        compiled metrics are first built)."""
        builder = self._step_builder
        version = structure_version()
        if builder is not None and builder.version == version:
            return builder  # nothing was created, attached or (un)frozen since
        if builder is None or not builder.same_variables(self):
            builder = StepBuilder(self, jit=not self._run_eagerly)
            object.__setattr__(self, "_step_builder", builder)
        builder.version = version
        return builder

    def _gather_state(
        self, builder: StepBuilder, reset_metrics: bool, kind: str = "train"
    ) -> TrainState:
        """The variables' values as a step of `kind` takes them (test steps take no optimizer
        slots; predict steps neither those nor metrics), placed by layout under a
        distribution."""
        # Outside any state scope (the usual case) a variable's value is its stored array.
        read = (lambda v: v.value) if state_lib.current_scope() is not None else _stored
        if kind == "predict":
            metrics = []
        elif not reset_metrics:
            metrics = [read(v) for v in builder.metric_vars]
        else:
            if builder.initial_metrics is None:
                # Reset values are computed once and kept on the host (the donated step would
                # delete device buffers, and a metric may reset to a cached array).
                with state_lib.StateScope() as scope:
                    for m in self.metrics:
                        m.reset_state()
                    values = [scope.get(v) for v in builder.metric_vars]
                builder.initial_metrics = [
                    np.array(v.value if value is None else value)
                    for v, value in zip(builder.metric_vars, values)
                ]
            metrics = list(builder.initial_metrics)
        state = TrainState(
            [read(v) for v in builder.trainable_vars],
            [read(v) for v in builder.non_trainable_vars],
            [read(v) for v in builder.optimizer_vars] if kind == "train" else [],
            metrics,
        )
        return dist_engine.place_state(builder, state)

    def _sync_state(self, builder: StepBuilder, state: TrainState) -> None:
        for variables, values in zip(builder.variable_lists(), state):
            for v, value in zip(variables, values):
                v._value = value

    # ------------------------------------------------------------------ overridable steps
    def _overridden_steps(self) -> set[str]:
        return {
            name
            for name in (
                "train_step",
                "test_step",
                "predict_step",
                "compute_loss",
                "compute_metrics",
            )
            if getattr(type(self), name) is not getattr(Trainer, name)
        }

    @property
    def losses(self) -> list:
        override = self.__dict__.get("_losses_override")
        if override is not None:
            return list(override)
        return super().losses

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss of `y_pred` against `y`, plus `self.losses` (regularization and
        `add_loss` values). Override it to change how the loss is computed."""
        preds = flatten_outputs(self, y_pred)
        targets = flatten_targets(self, y, len(preds))
        weights = flatten_targets(self, sample_weight, len(preds), "sample_weight")
        # In the engine's steps, the padding mask of the batch (None elsewhere).
        mask = state_lib.current_batch_mask()
        total, per_output = self._compile_loss(targets, preds, weights, mask)
        if "_per_output_losses" in self.__dict__:
            object.__setattr__(self, "_per_output_losses", per_output)  # for the loss trackers
        for value in self.losses:
            total = total + jnp.asarray(value, "float32")
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict:
        """Updates the compiled metrics with one batch and returns every metric's result.

        The training and evaluation steps call it after updating the loss tracker; override
        it to update metrics of your own (call `super().compute_metrics(...)` to keep the
        compiled ones).

        Args:
            x: the batch's inputs.
            y: its targets (None without targets).
            y_pred: the model's outputs.
            sample_weight: its sample weights, or None.

        Returns:
            A dict of metric results, keyed as the history keys them (see
            `get_metrics_result`).

        Example:

        >>> import numpy as np
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        >>> model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0) and None
        >>> sorted(model.compute_metrics(None, np.ones((2, 1)), np.zeros((2, 1))))
        ['loss', 'mae']
        """
        del x
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        """The current result of every metric in `self.metrics`, as one flat dict (a
        metric returning a dict, such as the compiled metrics, contributes its entries).

        Returns:
            A dict from metric name to result.

        Example:

        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> model.get_metrics_result()
        {'loss': Array(0., dtype=float32)}
        """
        logs = {}
        for m in self.metrics:
            result = m.result()
            if isinstance(result, dict):
                logs.update(result)
            else:
                logs[m.name] = result
        return logs

    def train_step(self, state, data):
        """One training step, Keras-on-JAX style: `(state, data) -> (logs, state)` with `state =
        (trainable, non_trainable, optimizer, metrics)` variable values. Override it for custom
        training logic (it runs inside the jitted step)."""
        batch = unpack_x_y_sample_weight(data)
        state = TrainState(*[list(s) for s in state])
        new_state, logs = self._builder().train_core(state, batch, full_mask(batch[0]))
        return logs, tuple(new_state)

    def test_step(self, state, data):
        """One evaluation step: `(state, data) -> (logs, state)` with `state = (trainable,
        non_trainable, metrics)`."""
        batch = unpack_x_y_sample_weight(data)
        trainable, non_trainable, metrics = state
        state = TrainState(list(trainable), list(non_trainable), [], list(metrics))
        new_state, logs = self._builder().test_core(state, batch, full_mask(batch[0]))
        return logs, (new_state.trainable, new_state.non_trainable, new_state.metrics)

    def predict_step(self, state, data):
        """One prediction step: `(state, data) -> (outputs, non_trainable)` with `state =
        (trainable, non_trainable)`."""
        x, _, _ = unpack_x_y_sample_weight(data)
        trainable, non_trainable = state
        return self.stateless_call(list(trainable), list(non_trainable), x, training=False)

    # ------------------------------------------------------------------ data
    def _prepare(self, x, y, sample_weight, method: str):
        if x is not None and self._has_host_part():
            x = self._host_inputs(x)  # strings and vocabularies: the host part runs first
        if sample_weight is None and _ready(x) and (y is None or _ready(y, x.shape[0])):
            # The common case, already in its final form (parts of several processes joined).
            return dist_engine.process_data(x, y, None, x.shape[0], method)
        if x is None:
            raise ValueError(f"{method}(): `x` is required.")
        from lamina.core.symbolic import KerasTensor

        if any(
            isinstance(leaf, KerasTensor)
            for leaf in jax.tree.leaves(x, is_leaf=lambda t: isinstance(t, KerasTensor))
        ):
            raise TypeError(
                f"{method}(): `x` must be a concrete array, received a KerasTensor (symbolic, "
                f"from keras.Input). {method}() needs data; to build a graph on a symbolic "
                "tensor, call model(x) instead."
            )
        x = data_lib.normalize_structure(x, "x")
        y = data_lib.normalize_structure(y, "y")
        sample_weight = data_lib.normalize_structure(sample_weight, "sample_weight")
        n = data_lib.check_same_samples(x=x, y=y, sample_weight=sample_weight)
        # Several processes, each passing its own part of the data: join the parts.
        return dist_engine.process_data(x, y, sample_weight, n, method)

    def _class_weights(self, y, class_weight):
        if isinstance(y, (list, tuple, dict)):
            raise ValueError("`class_weight` is only supported for models with a single output.")
        return data_lib.class_weight_to_sample_weights(y, class_weight)

    def _format_logs(self, logs: dict, return_dict: bool):
        if return_dict:
            return dict(sorted(logs.items()))
        # The list form follows Keras: the metrics' names in `self.metrics` order (the compiled
        # metrics expanded), then any other key in sorted order.
        names = []
        for metric in self.metrics:
            if metric is self._compile_metrics:
                names.extend(m.name for m in metric.metrics)
            else:
                names.append(metric.name)
        order = [name for name in names if name in logs]
        order += sorted(k for k in logs if k not in order)
        values = [logs[k] for k in order]
        return values[0] if len(values) == 1 else values


# NumPy dtypes that need no conversion before they reach a step (float64 and int64 do).
_READY_DTYPES = frozenset(
    np.dtype(d) for d in ("float32", "float16", "int32", "uint8", "int8", "int16", "bool")
)


def _ready(a, rows: int | None = None) -> bool:
    """Whether `a` is a NumPy array that needs no conversion (with `rows` rows if given)."""
    return (
        type(a) is np.ndarray
        and a.dtype in _READY_DTYPES
        and a.ndim > 0
        and (rows is None or a.shape[0] == rows)
    )


def _stored(variable):
    return variable._value


def _check_compile_arguments(steps_per_execution, loss, metrics, weighted_metrics) -> None:
    spe = steps_per_execution
    if spe != "auto" and (isinstance(spe, bool) or not isinstance(spe, int)):
        raise ValueError(
            f"compile(steps_per_execution=...): expected a positive int or 'auto', received "
            f"{spe!r}."
        )
    if spe != "auto" and spe < 1:
        raise ValueError(f"compile(steps_per_execution=...) must be >= 1, received {spe}.")
    if metrics is not None and not isinstance(metrics, (list, tuple, dict)):
        raise TypeError(
            "compile(metrics=...): expected a list (or a dict keyed by output name), "
            f"received {metrics!r}. Wrap a single metric in a list: metrics=[{metrics!r}]."
        )
    _validate_names(loss, metrics, weighted_metrics)


def _validate_names(loss, metrics, weighted_metrics) -> None:
    """Resolves the string names given to `compile` now, so a typo fails at `compile`."""
    from lamina import losses as losses_module
    from lamina import metrics as metrics_module

    def leaves(config):
        if isinstance(config, dict):
            config = list(config.values())
        if isinstance(config, (list, tuple)):
            return [x for c in config for x in leaves(c)]
        return [config]

    for name in leaves(loss):
        if isinstance(name, str) and name.lower() not in ("crossentropy", "ce"):
            losses_module.get(name)
    for name in leaves(metrics) + leaves(weighted_metrics):
        if isinstance(name, str) and name.lower() not in ("accuracy", "acc"):
            metrics_module.get(name)
