"""The loops of `fit`, `evaluate`, `predict` and the `*_on_batch` methods.

They drive the jitted steps of `lamina.training.steps` over device-resident data; see
`lamina.training.trainer` for compile, the metrics and the train state.
"""

from __future__ import annotations

import math
from functools import partial

import jax
import numpy as np

from lamina.callbacks.callback_list import CallbackList
from lamina.core import config as lamina_config
from lamina.core.symbolic import KerasTensor
from lamina.distribution import engine as dist_engine
from lamina.training import data as data_lib
from lamina.training import streams
from lamina.training.feeds import ShuffledFeed
from lamina.training.inorder_loops import evaluate_arrays, predict_arrays
from lamina.training.step_planner import StepPlanner
from lamina.training.steps import StepBuilder
from lamina.training.stream_loops import evaluate_source, fit_source, predict_source


def _to_float(value):
    value = np.asarray(value)
    return float(value) if value.ndim == 0 else value.tolist()


def _pythonify(logs: dict) -> dict:
    """Python numbers from device values; nested dicts (a custom `train_step` returning
    `compile_metrics` results) are flattened, as Keras does."""
    out = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            out.update(_pythonify(value))
        else:
            out[key] = _to_float(value)
    return out


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


def _check_batch_size(batch_size, method: str) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(
            f"{method}(batch_size=...) must be a positive int, received {batch_size!r}."
        )


def _check_validation_data(validation_data) -> None:
    if isinstance(validation_data, (tuple, list)) and len(validation_data) not in (2, 3):
        raise ValueError(
            "fit(validation_data=...): expected (x_val, y_val) or (x_val, y_val, sample_weight), "
            f"received a tuple of {len(validation_data)} element(s)."
        )


def _no_targets_with_source(x, y, sample_weight, method):
    if y is not None or sample_weight is not None:
        raise ValueError(
            f"{method}(): `y` and `sample_weight` cannot be given when `x` is a "
            f"{type(x).__name__} (a generator or dataset); yield `(x, y)` or "
            "`(x, y, sample_weight)` tuples from it instead."
        )


class Loops:
    """The data loops of `Model` (mixed into `Trainer`)."""

    def _planner(self, builder: StepBuilder, kind: str) -> StepPlanner:
        """How many steps each call runs: `steps_per_execution`, or measured ("auto")."""
        if self.__dict__.get("_run_eagerly"):
            # Eager mode runs one step at a time, so `call` sees concrete values (no scan).
            return StepPlanner(None, 1)
        requested = self.__dict__.get("_steps_per_execution", "auto")
        if requested == "auto":
            return StepPlanner(builder.auto[kind])
        return StepPlanner(None, requested)

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
        epochs = lamina_config.cap_epochs(epochs)  # keras.config.set_max_epochs
        val_source = None
        _check_validation_data(validation_data)
        if validation_data is not None and streams.kind_of(validation_data) is not None:
            val_source = streams.BatchSource(validation_data, validation_steps)
        if streams.kind_of(x) is not None:
            _no_targets_with_source(x, y, sample_weight, "fit")
            if validation_split:
                raise ValueError(
                    "fit(validation_split=...) is only supported for array inputs; pass "
                    "`validation_data` instead."
                )
            if val_source is not None:
                validation = partial(evaluate_source, self, val_source)
            elif validation_data is not None:
                vx, vy, vsw = data_lib.unpack_x_y_sample_weight(validation_data)
                vx, vy, vsw, vn = self._prepare(vx, vy, vsw, "fit(validation_data)")
                validation = partial(
                    self._evaluate_arrays,
                    vx,
                    vy,
                    vsw,
                    vn,
                    validation_batch_size or batch_size,
                    validation_steps,
                )
            else:
                validation = None
            return fit_source(
                self,
                streams.BatchSource(x, lamina_config.cap_steps(steps_per_epoch)),
                epochs,
                verbose,
                verbose_level,
                callbacks,
                validation,
                validation_freq,
                class_weight,
                initial_epoch,
            )
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
        if validation_data is not None and val_source is None:
            vx, vy, vsw = data_lib.unpack_x_y_sample_weight(validation_data)
            vx, vy, vsw, vn = self._prepare(vx, vy, vsw, "fit(validation_data)")
        if batch_size is None:
            batch_size = math.ceil(n / steps_per_epoch) if steps_per_epoch else 32
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"fit(batch_size=...) must be a positive int, received {batch_size}.")
        batch_size = min(batch_size, n)
        dist_engine.check_batch_size(batch_size, "fit")  # even split over the batch axis

        self._symbolic_build(x, y)
        builder = self._builder()
        feed = ShuffledFeed((x, y, sample_weight), builder)
        plan_rows = math.ceil(n / batch_size)
        separate_partial = n % batch_size != 0 and (
            self._has_batch_dependent_layers() or builder.exact_batches("train")
        )
        steps = math.ceil(n / batch_size)
        if steps_per_epoch is not None:
            steps = min(steps, int(steps_per_epoch))
        steps = lamina_config.cap_steps(steps)  # keras.config.set_max_steps_per_epoch
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
        planner = self._planner(builder, "train")
        object.__setattr__(self, "stop_training", False)
        callback_list.on_train_begin()
        # A callback (BackupAndRestore) may ask to resume at an epoch, and at a step in it.
        resume_epoch = self.__dict__.pop("_initial_epoch", None)
        resume_step = self.__dict__.pop("_initial_step", 0) or 0
        if resume_epoch is not None:
            initial_epoch = max(initial_epoch, int(resume_epoch))
        state = self._gather_state(builder, reset_metrics=True)
        epoch_logs: dict = {}
        try:
            for epoch in range(initial_epoch, epochs):
                callback_list.on_epoch_begin(epoch)
                # Gathered after on_epoch_begin, so what it sets (the learning rate, restored
                # weights) is what this epoch trains with.
                state = self._gather_state(builder, reset_metrics=True)
                plan = data_lib.plan_batches(
                    n, batch_size, shuffle=shuffle, steps=steps, rows=plan_rows
                )
                full_steps = plan.steps
                if separate_partial and plan.sizes[-1] < batch_size:
                    full_steps -= 1
                feed.start_epoch(plan)
                logs = None
                step, resume_step = min(resume_step, plan.steps), 0
                while step < plan.steps and not self.stop_training:
                    if step < full_steps:
                        k = (
                            1
                            if (needs_batch_begin or needs_batch_end and user_batch)
                            else planner.next_k(full_steps - step)
                        )
                        size = planner.block_size(k)
                        block, block_masks = feed.block(step, size)
                        fn = builder.get("train", size, batch_size)
                        block_args = (block, None, block_masks, 0, k)
                    else:
                        k = 1
                        *tail, exact = feed.tail(plan.steps - 1, plan.sizes[-1])
                        fn = builder.get("train", 1, exact)
                        block_args = (*tail, 1)
                    if needs_batch_begin:
                        if user_batch:
                            self._sync_state(builder, state)
                        callback_list.on_train_batch_begin(step)
                        if user_batch:
                            state = self._gather_state(builder, reset_metrics=False)
                    state, logs = planner.run(fn, k, (state, *block_args), state)
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
                if val_source is not None and (epoch + 1) % validation_freq == 0:
                    val_logs = evaluate_source(self, val_source, callback_list)
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                elif validation_data is not None and (epoch + 1) % validation_freq == 0:
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
            if val_source is not None:
                val_source.close()
        # With `use_ema`, the moving averages become the weights (as Keras's fit ends).
        self.optimizer.finalize_variable_values(self.trainable_variables)
        callback_list.on_train_end(epoch_logs)
        return callback_list.history

    # ------------------------------------------------------------------ evaluate
    def _evaluate_arrays(self, x, y, sw, n, batch_size, steps, callback_list) -> dict:
        return evaluate_arrays(self, x, y, sw, n, batch_size, steps, callback_list, _pythonify)

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
        if streams.kind_of(x) is not None:
            _no_targets_with_source(x, y, sample_weight, "evaluate")
            source = streams.BatchSource(x, steps)
            bx, by, _ = source.peek()
            self._symbolic_build(bx, by)
            callback_list = CallbackList(
                callbacks,
                add_progbar=verbose_level != 0,
                model=self,
                verbose=verbose,
                epochs=1,
                steps=source.num_batches,
            )
            try:
                logs = evaluate_source(self, source, callback_list)
            finally:
                source.close()
            return self._format_logs(logs, return_dict)
        x, y, sample_weight, n = self._prepare(x, y, sample_weight, "evaluate")
        if batch_size is None:
            batch_size = math.ceil(n / steps) if steps else 32
        _check_batch_size(batch_size, "evaluate")
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
        if streams.kind_of(x) is not None:
            return predict_source(
                self, streams.BatchSource(x, steps), verbose, verbose_level, callbacks
            )
        x, _, _, n = self._prepare(x, None, None, "predict")
        if batch_size is None:
            batch_size = math.ceil(n / steps) if steps else 32
        _check_batch_size(batch_size, "predict")
        rows = data_lib.bucket(n)
        batch_size = min(batch_size, rows)
        if not self.built:
            self._maybe_build((_spec_of(x),), {})
        plan_steps = math.ceil(n / batch_size)
        callback_list = CallbackList(
            callbacks,
            add_progbar=verbose_level != 0,
            model=self,
            verbose=verbose,
            epochs=1,
            steps=min(plan_steps, steps) if steps is not None else plan_steps,
        )
        return predict_arrays(self, x, n, batch_size, steps, callback_list)

    def _predict_builder(self) -> StepBuilder:
        if self.compiled:
            return self._builder()
        builder = self.__dict__.get("_predict_only_builder")
        if builder is None or len(builder.trainable_vars) != len(self.trainable_variables):
            builder = StepBuilder(self, jit=True)
            object.__setattr__(self, "_predict_only_builder", builder)
        return builder
