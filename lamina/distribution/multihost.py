"""Helpers for jobs of several processes: host copies of sharded arrays, agreeing on a value,
writing files from process 0 only, and turning each process's data into global arrays.

With one process every helper is a cheap no-op (or plain NumPy), so callers use them
unconditionally. Nothing here imports the rest of lamina.
"""

from __future__ import annotations

import contextlib
import os
import tempfile

import jax
import numpy as np
from jax.experimental import multihost_utils


def is_multi_process() -> bool:
    """Whether this job spans several processes (after `distribution.initialize`).

    Args:
        None.

    Returns:
        A bool.

    Example:
        >>> from lamina.distribution.multihost import is_multi_process
        >>> is_multi_process()
        False
    """
    return jax.process_count() > 1


def _settle() -> None:
    """Waits for every computation in flight on this process's devices.

    On CPU, cross-process collectives (gloo) of two programs running at once can pair up
    wrongly and deadlock; so a helper program with its own collective (a gather, a broadcast)
    starts only once the training steps already dispatched have finished.
    """
    for device in jax.local_devices():
        jax.block_until_ready(device.live_buffers())


def to_host(value) -> np.ndarray:
    """A NumPy copy of the whole of `value`.

    A `jax.Array` sharded over devices of other processes is gathered first
    (`process_allgather`), which is a collective: every process must call this for the same
    arrays in the same order (as `save_weights` and `get_weights` do on every process).

    Args:
        value: an array (NumPy, or a `jax.Array`, possibly sharded across processes).

    Returns:
        A NumPy array.

    Example:
        >>> import jax.numpy as jnp
        >>> from lamina.distribution.multihost import to_host
        >>> to_host(jnp.arange(3))
        array([0, 1, 2], dtype=int32)
    """
    if (
        isinstance(value, jax.Array)
        and not isinstance(value, jax.core.Tracer)
        and not value.is_fully_addressable
    ):
        if value.is_fully_replicated:
            return np.asarray(value.addressable_data(0))
        _settle()
        return np.asarray(multihost_utils.process_allgather(value, tiled=True))
    return np.asarray(value)


def agree(value: bool) -> bool:
    """Process 0's `value`, on every process (so that all take the same branch).

    Args:
        value: this process's choice.

    Returns:
        Process 0's choice.

    Example:
        >>> from lamina.distribution.multihost import agree
        >>> agree(True)
        True
    """
    return bool(agree_ints((int(bool(value)),))[0])


def agree_ints(values: tuple) -> tuple:
    """Process 0's tuple of ints, on every process (e.g. a decision made from timings, which
    differ from process to process, while every process must run the same programs).

    Args:
        values: this process's tuple of ints.

    Returns:
        Process 0's tuple.

    Example:
        >>> from lamina.distribution.multihost import agree_ints
        >>> agree_ints((3, 4))
        (3, 4)
    """
    if not is_multi_process():
        return tuple(int(v) for v in values)
    _settle()
    agreed = multihost_utils.broadcast_one_to_all(np.asarray(values, np.int32))
    return tuple(int(v) for v in np.asarray(agreed))


def barrier(name: str) -> None:
    """Waits until every process reaches the barrier `name`.

    Args:
        name: the barrier's name (the same on every process).

    Example:
        >>> from lamina.distribution.multihost import barrier
        >>> barrier("after_save")  # returns at once with one process
    """
    if is_multi_process():
        _settle()
        multihost_utils.sync_global_devices(name)


@contextlib.contextmanager
def written_by_process_zero(path: str):
    """Yields the path to write to: `path` on process 0, a throwaway file elsewhere.

    Every process runs the same saving code (so that the gathers of sharded weights, which are
    collectives, happen everywhere), but only process 0's file is kept. On leaving, all
    processes wait for each other, so that the file exists everywhere once the save returns.

    Args:
        path: the file every process is about to write.

    Example:
        >>> import os, tempfile
        >>> from lamina.distribution.multihost import written_by_process_zero
        >>> target = os.path.join(tempfile.mkdtemp(), "model.keras")
        >>> with written_by_process_zero(target) as path:
        ...     _ = open(path, "w").write("saved")
        >>> path == target, os.path.exists(target)
        (True, True)
    """
    if not is_multi_process():
        yield path
        return
    if jax.process_index() == 0:
        try:
            yield path
        finally:
            barrier("lamina_save")
        return
    with tempfile.TemporaryDirectory(prefix="lamina_save_") as scratch:
        try:
            yield os.path.join(scratch, os.path.basename(os.path.normpath(path)) or "unused")
        finally:
            barrier("lamina_save")


def common_seed() -> int:
    """A seed drawn from Python's `random` on process 0 and sent to every process.

    Args:
        None.

    Returns:
        An int below `2**31`.

    Example:
        >>> from lamina.distribution.multihost import common_seed
        >>> 0 <= common_seed() < 2**31
        True
    """
    import random

    seed = np.asarray(random.getrandbits(31), dtype=np.int32)
    _settle()
    return int(multihost_utils.broadcast_one_to_all(seed))


# ------------------------------------------------------------------------ data of each process
def row_slices(sharding, shape) -> list[slice]:
    """The dim-0 slices of a `shape`-d array that this process's devices hold, in order (adjacent
    or overlapping ones merged).

    Args:
        sharding: a `jax.sharding.Sharding`.
        shape: the global array's shape.

    Returns:
        A list of slices of the first axis.

    Example:
        >>> import jax
        >>> from lamina.distribution.multihost import row_slices
        >>> row_slices(jax.sharding.SingleDeviceSharding(jax.devices()[0]), (6, 2))
        [slice(0, 6, None)]
    """
    seen = {}
    for index in sharding.addressable_devices_indices_map(tuple(shape)).values():
        rows = index[0] if index else slice(None)
        start, stop, _ = rows.indices(shape[0])
        seen[(start, stop)] = slice(start, stop)
    merged: list[list[int]] = []
    for start, stop in sorted(seen):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop])
    return [slice(a, b) for a, b in merged]


def from_full_array(host: np.ndarray, sharding) -> jax.Array:
    """A global array from the full `host` array, which every process holds identically: each
    process hands over only its own rows (`jax.make_array_from_process_local_data`).

    Args:
        host: the full array, identical on every process.
        sharding: the global array's sharding.

    Returns:
        A `jax.Array`.

    Example:
        >>> import jax
        >>> import numpy as np
        >>> from lamina.distribution.multihost import from_full_array
        >>> sharding = jax.sharding.SingleDeviceSharding(jax.devices()[0])
        >>> from_full_array(np.arange(4), sharding).shape
        (4,)
    """
    host = np.asarray(host)
    if host.ndim == 0:
        return jax.make_array_from_process_local_data(sharding, host, host.shape)
    slices = row_slices(sharding, host.shape)
    if len(slices) == 1:
        local = host[slices[0]]
    else:
        local = np.concatenate([host[s] for s in slices], axis=0)
    return jax.make_array_from_process_local_data(sharding, local, host.shape)


def from_process_parts(local: np.ndarray, sharding, num_rows: int) -> jax.Array:
    """A global array of `num_rows` rows from this process's `local` part (the parts are
    concatenated in process order).

    Args:
        local: this process's rows.
        sharding: the global array's sharding.
        num_rows: the global number of rows.

    Returns:
        A `jax.Array`.

    Example:
        >>> import jax
        >>> import numpy as np
        >>> from lamina.distribution.multihost import from_process_parts
        >>> sharding = jax.sharding.SingleDeviceSharding(jax.devices()[0])
        >>> from_process_parts(np.ones((4, 2)), sharding, num_rows=4).shape
        (4, 2)
    """
    local = np.asarray(local)
    return jax.make_array_from_process_local_data(
        sharding, local, (int(num_rows), *local.shape[1:])
    )


def gather_counts(count: int) -> list[int]:
    """Every process's `count`, in process order.

    Args:
        count: this process's count.

    Returns:
        A list with one count per process.

    Example:
        >>> from lamina.distribution.multihost import gather_counts
        >>> gather_counts(5)
        [5]
    """
    _settle()
    counts = multihost_utils.process_allgather(np.asarray([count], dtype=np.int32))
    return [int(c) for c in np.asarray(counts).reshape(-1)]
