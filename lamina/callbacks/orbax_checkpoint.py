"""`OrbaxCheckpoint`: saves the model's state with Orbax (optional dependency `orbax-checkpoint`).

Each checkpoint is a numbered step directory written by Orbax's `training.Checkpointer`, with
Keras 3.15's layout: a `pytree` item holding `model.get_state_tree()` (trainable,
non-trainable, optimizer and metric variables, keyed by variable path), and unless
`save_weights_only`, a `model_config` item (the model's JSON record) and an `assets` item
(files such as vocabularies, when the model has any). Keras and lamina read each other's
checkpoints: `model.load_weights(directory)` restores the latest step (optimizer state included,
so `fit` resumes exactly), `keras.saving.load_model(directory)` rebuilds the model too.

Step numbers follow Keras: the epoch index with `save_freq="epoch"`; the total number of
batches seen (counted from the optimizer's `iterations` when training resumes) otherwise.
"""

from __future__ import annotations

import warnings

from lamina.callbacks.monitor_callback import MonitorCallback

_MISSING = (
    "OrbaxCheckpoint needs the optional dependency orbax-checkpoint, which is not installed. "
    'Install it with `pip install "lamina[orbax]"` (or `pip install orbax-checkpoint`).'
)


def orbax_v1():
    """Orbax's checkpointing API (`orbax.checkpoint.v1`), or an ImportError naming the extra.

    Args:
        None.

    Returns:
        The `orbax.checkpoint.v1` module.

    Raises:
        ImportError: orbax-checkpoint is missing or too old (the message names the extra).

    Example:
        >>> from lamina.callbacks.orbax_checkpoint import orbax_v1
        >>> hasattr(orbax_v1(), "save_pytree")
        True
    """
    try:
        import orbax.checkpoint as ocp
    except ImportError as e:
        raise ImportError(_MISSING) from e
    try:
        return ocp.v1
    except AttributeError as e:
        raise ImportError(
            "OrbaxCheckpoint needs orbax-checkpoint with its `v1` API (0.11.20 or newer). "
            'Upgrade it: `pip install -U "lamina[orbax]"`.'
        ) from e


def _multihost():
    import orbax.checkpoint as ocp

    return ocp.multihost


class OrbaxCheckpoint(MonitorCallback):
    """Saves the model's state (weights, optimizer and metric state) with Orbax during `fit`.

    Saves run in the background by default, so training does not wait for the disk; the
    checkpointer is closed (pending saves finished) at the end of training. Keeps the
    `max_to_keep` most recent checkpoints. Restore the latest one with
    `model.load_weights(directory)` (then `fit(..., initial_epoch=...)` resumes exactly), or
    rebuild the model with `keras.saving.load_model(directory)`. Needs
    `pip install "lamina[orbax]"`.

    Args:
        directory: the directory of the checkpoints (one numbered subdirectory per step).
        monitor: the logged value that `save_best_only` compares, e.g. `"val_loss"`.
        verbose: 0 or 1 (accepted, as in Keras; nothing is printed).
        save_best_only: save only when `monitor` improved on the best value seen.
        mode: `"auto"`, `"min"` or `"max"`: the direction of improvement of `monitor`.
        save_freq: `"epoch"` (the step is the epoch index) or an integer number of batches
            (the step is the total number of batches seen).
        initial_value_threshold: the "best" value to beat at first, with `save_best_only`.
        max_to_keep: how many of the latest checkpoints to keep (None: all).
        save_on_background: save asynchronously (True) or block until each save is written.
        save_weights_only: save only the trainable and non-trainable variables (no optimizer
            or metric state, no model config).

    Example:

    >>> import os, tempfile
    >>> import numpy as np
    >>> import lamina as keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="adam", loss="mse")
    >>> directory = os.path.join(tempfile.mkdtemp(), "ckpt")
    >>> checkpoint = keras.callbacks.OrbaxCheckpoint(directory, max_to_keep=2)
    >>> x = np.ones((8, 3), "float32")
    >>> _ = model.fit(x, x[:, :1], epochs=3, verbose=0, callbacks=[checkpoint])
    >>> sorted(os.listdir(directory))
    ['1', '2']
    >>> model.load_weights(directory)  # the latest step: epoch index 2
    """

    def __init__(
        self,
        directory,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        mode: str = "auto",
        save_freq="epoch",
        initial_value_threshold: float | None = None,
        max_to_keep: int | None = 1,
        save_on_background: bool = True,
        save_weights_only: bool = False,
    ):
        self._ocp = orbax_v1()
        super().__init__(monitor, mode, initial_value_threshold)
        if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(save_freq, bool)):
            raise ValueError(
                f"Unrecognized save_freq: {save_freq}. Expected save_freq are 'epoch' or integer "
                "values"
            )
        if max_to_keep is not None and (not isinstance(max_to_keep, int) or max_to_keep < 1):
            raise ValueError(
                f"OrbaxCheckpoint: `max_to_keep` must be a positive integer or None. Received: "
                f"max_to_keep={max_to_keep!r}"
            )
        self.directory = str(directory)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_freq = save_freq
        self.max_to_keep = max_to_keep
        self.save_on_background = save_on_background
        self.save_weights_only = save_weights_only
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._total_batches_seen = 0
        self._async_futures: list = []
        self._multihost_initialized = bool(_multihost().is_jax_distributed_client_initialized())
        self.checkpointer = self._new_checkpointer()
        self._closed = False

    def _new_checkpointer(self):
        ocp = self._ocp
        policy = None
        if self.max_to_keep is not None:
            policy = ocp.training.preservation_policies.LatestN(self.max_to_keep)
        return ocp.training.Checkpointer(
            directory=self.directory,
            preservation_policy=policy,
            # Every requested save is taken (the schedule is this callback's).
            save_decision_policy=ocp.training.save_decision_policies.FixedIntervalPolicy(1),
        )

    def _unused_batch_hooks(self) -> tuple[str, ...]:
        # Epoch-level saving needs no batch hook, so the engine keeps its fused steps.
        return ("on_train_batch_end",) if self.save_freq == "epoch" else ()

    def set_model(self, model):
        super().set_model(model)
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None:
            # A restored model continues the global batch count (the steps of batch saves).
            self._total_batches_seen = int(optimizer.iterations)

    # --- multi-host ---------------------------------------------------------------------------
    def is_multihost_enabled(self) -> bool:
        """Whether a multi-process JAX job is running (then every process takes part in a save)."""
        return self._multihost_initialized

    def is_primary_host(self) -> bool:
        """Whether this process is the primary one (always True in a single-process job)."""
        if not self._multihost_initialized:
            return True
        return bool(_multihost().is_primary_host(primary_host=0))

    def _sync_processes(self, key: str) -> None:
        if self._multihost_initialized:
            _multihost().sync_global_processes(key)

    # --- saving -------------------------------------------------------------------------------
    def _should_save_on_batch(self, batch: int) -> bool:
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        self._total_batches_seen += added
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _improved(self, logs, where: str) -> bool:
        current = logs.get(self.monitor) if logs else None
        if current is None:
            warnings.warn(
                f"Can save best model only with {self.monitor} available, skipping save at "
                f"{where}.",
                stacklevel=3,
            )
            return False
        if not self._is_improvement(current, self.best):
            return False
        self.best = current
        return True

    def _save_checkpoint(self, step: int) -> None:
        payload = self.model._orbax_payload(self.save_weights_only)
        if self._closed:
            self.checkpointer = self._new_checkpointer()  # a later fit with the same callback
            self._closed = False
        with self._ocp.Context():
            if self.save_on_background:
                future = self.checkpointer.save_checkpointables_async(step, payload)
                self._async_futures.append(future)
            else:
                self.checkpointer.save_checkpointables(step, payload)

    def on_train_batch_end(self, batch, logs=None):
        if not self._should_save_on_batch(batch):
            return
        if self.save_best_only:
            if self.monitor_op is None:
                self._set_monitor_op()
            if not self._improved(logs, f"batch {batch}"):
                return
        self._save_checkpoint(self._total_batches_seen)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq != "epoch":
            return
        if self.save_best_only and not self._improved(logs, f"epoch {epoch}"):
            return
        self._save_checkpoint(epoch)

    def on_train_end(self, logs=None):
        # Closing waits for the saves still running in the background.
        try:
            self.checkpointer.close()
        finally:
            self._closed = True
            self._async_futures.clear()
        self._sync_processes("checkpoint_cleanup")

    def wait_until_finished(self) -> None:
        """Blocks until every checkpoint save started so far is written (on every process)."""
        for future in self._async_futures:
            future.result()
        self._async_futures.clear()
        self.checkpointer.wait()
        self._sync_processes("checkpoint_wait_complete")
