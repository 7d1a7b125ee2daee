"""`get`, `serialize` and `deserialize` for losses (Keras module name "keras.losses")."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from lamina.core import registry

MODULE = "keras.losses"
_ALIASES = {
    "bce": "binary_crossentropy",
    "kld": "kl_divergence",
    "mae": "mean_absolute_error",
    "mse": "mean_squared_error",
    "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
}


def loss_objects() -> dict[str, Any]:
    """The names a loss identifier may take: classes, functions and aliases (also uppercase).

    Returns:
        A dict from name to class or function.

    Example:
        >>> from lamina.losses.serialization import loss_objects
        >>> loss_objects()["MSE"].__name__
        'mean_squared_error'
    """
    from lamina.losses import (
        ctc_loss,
        functions,
        losses,
        robust_losses,
        segmentation_losses,
    )
    from lamina.losses.loss import Loss

    objects: dict[str, Any] = {"Loss": Loss}
    for module in (losses, functions, segmentation_losses, ctc_loss, robust_losses):
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isclass(obj) or inspect.isfunction(obj):
                objects[name] = obj
    for alias, target in _ALIASES.items():
        objects[alias] = objects[alias.upper()] = objects[target]
    objects.pop("l2_normalize", None)
    return objects


def serialize_function(fn) -> dict | str | None:
    """A function as Keras records it inside a config (`class_name: "function"`).

    Args:
        fn: a function, or None.

    Returns:
        None, or the record (a dict).

    Example:
        >>> import lamina as keras
        >>> from lamina.losses.serialization import serialize_function
        >>> serialize_function(keras.losses.mean_squared_error)["config"]
        'mean_squared_error'
    """
    if fn is None:
        return None
    if not inspect.isfunction(fn):
        return registry.serialize(fn, MODULE)
    record = registry.serialize(fn, MODULE)
    if isinstance(record, dict):
        return record
    return {
        "module": "builtins",
        "class_name": "function",
        "config": fn.__name__,
        "registered_name": "function",
    }


def deserialize_function(record, objects: Mapping[str, Any] | None = None):
    """Inverse of `serialize_function` (names are looked up among losses and `objects`).

    Args:
        record: a record made by `serialize_function`, or a name.
        objects: optional extra names to functions.

    Returns:
        The function.

    Example:
        >>> from lamina.losses.serialization import deserialize_function
        >>> deserialize_function("mae").__name__
        'mean_absolute_error'
    """
    table = dict(loss_objects())
    if objects:
        table.update(objects)
    if isinstance(record, str):
        return registry.resolve(record, kind="function", objects=table, instantiate=False)
    if isinstance(record, Mapping):
        return registry.deserialize(record, kind="function", objects=table)
    return record


def get(identifier):
    """Returns a loss from a name, a config record, a class, a `Loss` or a function.

    Names are class names (`"MeanSquaredError"`, instantiated with defaults), function names
    (`"mean_squared_error"`, returned as functions) and aliases (`"mse"`, `"MSE"`, ...).

    Args:
        identifier: a name, a serialized record, a `Loss` class or instance, or a function.

    Returns:
        A `Loss` instance or a loss function.

    Example:
        >>> import lamina as keras
        >>> keras.losses.get("MeanSquaredError").name
        'mean_squared_error'
        >>> keras.losses.get("mse").__name__
        'mean_squared_error'
    """
    return registry.resolve(identifier, kind="loss", objects=loss_objects(), argument="loss")


def serialize(loss) -> dict | str | None:
    """The Keras record of a `Loss` or a loss function.

    Args:
        loss: a `Loss` instance or a loss function.

    Returns:
        The serialized record (a dict), or None.

    Example:
        >>> import lamina as keras
        >>> record = keras.losses.serialize(keras.losses.BinaryCrossentropy(from_logits=True))
        >>> record["class_name"], record["config"]["from_logits"]
        ('BinaryCrossentropy', True)
    """
    if inspect.isfunction(loss):
        return serialize_function(loss)
    return registry.serialize(loss, MODULE)


def deserialize(config, custom_objects: Mapping[str, Any] | None = None):
    """Rebuilds a loss from `serialize`'s output (or a name).

    Args:
        config: a record made by `serialize`, or a name.
        custom_objects: optional dict of extra names to classes or functions.

    Returns:
        A `Loss` instance or a loss function.

    Example:
        >>> import lamina as keras
        >>> keras.losses.deserialize({"class_name": "MeanAbsoluteError", "config": {}}).name
        'mean_absolute_error'
    """
    with registry.custom_object_scope(custom_objects):
        if isinstance(config, str):
            return registry.resolve(config, kind="loss", objects=loss_objects(), instantiate=False)
        return registry.deserialize(config, kind="loss", objects=loss_objects())
