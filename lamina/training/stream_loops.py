"""fit / evaluate / predict over data that arrives batch by batch (see `streams`).

Each batch runs the same jitted step as in-memory data, with the batch itself as the data (one
compiled step per batch shape). The step is dispatched asynchronously, so reading and converting
the next batch in Python overlaps with the device working on the current one.
"""

from __future__ import annotations

import jax
import numpy as np

from lamina.callbacks.callback_list import CallbackList
from lamina.training.streams import BatchSource


def _pythonify(logs):
    from lamina.training.loops import _pythonify as convert

    return convert(logs)


def prefetched(batches):
    """Puts each batch on the device one step ahead: the copy of batch k+1 (and reading it from
    the source) overlaps with step k, which JAX runs asynchronously."""
    iterator = iter(batches)
    try:
        upcoming = jax.device_put(next(iterator))
    except StopIteration:
        return
    for batch in iterator:
        current, upcoming = upcoming, jax.device_put(batch)
        yield current
    yield upcoming


def _class_weighted(model, batch, class_weight):
    x, y, sw = batch
    if class_weight is None:
        return batch
    return x, y, model._class_weights(y, class_weight)


def describe_failure(error: ValueError, source: BatchSource, step: int, batch) -> ValueError:
    """The step's error, prefixed with which batch failed and how its shapes differ from the
    first batch's (a generator yielding inconsistent shapes is the usual cause)."""
    from lamina.training.streams import _leaf_shapes

    first = dict(source._shapes or [])
    changed = [
        f"{name} of shape {shape} (the first batch's had shape {first[name]})"
        for name, shape in _leaf_shapes(batch)
        if name in first and shape[1:] != first[name][1:]
    ]
    if not changed:
        return error
    return ValueError(f"Batch {step} from the {source.kind} has {', '.join(changed)}: {error}")


def run_batch(model, builder, kind, state, batch):
    if kind == "test":
        metrics, logs = builder.single("test")(state, batch)
        return state._replace(metrics=metrics), logs
    return builder.single(kind)(state, batch)


def evaluate_source(model, source: BatchSource, callback_list: CallbackList) -> dict:
    builder = model._builder()
    state = model._gather_state(builder, reset_metrics=True)._replace(optimizer=[])
    callback_list.on_test_begin()
    hooks = callback_list.any_batch_hooks
    logs = None
    for step, batch in enumerate(prefetched(source.epoch())):
        if "on_test_batch_begin" in hooks:
            callback_list.on_test_batch_begin(step)
        try:
            state, logs = run_batch(model, builder, "test", state, batch)
        except ValueError as e:
            raise describe_failure(e, source, step, batch) from e
        if "on_test_batch_end" in hooks:
            callback_list.on_test_batch_end(step, _pythonify(logs))
    if logs is None:
        raise ValueError("evaluate(): the data produced no batch.")
    for v, value in zip(builder.metric_vars, state.metrics):
        v._value = value
    result = _pythonify(logs)
    callback_list.on_test_end(result)
    return result


def fit_source(
    model,
    source: BatchSource,
    epochs,
    verbose,
    verbose_level,
    callbacks,
    validation,
    validation_freq,
    class_weight,
    initial_epoch,
):
    """The fit loop for a batch source; `validation` is a callable returning val logs or None."""
    x, y, _ = source.peek()
    model._symbolic_build(x, y)
    builder = model._builder()
    callback_list = CallbackList(
        callbacks,
        add_history=True,
        add_progbar=verbose_level != 0,
        model=model,
        verbose=verbose,
        epochs=epochs,
        steps=source.num_batches,
    )
    hooks = callback_list.any_batch_hooks
    user_hooks = callback_list.user_batch_hooks
    object.__setattr__(model, "stop_training", False)
    callback_list.on_train_begin()
    resume_epoch = model.__dict__.pop("_initial_epoch", None)
    model.__dict__.pop("_initial_step", None)
    if resume_epoch is not None:
        initial_epoch = max(initial_epoch, int(resume_epoch))
    state = model._gather_state(builder, reset_metrics=True)
    epoch_logs: dict = {}
    try:
        for epoch in range(initial_epoch, epochs):
            callback_list.on_epoch_begin(epoch)
            state = model._gather_state(builder, reset_metrics=True)
            logs = None
            batches = (_class_weighted(model, b, class_weight) for b in source.epoch())
            for step, batch in enumerate(prefetched(batches)):
                if "on_train_batch_begin" in hooks:
                    if user_hooks:
                        model._sync_state(builder, state)
                    callback_list.on_train_batch_begin(step)
                    if user_hooks:
                        state = model._gather_state(builder, reset_metrics=False)
                try:
                    state, logs = run_batch(model, builder, "train", state, batch)
                except ValueError as e:
                    raise describe_failure(e, source, step, batch) from e
                if "on_train_batch_end" in hooks:
                    if user_hooks:
                        model._sync_state(builder, state)
                        callback_list.on_train_batch_end(step, _pythonify(logs))
                        state = model._gather_state(builder, reset_metrics=False)
                    else:
                        callback_list.on_train_batch_end(step, logs)
                if model.stop_training:
                    break
            if logs is None:
                import warnings

                warnings.warn(
                    "Your input ran out of data; interrupting training. Pass `steps_per_epoch` "
                    "(and make the generator repeat) to train for several epochs.",
                    stacklevel=3,
                )
                break
            model._sync_state(builder, state)
            epoch_logs = _pythonify(logs)
            if validation is not None and (epoch + 1) % validation_freq == 0:
                val_logs = validation(callback_list)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            epoch_logs = dict(sorted(epoch_logs.items()))
            callback_list.on_epoch_end(epoch, epoch_logs)
            state = model._gather_state(builder, reset_metrics=True)
            if model.stop_training or source.exhausted:
                break
    finally:
        model._sync_state(builder, state)
        source.close()
    # With `use_ema`, the moving averages become the weights (as Keras's fit ends).
    model.optimizer.finalize_variable_values(model.trainable_variables)
    callback_list.on_train_end(epoch_logs)
    return callback_list.history


def predict_source(model, source: BatchSource, verbose, verbose_level, callbacks):
    from lamina.training.steps import TrainState

    x, _, _ = source.peek()
    if not model.built:
        from lamina.training.loops import _spec_of

        model._maybe_build((_spec_of(x),), {})
    builder = model._predict_builder()
    callback_list = CallbackList(
        callbacks,
        add_progbar=verbose_level != 0,
        model=model,
        verbose=verbose,
        epochs=1,
        steps=source.num_batches,
    )
    state = TrainState(
        [v.value for v in builder.trainable_vars],
        [v.value for v in builder.non_trainable_vars],
        [],
        [],
    )
    callback_list.on_predict_begin()
    outputs = []
    for step, (bx, _, _) in enumerate(source.epoch()):
        out, nt = builder.single("predict")(state, bx)
        state = state._replace(non_trainable=nt)
        outputs.append(out)
        if "on_predict_batch_end" in callback_list.any_batch_hooks:
            callback_list.on_predict_batch_end(step, {"outputs": out})
    source.close()
    if not outputs:
        raise ValueError("predict(): the data produced no batch.")
    result = jax.tree.map(lambda *parts: np.concatenate([np.asarray(p) for p in parts]), *outputs)
    for v, value in zip(builder.non_trainable_vars, state.non_trainable):
        v._value = value
    callback_list.on_predict_end()
    return result
