"""Hinge metrics: running means of the hinge-family losses."""

from __future__ import annotations

from lamina.losses import functions as LF
from lamina.metrics.reduction_metrics import _FixedFnWrapper


class Hinge(_FixedFnWrapper):
    """Running mean of the hinge loss (labels in {0, 1} are mapped to {-1, 1}).

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.Hinge()
        >>> m.update_state(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[0.6, 0.4], [0.3, -0.2]]))
        >>> round(float(m.result()), 4)
        0.925
    """

    def __init__(self, name: str = "hinge", dtype=None):
        super().__init__(LF.hinge, name=name, dtype=dtype)


class SquaredHinge(_FixedFnWrapper):
    """Running mean of the squared hinge loss.

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.SquaredHinge()
        >>> m.update_state(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[0.6, 0.4], [0.3, -0.2]]))
        >>> round(float(m.result()), 4)
        1.0125
    """

    def __init__(self, name: str = "squared_hinge", dtype=None):
        super().__init__(LF.squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(_FixedFnWrapper):
    """Running mean of the categorical hinge loss on one-hot labels.

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.CategoricalHinge()
        >>> m.update_state(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[0.6, 0.4], [0.3, -0.2]]))
        >>> round(float(m.result()), 4)
        0.95
    """

    def __init__(self, name: str = "categorical_hinge", dtype=None):
        super().__init__(LF.categorical_hinge, name=name, dtype=dtype)
