"""Accuracy metrics: running means of per-sample match indicators."""

from __future__ import annotations

from lamina.metrics import functions as F
from lamina.metrics.reduction_metrics import _FixedFnWrapper


class Accuracy(_FixedFnWrapper):
    """How often predictions equal labels exactly."""

    def __init__(self, name: str = "accuracy", dtype=None):
        super().__init__(F.accuracy, name=name, dtype=dtype)


class BinaryAccuracy(_FixedFnWrapper):
    """How often `y_pred > threshold` matches binary labels."""

    _config_keys = ("threshold",)

    def __init__(self, name: str = "binary_accuracy", dtype=None, threshold: float = 0.5):
        super().__init__(F.binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(_FixedFnWrapper):
    """How often the predicted class (argmax) matches one-hot labels."""

    def __init__(self, name: str = "categorical_accuracy", dtype=None):
        super().__init__(F.categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(_FixedFnWrapper):
    """How often the predicted class (argmax) matches integer labels."""

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype=None):
        super().__init__(F.sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(_FixedFnWrapper):
    """How often the one-hot label is among the `k` top predictions."""

    _config_keys = ("k",)

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype=None):
        super().__init__(F.top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(_FixedFnWrapper):
    """How often the integer label is among the `k` top predictions."""

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
