"""Where the batches of in-memory arrays come from: blocks of whole batches for the compiled
steps, whose shapes depend on the batch size and block size only, never on the dataset's size
(so a new dataset size compiles no step, and no padded copy of the data is made).

- `InOrderFeed` (evaluate, predict): a pass reads each sample once, so each block is cut from
  the host arrays (a view; only the last block is padded) and sent with its call.
- `ShuffledFeed` (fit): on the CPU backend, each block is gathered from the host arrays by the
  epoch's shuffled indices (the device's memory is the host's: a device copy of the dataset
  would only double it); on accelerators, the arrays go to the device once per `fit` and each
  block is gathered there by a small compiled call of its own.

Under a distribution both place the data on the mesh once (split along the batch axis).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.distribution import engine as dist_engine
from lamina.training import data as data_lib


class InOrderFeed:
    """Cuts the blocks of one in-order pass: `args(step, count, size)` gives what a block
    function of `size` compiled batches needs to run steps `step .. step + count - 1`."""

    def __init__(self, structure, batch_size: int, plan):
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


class ShuffledFeed:
    """The blocks of `fit`: `block(plan, step, count, size)` gives `(data, masks)`, the
    `size * batch` rows of steps `step .. step + count - 1` (rows past the plan's end repeat its
    last row; a block's `count` stops before them) and their `(size, batch)` mask."""

    def __init__(self, structure, builder):
        self.builder = builder
        self.on_host = jax.default_backend() == "cpu" and dist_engine.distribution() is None
        if self.on_host:
            self.structure = structure
        else:
            self.data = data_lib.to_device(structure)

    def start_epoch(self, plan) -> None:
        self.plan = plan
        if not self.on_host:
            self.indices, self.masks = jnp.asarray(plan.indices), jnp.asarray(plan.mask)

    def block(self, step: int, size: int):
        if not self.on_host:
            return self.builder.take(self.data, self.indices, self.masks, step, size)
        plan = self.plan
        steps = np.minimum(np.arange(step, step + size), plan.indices.shape[0] - 1)
        rows = plan.indices[steps].reshape(-1)
        return jax.tree.map(lambda a: a[rows], self.structure), plan.mask[steps]

    def tail(self, last: int, rem: int):
        """The exact last partial batch alone: `(data, indices, masks, start, batch_size)` for
        a one-step block (gathered by `indices` when `batch_size` is None)."""
        plan = self.plan
        if not self.on_host:
            rows = jnp.asarray(plan.indices[last : last + 1, :rem])
            return self.data, rows, jnp.asarray(plan.mask[last : last + 1, :rem]), 0, None
        rows = plan.indices[last, :rem]
        data = jax.tree.map(lambda a: a[rows], self.structure)
        return data, None, np.ones((1, rem), np.float32), 0, rem
