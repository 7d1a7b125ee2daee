"""Keras 2's serialization format (`keras.utils.legacy`): `{"class_name", "config"}` records
resolved against dictionaries the caller passes, as libraries written for Keras 2 and 3 (such as
KerasTuner's hyperparameters) still use."""

from __future__ import annotations

import inspect

from lamina.core.registry import get_custom_objects, get_registered_name, get_registered_object


def serialize_keras_object(instance):
    """The Keras 2 record of an object: `{"class_name": ..., "config": ...}`.

    Args:
        instance: an object with a `get_config()` method, a function or class (serialized by its
            registered name), or None.

    Returns:
        A dict (objects), a string (functions and classes), or None.

    Example:
        >>> import lamina as keras
        >>> record = keras.utils.legacy.serialize_keras_object(keras.layers.Dense(2))
        >>> record["class_name"], record["config"]["units"]
        ('Dense', 2)
    """
    if instance is None:
        return None
    if hasattr(instance, "get_config") and not inspect.isclass(instance):
        return {"class_name": get_registered_name(type(instance)), "config": instance.get_config()}
    if hasattr(instance, "__name__"):
        return get_registered_name(instance)
    raise ValueError(
        f"serialize_keras_object: cannot serialize {instance!r}; it has no get_config() and is "
        f"not a function or class."
    )


def deserialize_keras_object(
    identifier, module_objects=None, custom_objects=None, printable_module_name="object"
):
    """Rebuilds an object from its Keras 2 record.

    Args:
        identifier: a `{"class_name", "config"}` dict, or the name of a function or class.
        module_objects: names the caller's library provides.
        custom_objects: user-provided names (looked up with the same precedence as Keras:
            custom object scopes, registered objects, then these two dicts).
        printable_module_name: what kind of object this is, for the error message.

    Returns:
        The object (None for None).

    Example:
        >>> import lamina as keras
        >>> layer = keras.utils.legacy.deserialize_keras_object(
        ...     {"class_name": "Dense", "config": {"units": 3}},
        ...     module_objects={"Dense": keras.layers.Dense})
        >>> layer.units
        3
    """
    if identifier is None:
        return None
    custom = {**get_custom_objects(), **(custom_objects or {})}
    if isinstance(identifier, dict):
        if "class_name" not in identifier or "config" not in identifier:
            raise ValueError(
                f"Improper config format for {printable_module_name}: {identifier!r}; expected "
                f"a dict with 'class_name' and 'config'."
            )
        name, config = identifier["class_name"], identifier["config"]
        cls = get_registered_object(name, custom, module_objects)
        if cls is None:
            raise ValueError(
                f"Unknown {printable_module_name}: {name!r}. Pass it in `custom_objects`, or "
                f"decorate it with `@keras.saving.register_keras_serializable()`."
            )
        if hasattr(cls, "from_config"):
            params = inspect.signature(cls.from_config).parameters
            if "custom_objects" in params:
                return cls.from_config(config, custom_objects=custom)
            return cls.from_config(config)
        return cls(**config)
    if isinstance(identifier, str):
        obj = get_registered_object(identifier, custom, module_objects)
        if obj is None:
            raise ValueError(f"Unknown {printable_module_name}: {identifier!r}.")
        return obj
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret serialized {printable_module_name}: {identifier!r}")
