"""Hinge metrics: running means of the hinge-family losses."""

from __future__ import annotations

from lamina.losses import functions as LF
from lamina.metrics.reduction_metrics import _FixedFnWrapper


class Hinge(_FixedFnWrapper):
    """Running mean of the hinge loss (labels in {0, 1} are mapped to {-1, 1})."""

    def __init__(self, name: str = "hinge", dtype=None):
        super().__init__(LF.hinge, name=name, dtype=dtype)


class SquaredHinge(_FixedFnWrapper):
    """Running mean of the squared hinge loss."""

    def __init__(self, name: str = "squared_hinge", dtype=None):
        super().__init__(LF.squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(_FixedFnWrapper):
    """Running mean of the categorical hinge loss on one-hot labels."""

    def __init__(self, name: str = "categorical_hinge", dtype=None):
        super().__init__(LF.categorical_hinge, name=name, dtype=dtype)
