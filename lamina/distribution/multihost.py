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
    """Whether this job spans several processes (after `distribution.initialize`)."""
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
    """Process 0's `value`, on every process (so that all take the same branch)."""
    return bool(agree_ints((int(bool(value)),))[0])


def agree_ints(values: tuple) -> tuple:
    """Process 0's tuple of ints, on every process (e.g. a decision made from timings, which
    differ from process to process, while every process must run the same programs)."""
    if not is_multi_process():
        return tuple(int(v) for v in values)
    _settle()
    agreed = multihost_utils.broadcast_one_to_all(np.asarray(values, np.int32))
    return tuple(int(v) for v in np.asarray(agreed))


def barrier(name: str) -> None:
    """Waits until every process reaches the barrier `name`."""
    if is_multi_process():
        _settle()
        multihost_utils.sync_global_devices(name)


@contextlib.contextmanager
def written_by_process_zero(path: str):
    """Yields the path to write to: `path` on process 0, a throwaway file elsewhere.

    Every process runs the same saving code (so that the gathers of sharded weights, which are
    collectives, happen everywhere), but only process 0's file is kept. On leaving, all
    processes wait for each other, so that the file exists everywhere once the save returns.
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
    """A seed drawn from Python's `random` on process 0 and sent to every process."""
    import random

    seed = np.asarray(random.getrandbits(31), dtype=np.int32)
    _settle()
    return int(multihost_utils.broadcast_one_to_all(seed))


# ------------------------------------------------------------------------ data of each process
def row_slices(sharding, shape) -> list[slice]:
    """The dim-0 slices of a `shape`-d array that this process's devices hold, in order (adjacent
    or overlapping ones merged)."""
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
    process hands over only its own rows (`jax.make_array_from_process_local_data`)."""
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
    concatenated in process order)."""
    local = np.asarray(local)
    return jax.make_array_from_process_local_data(
        sharding, local, (int(num_rows), *local.shape[1:])
    )


def gather_counts(count: int) -> list[int]:
    """Every process's `count`, in process order."""
    _settle()
    counts = multihost_utils.process_allgather(np.asarray([count], dtype=np.int32))
    return [int(c) for c in np.asarray(counts).reshape(-1)]
