"""`split_dataset`: cut in-memory data into a left and a right part (e.g. train and test)."""

from __future__ import annotations

import numbers
import random
from typing import Any

import numpy as np


def _class_names(obj) -> list[tuple[str, str]]:
    return [(c.__module__ or "", c.__name__) for c in type(obj).__mro__]


def _is_tf_dataset(obj) -> bool:
    return any(
        name in ("DatasetV2", "Dataset") and module.startswith("tensorflow")
        for module, name in _class_names(obj)
    )


def _is_torch_dataset(obj) -> bool:
    return any(
        name == "Dataset" and module.startswith("torch.utils.data")
        for module, name in _class_names(obj)
    )


def _to_numpy(value):
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()  # tf / torch tensors, by duck typing
    return np.asarray(value)


def _flatten(data, path: str) -> tuple[Any, list[tuple[str, np.ndarray]]]:
    """(structure, [(path, array)]); the structure has None where each array goes."""
    if isinstance(data, dict):
        leaves: list[tuple[str, np.ndarray]] = []
        structure = {}
        for key, value in data.items():
            structure[key], sub = _flatten(value, f"{path}[{key!r}]")
            leaves += sub
        return structure, leaves
    if isinstance(data, (list, tuple)):
        leaves, structure = [], []
        for i, value in enumerate(data):
            s, sub = _flatten(value, f"{path}[{i}]")
            structure.append(s)
            leaves += sub
        # Lists become tuples, as the elements of Keras's split datasets are tuples.
        return tuple(structure), leaves
    return None, [(path, _to_numpy(data))]


def _unflatten(structure, arrays: list[np.ndarray]):
    position = 0

    def build(s):
        nonlocal position
        if s is None:
            position += 1
            return arrays[position - 1]
        if isinstance(s, dict):
            return {k: build(v) for k, v in s.items()}
        return tuple(build(v) for v in s)

    return build(structure)


def _stack_samples(samples: list, source: str):
    """One nest of arrays from a list of per-sample nests (tf.data / torch datasets)."""
    if not samples:
        raise ValueError(f"split_dataset: the {source} is empty.")
    structure, first = _flatten(samples[0], "sample")
    columns: list[list[np.ndarray]] = [[a] for _, a in first]
    for index, sample in enumerate(samples[1:], start=1):
        _, leaves = _flatten(sample, "sample")
        if len(leaves) != len(columns):
            raise ValueError(
                f"split_dataset: the samples of the {source} do not share one structure: sample "
                f"{index} has {len(leaves)} arrays, sample 0 has {len(columns)}."
            )
        for column, (path, array) in zip(columns, leaves):
            if array.shape != column[0].shape:
                raise ValueError(
                    f"split_dataset: all samples must have the same shape; {path} of sample "
                    f"{index} has shape {array.shape}, sample 0's has {column[0].shape}."
                )
            column.append(array)
    return _unflatten(structure, [np.stack(c) for c in columns])


def _as_arrays(dataset):
    if _is_tf_dataset(dataset):
        if hasattr(dataset, "_batch_size"):
            dataset = dataset.unbatch()
        return _stack_samples(list(dataset.as_numpy_iterator()), "tf.data dataset")
    if _is_torch_dataset(dataset):
        samples = [dataset[i] for i in range(len(dataset))]
        return _stack_samples(samples, "torch dataset")
    from lamina.utils.py_dataset import PyDataset

    if isinstance(dataset, PyDataset) or not (
        isinstance(dataset, (list, tuple, dict)) or hasattr(dataset, "__array__")
    ):
        raise TypeError(
            "split_dataset: `dataset` must be a NumPy (or JAX) array, a tuple, list or dict of "
            "arrays with the same length, a tf.data dataset or a torch Dataset; received "
            f"{type(dataset).__name__}. Convert a PyDataset or generator to arrays first."
        )
    return dataset


def _check_size(name: str, size, total: int) -> None:
    if size is None:
        return
    if isinstance(size, bool) or not isinstance(size, (numbers.Integral, numbers.Real)):
        raise TypeError(
            f"split_dataset: `{name}` must be an int, a float or None; "
            f"received {type(size).__name__}."
        )
    if isinstance(size, numbers.Integral):
        if not 0 < size < total:
            raise ValueError(
                f"split_dataset: an int `{name}` must be between 1 and {total - 1} (the dataset "
                f"has {total} samples); received {name}={size}."
            )
    elif not 0 < size < 1:
        raise ValueError(
            f"split_dataset: a float `{name}` must be strictly between 0 and 1; "
            f"received {name}={size}."
        )


def split_sizes(left_size, right_size, total: int) -> tuple[int, int]:
    """The numbers of samples `(left, right)` for `split_dataset`'s size arguments.

    Floats are fractions of `total`, rounded with Python's `round`; ints are counts; None means
    "the rest". The two may add up to less than `total`: the samples between are left out.

    Args:
        left_size: an int count, a float fraction, or None (the rest).
        right_size: an int count, a float fraction, or None (the rest).
        total: the number of samples.

    Returns:
        A tuple `(left, right)` of ints.

    Raises:
        ValueError: both sizes are None or zero, a fraction is not in (0, 1), the sizes add up to
            more than `total`, or a side would be empty.

    Example:
        >>> from lamina.utils.dataset_utils import split_sizes
        >>> split_sizes(0.25, None, 10), split_sizes(3, 2, 10)
        ((2, 8), (3, 2))
    """
    if left_size is None and right_size is None:
        raise ValueError("split_dataset: give `left_size`, `right_size` or both; both are None.")
    if left_size == 0 and right_size == 0:
        raise ValueError("split_dataset: `left_size` and `right_size` are both zero.")
    _check_size("left_size", left_size, total)
    _check_size("right_size", right_size, total)
    fractions = [
        s is not None and not isinstance(s, numbers.Integral) for s in (left_size, right_size)
    ]
    if all(fractions) and left_size + right_size > 1:
        raise ValueError(
            f"split_dataset: the fractions add up to more than 1 "
            f"(left_size={left_size}, right_size={right_size})."
        )

    def count(size):
        if size is None:
            return None
        return int(size) if isinstance(size, numbers.Integral) else round(float(size) * total)

    left, right = count(left_size), count(right_size)
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError(
            f"split_dataset: left_size + right_size = {left + right} samples, but the dataset "
            f"has only {total}."
        )
    for n, side in ((left, "left"), (right, "right")):
        if n == 0:
            raise ValueError(
                f"split_dataset: with {total} samples, left_size={left_size} and "
                f"right_size={right_size} leave the {side} split empty."
            )
    return left, right


def split_dataset(
    dataset,
    left_size: int | float | None = None,
    right_size: int | float | None = None,
    shuffle: bool = False,
    seed: int | None = None,
):
    """Splits a dataset along its first axis into a left and a right part.

    The left part is the first `left_size` samples, the right part the last `right_size` (after
    an optional shuffle); a float size is a fraction of the samples, None means the remainder.
    Shuffling with a given `seed` uses the same permutation as Keras (Python's `random`).

    Differs from Keras: Keras returns two `tf.data.Dataset`s (or torch datasets); lamina has no
    TensorFlow, so it returns two NumPy structures shaped like the input (an array, a tuple of
    arrays for a tuple or list, a dict of arrays for a dict, which Keras does not accept).
    tf.data and torch datasets are recognised by class name and read into arrays.

    Args:
        dataset: an array, a tuple/list/dict (possibly nested) of arrays with the same length,
            a tf.data dataset or a torch Dataset.
        left_size: int count or float fraction of samples for the left part.
        right_size: int count or float fraction of samples for the right part.
        shuffle: shuffle the samples before splitting.
        seed: the shuffle's seed (None: drawn from Python's global `random`).

    Returns:
        A tuple `(left, right)`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> x, y = np.arange(10).reshape(5, 2), np.arange(5)
        >>> left, right = keras.utils.split_dataset((x, y), left_size=0.6)
        >>> left[1].tolist(), right[1].tolist()
        ([0, 1, 2], [3, 4])
    """
    data = _as_arrays(dataset)
    structure, leaves = _flatten(data, "dataset")
    if not leaves:
        raise ValueError("split_dataset: `dataset` holds no arrays.")
    for path, array in leaves:
        if array.ndim == 0:
            raise ValueError(
                f"split_dataset: {path} is a scalar; every array needs a first (sample) axis."
            )
    total = len(leaves[0][1])
    for path, array in leaves[1:]:
        if len(array) != total:
            raise ValueError(
                "split_dataset: all arrays must have the same number of samples; "
                f"{leaves[0][0]} has shape {leaves[0][1].shape} but {path} has shape "
                f"{array.shape}."
            )
    if total == 0:
        raise ValueError("split_dataset: `dataset` is empty (0 samples).")
    left, right = split_sizes(left_size, right_size, total)

    order = list(range(total))
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.Random(seed).shuffle(order)
    left_index = np.asarray(order[:left], dtype=np.intp)
    right_index = np.asarray(order[total - right :], dtype=np.intp)
    arrays = [a for _, a in leaves]
    return (
        _unflatten(structure, [a[left_index] for a in arrays]),
        _unflatten(structure, [a[right_index] for a in arrays]),
    )
