"""`compile`, `fit`, `evaluate`, `predict` and the `*_on_batch` methods of `Model`.

During `fit` the `TrainState` (a tuple of lists of arrays) is the truth: it goes through the
jitted step, donated, and is written back to the variables once per epoch, before callbacks
that need the model, and at the end (also when training is interrupted).
"""

from __future__ import annotations

import math
import jax
import jax.numpy as jnp
import numpy as np

from lamina.callbacks.callback_list import CallbackList
from lamina.core import state as state_lib
from lamina.core.symbolic import KerasTensor
from lamina.training import data as data_lib
from lamina.training.compile_utils import CompileLoss, CompileMetrics
from lamina.training.steps import StepBuilder, TrainState, flatten_outputs


def _to_float(value):
    value = np.asarray(value)
    return float(value) if value.ndim == 0 else value.tolist()


def _pythonify(logs: dict) -> dict:
    return {k: _to_float(v) for k, v in logs.items()}


def _resolve_verbose(verbose) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2, True, False):
        raise ValueError(f"`verbose` must be 'auto', 0, 1 or 2; received {verbose!r}.")
    return int(verbose)


def _spec_of(structure):
    def spec(a):
        return KerasTensor((None, *tuple(a.shape[1:])), a.dtype)

    return jax.tree.map(spec, structure)


class Trainer:
    """The training half of `Model` (mixed into it)."""

    def __init__(self):
        for name, value in (
            ("compiled", False),
            ("optimizer", None),
            ("loss", None),
            ("history", None),
            ("stop_training", False),
            ("_compile_loss", None),
            ("_compile_metrics", None),
            ("_loss_tracker", None),
            ("_output_loss_trackers", []),
            ("_compile_built", False),
            ("_step_builder", None),
            ("_compile_config", None),
            ("_run_eagerly", False),
            ("_steps_per_execution", 1),
        ):
            object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile="auto",
        auto_scale_loss: bool = True,
    ) -> None:
        """Configures the model for training (Keras's arguments and defaults)."""
        from lamina import metrics as metrics_module
        from lamina import optimizers

        optimizer = optimizers.get(optimizer)
        if isinstance(steps_per_execution, bool) or not isinstance(steps_per_execution, int):
            raise ValueError(
                f"compile(steps_per_execution=...): expected a positive int, received "
                f"{steps_per_execution!r}."
            )
        if steps_per_execution < 1:
            raise ValueError(
                f"compile(steps_per_execution=...) must be >= 1, received {steps_per_execution}."
            )
        if metrics is not None and not isinstance(metrics, (list, tuple, dict)):
            raise TypeError(
                "compile(metrics=...): expected a list (or a dict keyed by output name), "
                f"received {metrics!r}. Wrap a single metric in a list: metrics=[{metrics!r}]."
            )
        _validate_names(loss, metrics, weighted_metrics)
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
                "steps_per_execution": steps_per_execution,
                "jit_compile": jit_compile if not run_eagerly else False,
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
        if not self.compiled:
            return {}
        from lamina.saving.serialization import serialize_keras_object

        config = dict(self._compile_config)
        config["optimizer"] = serialize_keras_object(config["optimizer"])
        return config

    def _assert_compiled(self, method: str) -> None:
        if not self.compiled:
            raise ValueError(
                f"You must call `compile()` before `{method}()`: e.g. "
                "model.compile(optimizer='adam', loss='mse')."
            )

    # ------------------------------------------------------------------ metrics
    @property
    def metrics(self) -> list:
        out = []
        if self._loss_tracker is not None:
            out.append(self._loss_tracker)
            out.extend(self._output_loss_trackers)
        if self._compile_metrics is not None and self._compile_metrics.entries is not None:
            out.extend(self._compile_metrics.metrics)
        for layer in self._layers:
            out.extend(layer.metrics)
        return out

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def _compile_metric_variables(self) -> list:
        return [v for m in self.metrics for v in m.variables]

    def _metric_results(self) -> dict:
        logs = {}
        for m in self.metrics:
            result = m.result()
            if isinstance(result, dict):
                logs.update(result)
            else:
                logs[m.name] = result
        return logs

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def _initial_metric_values(self, variables) -> list:
        with state_lib.StateScope() as scope:
            for m in self.metrics:
                m.reset_state()
            values = [scope.get(v) if scope.get(v) is not None else v.value for v in variables]
        # Fresh buffers: the train step donates its state, and a metric may reset to a cached array.
        return [jnp.array(value, copy=True) for value in values]

    # ------------------------------------------------------------------ building
    def _output_names(self, n: int) -> list[str]:
        names = getattr(self, "output_names", None)
        if names and len(names) == n:
            return list(names)
        return [f"output_{i + 1}" for i in range(n)] if n > 1 else ["output"]

    def _symbolic_build(self, x, y=None) -> None:
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
            from lamina.training.steps import flatten_targets

            targets = flatten_targets(self, y, len(preds))
            target_shapes = [(None, *tuple(t.shape[1:])) for t in targets]
            if self.loss is not None:
                self._compile_loss.build(target_shapes, pred_shapes, names)
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
        if not self.optimizer.built:
            self.optimizer.build(self.trainable_variables)

    def _builder(self) -> StepBuilder:
        """The step builder for the current variables (rebuilt when they change, e.g. after the
        compiled metrics are first built)."""
        builder = self._step_builder
        signature = (
            len(self.trainable_variables),
            len(self.non_trainable_variables),
            len(self.optimizer.variables) if self.optimizer is not None else 0,
            len(self._compile_metric_variables()),
        )
        if builder is None or builder.signature != signature:
            builder = StepBuilder(self, jit=not self._run_eagerly)
            builder.signature = signature
            object.__setattr__(self, "_step_builder", builder)
        return builder

    def _gather_state(self, builder: StepBuilder, reset_metrics: bool) -> TrainState:
        metrics = (
            self._initial_metric_values(builder.metric_vars)
            if reset_metrics
            else [v.value for v in builder.metric_vars]
        )
        return TrainState(
            [v.value for v in builder.trainable_vars],
            [v.value for v in builder.non_trainable_vars],
            [v.value for v in builder.optimizer_vars],
            metrics,
        )

    def _sync_state(self, builder: StepBuilder, state: TrainState) -> None:
        for variables, values in (
            (builder.trainable_vars, state.trainable),
            (builder.non_trainable_vars, state.non_trainable),
            (builder.optimizer_vars, state.optimizer),
            (builder.metric_vars, state.metrics),
        ):
            for v, value in zip(variables, values):
                v._value = value

    def _has_batch_dependent_layers(self) -> bool:
        return any(getattr(layer, "_batch_dependent", False) for layer in self._flatten_layers())

    # ------------------------------------------------------------------ data
    def _prepare(self, x, y, sample_weight, method: str):
        if x is None:
            raise ValueError(f"{method}(): `x` is required.")
        kind = type(x).__name__
        if kind in ("generator", "PyDataset", "DataLoader") or "Dataset" in kind:
            raise TypeError(
                f"{method}(): data of type {kind} is not supported yet; pass NumPy or JAX arrays "
                "(or lists/dicts of them)."
            )
        x = data_lib.normalize_structure(x, "x")
        y = data_lib.normalize_structure(y, "y")
        sample_weight = data_lib.normalize_structure(sample_weight, "sample_weight")
        n = data_lib.check_same_samples(x=x, y=y, sample_weight=sample_weight)
        return x, y, sample_weight, n

    def _class_weights(self, y, class_weight):
        if isinstance(y, (list, tuple, dict)):
            raise ValueError("`class_weight` is only supported for models with a single output.")
        labels = np.asarray(y)
        if labels.ndim > 1 and labels.shape[-1] > 1:
            labels = labels.argmax(axis=-1)
        else:
            labels = np.round(labels.reshape(labels.shape[0], -1)[:, 0]).astype(int)
        weights = np.ones(labels.shape[0], dtype=np.float32)
        for cls, w in class_weight.items():
            weights[labels == int(cls)] = w
        return weights

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        x=None,
        y=None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose="auto",
        callbacks=None,
        validation_split: float = 0.0,
        validation_data=None,
        shuffle: bool = True,
        class_weight=None,
        sample_weight=None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int = 1,
    ):
        """Trains the model for `epochs` epochs; returns a `History`."""
        self._assert_compiled("fit")
        verbose_level = _resolve_verbose(verbose)
        x, y, sample_weight, n = self._prepare(x, y, sample_weight, "fit")
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("fit(): pass either `class_weight` or `sample_weight`, not both.")
            sample_weight = self._class_weights(y, class_weight)
        if validation_data is None and validation_split:
            if not 0 < validation_split < 1:
                raise ValueError(
                    f"fit(validation_split=...) must be in (0, 1), received {validation_split}."
                )
            split = int(n * (1.0 - validation_split))
            if split == 0 or split == n:
                raise ValueError(
                    f"fit(): validation_split={validation_split} leaves no training or no "
                    f"validation samples out of {n}."
                )
            validation_data = tuple(
                data_lib.take(s, split, n) if s is not None else None for s in (x, y, sample_weight)
            )
            x, y, sample_weight = (
                data_lib.take(s, 0, split) if s is not None else None for s in (x, y, sample_weight)
            )
            n = split
        if validation_data is not None:
            vx, vy, vsw = data_lib.unpack_x_y_sample_weight(validation_data)
            vx, vy, vsw, vn = self._prepare(vx, vy, vsw, "fit(validation_data)")
        if batch_size is None:
            batch_size = math.ceil(n / steps_per_epoch) if steps_per_epoch else 32
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"fit(batch_size=...) must be a positive int, received {batch_size}.")
        batch_size = min(batch_size, n)

        self._symbolic_build(x, y)
        builder = self._builder()
        rows = data_lib.bucket(n)
        data = data_lib.to_device((x, y, sample_weight), rows)
        plan_rows = math.ceil(rows / batch_size)
        separate_partial = self._has_batch_dependent_layers() and n % batch_size != 0
        steps = math.ceil(n / batch_size)
        if steps_per_epoch is not None:
            steps = min(steps, int(steps_per_epoch))
        callback_list = CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose_level != 0,
            model=self,
            verbose=verbose,
            epochs=epochs,
            steps=steps,
        )
        needs_batch_begin = "on_train_batch_begin" in callback_list.any_batch_hooks
        needs_batch_end = "on_train_batch_end" in callback_list.any_batch_hooks
        user_batch = bool(
            callback_list.user_batch_hooks & {"on_train_batch_begin", "on_train_batch_end"}
        )
        k_max = self._steps_per_execution
        object.__setattr__(self, "stop_training", False)
        state = self._gather_state(builder, reset_metrics=True)
        callback_list.on_train_begin()
        epoch_logs: dict = {}
        try:
            for epoch in range(initial_epoch, epochs):
                state = self._gather_state(builder, reset_metrics=True)
                callback_list.on_epoch_begin(epoch)
                plan = data_lib.plan_batches(
                    n, batch_size, shuffle=shuffle, steps=steps, rows=plan_rows
                )
                full_steps = plan.steps
                if separate_partial and plan.sizes[-1] < batch_size:
                    full_steps -= 1
                indices = jnp.asarray(plan.indices)
                masks = jnp.asarray(plan.mask)
                logs = None
                step = 0
                while step < plan.steps and not self.stop_training:
                    if step < full_steps:
                        k = (
                            1
                            if (needs_batch_begin or needs_batch_end and user_batch)
                            else min(k_max, full_steps - step)
                        )
                        block_args = (indices, masks, step)
                    else:
                        k = 1
                        rem = plan.sizes[-1]
                        last = plan.steps - 1
                        block_args = (
                            jnp.asarray(plan.indices[last : last + 1, :rem]),
                            jnp.asarray(plan.mask[last : last + 1, :rem]),
                            0,
                        )
                    if needs_batch_begin:
                        if user_batch:
                            self._sync_state(builder, state)
                        callback_list.on_train_batch_begin(step)
                        if user_batch:
                            state = self._gather_state(builder, reset_metrics=False)
                    state, logs = builder.get("train", k)(state, data, *block_args)
                    step += k
                    if needs_batch_end:
                        if user_batch:
                            self._sync_state(builder, state)
                            callback_list.on_train_batch_end(step - 1, _pythonify(logs))
                            state = self._gather_state(builder, reset_metrics=False)
                        else:
                            callback_list.on_train_batch_end(step - 1, logs)
                self._sync_state(builder, state)
                epoch_logs = _pythonify(logs) if logs is not None else {}
                if validation_data is not None and (epoch + 1) % validation_freq == 0:
                    val_logs = self._evaluate_arrays(
                        vx,
                        vy,
                        vsw,
                        vn,
                        batch_size=validation_batch_size or batch_size,
                        steps=validation_steps,
                        callback_list=callback_list,
                    )
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                epoch_logs = dict(sorted(epoch_logs.items()))
                callback_list.on_epoch_end(epoch, epoch_logs)
                state = self._gather_state(builder, reset_metrics=True)
                if self.stop_training:
                    break
        finally:
            self._sync_state(builder, state)
        callback_list.on_train_end(epoch_logs)
        return callback_list.history

    # ------------------------------------------------------------------ evaluate
    def _evaluate_arrays(self, x, y, sw, n, batch_size, steps, callback_list) -> dict:
        builder = self._builder()
        rows = data_lib.bucket(n)
        batch_size = min(batch_size or 32, rows)
        plan = data_lib.plan_batches(n, batch_size, steps=steps, rows=math.ceil(rows / batch_size))
        data = data_lib.to_device((x, y, sw), rows)
        state = self._gather_state(builder, reset_metrics=True)
        callback_list.on_test_begin()
        needs_end = "on_test_batch_end" in callback_list.any_batch_hooks
        needs_begin = "on_test_batch_begin" in callback_list.any_batch_hooks
        k_max = 1 if (needs_end or needs_begin) else max(self._steps_per_execution, 1)
        indices, masks = jnp.asarray(plan.indices), jnp.asarray(plan.mask)
        logs = None
        step = 0
        while step < plan.steps:
            k = min(k_max, plan.steps - step)
            if needs_begin:
                callback_list.on_test_batch_begin(step)
            state, logs = builder.get("test", k)(state, data, indices, masks, step)
            step += k
            if needs_end:
                batch_logs = (
                    _pythonify(logs)
                    if "on_test_batch_end" in callback_list.user_batch_hooks
                    else logs
                )
                callback_list.on_test_batch_end(step - 1, batch_logs)
        for v, value in zip(builder.metric_vars, state.metrics):
            v._value = value
        result = _pythonify(logs) if logs is not None else {}
        callback_list.on_test_end(result)
        return result

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size: int | None = None,
        verbose="auto",
        sample_weight=None,
        steps: int | None = None,
        callbacks=None,
        return_dict: bool = False,
        **kwargs,
    ):
        """Returns the loss and metrics on the data: a float, a list, or a dict."""
        self._assert_compiled("evaluate")
        if kwargs:
            raise ValueError(f"evaluate(): unexpected arguments {sorted(kwargs)}.")
        verbose_level = _resolve_verbose(verbose)
        x, y, sample_weight, n = self._prepare(x, y, sample_weight, "evaluate")
        if batch_size is None:
            batch_size = math.ceil(n / steps) if steps else 32
        self._symbolic_build(x, y)
        plan_steps = math.ceil(n / min(batch_size, n))
        if steps is not None:
            plan_steps = min(plan_steps, steps)
        callback_list = CallbackList(
            callbacks,
            add_progbar=verbose_level != 0,
            model=self,
            verbose=verbose,
            epochs=1,
            steps=plan_steps,
        )
        logs = self._evaluate_arrays(x, y, sample_weight, n, batch_size, steps, callback_list)
        return self._format_logs(logs, return_dict)

    def _format_logs(self, logs: dict, return_dict: bool):
        # jit returns dicts with sorted keys: restore Keras's order (loss first, then metrics in
        # the order given to compile).
        order = [name for name in self.metrics_names if name in logs]
        logs = {**{k: logs[k] for k in order}, **logs}
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    # ------------------------------------------------------------------ predict
    def predict(
        self,
        x,
        batch_size: int | None = None,
        verbose="auto",
        steps: int | None = None,
        callbacks=None,
    ):
        """Returns the model's outputs on `x` as NumPy arrays (same structure as outputs)."""
        verbose_level = _resolve_verbose(verbose)
        x, _, _, n = self._prepare(x, None, None, "predict")
        if batch_size is None:
            batch_size = math.ceil(n / steps) if steps else 32
        rows = data_lib.bucket(n)
        batch_size = min(batch_size, rows)
        if not self.built:
            self._maybe_build((_spec_of(x),), {})
        builder = self._predict_builder()
        plan = data_lib.plan_batches(n, batch_size, steps=steps, rows=math.ceil(rows / batch_size))
        callback_list = CallbackList(
            callbacks,
            add_progbar=verbose_level != 0,
            model=self,
            verbose=verbose,
            epochs=1,
            steps=plan.steps,
        )
        data = data_lib.to_device(x, rows)
        state = TrainState(
            [v.value for v in builder.trainable_vars],
            [v.value for v in builder.non_trainable_vars],
            [],
            [],
        )
        callback_list.on_predict_begin()
        needs_end = "on_predict_batch_end" in callback_list.any_batch_hooks
        k_max = 1 if needs_end else max(getattr(self, "_steps_per_execution", 1), 1)
        indices = jnp.asarray(plan.indices)
        chunks = []
        step = 0
        while step < plan.steps:
            k = min(k_max, plan.steps - step)
            out = builder.get("predict", k)(state, data, indices, step)
            chunks.append(out)
            step += k
            if needs_end:
                callback_list.on_predict_batch_end(step - 1, {"outputs": out})
        used = sum(plan.sizes)

        def assemble(*parts):
            stacked = jnp.concatenate(parts, axis=0) if len(parts) > 1 else parts[0]
            flat = stacked.reshape((-1, *stacked.shape[2:]))
            return np.asarray(flat[:used])

        outputs = jax.tree.map(assemble, *chunks)
        callback_list.on_predict_end()
        return outputs

    def _predict_builder(self) -> StepBuilder:
        if self.compiled:
            return self._builder()
        builder = self.__dict__.get("_predict_only_builder")
        if builder is None or len(builder.trainable_vars) != len(self.trainable_variables):
            builder = StepBuilder(self, jit=True)
            object.__setattr__(self, "_predict_only_builder", builder)
        return builder

    # ------------------------------------------------------------------ on-batch
    def _one_batch(self, kind, x, y, sample_weight, class_weight=None):
        x, y, sample_weight, n = self._prepare(x, y, sample_weight, f"{kind}_on_batch")
        if class_weight is not None:
            sample_weight = self._class_weights(y, class_weight)
        self._symbolic_build(x, y)
        builder = self._builder()
        state = self._gather_state(builder, reset_metrics=False)
        data = data_lib.to_device((x, y, sample_weight))
        indices = jnp.arange(n, dtype=jnp.int32)[None]
        masks = jnp.ones((1, n), jnp.float32)
        state, logs = builder.get(kind, 1)(state, data, indices, masks, 0)
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
        """Evaluates one batch (metrics accumulate until `reset_metrics()`)."""
        self._assert_compiled("test_on_batch")
        logs = self._one_batch("test", x, y, sample_weight)
        return self._format_logs(logs, return_dict)

    def predict_on_batch(self, x):
        """Returns the outputs for one batch as NumPy arrays."""
        x, _, _, n = self._prepare(x, None, None, "predict_on_batch")
        if not self.built:
            self._maybe_build((_spec_of(x),), {})
        builder = self._predict_builder()
        state = TrainState(
            [v.value for v in builder.trainable_vars],
            [v.value for v in builder.non_trainable_vars],
            [],
            [],
        )
        indices = jnp.arange(n, dtype=jnp.int32)[None]
        out = builder.get("predict", 1)(state, data_lib.to_device(x), indices, 0)
        return jax.tree.map(lambda a: np.asarray(a[0]), out)


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
