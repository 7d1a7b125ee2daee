"""`BackupAndRestore`: resumes an interrupted `fit` from the last backup."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings

from lamina.callbacks.callback import Callback


def _write_json_atomic(path: str, data: dict) -> None:
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _copy_atomic(src: str, dst: str) -> None:
    tmp = f"{dst}.tmp"
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


class BackupAndRestore(Callback):
    """Backs up the weights (optimizer state included) and the training position, so a `fit`
    that crashed can be run again with the same callback and continue where the backup was.

    `backup_dir` holds `latest.weights.h5` and `training_metadata.json` (`epoch`, and `batch`,
    `step` for batch-level backups); both are written atomically. At the start of `fit` an
    existing backup is loaded and training restarts at the saved epoch. The backup directory is
    deleted when `fit` ends normally (unless `delete_checkpoint=False`).

    With `save_freq=N` a backup is also written every N batches; resuming then continues from
    the saved step when the training loop supports starting mid-epoch (it reads the model's
    `_initial_step`); otherwise the interrupted epoch is run again from its beginning with the
    mid-epoch weights, as Keras 3 does, and a warning says so.

    Args:
        backup_dir: a directory only this training run uses.
        save_freq: `"epoch"`, or back up every that many batches.
        double_checkpoint: keep the previous backup as `*.bkp`, used if the latest is unreadable.
        delete_checkpoint: delete `backup_dir` when training ends normally.
    """

    def __init__(
        self,
        backup_dir,
        save_freq="epoch",
        double_checkpoint: bool = False,
        delete_checkpoint: bool = True,
    ):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: `backup_dir` must not be empty.")
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(
                "BackupAndRestore: save_freq must be 'epoch' or a positive int number of "
                f"batches; received save_freq={save_freq!r}."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"
        self._current_epoch = 0
        self._last_batch_seen = -1
        self._batches_seen_since_last_saving = 0
        self._resume: tuple[int, int] | None = None

    def _unused_batch_hooks(self) -> tuple[str, ...]:
        return ("on_train_batch_end",) if self.save_freq == "epoch" else ()

    # ------------------------------------------------------------------ restore
    def on_train_begin(self, logs=None):
        self._resume = None
        try:
            self._load_model()
        except (OSError, ValueError):
            # lamina's loader reports a file that is not HDF5 as a ValueError.
            if not os.path.exists(self._prev_weights_path):
                raise
            # The latest backup is unreadable: fall back on the previous one.
            _copy_atomic(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                _copy_atomic(self._prev_training_metadata_path, self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._load_model()

    def _load_model(self) -> None:
        if not self.model.built:
            raise ValueError(
                "BackupAndRestore needs a built model; build it (e.g. call it on a batch) "
                "before calling fit()."
            )
        if os.path.exists(self._weights_path):
            self.model.load_weights(self._weights_path)
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path) as f:
                metadata = json.load(f)
            epoch = int(metadata["epoch"])
            step = int(metadata.get("step", 0))
            self.model._initial_epoch = epoch
            if step:
                self.model._initial_step = step
            self._resume = (epoch, step)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        self._last_batch_seen = -1
        if self._resume is None:
            return
        resume_epoch, resume_step = self._resume
        self._resume = None
        if getattr(self.model, "_initial_epoch", None) is not None:
            # Not consumed by the training loop: remove it so it cannot leak into a later fit.
            del self.model._initial_epoch
        if epoch < resume_epoch:
            warnings.warn(
                f"BackupAndRestore: the backup in {self.backup_dir} is at epoch {resume_epoch}, "
                f"but training started at epoch {epoch}: this training loop does not read "
                "`model._initial_epoch`, so finished epochs are trained again.",
                stacklevel=2,
            )
        if resume_step and epoch == resume_epoch:
            if getattr(self.model, "_initial_step", None):
                warnings.warn(
                    f"BackupAndRestore: the backup is at step {resume_step} of epoch "
                    f"{epoch}, but this training loop cannot start mid-epoch; the epoch is "
                    "run again from its start with the backed-up weights.",
                    stacklevel=2,
                )
                del self.model._initial_step
            else:
                self._last_batch_seen = resume_step - 1

    # ------------------------------------------------------------------ backup
    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = -1
        if self.save_freq == "epoch":
            self._save_model(step=0)

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen_since_last_saving += batch - self._last_batch_seen
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            if batch + 1 == self.params.get("steps"):
                # The epoch's last batch: the backup is the start of the next epoch.
                self._current_epoch += 1
                self._save_model(step=0)
                self._current_epoch -= 1
            else:
                self._save_model(step=batch + 1)

    def _save_model(self, step: int) -> None:
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            if os.path.exists(self._weights_path):
                _copy_atomic(self._weights_path, self._prev_weights_path)
            if os.path.exists(self._training_metadata_path):
                _copy_atomic(self._training_metadata_path, self._prev_training_metadata_path)
        self.model.save_weights(self._weights_path, overwrite=True)
        _write_json_atomic(
            self._training_metadata_path,
            {"epoch": self._current_epoch, "batch": max(step - 1, 0), "step": step},
        )

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
