"""`PyDataset`: a Python-indexed dataset of batches, read ahead by worker threads."""

from __future__ import annotations

import warnings


class PyDataset:
    """Base class for datasets that produce whole batches by index.

    Subclasses implement `__len__` (the number of batches per epoch) and `__getitem__(index)`
    returning `(x,)`, `(x, y)` or `(x, y, sample_weight)`; `on_epoch_end` runs after each epoch.

    Args:
        workers: how many threads read batches ahead (1 reads in the training thread).
        use_multiprocessing: accepted for Keras compatibility; lamina reads with threads (batches
            are usually NumPy work that releases the GIL), and warns once when this is True.
        max_queue_size: how many batches may be read ahead.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> class Squares(keras.utils.PyDataset):
        ...     def __init__(self, n, batch_size, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.x = np.arange(n, dtype="float32")[:, None]
        ...         self.batch_size = batch_size
        ...     def __len__(self):
        ...         return -(-len(self.x) // self.batch_size)
        ...     def __getitem__(self, index):
        ...         x = self.x[index * self.batch_size:(index + 1) * self.batch_size]
        ...         return x, x ** 2
        >>> data = Squares(10, batch_size=4)
        >>> len(data), data[2][1].ravel().tolist()
        (3, [64.0, 81.0])
        >>> model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> len(model.fit(data, epochs=2, verbose=0).history["loss"])
        2
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size=10):
        if not isinstance(workers, int) or workers < 1:
            raise ValueError(f"PyDataset: `workers` must be an int >= 1, received {workers!r}.")
        if not isinstance(max_queue_size, int) or max_queue_size < 1:
            raise ValueError(
                f"PyDataset: `max_queue_size` must be an int >= 1, received {max_queue_size!r}."
            )
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size
        if use_multiprocessing:
            warnings.warn(
                "PyDataset(use_multiprocessing=True): lamina reads batches with threads.",
                stacklevel=2,
            )

    @property
    def workers(self) -> int:
        return getattr(self, "_workers", 1)

    @property
    def use_multiprocessing(self) -> bool:
        return getattr(self, "_use_multiprocessing", False)

    @property
    def max_queue_size(self) -> int:
        return getattr(self, "_max_queue_size", 10)

    def __getitem__(self, index: int):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__getitem__(index)` returning a batch."
        )

    def __len__(self) -> int:
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__len__` (the number of batches per epoch)."
        )

    @property
    def num_batches(self) -> int | None:
        """The number of batches per epoch (`len(self)`), or None if unknown."""
        try:
            return len(self)
        except NotImplementedError:
            return None

    def on_epoch_begin(self) -> None:
        """Called before each epoch."""

    def on_epoch_end(self) -> None:
        """Called after each epoch (e.g. to reshuffle)."""
