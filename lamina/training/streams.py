"""Data that arrives batch by batch: Python generators, `PyDataset`, tf.data and torch loaders.

Every source becomes an iterator of `(x, y, sample_weight)` NumPy batches; tf.data datasets and
torch `DataLoader`s are recognised by class name (lamina never imports TensorFlow or torch).
"""

from __future__ import annotations

import itertools
import types
import warnings
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import jax
import numpy as np

from lamina.training import data as data_lib


def _class_names(obj) -> set[str]:
    return {f"{c.__module__}.{c.__name__}" for c in type(obj).__mro__}


def kind_of(x) -> str | None:
    """'pydataset', 'tf', 'torch', 'grain', 'generator' for batch sources, None for in-memory
    arrays.

    Args:
        x: the `x` given to `fit` / `evaluate` / `predict`.

    Returns:
        The kind, or None.

    Example:
        >>> import numpy as np
        >>> from lamina.training.streams import kind_of
        >>> kind_of(iter([(1, 2)])), kind_of(np.zeros(3))
        ('generator', None)
    """
    from lamina.utils.py_dataset import PyDataset

    if isinstance(x, PyDataset):
        return "pydataset"
    names = _class_names(x)
    if any(n.startswith("tensorflow.") and "Dataset" in n for n in names):
        return "tf"
    if any(n.startswith("torch.utils.data") and "DataLoader" in n for n in names):
        return "torch"
    if any(n.startswith("grain.") and ("Dataset" in n or "DataLoader" in n) for n in names):
        return "grain"  # Grain's MapDataset / IterDataset / DataLoader (Keras reads them too)
    if isinstance(x, (types.GeneratorType, itertools.chain)) or (
        hasattr(x, "__next__") and hasattr(x, "__iter__")
    ):
        return "generator"
    return None


def standardize_batch(batch, source: str, host=None):
    """`(x, y, sample_weight)` from a batch tuple, with tensors converted to arrays; `host`
    (a model's host part, see `lamina.models.host_part`) runs on `x` first.

    Args:
        batch: `x`, or a tuple `(x,)`, `(x, y)` or `(x, y, sample_weight)`.
        source: the source's kind, for messages.
        host: the model's host part, or None.

    Returns:
        A tuple `(x, y, sample_weight)` of arrays (None where absent).

    Raises:
        ValueError: the tuple has another length, or the parts differ in samples.

    Example:
        >>> import numpy as np
        >>> from lamina.training.streams import standardize_batch
        >>> x, y, sw = standardize_batch((np.ones((2, 3)), [0, 1]), "generator")
        >>> x.dtype, y.tolist(), sw
        (dtype('float32'), [0, 1], None)
    """
    if not isinstance(batch, (tuple, list)):
        # A lone array (or dict of arrays) is `x` with no targets, as in Keras.
        batch = (batch,)
    if len(batch) not in (1, 2, 3):
        raise ValueError(
            f"Each batch from the {source} must be a tuple (x,), (x, y) or (x, y, sample_weight); "
            f"received a tuple of {len(batch)} elements."
        )
    x, y, sw = (tuple(batch) + (None, None))[:3]
    if host is not None:
        x = host(x)
    x = data_lib.normalize_structure(x, "x")
    y = data_lib.normalize_structure(y, "y")
    sw = data_lib.normalize_structure(sw, "sample_weight")
    data_lib.check_same_samples(x=x, y=y, sample_weight=sw)
    return x, y, sw


def _leaf_shapes(batch) -> list[tuple[str, tuple[int, ...]]]:
    """`(name, shape)` for every array of an `(x, y, sample_weight)` batch, e.g. `("x['a']", ...)`."""
    out = []
    for part, value in zip(("x", "y", "sample_weight"), batch):
        if value is None:
            continue
        for path, leaf in jax.tree_util.tree_flatten_with_path(value)[0]:
            out.append((part + jax.tree_util.keystr(path), tuple(np.shape(leaf))))
    return out


def check_batch_shapes(expected, batch, index: int, source: str) -> None:
    """Raises a `ValueError` when `batch`'s arrays differ from `expected` (the first batch's
    `_leaf_shapes`) in structure or rank. Other sizes may vary (sequences padded per batch for an
    `Input((None,))` model): the model's own input checks name a fixed axis that does not fit.

    Args:
        expected: `(name, shape)` pairs of the first batch.
        batch: the batch `(x, y, sample_weight)`.
        index: the batch's index, for the message.
        source: the source's kind, for the message.

    Raises:
        ValueError: the batch's structure or ranks differ from the first batch's.

    Example:
        >>> import numpy as np
        >>> from lamina.training.streams import check_batch_shapes
        >>> first = [("x", (4, 3)), ("y", (4,))]
        >>> check_batch_shapes(first, (np.ones((2, 3)), np.ones(2), None), 1, "generator")
        >>> check_batch_shapes(first, (np.ones((2, 3, 1)), np.ones(2), None), 2, "generator")
        Traceback (most recent call last):
        ...
        ValueError: Batch 2 from the generator has x of shape (2, 3, 1), but the first batch's ...
    """
    got = _leaf_shapes(batch)
    if [name for name, _ in got] != [name for name, _ in expected]:
        raise ValueError(
            f"Batch {index} from the {source} has arrays {[n for n, _ in got]}, but the first "
            f"batch had {[n for n, _ in expected]}: every batch must have the same structure."
        )
    for (name, shape), (_, first) in zip(got, expected):
        if len(shape) != len(first):
            raise ValueError(
                f"Batch {index} from the {source} has {name} of shape {shape}, but the first "
                f"batch's {name} had shape {first}: batches may differ only in their size (the "
                "first axis). Pad or reshape the data to one shape (lamina.utils.pad_sequences "
                "pads sequences to one length)."
            )


class BatchSource:
    """Batches from a generator, `PyDataset`, tf.data dataset or torch `DataLoader`.

    Args:
        data: the source.
        steps: batches per epoch (None: until the source is exhausted, or `len` when known).
        host: the model's host part (run on each batch's `x`), or None.

    Example:
        >>> import numpy as np
        >>> from lamina.training.streams import BatchSource
        >>> source = BatchSource((np.ones((2, 3)), np.zeros(2)) for _ in range(4))
        >>> source.kind, source.first[0].shape
        ('generator', (2, 3))
        >>> sum(1 for _ in source.epoch(0))
        4
    """

    def __init__(self, data, steps: int | None = None, host=None):
        self.host = host
        self.data = data
        self.kind = kind_of(data)
        self.steps = steps
        self._iterator = None
        self._executor = None
        self.exhausted = False
        self._shapes: list | None = None
        if self.kind == "generator":
            # Peek at the first batch (for building the model) and put it back.
            try:
                first = next(data)
            except StopIteration:
                raise ValueError("The data generator is empty: it yielded no batch.") from None
            self.data = itertools.chain([first], data)
            self.first = standardize_batch(first, "generator", host)
        else:
            self.first = None

    @property
    def num_batches(self) -> int | None:
        if self.steps is not None:
            return self.steps
        if self.kind == "pydataset":
            return self.data.num_batches
        if self.kind in ("tf", "torch", "grain"):
            try:
                n = len(self.data)
                return n if n >= 0 else None
            except TypeError:
                return None
        return None

    def _pydataset_epoch(self, first: int):
        dataset = self.data
        n = dataset.num_batches
        indices = range(n) if n is not None else itertools.count()
        if self.steps is not None:
            indices = itertools.islice(indices, self.steps)
        indices = itertools.islice(indices, first, None)  # resuming: batches are indexed
        if dataset.workers <= 1:
            for i in indices:
                try:
                    yield dataset[i]
                except IndexError:
                    return
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=dataset.workers)
        pending: deque = deque()
        indices = iter(indices)
        for i in itertools.islice(indices, dataset.max_queue_size):
            pending.append(self._executor.submit(dataset.__getitem__, i))
        while pending:
            batch = pending.popleft().result()
            nxt = next(indices, None)
            if nxt is not None:
                pending.append(self._executor.submit(dataset.__getitem__, nxt))
            yield batch

    def epoch(self, first: int = 0):
        """Iterates the batches of one epoch as `(x, y, sample_weight)`, from batch `first`
        (resuming mid-epoch: a `PyDataset` starts at that index, other sources read and drop
        the batches before it)."""
        if self.kind == "pydataset":
            self.data.on_epoch_begin()
            raw = self._pydataset_epoch(first)
        elif self.kind == "generator":
            # One iterator for the whole run: each epoch continues where the last one stopped.
            raw = self.data if self.steps is None else itertools.islice(self.data, self.steps)
        else:
            if self.steps is not None:
                if self._iterator is None:
                    self._iterator = self._fresh_iterator()
                raw = itertools.islice(self._iterator, self.steps)
            else:
                raw = self._fresh_iterator()
        if first and self.kind != "pydataset":
            raw = itertools.islice(raw, first, None)
        count = first
        for batch in raw:
            batch = standardize_batch(batch, self.kind, self.host)
            if self._shapes is None:
                self._shapes = _leaf_shapes(batch)
            else:
                check_batch_shapes(self._shapes, batch, count, self.kind)
            count += 1
            yield batch
        if self.steps is not None and count < self.steps:
            warnings.warn(
                "Your input ran out of data; interrupting training. Make sure that your dataset "
                f"or generator can generate at least `steps` batches ({self.steps} per epoch).",
                stacklevel=2,
            )
            self.exhausted = True
        if self.kind == "pydataset":
            self.data.on_epoch_end()

    def _fresh_iterator(self):
        if self.kind == "tf" and hasattr(self.data, "as_numpy_iterator"):
            return iter(self.data.as_numpy_iterator())
        return iter(self.data)

    def peek(self):
        """The first batch (building the model needs its shapes)."""
        if self.first is None:
            self.first = standardize_batch(next(self._fresh_iterator()), self.kind, self.host)
        return self.first

    def close(self):
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None
