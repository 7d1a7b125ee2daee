"""Weights in the Keras 2 HDF5 layout (the `model_weights` group of a legacy `.h5` file).

Layout, as Keras 2 and Keras 3's legacy saver write it:
- the weights group carries `layer_names` (every layer of `model.layers`, in order), `backend`
  and `keras_version`;
- one subgroup per layer, named after the layer, with a `weight_names` attribute (the variable
  paths, trainable variables first) and one dataset per name (a `/` in a name nests groups);
- `top_level_model_weights` holds variables owned by the model itself;
- optimizer state goes to a root group `optimizer_weights` with its own `weight_names`.

Loading pairs layers by position among the layers that have weights (or by name with
`by_name=True`); every shape is checked before any variable changes.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from lamina.saving.lazy_h5py import h5py
from lamina.saving.weights_store import read_dataset

# HDF5 keeps attributes in the object header; bigger lists are split into numbered chunks.
_ATTR_LIMIT = 64512
_TOP_LEVEL = "top_level_model_weights"


# -------------------------------------------------------------------------------- attributes
def write_name_list(group: h5py.Group, name: str, values: list[str]) -> None:
    """Stores a list of strings as attribute `name` (or `name0`, `name1`, ... when large).

    Args:
        group: the HDF5 group.
        name: the attribute's name (`layer_names`, `weight_names`).
        values: the strings.

    Example:
        >>> import io
        >>> import h5py
        >>> import numpy as np
        >>> from lamina.saving.legacy_h5_weights import read_name_list, write_name_list
        >>> group = h5py.File(io.BytesIO(), "w")
        >>> write_name_list(group, "layer_names", ["dense", "dense_1"])
        >>> read_name_list(group, "layer_names")
        ['dense', 'dense_1']
    """
    encoded = [v.encode("utf8") for v in values]
    too_long = [v for v in encoded if len(v) > _ATTR_LIMIT]
    if too_long:
        raise RuntimeError(f"Names too long for an HDF5 attribute: {too_long[:3]}")
    array = np.asarray(encoded) if encoded else np.zeros((0,), dtype="float64")
    chunks = 1
    parts = [array]
    while any(p.nbytes > _ATTR_LIMIT for p in parts):
        chunks += 1
        parts = np.array_split(array, chunks)
    if chunks == 1:
        group.attrs[name] = encoded  # h5py stores a list of bytes as variable-length strings
    else:
        for i, part in enumerate(parts):
            group.attrs[f"{name}{i}"] = part


def read_name_list(group: h5py.Group, name: str) -> list[str]:
    """Reads a list of strings written by `write_name_list` (chunked or not).

    Args:
        group: the HDF5 group.
        name: the attribute's name.

    Returns:
        A list of strings (empty when absent).

    Example:
        >>> import io
        >>> import h5py
        >>> import numpy as np
        >>> from lamina.saving.legacy_h5_weights import read_name_list
        >>> read_name_list(h5py.File(io.BytesIO(), "w"), "layer_names")
        []
    """

    def decode(values) -> list[str]:
        return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in np.ravel(values)]

    if name in group.attrs:
        return decode(group.attrs[name])
    out: list[str] = []
    i = 0
    while f"{name}{i}" in group.attrs:
        out.extend(decode(group.attrs[f"{name}{i}"]))
        i += 1
    return out


def attr_text(node: h5py.Group, name: str, default: str | None = None) -> str | None:
    """A string attribute, decoded (or `default` when absent).

    Args:
        node: the HDF5 group or file.
        name: the attribute's name.
        default: the value when it is absent.

    Returns:
        A string, or `default`.

    Example:
        >>> import io
        >>> import h5py
        >>> import numpy as np
        >>> from lamina.saving.legacy_h5_weights import attr_text
        >>> node = h5py.File(io.BytesIO(), "w")
        >>> node.attrs["backend"] = b"jax"
        >>> attr_text(node, "backend"), attr_text(node, "keras_version", "unknown")
        ('jax', 'unknown')
    """
    value = node.attrs.get(name, default)
    return value.decode("utf8") if isinstance(value, bytes) else value


# ----------------------------------------------------------------------------------- writing
def legacy_weights(layer) -> list:
    """A layer's variables in the legacy order: trainable first, then non-trainable.

    Args:
        layer: a layer.

    Returns:
        A list of variables.

    Example:
        >>> import lamina as keras
        >>> from lamina.saving.legacy_h5_weights import legacy_weights
        >>> layer = keras.layers.BatchNormalization()
        >>> layer.build((None, 3))
        >>> [v.name for v in legacy_weights(layer)]
        ['gamma', 'beta', 'moving_mean', 'moving_variance']
    """
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _top_level_variables(model) -> list:
    own = list(getattr(model, "_trainable_variables", [])) + list(
        getattr(model, "_non_trainable_variables", [])
    )
    ids = {id(v) for v in model.weights}
    return [v for v in own if id(v) in ids]


def _to_numpy(variable) -> tuple[np.ndarray, str | None]:
    value = np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable)
    if value.dtype.name == "bfloat16":
        return value.astype("float32"), "bfloat16"
    return value, None


def write_variables(group: h5py.Group, variables: list) -> None:
    """Writes `variables` as datasets named by their paths, listed in `weight_names`.

    Args:
        group: the layer's HDF5 group.
        variables: the variables to store.

    Example:
        >>> import io
        >>> import h5py
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.saving.legacy_h5_weights import read_values, write_variables
        >>> group = h5py.File(io.BytesIO(), "w").create_group("d")
        >>> write_variables(group, [keras.Variable(np.ones(2), name="bias")])
        >>> read_values(group)
        [array([1., 1.], dtype=float32)]
    """
    names: list[str] = []
    for variable in variables:
        base = str(getattr(variable, "path", None) or getattr(variable, "name", "weight"))
        name, n = base, 1
        while name in names or name in group:
            name, n = f"{base}_{n}", n + 1
        names.append(name)
    write_name_list(group, "weight_names", names)
    for name, variable in zip(names, variables):
        value, tag = _to_numpy(variable)
        dataset = group.create_dataset(name, data=value)
        if tag is not None:
            dataset.attrs["dtype"] = tag


def write_model_weights(group: h5py.Group, model, keras_version: str, backend: str) -> None:
    """Fills `group` with every layer's weights in the Keras 2 layout.

    Args:
        group: the group to fill (`model_weights` of a model file, or the root).
        model: the model.
        keras_version: the version string written as an attribute.
        backend: the backend name written as an attribute.

    Example:
        >>> import io
        >>> import h5py
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.saving.legacy_h5_weights import read_name_list, write_model_weights
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")])
        >>> group = h5py.File(io.BytesIO(), "w")
        >>> write_model_weights(group, model, "3.15.1", "jax")
        >>> read_name_list(group, "layer_names")
        ['d']
    """
    layers = list(model.layers)
    write_name_list(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = backend.encode("utf8")
    group.attrs["keras_version"] = keras_version.encode("utf8")
    for layer in sorted(layers, key=lambda item: item.name):
        write_variables(group.create_group(layer.name), legacy_weights(layer))
    write_variables(group.create_group(_TOP_LEVEL), _top_level_variables(model))


def write_optimizer_weights(root: h5py.Group, optimizer) -> None:
    """Writes the optimizer's variables to `optimizer_weights` (nothing when it has none).

    Args:
        root: the file's root group.
        optimizer: the optimizer, or None.

    Example:
        >>> import os, tempfile
        >>> import h5py
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="m")
        >>> model.compile("sgd", "mse")
        >>> path = os.path.join(tempfile.mkdtemp(), "model.h5")
        >>> model.save(path)
        >>> "optimizer_weights" in h5py.File(path, "r")  # written by model.save(path)
        True
    """
    variables = list(getattr(optimizer, "variables", []) or [])
    if variables:
        write_variables(root.create_group("optimizer_weights"), variables)


# ----------------------------------------------------------------------------------- reading
def read_values(group: h5py.Group) -> list[np.ndarray]:
    """The arrays named by the group's `weight_names`, in that order.

    Args:
        group: a layer's HDF5 group.

    Returns:
        A list of NumPy arrays.

    Example:
        >>> import os, tempfile
        >>> import h5py
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="m")
        >>> model.compile("sgd", "mse")
        >>> path = os.path.join(tempfile.mkdtemp(), "model.h5")
        >>> model.save(path)
        >>> from lamina.saving.legacy_h5_weights import read_values
        >>> [a.shape for a in read_values(h5py.File(path, "r")["model_weights"]["d"])]
        [(3, 2), (2,)]
    """
    values = []
    for name in read_name_list(group, "weight_names"):
        node = group.get(name)
        if not isinstance(node, h5py.Dataset):
            raise ValueError(f"'{group.name}' lists weight '{name}', but has no such dataset.")
        values.append(read_dataset(node))
    return values


def _layer_group(group: h5py.Group, name: str) -> h5py.Group:
    node = group.get(name)
    if not isinstance(node, h5py.Group):
        raise ValueError(f"the Keras 2 weights list layer '{name}', but the file has no group.")
    return node


def _pair(pairs: list, problems: list[str], label: str, variables: list, values: list) -> None:
    """Pairs variables with values, noting count and shape mismatches in `problems`."""
    if len(variables) != len(values):
        problems.append(
            f"{label}: the layer has {len(variables)} weight(s), the file {len(values)}."
        )
        return
    for variable, value in zip(variables, values):
        if tuple(variable.shape) != tuple(np.shape(value)):
            problems.append(
                f"{label}: weight '{variable.path}' has shape {tuple(variable.shape)}, the "
                f"file holds shape {tuple(np.shape(value))}."
            )
        else:
            pairs.append((variable, value))


def _first_misfit(saved: list, layers: list) -> str:
    """Names the first layer (in order) whose weights the file cannot fill."""
    for k, ((name, layer_group), layer) in enumerate(zip(saved, layers)):
        variables = legacy_weights(layer)
        shapes = [tuple(np.shape(v)) for v in read_values(layer_group)]
        if shapes != [tuple(v.shape) for v in variables]:
            return (
                f"the first layer that does not fit is #{k}, '{layer.name}' in the model "
                f"(weight shapes {[tuple(v.shape) for v in variables]}), '{name}' in the file "
                f"(weight shapes {shapes}). Is the file for another architecture?"
            )
    k = min(len(saved), len(layers))
    extra = layers[k].name if k < len(layers) else saved[k][0]
    where = "model" if k < len(layers) else "file"
    return f"the first layer that does not fit is #{k}, '{extra}', only in the {where}."


def plan_weight_loading(
    group: h5py.Group, model, by_name: bool = False
) -> tuple[list[tuple[Any, np.ndarray]], list[str]]:
    """Matches the file's layers to the model's; returns (variable, value) pairs and problems.

    Args:
        group: the group holding `layer_names`.
        model: the model to load into.
        by_name: match layers by name (else by order, layers with weights only).

    Returns:
        A tuple `(pairs, problems)`: `(variable, value)` pairs and a list of messages.

    Example:
        >>> import os, tempfile
        >>> import h5py
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="m")
        >>> model.compile("sgd", "mse")
        >>> path = os.path.join(tempfile.mkdtemp(), "model.h5")
        >>> model.save(path)
        >>> from lamina.saving.legacy_h5_weights import plan_weight_loading
        >>> pairs, problems = plan_weight_loading(h5py.File(path, "r")["model_weights"], model)
        >>> len(pairs), problems
        (2, [])
    """
    pairs: list[tuple[Any, np.ndarray]] = []
    problems: list[str] = []
    names = read_name_list(group, "layer_names")
    if by_name:
        index: dict[str, list] = {}
        for layer in model.layers:
            index.setdefault(layer.name, []).append(layer)
        for name in names:
            values = read_values(_layer_group(group, name))
            for layer in index.get(name, []):
                _pair(pairs, problems, f"layer '{name}'", legacy_weights(layer), values)
    else:
        saved = []
        for name in names:
            layer_group = _layer_group(group, name)
            if read_name_list(layer_group, "weight_names"):
                saved.append((name, layer_group))
        layers = [layer for layer in model.layers if legacy_weights(layer)]
        if len(saved) != len(layers):
            problems.append(
                f"the model has {len(layers)} layer(s) with weights, the file {len(saved)}; "
                + _first_misfit(saved, layers)
            )
            return pairs, problems
        for k, ((name, layer_group), layer) in enumerate(zip(saved, layers)):
            label = f"layer #{k} ('{layer.name}' in the model, '{name}' in the file)"
            _pair(pairs, problems, label, legacy_weights(layer), read_values(layer_group))
    top = group.get(_TOP_LEVEL)
    if isinstance(top, h5py.Group):
        values = read_values(top)
        variables = _top_level_variables(model)
        if values or variables:
            _pair(pairs, problems, "the model's own weights", variables, values)
    return pairs, problems


def load_weights_group(
    group: h5py.Group, model, source: str, by_name: bool = False, skip_mismatch: bool = False
) -> None:
    """Loads a Keras 2 weights group into `model`; nothing changes when a check fails.

    Args:
        group: the group holding `layer_names`.
        model: the model to load into.
        source: the file's name, for messages.
        by_name: match layers by name.
        skip_mismatch: skip (with a warning) layers that do not fit instead of raising.

    Raises:
        ValueError: the weights do not fit the model (every problem listed).

    Example:
        >>> import os, tempfile
        >>> import h5py
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="m")
        >>> model.compile("sgd", "mse")
        >>> path = os.path.join(tempfile.mkdtemp(), "model.h5")
        >>> model.save(path)
        >>> from lamina.saving.legacy_h5_weights import load_weights_group
        >>> load_weights_group(h5py.File(path, "r")["model_weights"], model, path)
    """
    pairs, problems = plan_weight_loading(group, model, by_name)
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        message = f"Keras 2 HDF5 weights in '{source}' do not fit model '{model.name}':\n{listing}"
        if not skip_mismatch:
            raise ValueError(f"{message}\nNo weights were changed.")
        warnings.warn(f"{message}\nThese weights were skipped.", stacklevel=3)
    for variable, value in pairs:
        variable.assign(value)


def load_optimizer_weights(root: h5py.Group, model, source: str) -> None:
    """Restores `optimizer_weights` into the model's optimizer, or warns and keeps it fresh.

    Args:
        root: the file's root group.
        model: the compiled model.
        source: the file's name, for messages.

    Example:
        >>> import os, tempfile
        >>> import h5py
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="m")
        >>> model.compile("sgd", "mse")
        >>> path = os.path.join(tempfile.mkdtemp(), "model.h5")
        >>> model.save(path)
        >>> from lamina.saving.legacy_h5_weights import load_optimizer_weights
        >>> load_optimizer_weights(h5py.File(path, "r"), model, path)
    """
    group = root.get("optimizer_weights")
    optimizer = getattr(model, "optimizer", None)
    if not isinstance(group, h5py.Group) or optimizer is None:
        return
    try:
        values = read_values(group)
        if not getattr(optimizer, "built", True) and hasattr(optimizer, "build"):
            optimizer.build(model.trainable_variables)
        variables = list(optimizer.variables)
        if len(variables) != len(values):
            raise ValueError(
                f"the optimizer has {len(variables)} variables, the file {len(values)}"
            )
        optimizer.set_weights(values)
    except (ValueError, KeyError, TypeError, OSError) as e:
        warnings.warn(
            f"load_model('{source}'): the saved optimizer state was not restored ({e}); the "
            "optimizer starts fresh.",
            stacklevel=3,
        )


def weights_group_of(h5file: h5py.File) -> h5py.Group:
    """The group holding `layer_names`: `model_weights` in a model file, else the root.

    Args:
        h5file: an open HDF5 file.

    Returns:
        The group.

    Example:
        >>> import os, tempfile
        >>> import h5py
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="m")
        >>> model.compile("sgd", "mse")
        >>> path = os.path.join(tempfile.mkdtemp(), "model.h5")
        >>> model.save(path)
        >>> from lamina.saving.legacy_h5_weights import weights_group_of
        >>> weights_group_of(h5py.File(path, "r")).name
        '/model_weights'
    """
    group = h5file.get("model_weights")
    if isinstance(group, h5py.Group):
        return group
    return h5file


def load_legacy_weights(
    model, path: str, by_name: bool = False, skip_mismatch: bool = False
) -> None:
    """`model.load_weights(path)` for a Keras 2 HDF5 weights or model file.

    Args:
        model: the model to load into.
        path: the `.h5` file.
        by_name: match layers by name (else by order).
        skip_mismatch: skip layers that do not fit (with a warning) instead of raising.

    Example:
        >>> import os, tempfile
        >>> import h5py
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="m")
        >>> model.compile("sgd", "mse")
        >>> path = os.path.join(tempfile.mkdtemp(), "model.h5")
        >>> model.save(path)
        >>> other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> other.load_weights(path)  # a Keras 2 model file: calls load_legacy_weights
        >>> bool((other.get_weights()[0] == model.get_weights()[0]).all())
        True
    """
    try:
        with h5py.File(path, "r") as h5file:
            group = weights_group_of(h5file)
            if "layer_names" not in group.attrs and "layer_names0" not in group.attrs:
                raise ValueError("it has no 'layer_names' attribute")
            load_weights_group(group, model, path, by_name, skip_mismatch)
    except OSError as e:
        raise ValueError(f"load_weights('{path}'): unreadable Keras 2 HDF5 file ({e}).") from e
    except ValueError as e:
        if str(e).startswith("Keras 2"):
            raise
        raise ValueError(
            f"load_weights('{path}'): this Keras 2 HDF5 file could not be read: {e}"
        ) from e
