"""The California housing price regression dataset (1990 census), downloaded on first use."""

from __future__ import annotations

import numpy as np

from lamina.datasets._split import shuffle_split
from lamina.utils.file_utils import get_file

_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/california_housing.npz"
_FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"
_SMALL_SIZE = 600


def load_data(
    version: str = "large",
    path: str = "california_housing.npz",
    test_split: float = 0.2,
    seed: int = 113,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads California housing: 20,640 census block groups with 8 features each.

    Args:
        version: `"large"` for every sample, `"small"` for the first 600 only.
        path: the file's name in the cache (`~/.lamina/datasets`).
        test_split: fraction of the samples used for testing, in `[0, 1)`.
        seed: seed of the shuffle made before splitting.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: `x_*` of shape `(n, 8)`, `y_*` of shape `(n,)`
        holding median house values in dollars.

    Example:
        >>> from lamina.datasets import california_housing
        >>> (x_train, y_train), _ = california_housing.load_data(version="small")  # doctest: +SKIP
        >>> x_train.shape  # doctest: +SKIP
        (480, 8)
    """
    if version not in ("large", "small"):
        raise ValueError(f"`version` must be 'large' or 'small'. Received: {version!r}")
    if isinstance(test_split, bool) or not 0.0 <= float(test_split) < 1.0:
        raise ValueError(f"`test_split` must be a number in [0, 1). Received: {test_split!r}")
    path = get_file(path, origin=_ORIGIN, file_hash=_FILE_HASH)
    with np.load(path, allow_pickle=False) as data:
        x, y = data["x"], data["y"]
    if version == "small":
        x, y = x[:_SMALL_SIZE], y[:_SMALL_SIZE]
    return shuffle_split(x, y, test_split, seed)
