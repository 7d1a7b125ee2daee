"""The Boston housing price regression dataset, downloaded on first use."""

from __future__ import annotations

import numpy as np

from lamina.datasets._split import shuffle_split
from lamina.utils.file_utils import get_file

_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"
_FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(
    path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads the Boston housing data: 506 districts with 13 features each (StatLib, 1970s).

    Args:
        path: the file's name in the cache (`~/.lamina/datasets`).
        test_split: fraction of the samples used for testing, in `[0, 1)`.
        seed: seed of the shuffle made before splitting.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: `x_*` of shape `(n, 13)`, `y_*` of shape `(n,)`
        holding median home values in thousands of dollars.

    Example:
        >>> from lamina.datasets import boston_housing
        >>> (x_train, y_train), (x_test, y_test) = boston_housing.load_data()  # doctest: +SKIP
        >>> x_train.shape, x_test.shape  # doctest: +SKIP
        ((404, 13), (102, 13))
    """
    if isinstance(test_split, bool) or not 0.0 <= float(test_split) < 1.0:
        raise ValueError(f"`test_split` must be a number in [0, 1). Received: {test_split!r}")
    path = get_file(path, origin=_ORIGIN, file_hash=_FILE_HASH)
    with np.load(path, allow_pickle=False) as data:
        x, y = data["x"], data["y"]
    return shuffle_split(x, y, test_split, seed)
