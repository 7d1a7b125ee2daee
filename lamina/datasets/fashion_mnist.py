"""Fashion-MNIST: 28x28 grayscale pictures of clothing in 10 classes, downloaded on first use."""

from __future__ import annotations

import gzip
import os

import numpy as np

from lamina.utils.file_utils import get_file

_BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)
_CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")


def _read_idx(labels_path: str, images_path: str) -> tuple[np.ndarray, np.ndarray]:
    """Images `(n, 28, 28)` and labels `(n,)` from a pair of gzipped IDX files."""
    with gzip.open(labels_path, "rb") as handle:
        labels = np.frombuffer(handle.read(), np.uint8, offset=8)
    with gzip.open(images_path, "rb") as handle:
        images = np.frombuffer(handle.read(), np.uint8, offset=16)
    return images.reshape(len(labels), 28, 28), labels


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads Fashion-MNIST: 60,000 training and 10,000 test images (Zalando Research).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: `uint8` images of shape `(n, 28, 28)` and
        `uint8` labels `0..9` of shape `(n,)`.

    Example:
        >>> from lamina.datasets import fashion_mnist
        >>> (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()  # doctest: +SKIP
        >>> x_train.shape, y_train.shape, x_test.shape  # doctest: +SKIP
        ((60000, 28, 28), (60000,), (10000, 28, 28))

    Args:
        None.
    """
    paths = [get_file(name, origin=_BASE_URL + name, cache_subdir=_CACHE_SUBDIR) for name in _FILES]
    x_train, y_train = _read_idx(paths[0], paths[1])
    x_test, y_test = _read_idx(paths[2], paths[3])
    return (x_train, y_train), (x_test, y_test)
