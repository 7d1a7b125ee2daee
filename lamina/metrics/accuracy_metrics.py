"""Accuracy metrics: running means of per-sample match indicators."""

from __future__ import annotations

from lamina.metrics import functions as F
from lamina.metrics.reduction_metrics import _FixedFnWrapper


class Accuracy(_FixedFnWrapper):
    """How often predictions equal labels exactly.

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.Accuracy()
        >>> m.update_state(np.array([[1], [2], [3], [4]]), np.array([[0], [2], [3], [4]]))
        >>> round(float(m.result()), 4)
        0.75
    """

    def __init__(self, name: str = "accuracy", dtype=None):
        super().__init__(F.accuracy, name=name, dtype=dtype)


class BinaryAccuracy(_FixedFnWrapper):
    """How often `y_pred > threshold` matches binary labels.

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).
        threshold: predictions above it count as 1.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.BinaryAccuracy()
        >>> y_true = np.array([[1.0], [1.0], [0.0], [0.0]])
        >>> y_pred = np.array([[0.98], [0.3], [0.1], [0.6]])
        >>> m.update_state(y_true, y_pred)
        >>> round(float(m.result()), 4)
        0.5
    """

    _config_keys = ("threshold",)

    def __init__(self, name: str = "binary_accuracy", dtype=None, threshold: float = 0.5):
        super().__init__(F.binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(_FixedFnWrapper):
    """How often the predicted class (argmax) matches one-hot labels.

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.CategoricalAccuracy()
        >>> y_true = np.array([[0, 0, 1], [0, 1, 0]])
        >>> y_pred = np.array([[0.1, 0.1, 0.8], [0.5, 0.3, 0.2]])
        >>> m.update_state(y_true, y_pred)
        >>> round(float(m.result()), 4)
        0.5
    """

    def __init__(self, name: str = "categorical_accuracy", dtype=None):
        super().__init__(F.categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(_FixedFnWrapper):
    """How often the predicted class (argmax) matches integer labels.

    Args:
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.SparseCategoricalAccuracy()
        >>> m.update_state(np.array([2, 1]), np.array([[0.1, 0.1, 0.8], [0.5, 0.3, 0.2]]))
        >>> round(float(m.result()), 4)
        0.5
    """

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype=None):
        super().__init__(F.sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(_FixedFnWrapper):
    """How often the one-hot label is among the `k` top predictions.

    Args:
        k: how many of the top predictions to look in.
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.TopKCategoricalAccuracy(k=2)
        >>> y_true = np.array([[0, 0, 1], [0, 1, 0]])
        >>> y_pred = np.array([[0.1, 0.1, 0.8], [0.5, 0.2, 0.3]])
        >>> m.update_state(y_true, y_pred)
        >>> round(float(m.result()), 4)
        0.5
    """

    _config_keys = ("k",)

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype=None):
        super().__init__(F.top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(_FixedFnWrapper):
    """How often the integer label is among the `k` top predictions.

    Args:
        k: how many of the top predictions to look in.
        name: the metric's name (also its key in the training history).
        dtype: the dtype of the state and the result (default `keras.config.floatx()`).
        from_sorted_ids: whether `y_pred` already holds class ids sorted by score (best first)
            rather than scores.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> m = keras.metrics.SparseTopKCategoricalAccuracy(k=2)
        >>> m.update_state(np.array([2, 1]), np.array([[0.1, 0.1, 0.8], [0.5, 0.2, 0.3]]))
        >>> round(float(m.result()), 4)
        0.5
    """

    _config_keys = ("k",)

    def __init__(
        self,
        k: int = 5,
        name: str = "sparse_top_k_categorical_accuracy",
        dtype=None,
        from_sorted_ids: bool = False,
    ):
        super().__init__(
            F.sparse_top_k_categorical_accuracy,
            name=name,
            dtype=dtype,
            k=k,
            from_sorted_ids=from_sorted_ids,
        )
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self) -> dict:
        config = super().get_config()
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
