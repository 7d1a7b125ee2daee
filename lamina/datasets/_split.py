"""The seeded shuffle-and-split shared by the housing regression loaders."""

from __future__ import annotations

import numpy as np


def shuffle_split(
    x: np.ndarray, y: np.ndarray, test_split: float, seed: int
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Shuffles `(x, y)` with `seed`; the last `test_split` of the samples form the test set."""
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
