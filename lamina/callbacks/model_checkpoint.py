"""`ModelCheckpoint`: saves the model or its weights during `fit`."""

from __future__ import annotations

import os
import warnings

import numpy as np

from lamina.callbacks.monitor_callback import MonitorCallback


class ModelCheckpoint(MonitorCallback):
    """Saves the model (`model.save`) or its weights (`model.save_weights`) while training.

    `filepath` may hold `str.format` fields filled from the epoch (1-based), the batch
    (1-based, batch-level saves only) and the logs, e.g. `"ckpt-{epoch:02d}-{val_loss:.2f}.keras"`.

    Args:
        filepath: where to save; must end in `.weights.h5` when `save_weights_only`, in
            `.keras` (or legacy `.h5`) otherwise.
        monitor: the log key compared when `save_best_only` is set.
        verbose: 1 prints a line for each decision.
        save_best_only: only save when `monitor` improves on the best value so far.
        save_weights_only: save the weights instead of the whole model.
        mode: `"auto"`, `"min"` or `"max"` (see `MonitorCallback`).
        save_freq: `"epoch"`, or save every that many batches.
        initial_value_threshold: the best value to beat at the start (`save_best_only`).

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> folder = tempfile.mkdtemp()
        >>> checkpoint = keras.callbacks.ModelCheckpoint(
        ...     os.path.join(folder, "epoch{epoch}.weights.h5"), save_weights_only=True)
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0,
        ...               callbacks=[checkpoint])
        >>> sorted(os.listdir(folder))
        ['epoch1.weights.h5', 'epoch2.weights.h5']
        >>> model.load_weights(os.path.join(folder, "epoch2.weights.h5"))
    """

    def __init__(
        self,
        filepath,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq="epoch",
        initial_value_threshold: float | None = None,
    ):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen: int | None = None
        self._current_epoch = 0
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(
                f"ModelCheckpoint: save_freq must be 'epoch' or a positive int number of "
                f"batches; received save_freq={save_freq!r}."
            )
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(
                    "ModelCheckpoint(save_weights_only=True) needs a filepath ending in "
                    f"`.weights.h5`; received filepath={self.filepath!r}."
                )
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError(
                "ModelCheckpoint needs a filepath ending in `.keras` to save the whole model "
                f"(or pass save_weights_only=True with `.weights.h5`); received "
                f"filepath={self.filepath!r}."
            )

    def _unused_batch_hooks(self) -> tuple[str, ...]:
        # Epoch-level saving needs no batch hook, so the engine keeps its fused steps.
        return ("on_train_batch_end",) if self.save_freq == "epoch" else ()

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch: int) -> bool:
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch started
        else:
            added = batch - self._last_batch_seen  # several steps may run per call
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch: int, logs: dict, filepath: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"ModelCheckpoint can save the best model only when `{self.monitor}` is in the "
                f"logs; available keys: {', '.join(logs.keys())}. Saving anyway.",
                stacklevel=3,
            )
            return True
        if np.ndim(current) > 0:
            warnings.warn(
                f"ModelCheckpoint: `{self.monitor}` is not a scalar ({current}); saving as if "
                "save_best_only=False.",
                stacklevel=3,
            )
            return True
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to "
                    f"{current:.5f}, saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def _save_model(self, epoch: int, batch: int | None, logs) -> None:
        logs = dict(logs or {})
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise OSError(
                "ModelCheckpoint needs a file path, but this one is an existing directory: "
                f"{filepath}"
            )
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch: int, batch: int | None, logs: dict) -> str:
        """Fills `filepath`'s fields: epoch and batch 1-based, the rest from `logs`."""
        fields = dict(logs)
        fields["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as e:
            raise KeyError(
                f"ModelCheckpoint could not fill the filepath {self.filepath!r}: no value for "
                f"{e}. Available fields: {sorted(fields)}."
            ) from None
