"""The UCI handwritten digits (8x8 images) bundled with lamina, with a Keras-style loader."""

from __future__ import annotations

from importlib import resources

import numpy as np

NUM_SAMPLES = 1797


def _read_bundled() -> tuple[np.ndarray, np.ndarray]:
    """The full bundled arrays `(x, y)`, in their stored order."""
    source = resources.files("lamina.datasets").joinpath("data/digits.npz")
    with source.open("rb") as handle, np.load(handle) as data:
        return np.asarray(data["x"]), np.asarray(data["y"])


def load_data(
    test_split: float = 0.2, seed: int = 113
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads the optical handwritten digits dataset (UCI, Alpaydin & Kaynak 1998).

    1,797 grayscale 8x8 images of the digits 0-9, each pixel an integer count from 0 to 16.
    The data ships inside lamina, so nothing is downloaded. The samples are shuffled with
    `seed` (the same seed always gives the same split), then the first `1 - test_split` of
    them become the training set and the rest the test set.

    Args:
        test_split: fraction of the samples to hold out for testing, in `[0, 1]`.
        seed: integer seed of the shuffle.

    Returns:
        `(x_train, y_train), (x_test, y_test)`, like `keras.datasets.mnist.load_data()`:
        `x_*` are `uint8` arrays of shape `(num_samples, 8, 8)` with values `0..16` (not
        rescaled), `y_*` are `uint8` arrays of shape `(num_samples,)` with labels `0..9`.

    Example:
        >>> from lamina.datasets import digits
        >>> (x_train, y_train), (x_test, y_test) = digits.load_data(test_split=0.25)
        >>> x_train.shape, x_test.shape, int(x_train.max()), sorted(set(y_train.tolist()))[:3]
        ((1347, 8, 8), (450, 8, 8), 16, [0, 1, 2])
    """
    if isinstance(test_split, bool) or not 0.0 <= float(test_split) <= 1.0:
        raise ValueError(f"`test_split` must be a number in [0, 1]. Received: {test_split!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"`seed` must be an integer. Received: {seed!r}")
    x, y = _read_bundled()
    order = np.random.RandomState(int(seed)).permutation(len(x))
    x, y = x[order], y[order]
    num_train = int(len(x) * (1.0 - float(test_split)))
    return (x[:num_train], y[:num_train]), (x[num_train:], y[num_train:])
