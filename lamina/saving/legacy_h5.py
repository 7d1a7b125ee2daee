"""The legacy Keras 2 `.h5` whole-model format, as Keras 3's legacy saver writes it.

A file holds, at its root:
- attributes `keras_version`, `backend`, `model_config` (JSON: `{"class_name", "config"}`, with
  the layer records inside a model config reduced to `class_name` and `config`, plus `name` and
  `inbound_nodes` in a functional model) and, for a compiled model, `training_config` (the
  compile arguments, with the optimizer under `optimizer_config`);
- the group `model_weights` and, optionally, `optimizer_weights` (see `legacy_h5_weights`).

Differences from Keras, all on the safe side: the file is written atomically (temporary file
and rename); a compiled model's metric names such as 'mae' load back (Keras 3 cannot compile
its own file then); a corrupt file raises `ModelFileError` naming it. Files of Keras 2
(`tf.keras`) are read as far as their configs map onto Keras 3 (`batch_input_shape`, old-style
`inbound_nodes`, optimizer arguments Keras 3 dropped).
"""

from __future__ import annotations

import inspect
import json
import os
import uuid
import warnings

import numpy as np

from lamina.core import registry
from lamina.core.config import SafeModeScope
from lamina.core.serialization import (
    deserialize_keras_object,
    serialize_compile_config,
    serialize_keras_object,
)
from lamina.saving import legacy_h5_weights as weights_lib
from lamina.saving.archive import ModelFileError
from lamina.saving.lazy_h5py import h5py

# What the file declares as its writer; Keras reads neither field back.
_KERAS_VERSION = "3.15.1"
_BACKEND = "jax"
_RECORD_EXTRAS = ("module", "registered_name", "build_config", "compile_config")


# ----------------------------------------------------------------------------------- configs
def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _legacy_class_name(record: dict) -> str:
    registered = record.get("registered_name")
    if isinstance(registered, str) and ">" in registered:
        return registered
    return record["class_name"]


def legacy_layer_record(record):
    """A Keras 3 layer record in the legacy form (only `class_name`, `config` and graph keys).

    Args:
        record: a Keras 3 layer record (`serialize_keras_object` of a layer).

    Returns:
        The record with only `class_name`, `config` (and the graph keys it had).

    Example:
        >>> import os, tempfile
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="m")
        >>> model.compile("sgd", "mse")
        >>> from lamina.saving.legacy_h5 import legacy_layer_record
        >>> record = keras.saving.serialize_keras_object(model.layers[0])
        >>> sorted(legacy_layer_record(record))
        ['class_name', 'config']
    """
    if not isinstance(record, dict) or "class_name" not in record:
        return record
    config = record.get("config")
    if isinstance(config, dict) and isinstance(config.get("layers"), list):
        config = dict(config)
        config["layers"] = [legacy_layer_record(r) for r in config["layers"]]
    out = {"class_name": _legacy_class_name(record), "config": config}
    for key, value in record.items():
        if key not in out and key not in _RECORD_EXTRAS and key != "shared_object_id":
            out[key] = value
    return out


def legacy_model_config(model) -> dict:
    """The `model_config` attribute: class name and config, layers in legacy form.

    Args:
        model: the model.

    Returns:
        A dict `{"class_name", "config"}`.

    Example:
        >>> import os, tempfile
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="m")
        >>> model.compile("sgd", "mse")
        >>> from lamina.saving.legacy_h5 import legacy_model_config
        >>> legacy_model_config(model)["class_name"]
        'Sequential'
    """
    try:
        record = serialize_keras_object(model)
    except NotImplementedError as e:
        raise NotImplementedError(
            f"save('.h5'): model '{model.name}' has no config ({e}). Save its weights with "
            "save_weights('name.weights.h5') instead."
        ) from e
    return legacy_layer_record(record)


def legacy_training_config(model) -> dict | None:
    """The `training_config` attribute of a compiled model (None when not compiled).

    Args:
        model: the model.

    Returns:
        A dict (`optimizer_config`, `loss`, `metrics`, ...), or None.

    Example:
        >>> import os, tempfile
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="m")
        >>> model.compile("sgd", "mse")
        >>> from lamina.saving.legacy_h5 import legacy_training_config
        >>> legacy_training_config(model)["loss"]
        'mse'
    """
    optimizer = getattr(model, "optimizer", None)
    get_compile_config = getattr(model, "get_compile_config", None)
    if optimizer is None or get_compile_config is None:
        return None
    compile_config = get_compile_config()
    if not compile_config:
        return None
    compile_config = dict(compile_config)
    compile_config.pop("optimizer", None)
    training = serialize_compile_config(compile_config)
    record = serialize_keras_object(optimizer)
    training["optimizer_config"] = {
        "class_name": _legacy_class_name(record),
        "config": record.get("config", {}),
    }
    return training


# ------------------------------------------------------------------------------------ saving
def save_legacy_h5(model, path: str, include_optimizer: bool = True) -> None:
    """Writes `model` to a Keras 2 `.h5` file at `path` (atomically: temporary file, rename).

    Args:
        model: the model.
        path: the `.h5` file.
        include_optimizer: also store the optimizer's state.

    Example:
        >>> import os, tempfile
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="m")
        >>> model.compile("sgd", "mse")
        >>> from lamina.saving.legacy_h5 import load_legacy_h5, save_legacy_h5
        >>> path = os.path.join(tempfile.mkdtemp(), "model.h5")
        >>> save_legacy_h5(model, path)  # what model.save("model.h5") does
        >>> load_legacy_h5(path).count_params()
        8
    """
    model_config = json.dumps(legacy_model_config(model), default=_json_default)
    training = legacy_training_config(model) if include_optimizer else None
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with h5py.File(tmp, "w") as h5file:
            h5file.attrs["keras_version"] = _KERAS_VERSION
            h5file.attrs["backend"] = _BACKEND
            h5file.attrs["model_config"] = model_config.encode("utf8")
            if training is not None:
                text = json.dumps(training, default=_json_default)
                h5file.attrs["training_config"] = text.encode("utf8")
            weights_lib.write_model_weights(
                h5file.create_group("model_weights"), model, _KERAS_VERSION, _BACKEND
            )
            if include_optimizer and getattr(model, "optimizer", None) is not None:
                weights_lib.write_optimizer_weights(h5file, model.optimizer)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


# --------------------------------------------------------------------------- Keras 2 configs
def _tensor_record(history) -> dict:
    name, node_index, tensor_index = history[:3]
    return {
        "class_name": "__keras_tensor__",
        "config": {"shape": None, "dtype": None, "keras_history": [name, node_index, tensor_index]},
    }


def _upgrade_node(node):
    """Turns a Keras 2 node (`[[layer, node, tensor, kwargs], ...]`) into `{args, kwargs}`."""
    if isinstance(node, dict):
        return node
    entries = node if isinstance(node, list) else []
    tensors = [_tensor_record(e) for e in entries]
    kwargs = {}
    if entries and len(entries[0]) > 3 and isinstance(entries[0][3], dict):
        kwargs = dict(entries[0][3])
    args = [tensors[0]] if len(tensors) == 1 else [tensors]
    return {"args": args, "kwargs": kwargs}


def upgrade_layer_record(record):
    """Maps Keras 2 config spellings onto Keras 3 ones (in a copy).

    Args:
        record: a layer record from a Keras 2 file.

    Returns:
        The upgraded record.

    Example:
        >>> from lamina.saving.legacy_h5 import upgrade_layer_record
        >>> record = {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3]}}
        >>> upgrade_layer_record(record)["config"]
        {'batch_shape': [None, 3]}
    """
    if not isinstance(record, dict) or "config" not in record:
        return record
    record = dict(record)
    config = record["config"]
    if isinstance(config, dict):
        config = dict(config)
        if record.get("class_name") == "InputLayer" and "batch_input_shape" in config:
            config["batch_shape"] = config.pop("batch_input_shape")
        axis = config.get("axis")
        if isinstance(axis, list) and len(axis) == 1:
            config["axis"] = int(axis[0])
        if isinstance(config.get("layers"), list):
            config["layers"] = [upgrade_layer_record(r) for r in config["layers"]]
        record["config"] = config
    if isinstance(record.get("inbound_nodes"), list):
        record["inbound_nodes"] = [_upgrade_node(n) for n in record["inbound_nodes"]]
    return record


# ----------------------------------------------------------------------------------- loading
def _attr_json(h5file: h5py.File, name: str, path: str):
    raw = h5file.attrs.get(name)
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf8")
    try:
        return json.loads(str(raw))
    except json.JSONDecodeError as e:
        raise ModelFileError(
            f"Could not load '{path}': '{name}' is not valid JSON ({e})."
        ) from None


def _lenient_object(record, kind: str):
    """Deserializes `record`; a string stays a string; unknown Keras 2 arguments are dropped."""
    if record is None or isinstance(record, (str, int, float, bool)):
        return record
    if isinstance(record, list):
        return [_lenient_object(r, kind) for r in record]
    if isinstance(record, dict) and "class_name" not in record:
        return {k: _lenient_object(v, kind) for k, v in record.items()}
    try:
        return deserialize_keras_object(record)
    except (TypeError, ValueError) as first:
        cls = registry.custom_objects().get(record["class_name"]) or _namespace_class(
            record["class_name"], kind
        )
        config = record.get("config")
        if isinstance(cls, type) and isinstance(config, dict):
            params = inspect.signature(cls.__init__).parameters
            if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
                kept = {k: v for k, v in config.items() if k in params}
                try:
                    return cls(**kept)
                except (TypeError, ValueError):
                    pass
        if kind != "optimizers" and isinstance(config, dict) and "name" in config:
            return config["name"]  # e.g. Keras 2's MeanMetricWrapper named 'mae'
        raise first


def _namespace_class(name: str, kind: str):
    import importlib

    module = importlib.import_module(f"lamina.{kind}")
    return getattr(module, name, None)


def compile_args(training: dict) -> dict:
    """The `compile` arguments stored in a `training_config`.

    Args:
        training: the file's `training_config`.

    Returns:
        A dict of `compile` arguments.

    Raises:
        ValueError: the config has no `optimizer_config`.

    Example:
        >>> import os, tempfile
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="m")
        >>> model.compile("sgd", "mse")
        >>> from lamina.saving.legacy_h5 import compile_args, legacy_training_config
        >>> args = compile_args(legacy_training_config(model))
        >>> type(args["optimizer"]).__name__, args["loss"]
        ('SGD', 'mse')
    """
    if "optimizer_config" not in training:
        raise ValueError("the training config has no 'optimizer_config'")
    args = {"optimizer": _lenient_object(training["optimizer_config"], "optimizers")}
    for key, kind in (("loss", "losses"), ("metrics", "metrics"), ("weighted_metrics", "metrics")):
        if training.get(key) is not None:
            args[key] = _lenient_object(training[key], kind)
    if training.get("loss_weights") is not None:
        args["loss_weights"] = training["loss_weights"]
    for key in ("run_eagerly", "steps_per_execution", "jit_compile"):
        if key in training:
            args[key] = training[key]
    return args


def _compile(model, training: dict, path: str) -> None:
    try:
        args = compile_args(training)
        accepted = inspect.signature(model.compile).parameters
        model.compile(**{k: v for k, v in args.items() if k in accepted})
    except (TypeError, ValueError, KeyError) as e:
        raise ModelFileError(
            f"Could not load '{path}': compiling the model from its 'training_config' failed "
            f"({type(e).__name__}: {e}). Pass compile=False and compile it yourself."
        ) from e
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not getattr(optimizer, "built", True):
        optimizer.build(model.trainable_variables)


def _rebuild(config, path: str, custom_objects, safe_mode: bool):
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ModelFileError(
            f"Could not load '{path}': 'model_config' does not hold a model record (a JSON "
            "object with 'class_name' and 'config')."
        )
    config = upgrade_layer_record(config)
    try:
        with SafeModeScope(safe_mode), registry.custom_object_scope(custom_objects or {}):
            return deserialize_keras_object(config, custom_objects=custom_objects)
    except TypeError as e:
        raise TypeError(f"Could not load '{path}': {e}") from e
    except (ValueError, KeyError, AttributeError, NotImplementedError) as e:
        raise ModelFileError(
            f"Could not load '{path}': rebuilding the model from 'model_config' failed: "
            f"{type(e).__name__}: {e}"
        ) from e


def load_legacy_h5(path: str, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """Reads a Keras 2 `.h5` model file (lamina's, Keras 3's or tf.keras's).

    Args:
        path: the `.h5` file.
        custom_objects: a dict of custom classes by name.
        compile: compile the model with the file's training config.
        safe_mode: refuse lambdas stored as bytecode.

    Returns:
        The model.

    Example:
        >>> import os, tempfile
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="m")
        >>> model.compile("sgd", "mse")
        >>> path = os.path.join(tempfile.mkdtemp(), "model.h5")
        >>> model.save(path)
        >>> restored = keras.models.load_model(path)  # calls load_legacy_h5
        >>> type(restored).__name__, restored.compiled
        ('Sequential', True)
    """
    try:
        h5file = h5py.File(path, "r")
    except OSError as e:
        raise ModelFileError(
            f"Could not load '{path}': not a readable HDF5 file (truncated or corrupt?): {e}"
        ) from None
    with h5file:
        config = _attr_json(h5file, "model_config", path)
        if config is None:
            hint = ""
            if "layer_names" in h5file.attrs or "vars" in h5file or "layers" in h5file:
                hint = " It holds weights only: rebuild the model, then call load_weights()."
            raise ModelFileError(f"Could not load '{path}': it has no model config.{hint}")
        model = _rebuild(config, path, custom_objects, safe_mode)
        group = h5file.get("model_weights")
        if not isinstance(group, h5py.Group):
            raise ModelFileError(f"Could not load '{path}': it has no 'model_weights' group.")
        try:
            weights_lib.load_weights_group(group, model, path)
        except (ValueError, KeyError, OSError) as e:
            raise ModelFileError(f"Could not load '{path}': {e}") from e
        if not compile:
            return model
        training = _attr_json(h5file, "training_config", path)
        if training is None:
            warnings.warn(
                f"load_model('{path}'): the file holds no training configuration, so the model "
                "is not compiled.",
                stacklevel=3,
            )
            return model
        _compile(model, training, path)
        weights_lib.load_optimizer_weights(h5file, model, path)
    return model
