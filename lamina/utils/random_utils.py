"""Global seeding: `set_random_seed` makes lamina programs repeatable."""

from __future__ import annotations

import random

import numpy as np


def set_random_seed(seed: int) -> None:
    """Seeds Python's `random` and NumPy's global generator with `seed`.

    Every seed lamina chooses on its own (weight initializers, dropout and other seed
    generators created without a seed) is drawn from Python's `random`, so calling this
    before building a model makes its weights and random draws repeat from run to run.

    Args:
        seed: a non-negative integer below `2**32` (NumPy's limit).

    Example:
        >>> import lamina as keras
        >>> def weights():
        ...     keras.utils.set_random_seed(7)
        ...     layer = keras.layers.Dense(2)
        ...     layer.build((None, 3))
        ...     return layer.kernel.numpy()
        >>> bool((weights() == weights()).all())
        True
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(
            "Expected `seed` argument to be an integer. "
            f"Received: seed={seed!r} (of type {type(seed)})"
        )
    seed = int(seed)
    if not 0 <= seed < 2**32:
        raise ValueError(f"`seed` must be in [0, 2**32). Received: seed={seed}")
    random.seed(seed)
    np.random.seed(seed)
