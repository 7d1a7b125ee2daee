"""`keras.optimizers.legacy`: the TensorFlow-only optimizers of Keras 2. As in Keras 3, the
names exist but creating one raises an `ImportError` that explains what to use instead."""

from __future__ import annotations


class LegacyOptimizerWarning:
    """Stands for a Keras 2 legacy optimizer (`keras.optimizers.legacy.Adam`, ...); creating
    it raises `ImportError` (these optimizers need TensorFlow's `tf_keras`).

    Args:
        *args, **kwargs: ignored.

    Example:
    >>> try:
    ...     Adam()
    ... except ImportError:
    ...     print("use keras.optimizers.Adam")
    use keras.optimizers.Adam
    """

    def __init__(self, *args, **kwargs):
        raise ImportError(
            "`keras.optimizers.legacy` is not supported in Keras 3 (nor in lamina): these "
            "optimizers belong to TensorFlow's Keras 2 (`tf_keras`). Use the optimizer of the "
            "same name in `keras.optimizers` (e.g. `keras.optimizers.Adam`)."
        )


Adagrad = Adam = Ftrl = Optimizer = RMSprop = SGD = LegacyOptimizerWarning
