"""The pure train/test/predict steps, and the one place lamina calls `jax.jit`.

A step is a function of arrays only: `state` is a `TrainState` of four lists aligned with the
model's trainable, non-trainable, optimizer and metric variables. Variables are bound to those
arrays in a state scope while the model runs, so the model's code is stateful-looking while the
step stays pure. A compiled block runs a traced number of steps (a `fori_loop`) over the batches
of its data: sliced in order, or gathered by index from resident arrays (see `feeds`).
"""

from __future__ import annotations

import inspect
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from lamina.core import state as state_lib
from lamina.distribution import engine as dist_engine
from lamina.training.step_planner import AutoChoice
from lamina.utils.data_utils import pack_x_y_sample_weight


class TrainState(NamedTuple):
    """The arrays a compiled step reads and returns: one list per variable group, in the step
    builder's order.

    Args:
        trainable: the trainable variables' values.
        non_trainable: the non-trainable variables' values.
        optimizer: the optimizer's variables' values (empty outside training).
        metrics: the compiled metrics' variables' values.

    Example:
        >>> import numpy as np
        >>> from lamina.training.steps import TrainState
        >>> state = TrainState([np.zeros(2)], [], [], [])
        >>> state.trainable[0].shape, state._fields
        ((2,), ('trainable', 'non_trainable', 'optimizer', 'metrics'))
    """

    trainable: list
    non_trainable: list
    optimizer: list
    metrics: list


def flatten_outputs(model, y_pred) -> list:
    """Model outputs as a list in output order (dicts by the model's output names).

    Args:
        model: the model.
        y_pred: its outputs: one array, a list, or a dict by output name.

    Returns:
        A list of arrays.

    Example:
        >>> import lamina as keras
        >>> from lamina.training.steps import flatten_outputs
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> flatten_outputs(model, [1, 2]), flatten_outputs(model, 3)
        ([1, 2], [3])
    """
    if isinstance(y_pred, dict):
        names = getattr(model, "output_names", None) or sorted(y_pred)
        return [y_pred[n] for n in names]
    if isinstance(y_pred, (list, tuple)):
        return list(y_pred)
    return [y_pred]


def flatten_targets(model, y, n_outputs: int, argument: str = "y"):
    """Targets (or sample weights) as one entry per output, matched like the outputs: a dict by
    output name, a list by position, or one value (sample weights: shared by every output).

    Args:
        model: the model.
        y: the targets, or None.
        n_outputs: the number of outputs.
        argument: `"y"` or `"sample_weight"`, for messages (and the sharing rule).

    Returns:
        A list, or None.

    Raises:
        ValueError: a dict misses an output, or a list has the wrong length.

    Example:
        >>> import lamina as keras
        >>> from lamina.training.steps import flatten_targets
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> flatten_targets(model, "w", 2, argument="sample_weight")
        ['w', 'w']
        >>> flatten_targets(model, None, 1) is None
        True
    """
    if y is None:
        return None
    if isinstance(y, dict):
        names = getattr(model, "output_names", None) or sorted(y)
        missing = [n for n in names if n not in y]
        if missing:
            raise ValueError(
                f"`{argument}` is a dict missing keys {missing}; the model's outputs are {names}."
            )
        return [y[n] for n in names]
    if isinstance(y, (list, tuple)):
        if len(y) != n_outputs:
            raise ValueError(
                f"`{argument}` has {len(y)} elements but the model has {n_outputs} outputs."
            )
        return list(y)
    return [y] * n_outputs if argument == "sample_weight" else [y]


def call_compute_loss(model, x, y, y_pred, sample_weight, training):
    """Calls `model.compute_loss` as Keras does: `training` is passed only when the method
    accepts it (overrides written before Keras 3.3 take `(x, y, y_pred, sample_weight)`).

    Args:
        model: the model.
        x: the inputs.
        y: the targets.
        y_pred: the predictions.
        sample_weight: the sample weights, or None.
        training: the training flag.

    Returns:
        What `compute_loss` returns.

    Example:
        >>> from lamina.training.steps import call_compute_loss
        >>> class OldStyle:  # an override written before Keras 3.3: no `training`
        ...     def compute_loss(self, x, y, y_pred, sample_weight):
        ...         return "old"
        >>> class NewStyle:
        ...     def compute_loss(self, x, y, y_pred, sample_weight, training=True):
        ...         return f"training={training}"
        >>> call_compute_loss(OldStyle(), 1, 2, 3, None, training=False)
        'old'
        >>> call_compute_loss(NewStyle(), 1, 2, 3, None, training=False)
        'training=False'
    """
    fn = model.compute_loss
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}
    if "training" in params:
        return fn(x, y, y_pred, sample_weight, training=training)
    return fn(x, y, y_pred, sample_weight)


class LossParts(NamedTuple):
    """A batch's loss: the total, one value per output (for the per-output loss trackers),
    and the flattened predictions, targets and sample weights the metrics update from.

    Args:
        total: the weighted total loss.
        per_output: one loss value per output.
        preds: the predictions, one per output.
        targets: the targets, one per output (or None).
        weights: the sample weights, one per output (or None).
        metrics: metric values a user's `compute_loss` updated, or None.
        y_pred: the predictions as the model returned them.
        non_trainable: the non-trainable values after a user's `compute_loss` (it may call
            layers that update them), or None when it did not run under them.

    Example:
        >>> from lamina.training.steps import LossParts
        >>> parts = LossParts(total=1.0, per_output=[1.0], preds=[], targets=None, weights=None)
        >>> parts.metrics is None
        True
    """

    total: Any
    per_output: list
    preds: list
    targets: list | None
    weights: list | None
    # The metric values after a user's `compute_loss` updated metrics of its own (as Keras's
    # documented example does); None when it did not run under them.
    metrics: list | None = None
    y_pred: Any = None
    non_trainable: list | None = None


class StepBuilder:
    """Builds (and caches) the jitted steps for one compiled model.

    One builder serves a model while its variables stay the same: train, test and predict
    steps, single or fused over several batches (`get`, `single`), each jitted once per shape
    and distribution.

    Args:
        model: a compiled model.
        jit: jit the steps (False with `run_eagerly=True`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.training.steps import StepBuilder
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)
        >>> builder = model._step_builder
        >>> isinstance(builder, StepBuilder), builder.trace_counts["train"] >= 1
        (True, True)
    """

    def __init__(self, model, jit: bool = True):
        self.model = model
        self.jit = jit
        self.trace_counts = {"train": 0, "test": 0, "predict": 0}
        self._cache: dict = {}
        # A step's `TrainState` lines up with these four lists.
        (self.trainable_vars, self.non_trainable_vars, self.optimizer_vars, self.metric_vars) = (
            _variable_lists(model)
        )
        self.initial_metrics = None
        self.version = None
        # What "auto" steps_per_execution measured, per kind of step (see step_planner).
        self.auto = {kind: AutoChoice() for kind in ("train", "test", "predict")}
        overrides = model._overridden_steps()
        self.custom_loss = "compute_loss" in overrides
        self.custom_train = "train_step" in overrides
        self.custom_test = "test_step" in overrides
        self.custom_predict = "predict_step" in overrides
        self.custom_metrics = "compute_metrics" in overrides

    def variable_lists(self) -> tuple:
        return (self.trainable_vars, self.non_trainable_vars, self.optimizer_vars, self.metric_vars)

    def same_variables(self, model) -> bool:
        """Whether the model's variables are still the ones the steps were built for: the same
        objects in the same order (not only as many), so changing which layers are trainable
        between two calls builds new steps, as Keras re-reads the trainable set at each `fit`."""
        return all(
            len(a) == len(b) and all(u is v for u, v in zip(a, b))
            for a, b in zip(_variable_lists(model), self.variable_lists())
        )

    def check_optimizer(self) -> None:
        """Raises when the optimizer was built for other variables than the trainable ones (a
        layer was frozen or unfrozen after `compile`): Keras asks for a new `compile` then."""
        optimizer = self.model.optimizer
        built_for = getattr(optimizer, "_trainable_variables", None)
        if self.custom_train or not getattr(optimizer, "built", False) or built_for is None:
            return
        shapes = [tuple(v.shape) for v in self.trainable_vars]
        if shapes != [tuple(v.shape) for v in built_for]:
            raise ValueError(
                f"The optimizer was built for {len(built_for)} trainable variables, but the "
                f"model now has {len(shapes)} (or of other shapes): a layer's `trainable` changed "
                "after compile(). Call model.compile() again so the optimizer is built for the "
                "variables to train."
            )

    def exact_batches(self, kind: str) -> bool:
        """Whether `kind` needs unpadded batches: user-written steps and losses know nothing
        of the padding mask, so they get the real partial batch (its own compiled step)."""
        compile_loss = self.model._compile_loss
        reduced = compile_loss is not None and compile_loss.reduces_batch
        # Losses added in `call` (`add_loss`, activity regularizers) see the whole batch.
        reduced = reduced or any(
            layer.__dict__.get("_adds_losses") for layer in self.model._flatten_layers()
        )
        custom = self.custom_loss or self.custom_metrics or reduced
        if kind == "train":
            return self.custom_train or custom
        if kind == "test":
            return self.custom_test or custom
        return False

    # ------------------------------------------------------------------ user-written steps
    def _user_core(self, kind: str):
        model = self.model

        def core(state, batch, mask):
            data = pack_x_y_sample_weight(*batch)
            if kind == "train":
                logs, new_state = model.train_step(tuple(state), data)
                return TrainState(*[list(s) for s in new_state]), logs
            logs, (trainable, non_trainable, metrics) = model.test_step(
                (state.trainable, state.non_trainable, state.metrics), data
            )
            new_state = TrainState(
                list(trainable), list(non_trainable), state.optimizer, list(metrics)
            )
            return new_state, logs

        return core

    def _user_predict_core(self, state, x):
        result = self.model.predict_step(
            (state.trainable, state.non_trainable), pack_x_y_sample_weight(x)
        )
        if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], list):
            outputs, new_nt = result
            if len(new_nt) == len(state.non_trainable):
                return outputs, list(new_nt)
            return outputs, state.non_trainable
        return result, state.non_trainable

    # ------------------------------------------------------------------ pure cores
    def _forward(self, trainable, non_trainable, x, training, mask=None):
        """`(y_pred, new non-trainable values, losses)`: the model's `stateless_call`, with the
        padding mask of the batch in the call context (for layers that reduce over the batch)."""
        with state_lib.call_context(training, batch_mask=mask):
            return self.model.stateless_call(
                trainable, non_trainable, x, training=training, return_losses=True
            )

    def _loss(
        self, batch, y_pred, mask, losses, training, metric_values, trainable, non_trainable
    ) -> LossParts:
        """The loss of a batch through `model.compute_loss` (its one definition, which a user's
        override replaces): the losses added during this call are `model.losses`, and the
        padding mask of the batch is in the call context."""
        model = self.model
        x, y, sw = batch
        if not self.custom_loss and not model._compile_loss.entries and not losses:
            raise ValueError(
                "No loss to compute. Provide a loss argument in compile(), e.g. "
                "model.compile(optimizer=..., loss='mse'), or add losses with add_loss()."
            )
        object.__setattr__(model, "_losses_override", losses)
        object.__setattr__(model, "_per_output_losses", [])
        new_metrics = new_nt = None
        try:
            with state_lib.call_context(training, batch_mask=mask):
                if self.custom_loss and metric_values is not None:
                    # A user's `compute_loss` may update metrics and call layers (a Distiller
                    # runs its models again): bind the variables to this step's values, as
                    # Keras's `stateless_compute_loss` does, so gradients flow through them.
                    mapping = [
                        *zip(self.metric_vars, metric_values),
                        *zip(self.trainable_vars, trainable),
                        *zip(self.non_trainable_vars, non_trainable),
                    ]
                    with state_lib.StateScope(mapping) as scope:
                        total = call_compute_loss(model, x, y, y_pred, sw, training)
                        new_metrics = [scope.get(v) for v in self.metric_vars]
                        new_nt = [scope.get(v) for v in self.non_trainable_vars]
                else:
                    total = call_compute_loss(model, x, y, y_pred, sw, training)
        finally:
            object.__setattr__(model, "_losses_override", None)
        per_output = model.__dict__.pop("_per_output_losses")
        preds = flatten_outputs(model, y_pred)
        targets = flatten_targets(model, y, len(preds))
        weights = flatten_targets(model, sw, len(preds), "sample_weight")
        return LossParts(
            jnp.asarray(total, "float32"),
            per_output,
            preds,
            targets,
            weights,
            new_metrics,
            y_pred,
            new_nt,
        )

    def _metrics(self, metric_values, loss: LossParts, mask, batch):
        model = self.model
        if loss.metrics is not None:
            metric_values = loss.metrics
        with state_lib.StateScope(list(zip(self.metric_vars, metric_values))) as scope:
            n = jnp.sum(mask)
            model._loss_tracker.update_state(loss.total, sample_weight=n)
            for tracker, value in zip(model._output_loss_trackers, loss.per_output):
                tracker.update_state(value, sample_weight=n)
            if self.custom_metrics:
                # A user's `compute_metrics(x, y, y_pred, sample_weight)` makes the logs.
                x, y, sw = batch
                logs = model.compute_metrics(x, y, loss.y_pred, sw)
            else:
                if loss.targets is not None:
                    model._compile_metrics.update_flat(loss.targets, loss.preds, loss.weights, mask)
                logs = model.get_metrics_result()
            new_values = [scope.get(v) for v in self.metric_vars]
        return new_values, logs

    def train_core(self, state: TrainState, batch, mask):
        model = self.model

        def loss_fn(trainable):
            y_pred, new_nt, losses = self._forward(
                trainable, state.non_trainable, batch[0], True, mask
            )
            loss = self._loss(batch, y_pred, mask, losses, True, state.metrics, trainable, new_nt)
            if loss.non_trainable is not None:
                new_nt = loss.non_trainable
            # The loss scale (LossScaleOptimizer) is optimizer state: read it from this step's.
            with state_lib.StateScope(list(zip(self.optimizer_vars, state.optimizer))):
                scaled = model.optimizer.scale_loss(loss.total)
            return scaled, (loss, new_nt)

        grads, (loss, new_nt) = jax.grad(loss_fn, has_aux=True)(state.trainable)
        new_trainable, new_opt = model.optimizer.stateless_apply(
            state.optimizer, grads, state.trainable
        )
        new_metrics, logs = self._metrics(state.metrics, loss, mask, batch)
        return TrainState(new_trainable, new_nt, new_opt, new_metrics), logs

    def test_core(self, state: TrainState, batch, mask):
        y_pred, _, losses = self._forward(
            state.trainable, state.non_trainable, batch[0], False, mask
        )
        loss = self._loss(
            batch, y_pred, mask, losses, False, state.metrics, state.trainable, state.non_trainable
        )
        new_metrics, logs = self._metrics(state.metrics, loss, mask, batch)
        return state._replace(metrics=new_metrics), logs

    def predict_core(self, state: TrainState, x):
        """`(outputs, non_trainable)`: seed generators and stateful RNN states advance from
        batch to batch in `predict` too, as in Keras."""
        y_pred, new_nt, _ = self._forward(state.trainable, state.non_trainable, x, False)
        return y_pred, new_nt

    # ------------------------------------------------------------------ blocks of k steps
    def _block(self, core, kind: str, k: int, batch_size: int | None = None):
        """The function running up to `k` steps of `kind` (see `get`)."""
        batch_of = _batch_reader(batch_size)
        if kind == "predict":
            return self._predict_block(core, k, batch_of)

        def block(state, data, indices, masks, start, count):
            self.trace_counts[kind] += 1

            def step(state, i):
                mask = jax.lax.dynamic_index_in_dim(masks, start + i, keepdims=False)
                return core(state, batch_of(data, indices, start + i), mask)

            if k == 1:
                new_state, logs = step(state, 0)
            else:
                # `count` (traced) steps in one loop: one compiled block serves every block
                # size, the tail of an epoch included. The logs are those of the last step.
                shapes = jax.eval_shape(step, state, 0)[1]
                logs = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)
                new_state, logs = jax.lax.fori_loop(
                    0, count, lambda i, carry: step(carry[0], i), (state, logs)
                )
            # Under a distribution: keep each variable's layout from step to step.
            new_state = dist_engine.constrain_state(self, new_state)
            if kind == "test":
                # Only the metrics change in a test step: return just those, not copies of
                # every weight.
                return new_state.metrics, logs
            return new_state, logs

        return block

    def _predict_block(self, core, k: int, batch_of):
        def block(state, data, indices, start, count):
            """`(outputs stacked per batch, non_trainable)`: the non-trainable state (seed
            generators, stateful RNN states) runs on from batch to batch."""
            self.trace_counts["predict"] += 1
            if k == 1:
                out, nt = core(state, batch_of(data, indices, start))
                out = jax.tree.map(lambda a: a[None], out)
            else:
                # `count` (traced, at most k) steps: one compiled block serves every tail.
                first = batch_of(data, indices, start)
                shapes = jax.eval_shape(lambda: core(state, first)[0])
                buffer = jax.tree.map(lambda s: jnp.zeros((k, *s.shape), s.dtype), shapes)

                def body(i, carry):
                    buffer, nt = carry
                    batch = batch_of(data, indices, start + i)
                    out, nt = core(state._replace(non_trainable=nt), batch)
                    put = jax.lax.dynamic_update_index_in_dim
                    return jax.tree.map(lambda b, o: put(b, o, i, 0), buffer, out), nt

                out, nt = jax.lax.fori_loop(0, count, body, (buffer, state.non_trainable))
            # Under a distribution: every process gets the whole result.
            return dist_engine.replicate(out), nt

        return block

    def _compiled(self, key: tuple, kind: str, make):
        """The function `make()` builds, cached under `key` and jitted unless eager (train
        steps donate their state)."""
        fn = self._cache.get(key)
        if fn is None:
            if kind == "train":
                self.check_optimizer()
            fn = make()
            if self.jit:
                fn = jax.jit(fn, donate_argnums=(0,) if kind == "train" else ())
            self._cache[key] = fn
        return fn

    def single(self, kind: str):
        """The function running one step of `kind` on one given batch: `(state, batch) ->
        (state, logs)` for train, `(metrics, logs)` for test, the outputs for predict (given
        `x` alone). The `*_on_batch` methods use it: no indices, no mask to send, no gather."""
        key = ("single", kind, dist_engine.cache_key())
        return self._compiled(key, kind, lambda: self._single(kind))

    def _single(self, kind: str):
        core = self._core(kind)
        if kind == "predict":

            def predict(state, x):
                self.trace_counts[kind] += 1
                out, nt = core(state, dist_engine.constrain_batch(x))
                # Return only the non-trainable values the call changed (seed generators, RNN
                # states): copying the unchanged ones (the frozen kernels of a quantized
                # model) out of every call cost as much as the call itself.
                nt = [None if a is b else a for a, b in zip(nt, state.non_trainable)]
                return dist_engine.replicate(out), nt

            return predict

        def step(state, batch):
            self.trace_counts[kind] += 1
            batch = dist_engine.constrain_batch(batch)
            new_state, logs = core(state, batch, full_mask(batch[0]))
            new_state = dist_engine.constrain_state(self, new_state)
            return (new_state.metrics, logs) if kind == "test" else (new_state, logs)

        return step

    def _core(self, kind: str):
        if kind == "train" and self.custom_train or kind == "test" and self.custom_test:
            return self._user_core(kind)
        if kind == "predict" and self.custom_predict:
            return self._user_predict_core
        return {"train": self.train_core, "test": self.test_core, "predict": self.predict_core}[
            kind
        ]

    def get(self, kind: str, k: int = 1, batch_size: int | None = None):
        """The (jitted unless eager) function running up to `k` steps of `kind`: called as
        `fn(state, data, indices, [masks,] start, count)`, it runs steps `start` to
        `start + count - 1` (`count <= k`, traced: no recompilation per count). Batches are
        gathered by the rows of `indices`, or with `batch_size`, sliced in order."""
        # The current distribution is part of the key: its shardings are traced into the step.
        # Train and test blocks loop over a traced step count: every k > 1 shares one.
        size = k if kind == "predict" or k == 1 else 0
        key = (kind, size, batch_size, dist_engine.cache_key())
        return self._compiled(key, kind, lambda: self._block(self._core(kind), kind, k, batch_size))


def _variable_lists(model) -> tuple:
    """The model's trainable, non-trainable, optimizer and metric variables."""
    optimizer = model.optimizer if model.compiled else None
    return (
        model.trainable_variables,
        model.non_trainable_variables,
        list(optimizer.variables) if optimizer else [],
        model._compile_metric_variables(),
    )


def full_mask(x):
    """The padding mask of a batch without padding: ones, one per row of `x`.

    Args:
        x: the batch's inputs (a nest of arrays).

    Returns:
        A float32 array of ones, one per row.

    Example:
        >>> import numpy as np
        >>> from lamina.training.steps import full_mask
        >>> full_mask({"a": np.zeros((3, 2))})
        Array([1., 1., 1.], dtype=float32)
    """
    return jnp.ones((jax.tree.leaves(x)[0].shape[0],), jnp.float32)


def _batch_reader(batch_size: int | None):
    """`batch_of(data, indices, step)`: the batch of step `step` of a block, gathered by its row
    of `indices` (`batch_size` None), or sliced in order: batch `i` is rows `[i*b, (i+1)*b)`
    (the feeds pad blocks to whole batches). Under a distribution the batch is split over the
    mesh's batch axis."""

    def batch_of(data, indices, step):
        if batch_size is None:
            rows = jax.lax.dynamic_index_in_dim(indices, step, keepdims=False)
            batch = jax.tree.map(lambda a: jnp.take(a, rows, axis=0), data)
        else:
            start = step * batch_size
            batch = jax.tree.map(lambda a: jax.lax.dynamic_slice_in_dim(a, start, batch_size), data)
        return dist_engine.constrain_batch(batch)

    return batch_of


class CallFunction:
    """`model(x)` on a built model, outside any trace: one jitted pure call per input signature
    and `training` value, instead of running every layer op by op (about 1 ms per call for a
    small MLP, against tens of microseconds jitted).

    Args:
        model: a built model.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.training.steps import CallFunction
        >>> model = keras.Sequential([keras.Input((2,)),
        ...                           keras.layers.Dense(1, kernel_initializer="ones")])
        >>> call = CallFunction(model)
        >>> outputs, losses = call((np.ones((1, 2), "float32"),), {}, False)
        >>> outputs, losses
        (Array([[2.]], dtype=float32), [])
    """

    def __init__(self, model):
        self.model = model
        self.trainable_vars = model.trainable_variables
        self.non_trainable_vars = model.non_trainable_variables
        self.layers = model._flatten_layers()
        self.trace_count = 0
        self._fn = jax.jit(self._call, static_argnums=4)  # one program per `training` value

    def _call(self, trainable, non_trainable, args, kwargs, training):
        """`(outputs, new non-trainable values, losses added by the call)`."""
        self.trace_count += 1
        tv, ntv = self.trainable_vars, self.non_trainable_vars
        mapping = list(zip(tv, trainable)) + list(zip(ntv, non_trainable))
        with state_lib.StateScope(mapping, collect_losses=True) as scope:
            out = self.model._call_uncompiled(*args, training=training, **kwargs)
            return out, [scope.get(v) for v in ntv], list(scope.losses)

    def __call__(self, args, kwargs, training):
        out, new_nt, losses = self._fn(
            [v._value for v in self.trainable_vars],
            [v._value for v in self.non_trainable_vars],
            args,
            kwargs,
            training,
        )
        for v, value in zip(self.non_trainable_vars, new_nt):
            v._value = value
        return out, losses
