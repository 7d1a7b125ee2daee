"""Finding constraints by name (`get`) and converting them to and from Keras records."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from lamina.constraints.constraint import Constraint, NonNeg
from lamina.constraints.norm_constraints import MaxNorm, MinMaxNorm, UnitNorm
from lamina.core import registry


@functools.cache  # the names never change after import
def constraint_objects() -> dict[str, type]:
    """Every constraint class by class name and snake_case alias.

    Returns:
        A dict from name to class (cached: the same dict on every call).

    Example:
        >>> from lamina.constraints.lookup import constraint_objects
        >>> constraint_objects()["non_neg"].__name__
        'NonNeg'
    """
    return {
        "Constraint": Constraint,
        "MaxNorm": MaxNorm,
        "MinMaxNorm": MinMaxNorm,
        "NonNeg": NonNeg,
        "UnitNorm": UnitNorm,
        "constraint": Constraint,
        "max_norm": MaxNorm,
        "min_max_norm": MinMaxNorm,
        "non_neg": NonNeg,
        "unit_norm": UnitNorm,
    }


def serialize(constraint: Constraint | Callable | None) -> dict | str | None:
    """The Keras record `{"module": "keras.constraints", "class_name", "config", ...}`.

    Args:
        constraint: None, a `Constraint`, or a registered callable.

    Returns:
        None, or the serialized record (a dict).

    Example:
        >>> import lamina as keras
        >>> record = keras.constraints.serialize(keras.constraints.MaxNorm(3))
        >>> record["class_name"], record["config"]
        ('MaxNorm', {'max_value': 3, 'axis': 0})
    """
    return registry.serialize(constraint, "keras.constraints")


def deserialize(
    config: Mapping | str, custom_objects: Mapping[str, Any] | None = None
) -> Constraint | Callable:
    """Builds a constraint from a serialized record (or a name).

    Args:
        config: a record made by `serialize`, or a constraint name.
        custom_objects: optional dict of extra names to classes or functions.

    Returns:
        The constraint.

    Example:
        >>> import lamina as keras
        >>> keras.constraints.deserialize("unit_norm").get_config()
        {'axis': 0}
    """
    with registry.custom_object_scope(custom_objects):
        if isinstance(config, Mapping):
            return registry.deserialize(config, kind="constraint", objects=constraint_objects())
        return registry.resolve(config, kind="constraint", objects=constraint_objects())


def get(identifier: Any) -> Constraint | Callable | None:
    """Resolves a constraint identifier.

    Args:
        identifier: None (returned as None), a name such as `'non_neg'` (default arguments),
            a serialized record, a class (instantiated), or a callable (returned unchanged).

    Raises:
        ValueError: for unknown names (with a suggestion) or identifiers of the wrong type.

    Returns:
        The constraint, or None.

    Example:
        >>> import lamina as keras
        >>> keras.constraints.get("max_norm").get_config()
        {'max_value': 2, 'axis': 0}
    """
    return registry.resolve(identifier, kind="constraint", objects=constraint_objects())
