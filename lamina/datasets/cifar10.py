"""CIFAR-10: 32x32 color images in 10 classes, downloaded on first use."""

from __future__ import annotations

import os

import numpy as np

from lamina.datasets._cifar import load_batch
from lamina.utils.file_utils import get_file

_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
_DIRNAME = "cifar-10-batches-py-target"


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads CIFAR-10: 50,000 training and 10,000 test images (Krizhevsky, 2009).

    The archive's batches are pickles; they are read with a restricted reader that imports
    nothing (see `lamina.datasets._safe_pickle`), never with a plain `pickle.load`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: `uint8` images of shape `(n, 32, 32, 3)`
        (channels last) and `uint8` labels `0..9` of shape `(n, 1)`.

    Args:
        None.

    Example:
        >>> from lamina.datasets import cifar10
        >>> (x_train, y_train), (x_test, y_test) = cifar10.load_data()  # doctest: +SKIP
        >>> x_train.shape, y_train.shape, x_test.shape  # doctest: +SKIP
        ((50000, 32, 32, 3), (50000, 1), (10000, 32, 32, 3))
    """
    root = os.path.join(
        get_file(fname=_DIRNAME, origin=_ORIGIN, extract=True, file_hash=_FILE_HASH),
        "cifar-10-batches-py",
    )
    train = [load_batch(os.path.join(root, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train])
    x_test, y_test = load_batch(os.path.join(root, "test_batch"))
    return (
        (x_train.transpose(0, 2, 3, 1), y_train.reshape(-1, 1)),
        (x_test.transpose(0, 2, 3, 1), y_test.reshape(-1, 1)),
    )
