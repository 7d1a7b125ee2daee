"""Where batches come from: one interface for in-memory arrays and for streams.

A feed hands the loops of `lamina.training.loops` the `Block`s of one epoch: each block is what
one call of a compiled step needs to run `count` batches. Two feeds implement it:

- `ArrayFeed` (NumPy / JAX arrays, the fast path): the epoch's batches are planned by index
  (shuffled for `fit`), and blocks of several whole batches are cut from the arrays, so the
  compiled steps depend on the batch and block size only, never on the dataset's size. The
  arrays stay on the host (each block is gathered there and sent with its call) unless the data
  is *resident*: copied to the device once, each step of the compiled block gathering its batch
  from it by index (measured on an H200: a separate gather of the whole block first cost more
  than the training step itself on a wide MLP). Resident steps depend on the resident arrays'
  shape, which small datasets pad to a few sizes per octave. `fit`
  makes it resident on accelerators (not on the CPU backend, where the device's memory is the
  host's: a copy would only double it), when it fits in the device's free memory; under a
  distribution every pass does (the arrays are split over the mesh). The environment variable
  `LAMINA_FEED` overrides the choice for `fit`: `device` (resident, also on CPU: this is how the
  accelerator path is tested on CPU), `host`, or `auto` (the default).
- `StreamFeed` (generators, `PyDataset`, tf.data, torch loaders): one block per batch, the
  batch itself as the data.

Interface: `steps` (batches per epoch, None if unknown), `epoch(first_step, choose)` (iterates
the blocks, starting at batch `first_step`; `choose(remaining)` gives `(count, size)` for the
next block), `exhausted`, `explain(error, block)` and `close()`.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any, NamedTuple

import jax
import numpy as np

from lamina.distribution import engine as dist_engine
from lamina.training import data as data_lib

# The environment variable choosing where `fit` gathers in-memory batches.
FEED_ENV = "LAMINA_FEED"
# A resident dataset may take at most this share of the device's free memory (the rest is for
# the model, its activations and gradients); a larger one is gathered on the host.
DEVICE_SHARE = 0.5


class Block(NamedTuple):
    """What one call of a compiled step runs: batches `step .. step + count - 1` of the epoch.

    `data` holds `size` batches of `batch_size` rows, sliced in order by the step (or, when
    `batch_size` is None, gathered by the rows of `indices`); `masks` (`(size, batch)`, 0 for
    padding rows) and `start` (the first batch's index into them) complete the arguments.

    Args:
        step: the first batch's index in the epoch.
        count: how many batches the call runs.
        size: how many batches `data` holds (`>= count`: the compiled size).
        batch_size: rows per batch, or None when the step gathers by `indices`.
        data: the arrays.
        indices: the sample indices per batch (resident data), or None.
        masks: the 0/1 masks of real rows, `(size, batch)`.
        start: the first batch's row in `masks` / `indices`.

    Example:
        >>> import numpy as np
        >>> from lamina.training.feeds import ArrayFeed
        >>> block = next(ArrayFeed(np.arange(6.0)[:, None], batch_size=4).epoch())
        >>> block.step, block.count, block.batch_size, block.data.shape
        (0, 1, 4, (4, 1))
    """

    step: int
    count: int
    size: int
    batch_size: int | None
    data: Any
    indices: Any
    masks: Any
    start: int = 0

    def args(self, kind: str) -> tuple:
        """The arguments after the state, for a step of `kind` (`predict` takes no masks)."""
        if kind == "predict":
            return self.data, self.indices, self.start, self.count
        return self.data, self.indices, self.masks, self.start, self.count


def one_at_a_time(remaining: int) -> tuple[int, int]:
    """The default block choice: one batch per call of the compiled step.

    Args:
        remaining: the batches left in the epoch.

    Returns:
        `(count, size)`: `(1, 1)`.

    Example:
        >>> from lamina.training.feeds import one_at_a_time
        >>> one_at_a_time(10)
        (1, 1)
    """
    return 1, 1


def feed_mode() -> str:
    """`LAMINA_FEED`: 'auto' (the default), 'device' or 'host'.

    Args:
        None.

    Returns:
        The mode.

    Raises:
        ValueError: the variable holds another value.

    Example:
        >>> import os
        >>> from lamina.training.feeds import feed_mode
        >>> feed_mode() if "LAMINA_FEED" not in os.environ else "auto"
        'auto'
    """
    mode = os.environ.get(FEED_ENV, "auto").strip().lower() or "auto"
    if mode not in ("auto", "device", "host"):
        raise ValueError(
            f"The environment variable {FEED_ENV} must be 'auto', 'device' or 'host'; "
            f"received {mode!r}."
        )
    return mode


def device_free_bytes() -> int | None:
    """Free memory of the first local device, or None when the backend does not say (CPU).

    Args:
        None.

    Returns:
        Bytes, or None.

    Example:
        >>> import jax
        >>> from lamina.training.feeds import device_free_bytes
        >>> free = device_free_bytes()
        >>> free is None or free > 0
        True
    """
    try:
        stats = jax.local_devices()[0].memory_stats()
    except Exception:  # backends without memory statistics
        return None
    if not stats or "bytes_limit" not in stats:
        return None
    return int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0))


def fits_on_device(structure) -> bool:
    """Whether a copy of `structure` fits in the device's free memory (see `DEVICE_SHARE`);
    warns when it does not.

    Args:
        structure: an array or a nest of arrays.

    Returns:
        A bool (True when the backend does not report its memory).

    Example:
        >>> import numpy as np
        >>> from lamina.training.feeds import fits_on_device
        >>> fits_on_device({"x": np.zeros((10, 3))})
        True
    """
    free = device_free_bytes()
    size = sum(a.size * a.dtype.itemsize for a in jax.tree.leaves(structure))
    if free is None or size <= DEVICE_SHARE * free:
        return True
    warnings.warn(
        f"fit(): the dataset ({size / 2**20:.0f} MiB) does not fit in the device's free memory "
        f"({free / 2**20:.0f} MiB); its batches are gathered on the host instead.",
        stacklevel=4,
    )
    return False


def _resident(structure, training: bool) -> bool:
    if dist_engine.distribution() is not None:
        return True
    if not training:
        return False
    mode = feed_mode()
    if mode == "host" or mode == "auto" and jax.default_backend() == "cpu":
        return False
    return fits_on_device(structure)


class ArrayFeed:
    """The blocks of in-memory arrays (see the module docstring).

    Args:
        structure: `(x, y, sample_weight)` (or `x` alone for predict), arrays with `n` rows.
        batch_size: rows per batch.
        steps: batches per epoch at most (None: every sample once).
        shuffle: draw a new order each epoch (`fit`).
        training: the feed of `fit` (on accelerators its data is resident).
        exact_tail: run the last partial batch alone and unpadded (user-written steps and
            batch-dependent layers know nothing of the padding mask).

    Example:
        >>> import numpy as np
        >>> from lamina.training.feeds import ArrayFeed
        >>> feed = ArrayFeed((np.arange(10.0)[:, None], np.zeros((10, 1))), batch_size=4)
        >>> feed.steps, [float(block.masks.sum()) for block in feed.epoch()]
        (3, [4.0, 4.0, 2.0])
    """

    exhausted = False

    def __init__(
        self, structure, batch_size, steps=None, shuffle=False, training=False, exact_tail=False
    ):
        self.n = data_lib.rows_of(structure)
        self.batch_size = min(batch_size, self.n) if training else batch_size
        self.shuffle, self.exact_tail = shuffle, exact_tail
        self.steps = math.ceil(self.n / self.batch_size)
        if steps is not None:
            self.steps = min(self.steps, int(steps))
        # Plans of nearby dataset sizes have the same number of rows (one compiled gather).
        self.rows = math.ceil(data_lib.bucket(self.n) / self.batch_size)
        self.resident = _resident(structure, training)
        self.structure = structure
        if self.resident:
            self.structure = data_lib.to_device(structure, self.rows * self.batch_size)

    @property
    def samples(self) -> int:
        """How many rows an epoch reads (predict trims its outputs to this)."""
        return min(self.n, self.steps * self.batch_size)

    def epoch(self, first_step: int = 0, choose=one_at_a_time):
        b = self.batch_size
        plan = data_lib.plan_batches(self.n, b, self.steps, self.shuffle, self.rows)
        if self.resident:
            self.on_device = jax.device_put((plan.indices, plan.mask))
        full = plan.steps - (self.exact_tail and plan.last < b)
        step = min(first_step, plan.steps)
        while step < full:
            count, size = choose(full - step)
            yield self._block(plan, step, count, size)
            step += count
        if step < plan.steps:
            yield self._tail(plan, step, plan.last)

    def _block(self, plan, step: int, count: int, size: int) -> Block:
        b = self.batch_size
        if self.resident:  # each step gathers its batch from the resident data by index
            indices, masks = self.on_device
            return Block(step, count, size, None, self.structure, indices, masks, step)
        if self.shuffle:
            steps = np.minimum(np.arange(step, step + size), plan.mask.shape[0] - 1)
            rows = plan.indices[steps].reshape(-1)
            data = jax.tree.map(lambda a: a[rows], self.structure)
            return Block(step, count, size, b, data, None, plan.mask[steps])
        # In order: views of the arrays and of the mask (the last block padded).
        lo, hi = step * b, min((step + count) * b, self.samples)
        data = jax.tree.map(lambda a: _padded(a[lo:hi], size * b), self.structure)
        return Block(step, count, size, b, data, None, _padded(plan.mask[step : step + size], size))

    def _tail(self, plan, step: int, rem: int) -> Block:
        """The last partial batch alone: `rem` rows, no padding."""
        if self.resident:  # gathered by index inside the step
            rows, masks = plan.indices[step : step + 1, :rem], plan.mask[step : step + 1, :rem]
            return Block(step, 1, 1, None, self.structure, rows, masks)
        rows = plan.indices[step, :rem]
        data = jax.tree.map(lambda a: a[rows], self.structure)
        return Block(step, 1, 1, rem, data, None, np.ones((1, rem), np.float32))

    def explain(self, error, block):
        return error

    def close(self) -> None:
        pass


def _padded(part, rows: int):
    """`part` grown to `rows` rows by repeating its last row: padding rows are masked out, but
    they still go through the model, and real values keep them finite (an all-zero row of
    token ids is fully masked, and a masked average over it would be 0/0)."""
    if part.shape[0] == rows:
        return part
    part = np.asarray(part)
    fill = np.broadcast_to(part[-1:], (rows - part.shape[0], *part.shape[1:]))
    return np.concatenate([part, fill])


class StreamFeed:
    """The blocks of a `BatchSource`: one per batch.

    Args:
        source: the `lamina.training.streams.BatchSource`.
        transform: applied to each `(x, y, sample_weight)` batch (class weights), or None.
        x_only: feed `x` alone (predict).

    Example:
        >>> import numpy as np
        >>> from lamina.training.feeds import StreamFeed
        >>> from lamina.training.streams import BatchSource
        >>> batches = ((np.ones((2, 3)), np.zeros((2, 1))) for _ in range(3))
        >>> feed = StreamFeed(BatchSource(batches))
        >>> [block.data[0].shape for block in feed.epoch()]
        [(2, 3), (2, 3), (2, 3)]
    """

    def __init__(self, source, transform=None, x_only: bool = False):
        self.source = source
        self.transform = transform
        self.x_only = x_only

    @property
    def steps(self) -> int | None:
        return self.source.num_batches

    @property
    def exhausted(self) -> bool:
        return self.source.exhausted

    def epoch(self, first_step: int = 0, choose=one_at_a_time):
        """One block per batch, put on the device as it is read: JAX runs the previous step
        asynchronously, so reading and copying batch k+1 overlaps with step k."""
        batches = self.source.epoch(first_step)
        step = first_step
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            except Exception as e:
                e.add_note(f"(raised while reading batch {step} from the {self.source.kind})")
                raise
            if self.transform is not None:
                batch = self.transform(batch)
            data = batch[0] if self.x_only else batch
            rows = data_lib.rows_of(data)
            masks = np.ones((1, rows), np.float32)
            yield Block(step, 1, 1, rows, jax.device_put(data), None, masks)
            step += 1

    def explain(self, error: ValueError, block: Block) -> ValueError:
        """The step's error, prefixed with the batch index and how its shapes differ from the
        first batch's (a generator yielding inconsistent shapes is the usual cause)."""
        from lamina.training.streams import _leaf_shapes

        batch = (block.data,) if self.x_only else block.data
        first = dict(self.source._shapes or [])
        changed = [
            f"{name} of shape {shape} (the first batch's had shape {first[name]})"
            for name, shape in _leaf_shapes(batch)
            if name in first and shape[1:] != first[name][1:]
        ]
        if not changed:
            return error
        return ValueError(
            f"Batch {block.step} from the {self.source.kind} has {', '.join(changed)}: {error}"
        )

    def close(self) -> None:
        self.source.close()
