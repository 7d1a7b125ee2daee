"""Keras-format object records: `serialize_keras_object` / `deserialize_keras_object`.

Records use Keras's export names (`{"module": "keras.layers", "class_name": "Dense", ...}`);
deserializing looks names up in lamina's public namespaces, which are the registry.
"""

from __future__ import annotations

import importlib
import inspect

from lamina.core import registry
from lamina.core.config import SafeModeScope, in_safe_mode

# lamina package -> Keras export module, for classes defined in that package.
_EXPORT_MODULES = (
    # custom layers of two applications, recorded under their Keras module names
    ("lamina.applications.convnext", "keras.src.applications.convnext"),
    ("lamina.applications.inception_resnet_v2", "keras.src.applications.inception_resnet_v2"),
    ("lamina.utils.feature_space", "keras.src.layers.preprocessing.feature_space"),
    ("lamina.layers", "keras.layers"),
    ("lamina.core.layer", "keras.layers"),
    ("lamina.optimizers.schedules", "keras.optimizers.schedules"),
    ("lamina.optimizers", "keras.optimizers"),
    ("lamina.losses", "keras.losses"),
    ("lamina.metrics", "keras.metrics"),
    ("lamina.initializers", "keras.initializers"),
    ("lamina.regularizers", "keras.regularizers"),
    ("lamina.constraints", "keras.constraints"),
    ("lamina.callbacks", "keras.callbacks"),
    ("lamina.quantizers", "keras.quantizers"),
)
_SPECIAL = {
    "Sequential": "keras",
    "Model": "keras",
    "Functional": "keras.src.models.functional",
    "FeatureSpace": "keras.utils",
}
# Keras export module -> lamina public namespace holding the same names.
_NAMESPACES = {
    "keras": "lamina",
    "keras.layers": "lamina.layers",
    "keras.models": "lamina.models",
    "keras.src.models.functional": "lamina.models",
    "keras.src.models.sequential": "lamina.models",
    "keras.optimizers": "lamina.optimizers",
    "keras.optimizers.schedules": "lamina.optimizers.schedules",
    "keras.losses": "lamina.losses",
    "keras.metrics": "lamina.metrics",
    "keras.initializers": "lamina.initializers",
    "keras.regularizers": "lamina.regularizers",
    "keras.constraints": "lamina.constraints",
    "keras.callbacks": "lamina.callbacks",
    "keras.quantizers": "lamina.quantizers",
    "keras.utils": "lamina.utils",
    "keras.src.layers.preprocessing.feature_space": "lamina.utils.feature_space",
    "keras.src.applications.convnext": "lamina.applications.convnext",
    "keras.src.applications.inception_resnet_v2": "lamina.applications.inception_resnet_v2",
}


def export_module(obj) -> str | None:
    """The Keras module a lamina class is saved under (`"keras.layers"`, `"keras.optimizers"`,
    ...), so that saved records name Keras's public modules; None for classes that are not
    lamina's own (user subclasses).

    Args:
        obj: an object or a class.

    Returns:
        A module name, or None.

    Example:
        >>> import lamina as keras
        >>> from lamina.core.serialization import export_module
        >>> export_module(keras.layers.Dense), export_module(keras.optimizers.Adam())
        ('keras.layers', 'keras.optimizers')
    """
    cls = obj if isinstance(obj, type) else type(obj)
    for klass in cls.__mro__:
        if klass.__module__.startswith("lamina."):
            if klass is cls and cls.__name__ in _SPECIAL:
                return _SPECIAL[cls.__name__]
            for prefix, module in _EXPORT_MODULES:
                if klass.__module__.startswith(prefix):
                    return module if klass is cls else None
            return None
    return None


def serialize_keras_object(obj):
    """The Keras record of a lamina (or registered custom) object: `{"module", "class_name",
    "config", "registered_name"}`, with `build_config` for built layers and `compile_config` for
    compiled models, as Keras writes them (so the record loads in Keras 3 too).

    Args:
        obj: a layer, model, loss, metric, optimizer, initializer, ... or None.

    Returns:
        A dict (a string for plain functions such as activations), or None.

    Example:
        >>> import lamina as keras
        >>> record = keras.saving.serialize_keras_object(keras.layers.Dense(3, name="d"))
        >>> record["module"], record["class_name"], record["config"]["units"]
        ('keras.layers', 'Dense', 3)
    """
    if obj is None:
        return None
    module = export_module(obj)
    if module is None:
        mod = type(obj).__module__
        module = None if mod == "__main__" else mod
        record = registry.serialize(obj, module)
        if isinstance(record, dict) and record.get("registered_name") is None:
            record["registered_name"] = type(obj).__name__
    else:
        record = registry.serialize(obj, module)
        if module.startswith("keras.src.") and isinstance(record, dict):
            record["registered_name"] = type(obj).__name__  # Keras does so for unexported classes
    if isinstance(record, dict):
        build_config = getattr(obj, "get_build_config", lambda: None)()
        if build_config is not None:
            record["build_config"] = build_config
        compile_config = getattr(obj, "get_compile_config", lambda: None)()
        if compile_config is not None:
            record["compile_config"] = serialize_compile_config(compile_config)
    return record


def serialize_compile_config(config: dict) -> dict:
    """Records for the objects in a compile config; strings stay as the user wrote them.

    Args:
        config: the arguments `compile` was called with.

    Returns:
        A JSON-ready dict.

    Example:
        >>> import lamina as keras
        >>> from lamina.core.serialization import serialize_compile_config
        >>> config = serialize_compile_config({"optimizer": keras.optimizers.SGD(), "loss": "mse"})
        >>> config["optimizer"]["class_name"], config["loss"]
        ('SGD', 'mse')
    """

    def convert(value):
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [convert(v) for v in value]
        if hasattr(value, "get_config") or callable(value):
            return serialize_keras_object(value)
        return value

    return {k: convert(v) for k, v in config.items()}


def _namespace_objects(module: str | None) -> dict:
    names = [_NAMESPACES[module]] if module in _NAMESPACES else list(_NAMESPACES.values())
    objects: dict = {}
    for name in names:
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        for key, value in vars(mod).items():
            if not key.startswith("_"):
                objects.setdefault(key, value)
    return objects


_NOT_RESOLVED = object()


def _from_module_objects(config, module_objects, customs):
    """Keras's legacy `module_objects` lookup: the object a name (or a record's class name)
    gives there; `config` itself when the name is not there; `_NOT_RESOLVED` for a custom
    object (the normal path rebuilds it)."""
    inner = None
    if isinstance(config, dict):
        if "class_name" not in config:
            raise ValueError(f"Unknown `config` as a `dict`, config={config}")
        inner = config.get("config")
        class_name = config["class_name"]
        if (
            class_name in customs
            or config.get("registered_name") in customs
            or (isinstance(inner, str) and inner in customs)
        ):
            return _NOT_RESOLVED
        if class_name == "function":
            name = inner if config.get("module") == "builtins" else config.get("registered_name")
            inner = None
        else:
            if config.get("module", "_") is None:
                raise TypeError(
                    f"Cannot deserialize object of type `{class_name}`. If `{class_name}` is a "
                    "custom class, register it with `@keras.saving.register_keras_serializable()`."
                )
            name = class_name
    else:
        name = config
    if not isinstance(name, str) or name not in module_objects:
        return config  # already an object (Keras returns it unchanged)
    found = module_objects[name]
    if inspect.isclass(found):
        return found.from_config(inner or {})
    return found


def deserialize_keras_object(config, custom_objects=None, safe_mode: bool = True, **kwargs):
    """Rebuilds an object from its Keras record (written by lamina or Keras 3): builds layers
    with their `build_config` and compiles models with their `compile_config`.

    As in Keras, a list is rebuilt item by item, a plain value (a string, a number) is returned
    as it is unless it names a custom object, and a dict that is not a record has its values
    rebuilt. The legacy keyword `module_objects` (a dict of names, as libraries built on Keras 2
    pass) resolves names and class names through that dict first.

    Args:
        config: the record (a dict), or a list, a name or a plain value.
        custom_objects: a dict of custom classes and functions by name.
        safe_mode: refuse lambdas stored as bytecode (an enclosing `SafeModeScope` wins).
        **kwargs: `module_objects` and `printable_module_name` (Keras's legacy arguments).

    Returns:
        The object.

    Example:
        >>> import lamina as keras
        >>> record = {"module": "keras.layers", "class_name": "Dense",
        ...           "config": {"units": 3}, "registered_name": None}
        >>> layer = keras.saving.deserialize_keras_object(record)
        >>> type(layer).__name__, layer.units
        ('Dense', 3)
        >>> keras.saving.deserialize_keras_object("relu", module_objects=vars(keras.activations))
        <function relu at ...>
    """
    module_objects = kwargs.pop("module_objects", None)
    kwargs.pop("printable_module_name", None)
    if kwargs:
        raise TypeError(f"deserialize_keras_object() got unexpected arguments {sorted(kwargs)}.")
    if config is None:
        return None
    customs = {**(custom_objects or {}), **registry.custom_objects()}
    if isinstance(config, str) and customs.get(config) is not None:
        return customs[config]
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(x, custom_objects, safe_mode) for x in config]
    if module_objects is not None:
        resolved = _from_module_objects(config, module_objects, customs)
        if resolved is not _NOT_RESOLVED:
            return resolved
    if isinstance(config, (str, int, float, bool)):
        return config
    if not isinstance(config, dict):
        raise TypeError(
            f"deserialize_keras_object: expected a dict record, received {type(config).__name__}."
        )
    if "class_name" not in config or "config" not in config:
        return {
            k: deserialize_keras_object(v, custom_objects, safe_mode) for k, v in config.items()
        }
    objects = _namespace_objects(config.get("module"))
    # An enclosing `SafeModeScope` (e.g. `load_model(safe_mode=...)`) wins over the argument.
    scope_mode = None if in_safe_mode() is not None else safe_mode
    with SafeModeScope(scope_mode), registry.custom_object_scope(custom_objects or {}):
        obj = registry.deserialize(config, kind="object", objects=objects)
        build_config = config.get("build_config")
        if build_config and not getattr(obj, "built", True):
            obj.build_from_config(build_config)
        compile_config = config.get("compile_config")
        if compile_config and hasattr(obj, "compile"):
            compile_from_config(obj, compile_config)
    return obj


def deserialize_compile_config(config: dict) -> dict:
    """The arguments of `compile` from a saved `compile_config` (records become objects).

    Args:
        config: a saved `compile_config`.

    Returns:
        A dict of `compile` arguments.

    Example:
        >>> import lamina as keras
        >>> from lamina.core.serialization import (
        ...     deserialize_compile_config, serialize_compile_config)
        >>> saved = serialize_compile_config(
        ...     {"optimizer": keras.optimizers.SGD(0.5), "loss": "mse"})
        >>> type(deserialize_compile_config(saved)["optimizer"]).__name__
        'SGD'
    """

    def convert(value):
        if isinstance(value, dict):
            if "class_name" in value:
                return deserialize_keras_object(value)
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [convert(v) for v in value]
        return value

    return {k: convert(v) for k, v in config.items()}


def compile_from_config(model, config: dict) -> None:
    """Compiles `model` from a saved `compile_config` and builds the optimizer's slots, so
    that saved optimizer state can be loaded into them.

    Args:
        model: a built model.
        config: its saved `compile_config`.

    Example:
        >>> import lamina as keras
        >>> from lamina.core.serialization import compile_from_config
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        >>> compile_from_config(model, {"optimizer": "adam", "loss": "mse"})
        >>> model.compiled, model.optimizer.built
        (True, True)
    """
    kwargs = deserialize_compile_config(config)
    if kwargs.get("steps_per_execution") == 1:
        # Keras's default (and what lamina writes for "auto"): let lamina choose.
        kwargs["steps_per_execution"] = "auto"
    model.compile(**kwargs)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(model, "built", False) and hasattr(optimizer, "build"):
        if not getattr(optimizer, "built", False):
            optimizer.build(model.trainable_variables)
