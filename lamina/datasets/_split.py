"""The seeded shuffle-and-split shared by the housing regression loaders."""

from __future__ import annotations

import numpy as np


def shuffle_split(
    x: np.ndarray, y: np.ndarray, test_split: float, seed: int
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Shuffles `(x, y)` with a seeded NumPy `RandomState`; the last `test_split` of the samples
    form the test set (the housing loaders' split, as in Keras).

    Args:
        x: the features, samples first.
        y: the targets, samples first.
        test_split: the fraction held out for testing, in `[0, 1)`.
        seed: the shuffle's seed.

    Returns:
        `(x_train, y_train), (x_test, y_test)`.

    Example:
        >>> import numpy as np
        >>> from lamina.datasets.boston_housing import shuffle_split
        >>> (x_train, _), (x_test, _) = shuffle_split(np.arange(10), np.arange(10), 0.2, seed=1)
        >>> len(x_train), len(x_test), sorted(x_train.tolist() + x_test.tolist()) == list(range(10))
        (8, 2, True)
    """
    if isinstance(test_split, bool) or not 0.0 <= float(test_split) < 1.0:
        raise ValueError(f"`test_split` must be a number in [0, 1). Received: {test_split!r}")
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    boundary = int(len(x) * (1 - float(test_split)))
    return (np.array(x[:boundary]), np.array(y[:boundary])), (
        np.array(x[boundary:]),
        np.array(y[boundary:]),
    )
