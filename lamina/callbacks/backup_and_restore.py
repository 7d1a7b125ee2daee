"""`BackupAndRestore`: resumes an interrupted `fit` from the last backup."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings

import numpy as np

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


_STATE_ATTR = "lamina_training_state"


def _encode_rng_state(state) -> list:
    name, keys, pos, has_gauss, cached = state
    return [name, np.asarray(keys).tolist(), int(pos), int(has_gauss), float(cached)]


def _decode_rng_state(data) -> tuple:
    name, keys, pos, has_gauss, cached = data
    return (name, np.asarray(keys, dtype=np.uint32), int(pos), int(has_gauss), float(cached))


def _write_training_state(path: str, state: dict) -> None:
    """Stores the training position and random states in the weights file's root attributes."""
    import h5py

    with h5py.File(path, "a") as f:
        f.attrs[_STATE_ATTR] = json.dumps(state)
        f.flush()
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _read_training_state(path: str) -> dict | None:
    import h5py

    try:
        with h5py.File(path, "r") as f:
            raw = f.attrs.get(_STATE_ATTR)
    except OSError:
        return None
    if raw is None:
        return None
    return json.loads(raw if isinstance(raw, str) else raw.decode())


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

    Beyond Keras, the backup also holds what decides the rest of the run: the state of the
    shuffle generator at the start of the backed-up epoch (so the resumed epoch visits the
    batches in the same order), the states of the model's seed generators (`Dropout` and other
    noise draw the same numbers) and the position in the epoch, for arrays and for streams
    (`PyDataset`, generators) alike. It is stored in the weights file itself (an attribute of
    its root), so weights and position are replaced together, atomically: a run killed at any
    point and started again with the same callback ends with the same weights, bit for bit, as
    a run that was never interrupted.

    Args:
        backup_dir: a directory only this training run uses.
        save_freq: `"epoch"`, or back up every that many batches.
        double_checkpoint: keep the previous backup as `*.bkp`, used if the latest is unreadable.
        delete_checkpoint: delete `backup_dir` when training ends normally.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> backup_dir = os.path.join(tempfile.mkdtemp(), "backup")
        >>> class StopAtEpoch2(keras.callbacks.Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         if epoch == 1:
        ...             raise RuntimeError("interrupted")
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> x, y = np.ones((4, 2)), np.ones((4, 1))
        >>> backup = keras.callbacks.BackupAndRestore(backup_dir)
        >>> try:
        ...     model.fit(x, y, epochs=4, verbose=0, callbacks=[backup, StopAtEpoch2()])
        ... except RuntimeError:
        ...     pass
        >>> history = model.fit(x, y, epochs=4, verbose=0, callbacks=[backup])
        >>> history.epoch  # epochs 0 and 1 were backed up: the run goes on with epoch 2
        [2, 3]
        >>> os.path.exists(backup_dir)  # deleted once training finished
        False
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
        self._shuffle_state = None
        self._epoch_shuffle_state = None

    def _unused_batch_hooks(self) -> tuple[str, ...]:
        return ("on_train_batch_end",) if self.save_freq == "epoch" else ()

    # ------------------------------------------------------------------ restore
    def on_train_begin(self, logs=None):
        self._resume = None
        self._shuffle_state = None
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
        metadata = None
        if os.path.exists(self._weights_path):
            self.model.load_weights(self._weights_path)
            metadata = _read_training_state(self._weights_path)
            if metadata is not None:
                self._restore_random_state(metadata)
        if metadata is None and os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path) as f:
                metadata = json.load(f)
        if metadata is not None:
            epoch = int(metadata["epoch"])
            step = int(metadata.get("step", 0))
            self.model._initial_epoch = epoch
            if step:
                self.model._initial_step = step
            self._resume = (epoch, step)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        self._last_batch_seen = -1
        if self._resume is not None and self._shuffle_state is not None:
            # The generator as it was when the backed-up epoch began: the epoch's order again.
            np.random.set_state(self._shuffle_state)
        self._shuffle_state = None
        # The shuffle order of this epoch is drawn after this hook: keep the state it starts from.
        self._epoch_shuffle_state = np.random.get_state()
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
        metadata = {"epoch": self._current_epoch, "batch": max(step - 1, 0), "step": step}
        # At an epoch's end (step 0 of the next) the next order is drawn from the generator as
        # it is now; mid-epoch, from its state when this epoch began.
        shuffle = np.random.get_state() if step == 0 else self._epoch_shuffle_state
        state = dict(metadata, shuffle=_encode_rng_state(shuffle), seeds=self._seed_states())
        tmp = os.path.join(self.backup_dir, ".tmp-latest.weights.h5")
        self.model.save_weights(tmp, overwrite=True)
        _write_training_state(tmp, state)
        os.replace(tmp, self._weights_path)  # weights and position change together
        _write_json_atomic(self._training_metadata_path, metadata)

    # ------------------------------------------------------------------ random state
    def _seed_variables(self) -> list:
        return [v for v in self.model.variables if v.name == "seed_generator_state"]

    def _seed_states(self) -> list:
        return [np.asarray(v.value).tolist() for v in self._seed_variables()]

    def _restore_random_state(self, metadata: dict) -> None:
        seeds = metadata.get("seeds")
        variables = self._seed_variables()
        if seeds is not None and len(seeds) == len(variables):
            for variable, value in zip(variables, seeds):
                variable.assign(np.asarray(value, dtype=np.uint32))
        shuffle = metadata.get("shuffle")
        self._shuffle_state = _decode_rng_state(shuffle) if shuffle is not None else None

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
