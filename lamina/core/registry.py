"""Resolving identifiers (strings, config records, objects) and serializing objects.

Every `get(identifier)` of lamina's public namespaces (activations, initializers, losses, ...)
goes through `resolve`, so unknown names give the same helpful error everywhere.
"""

from __future__ import annotations

import contextvars
import difflib
import importlib
import inspect
import threading
from collections.abc import Mapping
from typing import Any

# Custom objects registered with `register_keras_serializable` (key: "package>Name"): one dict
# for the whole process, as in Keras, so a class registered in the main thread loads in a worker
# thread. Those made visible by `custom_object_scope` / `custom_objects=` are a scope: they hold
# in the current thread or task only.
_REGISTERED: dict = {}
_LOCK = threading.Lock()
_SCOPED: contextvars.ContextVar[tuple[dict, ...]] = contextvars.ContextVar(
    "lamina_custom_scopes", default=()
)


def registered_objects() -> dict:
    """The process-wide dict of registered custom objects (the one `get_custom_objects` returns).

    Args:
        None.

    Returns:
        The dict of `register_keras_serializable` entries and user additions.

    Example:
        >>> from lamina.core.registry import get_custom_objects, registered_objects
        >>> registered_objects() is get_custom_objects()
        True
    """
    return _REGISTERED


def custom_objects() -> dict:
    """Registered objects plus those of the active `custom_object_scope`s.

    Args:
        None.

    Returns:
        A new dict (inner scopes win).

    Example:
        >>> import lamina as keras
        >>> from lamina.core.registry import custom_objects
        >>> with keras.utils.custom_object_scope({"MyThing": int}):
        ...     custom_objects()["MyThing"]
        <class 'int'>
    """
    with _LOCK:
        out = dict(_REGISTERED)
    for scope in _SCOPED.get():
        out.update(scope)
    return out


class custom_object_scope:
    """Makes custom classes and functions visible to deserialization (`load_model`,
    `deserialize_keras_object`, `keras.layers.deserialize`, ...) inside a `with` block, in the
    current thread or task. `CustomObjectScope` is the same class.

    Args:
        custom_objects: a dict mapping the names used in configs to the objects.

    Example:
        >>> import lamina as keras
        >>> def twice(x):
        ...     return 2 * x
        >>> with keras.utils.custom_object_scope({"twice": twice}):
        ...     keras.activations.get("twice") is twice
        True
    """

    def __init__(self, custom_objects: Mapping[str, Any] | None = None):
        self.objects = dict(custom_objects or {})
        self._token = None

    def __enter__(self):
        self._token = _SCOPED.set(_SCOPED.get() + (self.objects,))
        return self

    def __exit__(self, *exc):
        _SCOPED.reset(self._token)


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Decorator registering a class or function under `package>name`, so that saved configs
    that name it can be loaded without passing `custom_objects`.

    Args:
        package: the package part of the registered name.
        name: the name part; default: the object's `__name__`.

    Returns:
        The decorator (it returns the object unchanged).

    Example:
        >>> import lamina as keras
        >>> @keras.saving.register_keras_serializable(package="MyProject")
        ... class Scale(keras.layers.Layer):
        ...     def call(self, x):
        ...         return 2 * x
        >>> keras.saving.get_registered_name(Scale)
        'MyProject>Scale'
        >>> record = keras.saving.serialize_keras_object(Scale())
        >>> type(keras.saving.deserialize_keras_object(record)).__name__
        'Scale'
    """

    def decorator(obj):
        registered_name = f"{package}>{name or obj.__name__}"
        with _LOCK:
            _REGISTERED[registered_name] = obj
        obj._lamina_registered_name = registered_name
        return obj

    return decorator


# Keras's class name for the same context manager.
CustomObjectScope = custom_object_scope


def get_custom_objects() -> dict:
    """The global dict of registered custom objects (mutable, as in Keras).

    Adding `get_custom_objects()["MyLayer"] = MyLayer` makes `MyLayer` visible to
    deserialization everywhere; `register_keras_serializable` adds entries under `package>name`.

    Args:
        None.

    Returns:
        The dict itself (changes to it take effect).

    Example:
        >>> import lamina as keras
        >>> def cube(x):
        ...     return x ** 3
        >>> keras.utils.get_custom_objects()["cube"] = cube
        >>> keras.utils.get_registered_object("cube") is cube
        True
    """
    return registered_objects()


def get_registered_name(obj) -> str:
    """The name `obj` was registered under (`package>name`), else its `__name__`.

    Args:
        obj: a class or function.

    Returns:
        A string.

    Example:
        >>> import lamina as keras
        >>> keras.saving.get_registered_name(keras.layers.Dense)
        'Dense'
    """
    own = obj.__dict__ if hasattr(obj, "__dict__") else {}
    registered = own.get("_lamina_registered_name")
    if registered is None and inspect.isfunction(obj):
        registered = getattr(obj, "_lamina_registered_name", None)
    return registered or obj.__name__


def get_registered_object(name: str, custom_objects=None, module_objects=None):
    """The object registered as `name`: looked up in the active `custom_object_scope`s, then the
    global custom objects, then `custom_objects`, then `module_objects`.

    Args:
        name: the registered name.
        custom_objects: an extra dict to search.
        module_objects: a last dict to search (e.g. a module's `globals()`).

    Returns:
        The object, or None when absent.

    Example:
        >>> import lamina as keras
        >>> keras.saving.get_registered_object("Nope") is None
        True
        >>> keras.saving.get_registered_object("relu", module_objects={"relu": max})
        <built-in function max>
    """
    for scope in reversed(_SCOPED.get()):
        if name in scope:
            return scope[name]
    if name in registered_objects():
        return registered_objects()[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def _suggest(name: str, choices) -> str:
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = [lowered[c] for c in difflib.get_close_matches(name.lower(), lowered, n=3)]
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def resolve(
    identifier,
    *,
    kind: str,
    objects: Mapping[str, Any],
    instantiate: bool = True,
    argument: str | None = None,
    case_insensitive: bool = False,
):
    """Turns a name, a config record or an object into the object it designates.

    Args:
        identifier: None, a string name, a `{"class_name": ..., "config": ...}` record, a class,
            or an object/callable (returned as is).
        kind: what is being resolved ("activation", "loss", ...), for error messages.
        objects: the names that `identifier` may take (class names, functions, aliases).
        instantiate: whether a class found by name is instantiated with no arguments.
        argument: the user-facing argument name, for error messages.
        case_insensitive: also match names that differ in case only.

    Returns:
        The object (None for None).

    Raises:
        ValueError: an unknown name (with close matches suggested) or an invalid record.

    Example:
        >>> from lamina.core.registry import resolve
        >>> resolve("Relu", kind="activation", objects={"relu": abs}, case_insensitive=True)
        <built-in function abs>
    """
    if identifier is None:
        return None
    where = f" for `{argument}`" if argument else ""
    if isinstance(identifier, str):
        found = objects.get(identifier)
        if found is None and case_insensitive:
            lowered = {k.lower(): v for k, v in objects.items()}
            found = lowered.get(identifier.lower())
        if found is None:
            found = custom_objects().get(identifier)
        if found is None:
            public = sorted(k for k in objects if not k.startswith("_"))
            raise ValueError(
                # Keras's wording first: other libraries match on "Could not interpret ...".
                f"Could not interpret {kind} identifier{where}: {identifier!r} (unknown name)."
                f"{_suggest(identifier, public)} "
                f"Known {kind} names: {', '.join(public)}. For a custom {kind}, pass the object "
                "itself or register it with `keras.saving.register_keras_serializable()`."
            )
        if inspect.isclass(found) and instantiate:
            return found()
        return found
    if isinstance(identifier, Mapping):
        return deserialize(identifier, kind=kind, objects=objects)
    if inspect.isclass(identifier) and instantiate:
        return identifier()
    if callable(identifier) or hasattr(identifier, "get_config"):
        return identifier
    raise ValueError(
        f"Could not interpret {kind} identifier{where}: {identifier!r} (of type "
        f"{type(identifier).__name__}). Expected a string name, a config dict, or a {kind} "
        "object/callable."
    )


# Libraries whose classes Keras finds by importing the record's `module` (unregistered ones too).
_IMPORTABLE_PACKAGES = ("keras_hub", "keras_cv", "keras_nlp")


def _from_library_module(module, name: str):
    """The class `name` from the record's `module` when that module belongs to a Keras library
    (`keras_hub.src.models...`), as Keras resolves it; else None."""
    if not isinstance(module, str) or module.split(".", 1)[0] not in _IMPORTABLE_PACKAGES:
        return None
    try:
        return vars(importlib.import_module(module)).get(name)
    except ImportError:
        return None


def deserialize(config: Mapping, *, kind: str, objects: Mapping[str, Any]):
    """Rebuilds an object from a `{"module", "class_name", "config", "registered_name"}` record.

    Args:
        config: the record.
        kind: what is being rebuilt ("layer", "loss", ...), for error messages.
        objects: the namespace's classes and functions by name.

    Returns:
        The object.

    Raises:
        ValueError: the record has no `class_name`, or names an unknown class.

    Example:
        >>> import lamina as keras
        >>> from lamina.core.registry import deserialize
        >>> record = {"class_name": "Dense", "config": {"units": 2}}
        >>> deserialize(record, kind="layer", objects={"Dense": keras.layers.Dense}).units
        2
    """
    if "class_name" not in config:
        raise ValueError(
            f"Could not deserialize {kind}: the record {dict(config)!r} has no 'class_name'."
        )
    class_name = config["class_name"]
    inner = config.get("config", {})
    customs = custom_objects()
    registered = config.get("registered_name")
    cls = None
    if registered and registered in customs:
        cls = customs[registered]
    elif class_name in customs:
        cls = customs[class_name]
    elif class_name == "function" and isinstance(inner, str):
        cls = objects.get(inner) or customs.get(inner)
        if cls is None:
            raise ValueError(f"Could not locate {kind} function {inner!r}.")
        return cls
    else:
        cls = objects.get(class_name)
    if cls is None:
        cls = _from_library_module(config.get("module"), class_name)
    if cls is None:
        raise TypeError(
            f"Could not locate {kind} class {class_name!r}.{_suggest(class_name, objects)} If it "
            "is a custom class, pass `custom_objects={'"
            + str(class_name)
            + "': "
            + str(class_name)
            + "}` or decorate it with `@keras.saving.register_keras_serializable()`."
        )
    if not inspect.isclass(cls):
        return cls
    if hasattr(cls, "from_config"):
        return cls.from_config(inner)
    return cls(**inner)


def serialize(obj, module: str) -> dict | str | None:
    """The Keras record of `obj`: `{"module", "class_name", "config", "registered_name"}`.

    Args:
        obj: the object (or a registered function), or None.
        module: the module to record (`"keras.layers"`, ...), or None.

    Returns:
        A dict, a string (a built-in function's name), or None.

    Example:
        >>> import lamina as keras
        >>> from lamina.core.registry import serialize
        >>> record = serialize(keras.layers.Dense(2, name="d"), "keras.layers")
        >>> record["module"], record["class_name"], record["config"]["units"]
        ('keras.layers', 'Dense', 2)
    """
    if obj is None:
        return None
    registered = getattr(type(obj), "_lamina_registered_name", None)
    if inspect.isfunction(obj):
        registered = getattr(obj, "_lamina_registered_name", None)
        if registered:
            return {
                "module": obj.__module__,
                "class_name": "function",
                "config": registered,
                "registered_name": "function",
            }
        return obj.__name__
    config = obj.get_config()
    if registered:
        cls_module = type(obj).__module__
        return {
            "module": None if cls_module == "__main__" else cls_module,
            "class_name": type(obj).__name__,
            "config": config,
            "registered_name": registered,
        }
    return {
        "module": module,
        "class_name": type(obj).__name__,
        "config": config,
        "registered_name": None,
    }
