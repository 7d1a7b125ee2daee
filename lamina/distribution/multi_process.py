"""`initialize`: joins several processes (machines) into one JAX job.

Each process runs the same script; process 0's address is the coordinator. After it, every
process sees all devices of the job (`list_devices()`), and a distribution's mesh spans them.
"""

from __future__ import annotations

import os
import socket
import time

import jax


def _from_env(value, name: str, cast):
    if value is not None:
        return value
    raw = os.environ.get(name)
    return cast(raw) if raw not in (None, "") else None


def _wait_for_coordinator(address: str, timeout: float) -> None:
    """Waits until `host:port` accepts connections; raises a clear error after `timeout` s.

    JAX aborts the whole process when it cannot register with the coordinator, so the other
    processes check first and fail with a Python exception instead.
    """
    host, _, port = address.rpartition(":")
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=1.0):
                return
        except OSError as e:
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"lamina.distribution.initialize(): could not join the job: the coordinator "
                    f"{address} did not answer within {timeout:g} s ({e}). Start process 0 "
                    "with the same address, and check that it is reachable from here."
                ) from e
            time.sleep(0.2)


def initialize(
    job_addresses: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
    initialization_timeout: int = 300,
) -> None:
    """Starts JAX's multi-process runtime (`jax.distributed.initialize`).

    Args:
        job_addresses: comma-separated `host:port` addresses of the processes; the first one is
            the coordinator (a single address is fine). Default: `KERAS_DISTRIBUTION_JOB_ADDRESSES`.
        num_processes: number of processes. Default: `KERAS_DISTRIBUTION_NUM_PROCESSES`.
        process_id: this process's rank, 0 to `num_processes - 1`. Default:
            `KERAS_DISTRIBUTION_PROCESS_ID`.
        initialization_timeout: seconds to wait for all processes to reach the coordinator
            before failing (lamina's addition).

    With nothing given and no variables set, JAX detects the cluster itself (TPU pods, SLURM,
    ...). On CPU, collectives across processes use gloo (set here if nothing was chosen).
    Afterwards every process is seeded alike (`set_random_seed` with a seed drawn on process
    0), so that they build the same initial weights and shuffle alike, as Keras does.

    Example:
        Run the same script on two machines (not executed here: it starts JAX's runtime for
        the whole process):

        >>> import lamina as keras
        >>> keras.distribution.initialize(  # doctest: +SKIP
        ...     job_addresses="10.0.0.1:1234,10.0.0.2:1234", num_processes=2, process_id=0)
        >>> keras.distribution.set_distribution(keras.distribution.DataParallel())  # doctest: +SKIP
    """
    job_addresses = _from_env(job_addresses, "KERAS_DISTRIBUTION_JOB_ADDRESSES", str)
    num_processes = _from_env(num_processes, "KERAS_DISTRIBUTION_NUM_PROCESSES", int)
    process_id = _from_env(process_id, "KERAS_DISTRIBUTION_PROCESS_ID", int)
    coordinator = job_addresses.split(",")[0].strip() if job_addresses else None
    if jax.config.jax_cpu_collectives_implementation in (None, "", "none"):
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    if coordinator and process_id not in (None, 0):
        _wait_for_coordinator(coordinator, initialization_timeout)
    try:
        jax.distributed.initialize(
            coordinator_address=coordinator,
            num_processes=num_processes,
            process_id=process_id,
            initialization_timeout=int(initialization_timeout),
        )
    except Exception as e:
        raise RuntimeError(
            f"lamina.distribution.initialize(): could not join the job (coordinator "
            f"{coordinator!r}, {num_processes} processes, this is process {process_id}) within "
            f"{initialization_timeout} s: {e}. Check that every process was started with the "
            "same coordinator address and that it is reachable."
        ) from e
    if jax.process_count() > 1:
        # Every process must draw the same initial weights and the same shuffling order, so
        # seed them all alike: process 0 draws the seed from its own generator (so a seed set
        # with `set_random_seed` before this call still makes runs repeat), and sends it.
        from lamina.distribution.multihost import common_seed
        from lamina.utils.random_utils import set_random_seed

        set_random_seed(common_seed())
