"""`evaluate` and `predict` on in-memory arrays: one pass, in order.

A pass reads each sample once, so nothing is gained by copying the whole dataset to the device
first. Without a distribution, each compiled call receives its own block of whole batches, cut
from the host arrays (a view; only the last block is padded): the compiled steps depend on the
block's shape alone, never on the dataset's size, so no dataset size compiles anew and no padded
copy of the data is made. Under a distribution the data is placed on the mesh once, as `fit`
does, and the steps slice or gather it there.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from lamina.distribution import engine as dist_engine
from lamina.training import data as data_lib
from lamina.training.steps import TrainState


class InOrderFeed:
    """Cuts the blocks of one in-order pass: `args(step, count, size)` gives what a block
    function of `size` compiled batches needs to run steps `step .. step + count - 1`."""

    def __init__(self, structure, n: int, batch_size: int, plan):
        self.plan = plan
        self.batch_size = batch_size
        self.used = sum(plan.sizes)
        self.streamed = dist_engine.distribution() is None
        if self.streamed:
            self.structure = structure
            self.sliced = batch_size
            return
        # Under a distribution: on the mesh once, padded to whole batches when small.
        self.data = data_lib.to_device(structure, plan.indices.size)
        whole = data_lib.rows_of(self.data) >= plan.steps * batch_size
        self.sliced = batch_size if whole else None
        self.indices = None if whole else jnp.asarray(plan.indices)
        self.masks = jnp.asarray(plan.mask)

    def args(self, step: int, count: int, size: int, with_mask: bool) -> tuple:
        if not self.streamed:
            head = (self.data, self.indices)
            return (*head, self.masks, step) if with_mask else (*head, step)
        b = self.batch_size
        lo, hi = step * b, min((step + count) * b, self.used)
        block = jax.tree.map(lambda a: _padded(a[lo:hi], size * b), self.structure)
        if not with_mask:
            return block, None, 0
        masks = np.zeros((size, b), np.float32)
        masks[:count] = self.plan.mask[step : step + count]
        return block, None, masks, 0

    def tail_slice(self, rem: int):
        return rem if self.streamed else None

    def tail_args(self, step: int, rem: int) -> tuple:
        """The exact last partial batch, alone (`rem` samples, no padding)."""
        if not self.streamed:
            rows = jnp.asarray(self.plan.indices[step : step + 1, :rem])
            return self.data, rows, jnp.asarray(self.plan.mask[step : step + 1, :rem]), 0
        lo = step * self.batch_size
        tail = jax.tree.map(lambda a: a[lo : lo + rem], self.structure)
        return tail, None, np.ones((1, rem), np.float32), 0


def _padded(part, rows: int):
    if part.shape[0] == rows:
        return part
    fill = np.zeros((rows - part.shape[0], *part.shape[1:]), part.dtype)
    if isinstance(part, jax.Array):
        return jnp.concatenate([part, jnp.asarray(fill)])
    return np.concatenate([part, fill])


def evaluate_arrays(model, x, y, sw, n, batch_size, steps, callback_list, pythonify) -> dict:
    builder = model._builder()
    batch_size = min(batch_size or 32, data_lib.bucket(n))
    plan = data_lib.plan_batches(
        n, batch_size, steps=steps, rows=math.ceil(data_lib.bucket(n) / batch_size)
    )
    feed = InOrderFeed((x, y, sw), n, batch_size, plan)
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
    feed = InOrderFeed(x, n, batch_size, plan)
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
        out = planner.run(
            builder.get("predict", size, feed.sliced),
            k,
            (state, *feed.args(step, k, size, with_mask=False), k),
            chunks[-1:] or state,
        )
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
    callback_list.on_predict_end()
    return outputs
