"""CIFAR-100: 32x32 color images in 100 classes (20 superclasses), downloaded on first use."""

from __future__ import annotations

import os

import numpy as np

from lamina.datasets._cifar import load_batch
from lamina.utils.file_utils import get_file

_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
_FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
_DIRNAME = "cifar-100-python-target"


def load_data(
    label_mode: str = "fine",
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads CIFAR-100: 50,000 training and 10,000 test images (Krizhevsky, 2009).

    The archive's files are pickles; they are read with a restricted reader that imports
    nothing (see `lamina.datasets._safe_pickle`), never with a plain `pickle.load`.

    Args:
        label_mode: `"fine"` for the 100 classes or `"coarse"` for the 20 superclasses.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: `uint8` images of shape `(n, 32, 32, 3)`
        (channels last) and `uint8` labels of shape `(n, 1)`.

    Example:
        >>> from lamina.datasets import cifar100
        >>> (x_train, y_train), _ = cifar100.load_data(label_mode="coarse")  # doctest: +SKIP
        >>> x_train.shape, int(y_train.max())  # doctest: +SKIP
        ((50000, 32, 32, 3), 19)
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f"`label_mode` must be 'fine' or 'coarse'. Received: {label_mode!r}")
    root = os.path.join(
        get_file(fname=_DIRNAME, origin=_ORIGIN, extract=True, file_hash=_FILE_HASH),
        "cifar-100-python",
    )
    key = f"{label_mode}_labels"
    x_train, y_train = load_batch(os.path.join(root, "train"), label_key=key)
    x_test, y_test = load_batch(os.path.join(root, "test"), label_key=key)
    return (
        (x_train.transpose(0, 2, 3, 1), y_train.reshape(-1, 1)),
        (x_test.transpose(0, 2, 3, 1), y_test.reshape(-1, 1)),
    )
