"""Finding regularizers by name (`get`) and converting them to and from Keras records."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from lamina.core import registry
from lamina.regularizers.orthogonal_regularizer import OrthogonalRegularizer
from lamina.regularizers.regularizer import L1, L1L2, L2, Regularizer


@functools.cache  # the names never change after import
def regularizer_objects() -> dict[str, type]:
    """Every regularizer class by class name and snake_case alias.

    Returns:
        A dict from name to class (cached: the same dict on every call).

    Example:
        >>> from lamina.regularizers.lookup import regularizer_objects
        >>> regularizer_objects()["l1_l2"].__name__
        'L1L2'
    """
    return {
        "Regularizer": Regularizer,
        "L1": L1,
        "L2": L2,
        "L1L2": L1L2,
        "OrthogonalRegularizer": OrthogonalRegularizer,
        "regularizer": Regularizer,
        "l1": L1,
        "l2": L2,
        "l1l2": L1L2,
        # Keras 3 exports `l1_l2` but its `get` only knows "l1l2"; lamina accepts both.
        "l1_l2": L1L2,
        "orthogonal_regularizer": OrthogonalRegularizer,
    }


def serialize(regularizer: Regularizer | Callable | None) -> dict | str | None:
    """The Keras record `{"module": "keras.regularizers", "class_name", "config", ...}`.

    Args:
        regularizer: None, a `Regularizer`, or a registered callable.

    Returns:
        None, or the serialized record (a dict).

    Example:
        >>> import lamina as keras
        >>> record = keras.regularizers.serialize(keras.regularizers.L2(0.5))
        >>> record["class_name"], record["config"]
        ('L2', {'l2': 0.5})
    """
    return registry.serialize(regularizer, "keras.regularizers")


def deserialize(
    config: Mapping | str, custom_objects: Mapping[str, Any] | None = None
) -> Regularizer | Callable:
    """Builds a regularizer from a serialized record (or a name).

    Args:
        config: a record made by `serialize`, or a regularizer name.
        custom_objects: optional dict of extra names to classes or functions.

    Returns:
        The regularizer.

    Example:
        >>> import lamina as keras
        >>> type(keras.regularizers.deserialize("l1")).__name__
        'L1'
    """
    with registry.custom_object_scope(custom_objects):
        if isinstance(config, Mapping):
            return registry.deserialize(config, kind="regularizer", objects=regularizer_objects())
        return registry.resolve(config, kind="regularizer", objects=regularizer_objects())


def get(identifier: Any) -> Regularizer | Callable | None:
    """Resolves a regularizer identifier.

    Args:
        identifier: None (returned as None), a name such as `'l2'` (default factors), a
            serialized record, a class (instantiated), or a callable (returned unchanged).

    Raises:
        ValueError: for unknown names (with a suggestion) or identifiers of the wrong type.

    Returns:
        The regularizer, or None.

    Example:
        >>> import lamina as keras
        >>> keras.regularizers.get({"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}}).l2
        0.2
    """
    return registry.resolve(identifier, kind="regularizer", objects=regularizer_objects())
