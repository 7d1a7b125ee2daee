"""`Dataset`: lamina's host input pipeline (what Keras builds on `tf.data` or grain).

A `Dataset` is a chain of steps over elements: a source (files, arrays), then any of `map`,
`batch`, `unbatch`, `shuffle`, `take`, `skip`, `repeat`, `filter`, `cache` and `prefetch`, the
calls the keras.io tutorials chain on `tf.data` datasets. Elements are NumPy arrays (or tuples
and dicts of them); iterating yields them as `BatchArray`s, NumPy arrays that also answer
`.numpy()` as TensorFlow tensors do, so tutorial code such as `images[0].numpy()` runs unchanged.

While the chain keeps random access (everything except `filter`, `unbatch` of a non-`batch`
step and infinite `repeat` of unknown length), batches are produced by index on worker threads
that read ahead (Pillow decoding and NumPy resizing release the GIL), and the dataset is a
`PyDataset`: `fit`, `evaluate` and `predict` consume it with those threads. Otherwise it is read
in order, one element after the other.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from lamina.utils.py_dataset import PyDataset

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


class BatchArray(np.ndarray):
    """A NumPy array with TensorFlow's `.numpy()` method (it returns a plain `ndarray`), so code
    written for `tf.data` batches (`x.numpy()`) runs on lamina's datasets.

    Args:
        (none: made with `BatchArray.wrap(value)` or `np.asarray(x).view(BatchArray)`)

    Example:
        >>> import numpy as np
        >>> from lamina.utils.dataset import BatchArray
        >>> BatchArray.wrap(np.array([1, 2])).numpy()
        array([1, 2])
    """

    def numpy(self) -> np.ndarray:
        """The same values as a plain `numpy.ndarray`."""
        return np.asarray(self)

    @staticmethod
    def wrap(value):
        """Views every array leaf of a nest (tuple, list, dict) as a `BatchArray`."""
        if isinstance(value, tuple):
            return tuple(BatchArray.wrap(v) for v in value)
        if isinstance(value, list):
            return [BatchArray.wrap(v) for v in value]
        if isinstance(value, dict):
            return {k: BatchArray.wrap(v) for k, v in value.items()}
        if isinstance(value, (str, bytes)):
            return np.asarray(value, dtype=object).view(BatchArray)
        return np.asarray(value).view(BatchArray)


def _to_host(value):
    """Plain NumPy leaves (JAX arrays from a layer in `map` come back to the host)."""
    if isinstance(value, tuple):
        return tuple(_to_host(v) for v in value)
    if isinstance(value, list):
        return [_to_host(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_host(v) for k, v in value.items()}
    if isinstance(value, (str, bytes)) or value is None:
        return value
    if isinstance(value, np.ndarray):
        return np.asarray(value)
    return np.asarray(value)


def _stack(elements: list):
    """One batch from a list of elements with the same structure."""
    first = elements[0]
    if isinstance(first, tuple):
        return tuple(_stack([e[i] for e in elements]) for i in range(len(first)))
    if isinstance(first, list):
        return [_stack([e[i] for e in elements]) for i in range(len(first))]
    if isinstance(first, dict):
        return {k: _stack([e[k] for e in elements]) for k in first}
    if isinstance(first, (str, bytes)) or (isinstance(first, np.ndarray) and first.dtype == object):
        out = np.empty(len(elements), dtype=object)
        out[:] = (
            list(elements)
            if not isinstance(first, np.ndarray)
            else [e.item() if e.ndim == 0 else e for e in elements]
        )
        return out
    shapes = {np.shape(e) for e in elements}
    if len(shapes) > 1:
        raise ValueError(
            "Dataset.batch: the elements of a batch must all have the same shape, found shapes "
            f"{sorted(shapes)}. Resize or pad the elements first (e.g. in `map`)."
        )
    return np.stack([np.asarray(e) for e in elements])


def _split(batch):
    """The elements of a batch (the inverse of `_stack`)."""
    if isinstance(batch, tuple):
        parts = [list(_split(p)) for p in batch]
        return [tuple(p[i] for p in parts) for i in range(len(parts[0]))]
    if isinstance(batch, list):
        parts = [list(_split(p)) for p in batch]
        return [[p[i] for p in parts] for i in range(len(parts[0]))]
    if isinstance(batch, dict):
        keys = list(batch)
        parts = [list(_split(batch[k])) for k in keys]
        return [dict(zip(keys, vals)) for vals in zip(*parts)]
    arr = np.asarray(batch)
    if arr.ndim == 0:
        raise ValueError("Dataset.unbatch: the elements have no batch axis to split.")
    return list(arr)


def _apply(fn, element):
    if isinstance(element, tuple):
        return fn(*element)
    return fn(element)


# ----------------------------------------------------------------------------------- steps
class _Step:
    """One step of a pipeline. `length` is None when unknown, `math.inf` when infinite."""

    parent: _Step | None = None
    random_access = True

    @property
    def length(self):
        raise NotImplementedError

    def get(self, index: int, epoch: int):
        raise NotImplementedError

    def iterate(self, epoch: int):
        if self.random_access and self.length is not None:
            for i in itertools.count() if self.length == float("inf") else range(self.length):
                yield self.get(i, epoch)
        else:
            yield from self._stream(epoch)

    def _stream(self, epoch: int):
        raise NotImplementedError


class _Source(_Step):
    def __init__(self, n: int, fetch):
        self.n = n
        self.fetch = fetch

    @property
    def length(self):
        return self.n

    def get(self, index, epoch):
        if not 0 <= index < self.n:
            raise IndexError(index)
        return self.fetch(index)


class _Map(_Step):
    def __init__(self, parent, fn):
        self.parent, self.fn = parent, fn
        self.random_access = parent.random_access

    @property
    def length(self):
        return self.parent.length

    def get(self, index, epoch):
        return _to_host(_apply(self.fn, self.parent.get(index, epoch)))

    def _stream(self, epoch):
        for element in self.parent.iterate(epoch):
            yield _to_host(_apply(self.fn, element))


class _Batch(_Step):
    def __init__(self, parent, size: int, drop_remainder: bool):
        self.parent, self.size, self.drop_remainder = parent, size, drop_remainder
        self.random_access = parent.random_access and parent.length is not None

    @property
    def length(self):
        n = self.parent.length
        if n is None or n == float("inf"):
            return n
        return n // self.size if self.drop_remainder else -(-n // self.size)

    def get(self, index, epoch):
        n = self.parent.length
        if not 0 <= index < self.length:
            raise IndexError(index)
        stop = (index + 1) * self.size
        if n != float("inf"):
            stop = min(stop, n)
        return self._collate([self.parent.get(i, epoch) for i in range(index * self.size, stop)])

    def _collate(self, elements: list):
        """One batch from its elements (subclasses finish the elements here, a batch at once)."""
        return _stack(elements)

    def _stream(self, epoch):
        pending = []
        for element in self.parent.iterate(epoch):
            pending.append(element)
            if len(pending) == self.size:
                yield self._collate(pending)
                pending = []
        if pending and not self.drop_remainder:
            yield self._collate(pending)


class _Unbatch(_Step):
    random_access = False

    def __init__(self, parent):
        self.parent = parent

    @property
    def length(self):
        return None

    def _stream(self, epoch):
        for batch in self.parent.iterate(epoch):
            yield from _split(batch)


class _Slice(_Step):
    """`take` and `skip`: the elements `[start, stop)` of the parent."""

    def __init__(self, parent, start: int, count: int | None):
        self.parent, self.start, self.count = parent, start, count
        self.random_access = parent.random_access

    @property
    def length(self):
        n = self.parent.length
        if n is None:
            return None
        rest = max(n - self.start, 0)
        return rest if self.count is None else min(rest, self.count)

    def get(self, index, epoch):
        length = self.length
        if index < 0 or (length is not None and index >= length):
            raise IndexError(index)
        return self.parent.get(self.start + index, epoch)

    def _stream(self, epoch):
        stop = None if self.count is None else self.start + self.count
        yield from itertools.islice(self.parent.iterate(epoch), self.start, stop)


class _Shuffle(_Step):
    def __init__(self, parent, buffer_size: int, seed, reshuffle_each_iteration: bool):
        self.parent = parent
        self.buffer_size = buffer_size
        self.seed = int(np.random.randint(2**31 - 1)) if seed is None else int(seed)
        self.reshuffle = reshuffle_each_iteration
        self.random_access = parent.random_access and parent.length not in (None, float("inf"))
        self._orders: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()

    @property
    def length(self):
        return self.parent.length

    def _rng(self, epoch):
        return np.random.RandomState((self.seed + (epoch if self.reshuffle else 0)) % 2**32)

    def _order(self, epoch):
        key = epoch if self.reshuffle else 0
        with self._lock:
            if key not in self._orders:
                self._orders = {key: self._rng(epoch).permutation(self.parent.length)}
            return self._orders[key]

    def get(self, index, epoch):
        return self.parent.get(int(self._order(epoch)[index]), epoch)

    def _stream(self, epoch):
        # A reservoir of `buffer_size` elements, as tf.data's shuffle.
        rng = self._rng(epoch)
        buffer = []
        for element in self.parent.iterate(epoch):
            if len(buffer) < self.buffer_size:
                buffer.append(element)
                continue
            i = rng.randint(len(buffer))
            yield buffer[i]
            buffer[i] = element
        rng.shuffle(buffer)
        yield from buffer


class _Repeat(_Step):
    def __init__(self, parent, count: int | None):
        self.parent, self.count = parent, count
        self.random_access = parent.random_access and parent.length not in (None, float("inf"))

    @property
    def length(self):
        n = self.parent.length
        if n is None:
            return None
        return float("inf") if self.count is None else n * self.count

    def get(self, index, epoch):
        n = self.parent.length
        if index < 0 or index >= self.length:
            raise IndexError(index)
        return self.parent.get(index % n, epoch * 1000003 + index // n)

    def _stream(self, epoch):
        rounds = itertools.count() if self.count is None else range(self.count)
        for r in rounds:
            yield from self.parent.iterate(epoch * 1000003 + r)


class _Filter(_Step):
    random_access = False

    def __init__(self, parent, predicate):
        self.parent, self.predicate = parent, predicate

    @property
    def length(self):
        return None

    def _stream(self, epoch):
        for element in self.parent.iterate(epoch):
            if bool(np.asarray(_apply(self.predicate, element))):
                yield element


class _Cache(_Step):
    def __init__(self, parent):
        self.parent = parent
        self.random_access = parent.random_access
        self._memo: dict[int, object] = {}
        self._complete: list | None = None

    @property
    def length(self):
        return self.parent.length

    def get(self, index, epoch):
        if index not in self._memo:
            self._memo[index] = self.parent.get(index, epoch)
        return self._memo[index]

    def _stream(self, epoch):
        if self._complete is not None:
            yield from self._complete
            return
        seen = []
        for element in self.parent.iterate(epoch):
            seen.append(element)
            yield element
        self._complete = seen


# --------------------------------------------------------------------------------- Dataset
def _default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


class Dataset(PyDataset):
    """A chainable input pipeline of NumPy elements (lamina's stand-in for `tf.data.Dataset`).

    The `*_dataset_from_directory` functions return one; `Dataset.from_tensor_slices` makes one
    from arrays. Each call below returns a new dataset (the original is unchanged); `fit`,
    `evaluate` and `predict` accept it like a `PyDataset`, and `for batch in dataset` yields its
    elements (batches once `batch` was called) as `BatchArray`s.

    Supported calls: `map`, `batch`, `unbatch`, `shuffle`, `take`, `skip`, `repeat`, `filter`,
    `cache`, `prefetch`, `as_numpy_iterator`, `cardinality`, `len()`.

    Args:
        step: the pipeline's last step (internal; use the constructors above).
        class_names: the class names (directory datasets).
        file_paths: the file of each element (directory datasets).
        workers: threads that read elements ahead (default: the number of CPUs, at most 8).
        max_queue_size: how many batches are read ahead.

    Example:

    >>> ds = Dataset.from_tensor_slices((np.arange(5), np.arange(5) * 10)).batch(2)
    >>> [tuple(y.tolist()) for _, y in ds]
    [(0, 10), (20, 30), (40,)]
    """

    def __init__(self, step, class_names=None, file_paths=None, workers=None, max_queue_size=None):
        workers = _default_workers() if workers is None else workers
        super().__init__(workers=workers, max_queue_size=max_queue_size or 2 * workers)
        self._step = step
        self._epoch = -1
        self._stream_lock = threading.Lock()
        self._stream_iter = None
        self._stream_next = 0
        if class_names is not None:
            self.class_names = class_names
        if file_paths is not None:
            self.file_paths = file_paths

    # ------------------------------------------------------------------ constructors
    @staticmethod
    def from_tensor_slices(tensors) -> Dataset:
        """A dataset whose elements are the slices of `tensors` along their first axis.

        Args:
            tensors: an array, or a tuple/list/dict of arrays with the same first dimension.

        Returns:
            A `Dataset`.

        Example:

        >>> len(Dataset.from_tensor_slices(np.zeros((7, 2))))
        7
        """
        data = _columns(tensors)
        leaves = _leaves(data)
        if not leaves:
            raise ValueError("Dataset.from_tensor_slices: `tensors` holds no arrays.")
        sizes = {len(a) for a in leaves}
        if len(sizes) != 1:
            raise ValueError(
                "Dataset.from_tensor_slices: all arrays must have the same first dimension, "
                f"received sizes {sorted(sizes)}."
            )
        n = sizes.pop()
        return Dataset(_Source(n, lambda i: _index(data, i)))

    def _derive(self, step, **kwargs) -> Dataset:
        out = Dataset(
            step,
            workers=kwargs.get("workers", self.workers),
            max_queue_size=kwargs.get("max_queue_size", self.max_queue_size),
        )
        for attr in ("class_names", "file_paths"):
            if attr in self.__dict__:
                setattr(out, attr, self.__dict__[attr])
        return out

    # ------------------------------------------------------------------ transformations
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None) -> Dataset:
        """Applies `map_func` to every element (a tuple element is passed as arguments).

        Args:
            map_func: a function of one element (or of its tuple parts).
            num_parallel_calls: accepted for `tf.data` compatibility (the dataset's worker
                threads already run the map in parallel).
            deterministic: accepted for compatibility; the order is always kept.
            name: unused.

        Returns:
            A new `Dataset`.

        Example:

        >>> [int(v) for v in Dataset.from_tensor_slices(np.arange(3)).map(lambda v: v * 2)]
        [0, 2, 4]
        """
        if not callable(map_func):
            raise TypeError(f"Dataset.map: `map_func` must be callable, received {map_func!r}.")
        return self._derive(_Map(self._step, map_func))

    def batch(
        self,
        batch_size,
        drop_remainder=False,
        num_parallel_calls=None,
        deterministic=None,
        name=None,
    ) -> Dataset:
        """Groups consecutive elements into batches of `batch_size` (stacked arrays).

        Args:
            batch_size: elements per batch.
            drop_remainder: drop the last batch when it is smaller.
            num_parallel_calls: accepted for `tf.data` compatibility.
            deterministic: accepted for compatibility.
            name: unused.

        Returns:
            A new `Dataset`.

        Example:

        >>> [b.shape for b in Dataset.from_tensor_slices(np.zeros((5, 2))).batch(2)]
        [(2, 2), (2, 2), (1, 2)]
        """
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, (int, np.integer))
            or (batch_size < 1)
        ):
            raise ValueError(
                f"Dataset.batch: `batch_size` must be a positive int, received {batch_size!r}."
            )
        return self._derive(_Batch(self._step, int(batch_size), bool(drop_remainder)))

    def unbatch(self, name=None) -> Dataset:
        """Splits every batch into its elements (the inverse of `batch`).

        Returns:
            A new `Dataset`.

        Example:

        >>> len(Dataset.from_tensor_slices(np.zeros((5, 2))).batch(2).unbatch())
        5
        """
        if isinstance(self._step, _Batch):
            return self._derive(self._step.parent)
        return self._derive(_Unbatch(self._step))

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None):
        """Shuffles the elements, with a new order on each pass by default.

        When the number of elements is known, lamina draws a uniform permutation of all of them
        (as a `buffer_size` at least as large as the dataset does in `tf.data`); otherwise it
        shuffles through a buffer of `buffer_size` elements, as `tf.data` does. The orders
        differ from TensorFlow's (its random generator is its own).

        Args:
            buffer_size: the shuffle buffer's size (used when the length is unknown).
            seed: the random seed (None: drawn once).
            reshuffle_each_iteration: draw a new order on each pass.
            name: unused.

        Returns:
            A new `Dataset`.

        Example:

        >>> ds = Dataset.from_tensor_slices(np.arange(4)).shuffle(4, seed=1)
        >>> sorted(int(v) for v in ds)
        [0, 1, 2, 3]
        """
        if not isinstance(buffer_size, (int, np.integer)) or buffer_size < 1:
            raise ValueError(
                f"Dataset.shuffle: `buffer_size` must be a positive int, received {buffer_size!r}."
            )
        return self._derive(_Shuffle(self._step, int(buffer_size), seed, reshuffle_each_iteration))

    def take(self, count, name=None) -> Dataset:
        """The first `count` elements (all of them when `count` is -1).

        Returns:
            A new `Dataset`.

        Example:

        >>> len(Dataset.from_tensor_slices(np.arange(9)).take(4))
        4
        """
        count = int(count)
        return self._derive(_Slice(self._step, 0, None if count < 0 else count))

    def skip(self, count, name=None) -> Dataset:
        """All elements but the first `count`.

        Returns:
            A new `Dataset`.

        Example:

        >>> len(Dataset.from_tensor_slices(np.arange(9)).skip(4))
        5
        """
        return self._derive(_Slice(self._step, max(int(count), 0), None))

    def repeat(self, count=None, name=None) -> Dataset:
        """Repeats the elements `count` times (forever when None or -1).

        Returns:
            A new `Dataset`.

        Example:

        >>> len(Dataset.from_tensor_slices(np.arange(3)).repeat(2))
        6
        """
        count = None if count is None or int(count) < 0 else int(count)
        return self._derive(_Repeat(self._step, count))

    def filter(self, predicate, name=None) -> Dataset:
        """Keeps the elements for which `predicate` is true (read in order afterwards).

        Returns:
            A new `Dataset`.

        Example:

        >>> [int(v) for v in Dataset.from_tensor_slices(np.arange(5)).filter(lambda v: v % 2)]
        [1, 3]
        """
        return self._derive(_Filter(self._step, predicate), workers=1)

    def cache(self, filename="", name=None) -> Dataset:
        """Keeps each element in memory once computed, so later passes skip the work before.

        Args:
            filename: accepted for `tf.data` compatibility; lamina always caches in memory.
            name: unused.

        Returns:
            A new `Dataset`.

        Example:

        >>> len(Dataset.from_tensor_slices(np.arange(3)).cache())
        3
        """
        return self._derive(_Cache(self._step))

    def prefetch(self, buffer_size=AUTOTUNE, name=None) -> Dataset:
        """Sets how many batches the worker threads read ahead (`AUTOTUNE`: twice the workers).

        Returns:
            A new `Dataset` with the same elements.

        Example:

        >>> len(Dataset.from_tensor_slices(np.arange(3)).prefetch(2))
        3
        """
        size = 2 * self.workers if buffer_size is None or buffer_size < 1 else int(buffer_size)
        return self._derive(self._step, max_queue_size=size)

    # ------------------------------------------------------------------ size
    def cardinality(self) -> int:
        """The number of elements: -1 (`INFINITE_CARDINALITY`) or -2 (unknown) as in tf.data.

        Returns:
            An int.

        Example:

        >>> Dataset.from_tensor_slices(np.arange(3)).repeat().cardinality()
        -1
        """
        n = self._step.length if self._step.random_access else None
        if n is None:
            return UNKNOWN_CARDINALITY
        return INFINITE_CARDINALITY if n == float("inf") else int(n)

    def __len__(self) -> int:
        n = self.cardinality()
        if n == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return n

    @property
    def num_batches(self):
        n = self.cardinality()
        return n if n >= 0 else None

    @property
    def workers(self) -> int:
        # Steps read in order (filter, unbatch) are read by one thread.
        return super().workers if self._step.random_access else 1

    # ------------------------------------------------------------------ reading
    def on_epoch_begin(self) -> None:
        self._epoch += 1

    def __getitem__(self, index: int):
        epoch = max(self._epoch, 0)
        if self._step.random_access and self._step.length is not None:
            return BatchArray.wrap(self._step.get(index, epoch))
        # Read in order: the engine asks for 0, 1, 2, ... on one thread.
        with self._stream_lock:
            if index == 0 or self._stream_iter is None or index != self._stream_next:
                if index != 0 and index != self._stream_next:
                    raise IndexError(
                        f"Dataset: element {index} requested out of order from a dataset that "
                        "is read in order (after `filter` or `unbatch`)."
                    )
                self._stream_iter = self._step.iterate(epoch)
            try:
                element = next(self._stream_iter)
            except StopIteration:
                raise IndexError(index) from None
            self._stream_next = index + 1
            return BatchArray.wrap(element)

    def __iter__(self):
        self._epoch += 1
        epoch = self._epoch
        step = self._step
        if not (step.random_access and step.length is not None):
            for element in step.iterate(epoch):
                yield BatchArray.wrap(element)
            return
        indices = itertools.count() if step.length == float("inf") else range(step.length)
        if self.workers <= 1:
            for i in indices:
                yield BatchArray.wrap(step.get(i, epoch))
            return
        indices = iter(indices)
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            pending: deque = deque(
                pool.submit(step.get, i, epoch)
                for i in itertools.islice(indices, self.max_queue_size)
            )
            try:
                while pending:
                    element = pending.popleft().result()
                    nxt = next(indices, None)
                    if nxt is not None:
                        pending.append(pool.submit(step.get, nxt, epoch))
                    yield BatchArray.wrap(element)
            finally:
                for future in pending:
                    future.cancel()

    def as_numpy_iterator(self):
        """Iterates the elements as plain NumPy arrays (as `tf.data`'s method of that name).

        Returns:
            An iterator.

        Example:

        >>> [int(v) for v in Dataset.from_tensor_slices(np.arange(2)).as_numpy_iterator()]
        [0, 1]
        """
        for element in self:
            yield _plain(element)

    def __repr__(self) -> str:
        n = self.cardinality()
        size = {INFINITE_CARDINALITY: "infinite", UNKNOWN_CARDINALITY: "unknown"}.get(n, n)
        return f"<lamina Dataset: {size} elements>"


def _columns(value):
    """A tuple or dict of arrays (string lists become object arrays of `str`)."""
    if isinstance(value, tuple):
        return tuple(_columns(v) for v in value)
    if isinstance(value, dict):
        return {k: _columns(v) for k, v in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], (str, bytes)):
        out = np.empty(len(value), dtype=object)
        out[:] = [v.decode("utf-8") if isinstance(v, bytes) else v for v in value]
        return out
    return np.asarray(value)


def _plain(value):
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return np.asarray(value)


def _leaves(value) -> list:
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in _leaves(v)]
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    return [np.asarray(value)]


def _index(value, i):
    if isinstance(value, tuple):
        return tuple(_index(v, i) for v in value)
    if isinstance(value, dict):
        return {k: _index(v, i) for k, v in value.items()}
    item = value[i]
    return item.item() if isinstance(item, np.ndarray) and item.dtype == object else item
