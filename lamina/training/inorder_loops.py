"""`evaluate` and `predict` on in-memory arrays: one pass, in order, fed by
`lamina.training.feeds.InOrderFeed` (blocks of whole batches cut from the host arrays)."""

from __future__ import annotations

import math

import jax
import numpy as np

from lamina.distribution import engine as dist_engine
from lamina.training import data as data_lib
from lamina.training.feeds import InOrderFeed
from lamina.training.steps import TrainState


def evaluate_arrays(model, x, y, sw, n, batch_size, steps, callback_list, pythonify) -> dict:
    builder = model._builder()
    batch_size = min(batch_size or 32, data_lib.bucket(n))
    plan = data_lib.plan_batches(
        n, batch_size, steps=steps, rows=math.ceil(data_lib.bucket(n) / batch_size)
    )
    feed = InOrderFeed((x, y, sw), batch_size, plan)
    state = model._gather_state(builder, reset_metrics=True)._replace(optimizer=[])
    callback_list.on_test_begin()
    needs_end = "on_test_batch_end" in callback_list.any_batch_hooks
    needs_begin = "on_test_batch_begin" in callback_list.any_batch_hooks
    planner = model._planner(builder, "test")
    # A user-written test step gets the real partial batch (it knows nothing of the mask).
    full_steps = plan.steps
    exact_tail = builder.exact_batches("test") and plan.sizes[-1] < batch_size
    if exact_tail:
        full_steps -= 1
    logs = None
    step = 0
    while step < plan.steps:
        if needs_begin:
            callback_list.on_test_batch_begin(step)
        if step < full_steps:
            k = 1 if needs_end or needs_begin else planner.next_k(full_steps - step)
            size = planner.block_size(k)
            metrics, logs = planner.run(
                builder.get("test", size, feed.sliced),
                k,
                (state, *feed.args(step, k, size, with_mask=True), k),
                state.metrics,
            )
        else:
            k, rem = 1, plan.sizes[-1]
            metrics, logs = builder.get("test", 1, feed.tail_slice(rem))(
                state, *feed.tail_args(step, rem), 1
            )
        state = state._replace(metrics=metrics)
        step += k
        if needs_end:
            batch_logs = (
                pythonify(logs) if "on_test_batch_end" in callback_list.user_batch_hooks else logs
            )
            callback_list.on_test_batch_end(step - 1, batch_logs)
    for v, value in zip(builder.metric_vars, state.metrics):
        v._value = value
    result = pythonify(logs) if logs is not None else {}
    callback_list.on_test_end(result)
    return result


def predict_arrays(model, x, n, batch_size, steps, callback_list):
    builder = model._predict_builder()
    plan = data_lib.plan_batches(
        n, batch_size, steps=steps, rows=math.ceil(data_lib.bucket(n) / batch_size)
    )
    feed = InOrderFeed(x, batch_size, plan)
    state = TrainState(
        [v.value for v in builder.trainable_vars],
        [v.value for v in builder.non_trainable_vars],
        [],
        [],
    )
    state = dist_engine.place_state(builder, state)  # by layout, under a distribution
    callback_list.on_predict_begin()
    needs_end = "on_predict_batch_end" in callback_list.any_batch_hooks
    planner = model._planner(builder, "predict")
    chunks, counts = [], []
    step = 0
    while step < plan.steps:
        k = 1 if needs_end else planner.next_k(plan.steps - step)
        size = planner.block_size(k)
        out, nt = planner.run(
            builder.get("predict", size, feed.sliced),
            k,
            (state, *feed.args(step, k, size, with_mask=False), k),
            chunks[-1:] or state,
        )
        state = state._replace(non_trainable=nt)
        chunks.append(out)
        counts.append(k)
        step += k
        if needs_end:
            callback_list.on_predict_batch_end(step - 1, {"outputs": out})

    def assemble(*parts):
        # On the host: one transfer per block, no further device ops. A block holds `count`
        # batches (its buffer may hold more).
        parts = [p[:c] for p, c in zip(parts, counts)]
        stacked = np.concatenate(parts, axis=0) if len(parts) > 1 else parts[0]
        return stacked.reshape((-1, *stacked.shape[2:]))[: feed.used]

    outputs = jax.tree.map(assemble, *jax.device_get(chunks))
    for v, value in zip(builder.non_trainable_vars, state.non_trainable):
        v._value = value  # seed generators and stateful RNN states moved on
    callback_list.on_predict_end()
    return outputs
