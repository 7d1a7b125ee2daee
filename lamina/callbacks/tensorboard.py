"""`TensorBoard`: writes training logs as TensorBoard event files (through `tensorboardX`)."""

from __future__ import annotations

import os
import time
import warnings

import numpy as np

from lamina.callbacks.callback import Callback
from lamina.callbacks.learning_rate_scheduler import add_learning_rates


def _import_tensorboardx():
    try:
        import tensorboardX
    except ImportError as e:
        raise ImportError(
            "The TensorBoard callback writes event files with the optional `tensorboardX` "
            "package, which is not installed. Install it with `pip install tensorboardX` "
            "(or `pip install lamina[tensorboard]`)."
        ) from e
    return tensorboardX


def _as_image(weight: np.ndarray) -> np.ndarray | None:
    """A weight as an NHWC image batch (as Keras lays it out), or `None` if it is not 1-3D."""
    w = np.squeeze(weight)
    if w.ndim == 1:  # a bias
        w = w.reshape(1, w.shape[0], 1, 1)
    elif w.ndim == 2:  # a dense kernel, laid out wide
        if w.shape[0] > w.shape[1]:
            w = w.T
        w = w.reshape(1, w.shape[0], w.shape[1], 1)
    elif w.ndim == 3:  # a 1D-conv kernel: one image per input channel
        w = np.transpose(w, (2, 0, 1))[..., None]
    else:
        return None
    return w


class TensorBoard(Callback):
    """Logs scalars, weight histograms and images for TensorBoard.

    Writes to `log_dir/train` and `log_dir/validation`: per epoch `epoch_<key>` scalars (the
    `val_` prefix dropped in `validation`) plus `epoch_learning_rate`; with `update_freq="batch"`
    or an int N, `batch_<key>` scalars every N batches (step = the global batch count, 1-based);
    after each validation, `evaluation_<key>_vs_iterations` at the optimizer's step. Needs the
    optional `tensorboardX` package.

    Differences from Keras: `write_graph` writes the model's JSON config as a text summary
    (no op graph); profiling (`profile_batch`) is not supported (use `jax.profiler`).

    Args:
        log_dir: the root directory of the event files.
        histogram_freq: write weight histograms every that many epochs (0: never).
        write_graph: write the model's config once.
        write_images: write the weights as images too (with `histogram_freq`).
        write_steps_per_second: log training steps per second (per epoch and per batch).
        update_freq: `"epoch"`, `"batch"`, or an int number of batches between batch logs.
        profile_batch: must be 0 (profiling is not supported).
        embeddings_freq: save the weights every that many epochs for the embedding projector.
        embeddings_metadata: accepted for compatibility; unused.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> log_dir = tempfile.mkdtemp()
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0,
        ...               validation_data=(np.ones((2, 2)), np.ones((2, 1))),
        ...               callbacks=[keras.callbacks.TensorBoard(log_dir)])
        >>> sorted(os.listdir(log_dir))
        ['train', 'validation']
    """

    def __init__(
        self,
        log_dir="logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq="epoch",
        profile_batch=0,
        embeddings_freq: int = 0,
        embeddings_metadata=None,
    ):
        super().__init__()
        self._tbx = _import_tensorboardx()
        if update_freq != "epoch" and update_freq != "batch":
            if not (isinstance(update_freq, int) and update_freq > 0):
                raise ValueError(
                    "TensorBoard: update_freq must be 'epoch', 'batch' or a positive int; "
                    f"received update_freq={update_freq!r}."
                )
        if profile_batch:
            warnings.warn(
                "TensorBoard: profile_batch is not supported by lamina and is ignored; use "
                "`jax.profiler.trace(log_dir)` around the batches to profile.",
                stacklevel=2,
            )
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.profile_batch = profile_batch
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers: dict = {}
        self._global_train_batch = 0
        self._batch_time = 0.0
        self._epoch_start_time = 0.0
        self._epoch_start_iterations = 0
        self._should_write_graph = False

    def _unused_batch_hooks(self) -> tuple[str, ...]:
        if self.update_freq == "epoch" and not self.write_steps_per_second:
            return ("on_train_batch_end",)
        return ()

    # ------------------------------------------------------------------ writers
    def set_model(self, model) -> None:
        super().set_model(model)
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._close_writers()
        self._should_write_graph = self.write_graph

    def _writer(self, kind: str):
        if kind not in self._writers:
            directory = self._train_dir if kind == "train" else self._val_dir
            self._writers[kind] = self._tbx.SummaryWriter(logdir=directory)
        return self._writers[kind]

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _iterations(self) -> int:
        optimizer = getattr(self.model, "optimizer", None)
        iterations = getattr(optimizer, "iterations", None)
        if iterations is None:
            return 0
        return int(np.asarray(getattr(iterations, "value", iterations)))

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._batch_time = time.time()
        if self._should_write_graph:
            self._should_write_graph = False
            to_json = getattr(self.model, "to_json", None)
            if to_json is not None:
                try:
                    text = to_json()
                except Exception:  # a subclassed model may not serialize; skip the graph
                    text = None
                if text is not None:
                    self._writer("train").add_text("keras", text, 0)

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start_time = time.time()
        if self.write_steps_per_second:
            self._epoch_start_iterations = self._iterations()

    def on_train_batch_end(self, batch, logs=None):
        self._global_train_batch += 1
        now = time.time()
        elapsed, self._batch_time = now - self._batch_time, now
        step = self._global_train_batch
        if self.update_freq == "epoch" or step % self.update_freq:
            return
        writer = self._writer("train")
        if self.write_steps_per_second and elapsed > 0:
            writer.add_scalar("batch_steps_per_second", 1.0 / elapsed, step)
        for name, value in (logs or {}).items():
            if np.ndim(value) == 0:
                writer.add_scalar(f"batch_{name}", float(np.asarray(value)), step)

    def on_test_end(self, logs=None):
        if not logs or getattr(self.model, "optimizer", None) is None:
            return
        writer = self._writer("val")
        step = self._iterations()
        for name, value in logs.items():
            if np.ndim(value) == 0:
                writer.add_scalar(f"evaluation_{name}_vs_iterations", float(value), step)

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            path = os.path.join(self._train_dir, f"keras_embedding.ckpt-{epoch}.weights.h5")
            self.model.save_weights(path)
        for writer in self._writers.values():
            writer.flush()

    def _log_epoch_metrics(self, epoch: int, logs: dict) -> None:
        if not logs:
            return
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        if getattr(self.model, "optimizer", None) is not None:
            add_learning_rates(self.model, train)
        if self.write_steps_per_second:
            seconds = time.time() - self._epoch_start_time
            steps = self._iterations() - self._epoch_start_iterations
            train["steps_per_second"] = steps / seconds if seconds > 0 else 0.0
        for kind, values in (("train", train), ("val", val)):
            if not values:
                continue
            writer = self._writer(kind)
            for name, value in values.items():
                if np.ndim(value) == 0:
                    writer.add_scalar(f"epoch_{name}", float(value), epoch)

    def _log_weights(self, epoch: int) -> None:
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.path.replace(":", "_")
                values = np.asarray(weight.value)
                writer.add_histogram(f"{name}/histogram", values, epoch)
                if self.write_images:
                    image = _as_image(values)
                    if image is not None and image.shape[-1] in (1, 3, 4):
                        image = image.astype("float32")
                        lo, hi = float(image.min()), float(image.max())
                        image = (image - lo) / (hi - lo) if hi > lo else np.zeros_like(image)
                        writer.add_images(f"{name}/image", image, epoch, dataformats="NHWC")
