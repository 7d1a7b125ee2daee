"""The loops of `fit`, `evaluate` and `predict`: one loop per verb, over one feed interface.

Every verb turns its data into a feed (`lamina.training.feeds`: in-memory arrays or a stream),
then runs the feed's blocks through `Pass`, the part the three verbs share: the callbacks around
each block, the write-back of the state for user-written batch hooks, and the state itself.
`fit` adds the epochs, resuming (`resume_point`), validation and the write-back at the end
(`try`/`finally`: also when training is interrupted). See docs/architecture.md.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import jax
import numpy as np

from lamina.callbacks.callback_list import CallbackList
from lamina.core import config as lamina_config
from lamina.core.symbolic import KerasTensor
from lamina.distribution import engine as dist_engine
from lamina.training import data as data_lib
from lamina.training import streams
from lamina.training.feeds import ArrayFeed, StreamFeed
from lamina.training.step_planner import StepPlanner
from lamina.training.steps import StepBuilder
from lamina.utils.data_utils import unpack_x_y_sample_weight


def _pythonify(logs: dict) -> dict:
    """Python numbers from device values (one transfer); nested dicts (a custom `train_step`
    returning `compile_metrics` results) are flattened, as Keras does."""
    out = {}
    for key, value in jax.device_get(logs).items():
        if isinstance(value, dict):
            out.update(_pythonify(value))
        else:
            value = np.asarray(value)
            out[key] = float(value) if value.ndim == 0 else value.tolist()
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


def _host_of(model):
    """The model's host part as a batch transform, or None (see `lamina.models.host_part`)."""
    return model._host_inputs if model._has_host_part() else None


def _default_batch_size(batch_size, n: int, steps, method: str) -> int:
    if batch_size is None:
        batch_size = -(-n // steps) if steps else 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(
            f"{method}(batch_size=...) must be a positive int, received {batch_size!r}."
        )
    return batch_size


def _no_targets_with_source(x, y, sample_weight, method):
    if y is not None or sample_weight is not None:
        raise ValueError(
            f"{method}(): `y` and `sample_weight` cannot be given when `x` is a "
            f"{type(x).__name__} (a generator or dataset); yield `(x, y)` or "
            "`(x, y, sample_weight)` tuples from it instead."
        )


def resume_point(model, initial_epoch: int) -> tuple[int, int]:
    """Where `fit` starts: `(epoch, step in that epoch)`. A callback (`BackupAndRestore`) asks
    for a later point in `on_train_begin` through the model's `_initial_epoch` and
    `_initial_step`; this is the one place the loops read them.

    Args:
        model: the model being trained.
        initial_epoch: the `initial_epoch` given to `fit`.

    Returns:
        A tuple `(epoch, step)`.

    Example:
        >>> import lamina as keras
        >>> from lamina.training.loops import resume_point
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> resume_point(model, 0)
        (0, 0)
        >>> model._initial_epoch, model._initial_step = 3, 5  # as BackupAndRestore sets them
        >>> resume_point(model, 0)
        (3, 5)
    """
    epoch = model.__dict__.pop("_initial_epoch", None)
    step = model.__dict__.pop("_initial_step", 0) or 0
    if epoch is None:
        return initial_epoch, 0
    return max(initial_epoch, int(epoch)), int(step)


class Pass:
    """Runs blocks of one kind of step ('train', 'test', 'predict') with the callbacks around
    them. `state` is the truth while it runs: the loops write it back to the variables
    (`write_back`) before anything reads them, and in `finally`.

    Args:
        model: the model.
        kind: the kind of step.
        callbacks: the `CallbackList`.
        feed: where the blocks come from (its `explain` describes a failed step).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.callbacks import CallbackList
        >>> from lamina.training.feeds import ArrayFeed
        >>> from lamina.training.loops import Pass
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> x, y = np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
        >>> _ = model.evaluate(x, y, verbose=0)  # builds the compiled loss
        >>> feed = ArrayFeed((x, y, None), batch_size=2)
        >>> test = Pass(model, "test", CallbackList(model=model), feed)
        >>> test.gather()
        >>> logs = test.run(feed.epoch(0, test.choose))
        >>> test.write_back()
        >>> sorted(logs)
        ['loss']
    """

    def __init__(self, model, kind: str, callbacks: CallbackList, feed):
        self.model, self.kind, self.callbacks, self.feed = model, kind, callbacks, feed
        self.builder = model._predict_builder() if kind == "predict" else model._builder()
        self.planner = model._planner(self.builder, kind)
        self.begin, self.end = f"on_{kind}_batch_begin", f"on_{kind}_batch_end"
        hooks, user = callbacks.any_batch_hooks, callbacks.user_batch_hooks
        self.hooks = {h for h in (self.begin, self.end) if h in hooks}
        self.user = {h for h in self.hooks if h in user}
        # Begin hooks and user hooks see every batch; built-in end hooks (the progress bar)
        # can follow fused blocks.
        self.single = self.begin in self.hooks or bool(self.user)
        self.outputs: list = []
        self.state = None

    def gather(self, reset_metrics: bool = True) -> None:
        self.state = self.model._gather_state(self.builder, reset_metrics, self.kind)

    def write_back(self) -> None:
        """Writes the state to the variables, once: until `gather` reads them again, they
        are the truth (callbacks may change them)."""
        if self.state is not None:
            self.model._sync_state(self.builder, self.state)
            self.state = None

    def choose(self, remaining: int) -> tuple[int, int]:
        count = 1 if self.single else self.planner.next_k(remaining)
        return count, self.planner.block_size(count)

    def run(self, blocks):
        """Runs every block (stopping when `fit` is told to); returns the last logs, or the
        number of blocks run for predict (their outputs are in `self.outputs`)."""
        logs, ran, result = None, 0, None
        for block in blocks:
            self._hook(self.begin, block.step, None)
            fn = self.builder.get(self.kind, block.size, block.batch_size)
            # While measuring, the planner first waits for the previous call's results.
            barrier = self.state if result is None else result
            try:
                result = self.planner.run(
                    fn, block.count, (self.state, *block.args(self.kind)), barrier
                )
            except ValueError as e:
                raise self.feed.explain(e, block) from e
            logs = self._advance(result, block.count)
            ran += 1
            self._hook(self.end, block.step + block.count - 1, logs)
            if self.kind == "train" and self.model.stop_training:
                break
        return ran if self.kind == "predict" else logs

    def _advance(self, result, count: int):
        if self.kind == "train":
            self.state, logs = result
        elif self.kind == "test":
            metrics, logs = result
            self.state = self.state._replace(metrics=metrics)
        else:
            out, nt = result
            self.state = self.state._replace(non_trainable=nt)
            self.outputs.append((out, count))
            if self.end in self.hooks:
                logs = {"outputs": jax.tree.map(lambda a: a[0], out) if count == 1 else out}
            else:
                logs = None
        return logs

    def _hook(self, hook: str, step: int, logs) -> None:
        if hook not in self.hooks:
            return
        if hook not in self.user:
            getattr(self.callbacks, hook)(step, logs)
            return
        # A user's hook sees current weights and Python numbers.
        self.write_back()
        if logs is not None and self.kind != "predict":
            logs = _pythonify(logs)
        getattr(self.callbacks, hook)(step, logs)
        self.gather(reset_metrics=False)


def run_evaluate(model, feed, callbacks: CallbackList) -> dict:
    """One in-order pass of test steps over `feed`; returns the logs (Python numbers).

    Args:
        model: a compiled, built model.
        feed: an `ArrayFeed` or `StreamFeed`.
        callbacks: the `CallbackList`.

    Returns:
        A dict of logs.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.callbacks import CallbackList
        >>> from lamina.training.feeds import ArrayFeed
        >>> from lamina.training.loops import run_evaluate
        >>> model = keras.Sequential([keras.Input((2,)),
        ...                           keras.layers.Dense(1, kernel_initializer="zeros")])
        >>> model.compile("sgd", "mse")
        >>> x, y = np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
        >>> _ = model.evaluate(x, y, verbose=0)  # builds the compiled loss
        >>> run_evaluate(model, ArrayFeed((x, y, None), batch_size=2), CallbackList(model=model))
        {'loss': 1.0}
    """
    run = Pass(model, "test", callbacks, feed)
    callbacks.on_test_begin()
    run.gather()  # after the hook: what it set (e.g. SwapEMAWeights' weights) is evaluated
    logs = run.run(feed.epoch(0, run.choose))
    if logs is None:
        raise ValueError("evaluate(): the data produced no batch.")
    run.write_back()
    result = _pythonify(logs)
    callbacks.on_test_end(result)
    return result


def run_predict(model, feed, callbacks: CallbackList):
    """One in-order pass of predict steps; returns the outputs as NumPy arrays.

    Args:
        model: a built model.
        feed: an `ArrayFeed` (or `StreamFeed`) of inputs only.
        callbacks: the `CallbackList`.

    Returns:
        The outputs (an array, or the model's output structure of arrays).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.callbacks import CallbackList
        >>> from lamina.training.feeds import ArrayFeed
        >>> from lamina.training.loops import run_predict
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> x = np.ones((5, 2), "float32")
        >>> run_predict(model, ArrayFeed(x, batch_size=2), CallbackList(model=model)).shape
        (5, 1)
    """
    run = Pass(model, "predict", callbacks, feed)
    callbacks.on_predict_begin()
    run.gather()  # after the hook, as for evaluate
    try:
        if not run.run(feed.epoch(0, run.choose)):
            raise ValueError("predict(): the data produced no batch.")
    finally:
        run.write_back()  # seed generators and stateful RNN states moved on
        feed.close()

    def assemble(*parts):
        # On the host: one transfer per block. A block holds `count` batches (its buffer may
        # hold more), the last batch may hold padding rows.
        parts = [p[:c].reshape((-1, *p.shape[2:])) for p, c in zip(parts, counts)]
        return np.concatenate(parts, axis=0)[: getattr(feed, "samples", None)]

    chunks, counts = zip(*run.outputs)
    outputs = jax.tree.map(assemble, *jax.device_get(list(chunks)))
    callbacks.on_predict_end()
    return outputs


class FitPlan(NamedTuple):
    """What `fit` runs besides the data: epochs, where to start, validation every `freq`.

    Args:
        epochs: the last epoch (exclusive), as `fit(epochs=...)`.
        initial_epoch: the first epoch.
        validation: the validation feed, or None.
        freq: validate every `freq` epochs.

    Example:
        >>> from lamina.training.loops import FitPlan
        >>> FitPlan(epochs=3, initial_epoch=0, validation=None, freq=1).epochs
        3
    """

    epochs: int
    initial_epoch: int
    validation: object  # a feed, or None
    freq: int


def run_fit(model, feed, plan: FitPlan, callbacks: CallbackList):
    """The epochs of `fit`; returns the `History`.

    Args:
        model: a compiled model.
        feed: the training feed.
        plan: the `FitPlan`.
        callbacks: the `CallbackList` (with a `History`).

    Returns:
        The `History` callback.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.callbacks import CallbackList
        >>> from lamina.training.feeds import ArrayFeed
        >>> from lamina.training.loops import FitPlan, run_fit
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> x, y = np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
        >>> _ = model.evaluate(x, y, verbose=0)  # builds the compiled loss
        >>> history = run_fit(model, ArrayFeed((x, y, None), batch_size=2, training=True),
        ...                   FitPlan(epochs=2, initial_epoch=0, validation=None, freq=1),
        ...                   CallbackList(model=model, add_history=True, epochs=2))
        >>> history.epoch
        [0, 1]
    """
    run = Pass(model, "train", callbacks, feed)
    object.__setattr__(model, "stop_training", False)
    callbacks.on_train_begin()
    first_epoch, step = resume_point(model, plan.initial_epoch)
    epoch_logs: dict = {}
    try:
        for epoch in range(first_epoch, plan.epochs):
            callbacks.on_epoch_begin(epoch)
            # Gathered after on_epoch_begin: what it set (a learning rate, restored weights)
            # is what this epoch trains with.
            run.gather()
            logs = run.run(feed.epoch(step, run.choose))
            step = 0
            run.write_back()
            if logs is None:
                warnings.warn(
                    "Your input ran out of data; interrupting training. Pass `steps_per_epoch` "
                    "(and make the generator repeat) to train for several epochs.",
                    stacklevel=3,
                )
                break
            epoch_logs = _epoch_logs(model, logs, plan, epoch, callbacks)
            callbacks.on_epoch_end(epoch, epoch_logs)
            if model.stop_training or feed.exhausted:
                break
    finally:
        run.write_back()
        feed.close()
        if plan.validation is not None:
            plan.validation.close()
    # With `use_ema`, the moving averages become the weights (as Keras's fit ends).
    model.optimizer.finalize_variable_values(model.trainable_variables)
    callbacks.on_train_end(epoch_logs)
    return callbacks.history


def _epoch_logs(model, logs, plan: FitPlan, epoch: int, callbacks) -> dict:
    out = _pythonify(logs)
    if plan.validation is not None and (epoch + 1) % plan.freq == 0:
        val_logs = run_evaluate(model, plan.validation, callbacks)
        out.update({f"val_{k}": v for k, v in val_logs.items()})
    return dict(sorted(out.items()))


class Loops:
    """The data loops of `Model` (mixed into `Trainer`).

    `fit`, `evaluate` and `predict`: they check and plan the data (`ArrayFeed` for arrays,
    `StreamFeed` for generators and datasets), build the model and the callbacks, and run the
    passes (`run_fit`, `run_evaluate`, `run_predict`).

    Args:
        (none: a mixin of `Model`)

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.training.loops import Loops
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> isinstance(model, Loops), model.predict(np.ones((3, 2)), verbose=0).shape
        (True, (3, 1))
    """

    def _planner(self, builder: StepBuilder, kind: str) -> StepPlanner:
        """How many steps each call runs: `steps_per_execution`, or measured ("auto")."""
        if self.__dict__.get("_run_eagerly"):
            # Eager mode runs one step at a time, so `call` sees concrete values (no scan).
            return StepPlanner(None, 1)
        requested = self.__dict__.get("_steps_per_execution", "auto")
        if requested == "auto":
            return StepPlanner(builder.auto[kind])
        return StepPlanner(None, requested)

    def _callbacks(self, callbacks, verbose, epochs: int, steps, fit: bool = False):
        return CallbackList(
            callbacks,
            add_history=fit,
            add_progbar=_resolve_verbose(verbose) != 0,
            model=self,
            verbose=verbose,
            epochs=epochs,
            steps=steps,
        )

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
        _resolve_verbose(verbose)
        given = locals()
        args = FitArgs(**{k: given[k] for k in FitArgs._fields})
        data, validation = _split_validation(self, args)
        feed = _fit_feed(self, data, args)
        if validation is not None:
            # Keras's rule: validation_batch_size, else fit's batch_size, else evaluate's default;
            # so the validation logs are bitwise what `evaluate` gives on the same weights.
            val_batch_size = args.validation_batch_size or args.batch_size
            validation = _pass_feed(
                self, validation, val_batch_size, "fit(validation_data)", validation_steps
            )
        epochs = lamina_config.cap_epochs(epochs)  # keras.config.set_max_epochs
        plan = FitPlan(epochs, initial_epoch, validation, validation_freq)
        callback_list = self._callbacks(callbacks, verbose, epochs, feed.steps, fit=True)
        return run_fit(self, feed, plan, callback_list)

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
        _resolve_verbose(verbose)
        feed = _pass_feed(self, (x, y, sample_weight), batch_size, "evaluate", steps)
        callback_list = self._callbacks(callbacks, verbose, 1, feed.steps)
        try:
            logs = run_evaluate(self, feed, callback_list)
        finally:
            feed.close()
        return self._format_logs(logs, return_dict)

    def predict(
        self,
        x,
        batch_size: int | None = None,
        verbose="auto",
        steps: int | None = None,
        callbacks=None,
    ):
        """Returns the model's outputs on `x` as NumPy arrays (same structure as outputs)."""
        _resolve_verbose(verbose)
        feed = _pass_feed(self, (x, None, None), batch_size, "predict", steps)
        callback_list = self._callbacks(callbacks, verbose, 1, feed.steps)
        return run_predict(self, feed, callback_list)

    def _predict_builder(self) -> StepBuilder:
        if self.compiled:
            return self._builder()
        builder = self.__dict__.get("_predict_only_builder")
        if builder is None or not builder.same_variables(self):
            builder = StepBuilder(self, jit=True)
            object.__setattr__(self, "_predict_only_builder", builder)
        return builder


class FitArgs(NamedTuple):
    """The arguments of `fit` that choose its data.

    Args:
        x: the inputs.
        y: the targets.
        sample_weight: the sample weights.
        batch_size: the batch size.
        shuffle: shuffle each epoch.
        class_weight: the class weights.
        steps_per_epoch: the batches per epoch.
        validation_split: the fraction held out for validation.
        validation_data: the validation data.
        validation_steps: the validation batches.
        validation_batch_size: the validation batch size.

    Example:
        >>> from lamina.training.loops import FitArgs
        >>> args = FitArgs("x", "y", None, 32, True, None, None, 0.0, None, None, None)
        >>> args.batch_size, args.shuffle
        (32, True)
    """

    x: object
    y: object
    sample_weight: object
    batch_size: int | None
    shuffle: bool
    class_weight: dict | None
    steps_per_epoch: int | None
    validation_split: float
    validation_data: object
    validation_steps: int | None
    validation_batch_size: int | None


def _split_validation(model, args: FitArgs):
    """`((x, y, sample_weight), validation data or None)`, with `validation_split` applied."""
    data = (args.x, args.y, args.sample_weight)
    validation = args.validation_data
    if isinstance(validation, (tuple, list)) and len(validation) not in (2, 3):
        raise ValueError(
            "fit(validation_data=...): expected (x_val, y_val) or (x_val, y_val, sample_weight), "
            f"received a tuple of {len(validation)} element(s)."
        )
    if validation is not None:
        stream = streams.kind_of(validation) is not None
        validation = (validation, None, None) if stream else unpack_x_y_sample_weight(validation)
    if validation is not None or not args.validation_split:
        return data, validation
    if streams.kind_of(args.x) is not None:
        raise ValueError(
            "fit(validation_split=...) is only supported for array inputs; pass "
            "`validation_data` instead."
        )
    if not 0 < args.validation_split < 1:
        raise ValueError(
            f"fit(validation_split=...) must be in (0, 1), received {args.validation_split}."
        )
    *data, n = model._prepare(*data, "fit")
    split = int(n * (1.0 - args.validation_split))
    if split in (0, n):
        raise ValueError(
            f"fit(): validation_split={args.validation_split} leaves no training or no "
            f"validation samples out of {n}."
        )
    head = tuple(data_lib.take(s, 0, split) if s is not None else None for s in data)
    tail = tuple(data_lib.take(s, split, n) if s is not None else None for s in data)
    return head, tail


def _fit_feed(model, data, args: FitArgs):
    """The training feed of `fit`: a `StreamFeed` or a shuffled `ArrayFeed`."""
    x, y, sw = data
    cw = args.class_weight
    if streams.kind_of(x) is not None:
        feed = _pass_feed(model, data, None, "fit", lamina_config.cap_steps(args.steps_per_epoch))
        if cw is not None:
            feed.transform = lambda b: (b[0], b[1], model._class_weights(b[1], cw))
        return feed
    x, y, sw, n = model._prepare(x, y, sw, "fit")
    if cw is not None:
        if sw is not None:
            raise ValueError("fit(): pass either `class_weight` or `sample_weight`, not both.")
        sw = model._class_weights(y, cw)
    spe = args.steps_per_epoch
    batch_size = _default_batch_size(args.batch_size, n, spe, "fit")
    dist_engine.check_batch_size(min(batch_size, n), "fit")  # even split over the batch axis
    model._symbolic_build(x, y)
    steps = lamina_config.cap_steps(min(-(-n // min(batch_size, n)), spe or n))
    exact = n % batch_size != 0 and model._builder().exact_batches("train")
    return ArrayFeed((x, y, sw), batch_size, steps, args.shuffle, True, exact)


def _pass_feed(model, data, batch_size, method: str, steps=None):
    """The feed of an in-order pass (evaluate, predict, fit's validation) or of a stream (also
    `fit`'s); builds the model."""
    x, y, sw = data
    source = None
    if streams.kind_of(x) is not None:
        _no_targets_with_source(x, y, sw, method)
        source = streams.BatchSource(x, steps, _host_of(model))
        x, y = source.peek()[:2]
    else:
        x, y, sw, n = model._prepare(x, y, sw, method)
        batch_size = min(_default_batch_size(batch_size, n, steps, method), data_lib.bucket(n))
    predict = method == "predict"
    if not predict:
        model._symbolic_build(x, y)
    elif not model.built:
        model._maybe_build((_spec_of(x),), {})
    if source is not None:
        return StreamFeed(source, x_only=predict)
    if predict:
        return ArrayFeed(x, batch_size, steps)
    exact = n % batch_size != 0 and model._builder().exact_batches("test")
    return ArrayFeed((x, y, sw), batch_size, steps, exact_tail=exact)
