"""A functional model's config: its layers, the calls between them, its inputs and outputs.

The record matches Keras's: each layer's record carries its `name` and `inbound_nodes` (the
arguments of every call, with symbolic tensors written as `__keras_tensor__` records naming the
producing layer, node and output), and `input_layers` / `output_layers` keep the user's
structure. Node indices count only the calls that belong to the model.
"""

from __future__ import annotations

import jax

from lamina.core.symbolic import KerasTensor, is_symbolic


def _node_index_maps(model) -> dict[int, int]:
    """Maps id(node) to its index among the calls of its layer that belong to `model`."""
    own = {id(n) for n in model._nodes}
    for layer in model._graph_layers:
        for node in layer._inbound_nodes[:1]:
            if node.is_input:
                own.add(id(node))
    index: dict[int, int] = {}
    for layer in model._graph_layers:
        count = 0
        for node in layer._inbound_nodes:
            if id(node) in own:
                index[id(node)] = count
                count += 1
    return index


def _history_record(tensor, node_index: dict[int, int]):
    history = tensor._keras_history
    node = history.operation._inbound_nodes[history.node_index]
    return [
        history.operation.name,
        node_index.get(id(node), history.node_index),
        history.tensor_index,
    ]


def _serialize_argument(value, node_index):
    if isinstance(value, KerasTensor):
        return {
            "class_name": "__keras_tensor__",
            "config": {
                "shape": list(value.shape),
                "dtype": value.dtype,
                "keras_history": _history_record(value, node_index),
            },
        }
    if isinstance(value, slice):
        return {
            "class_name": "__slice__",
            "config": {"start": value.start, "stop": value.stop, "step": value.step},
        }
    if value is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(value, (list, tuple)):
        return [_serialize_argument(v, node_index) for v in value]
    if isinstance(value, dict):
        return {k: _serialize_argument(v, node_index) for k, v in value.items()}
    if hasattr(value, "tolist") and hasattr(value, "dtype"):
        return {
            "class_name": "__numpy__",
            "config": {"value": value.tolist(), "dtype": str(value.dtype)},
        }
    return value


def _structure_record(structure, node_index):
    if isinstance(structure, dict):
        return {k: _structure_record(v, node_index) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [_structure_record(v, node_index) for v in structure]
    return _history_record(structure, node_index)


def _operation_record(layer, node_index) -> dict:
    """A `keras.ops` call's record, as Keras writes it (`keras.src.ops.*` class, constructor
    arguments in `config`, call arguments in the node)."""
    head, nodes = None, []
    for node in layer._inbound_nodes:
        if id(node) not in node_index or node.is_input:
            continue
        head, call_args = layer.keras_record(node.arguments[0])
        nodes.append({"args": _serialize_argument(call_args, node_index), "kwargs": {}})
    if head is None:
        head, _ = layer.keras_record(layer._inbound_nodes[0].arguments[0])
    return {**head, "name": layer.name, "inbound_nodes": nodes}


def functional_config(model) -> dict:
    """The config of a functional model as Keras writes it: `name`, `trainable`, one record per
    layer (with its `inbound_nodes`, the calls that built the graph), `input_layers` and
    `output_layers`.

    Args:
        model: a functional model.

    Returns:
        A dict.

    Example:
        >>> import lamina as keras
        >>> from lamina.models.functional_config import functional_config
        >>> inputs = keras.Input((3,), name="x")
        >>> model = keras.Model(inputs, keras.layers.Dense(2, name="out")(inputs), name="m")
        >>> config = functional_config(model)
        >>> [layer["name"] for layer in config["layers"]], config["output_layers"]
        (['x', 'out'], ['out', 0, 0])
    """
    from lamina.core.serialization import serialize_keras_object

    node_index = _node_index_maps(model)
    records = []
    for layer in model._graph_layers:
        if getattr(layer, "_is_operation", False):
            records.append(_operation_record(layer, node_index))
            continue
        record = serialize_keras_object(layer)
        record["name"] = layer.name
        nodes = []
        for node in layer._inbound_nodes:
            if id(node) not in node_index or node.is_input:
                continue
            args, kwargs = node.arguments
            kwargs = {k: v for k, v in kwargs.items() if k != "training" or v is not None}
            if _is_model(layer):
                kwargs.setdefault("mask", None)  # Keras records it for nested model calls
            nodes.append(
                {
                    "args": _serialize_argument(list(args), node_index),
                    "kwargs": _serialize_argument(kwargs, node_index),
                }
            )
        record["inbound_nodes"] = nodes
        records.append(record)
    inputs = model._inputs_struct
    outputs = model._outputs_struct
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": records,
        "input_layers": _structure_record(inputs, node_index),
        "output_layers": _structure_record(outputs, node_index),
    }


def _operation_from_record(record: dict):
    """A `keras.ops` call recorded as a graph node (`{"module": "keras.src.ops.numpy",
    "class_name": "NotEqual", ...}`, e.g. the mask an `Embedding(mask_zero=True)` computes in a
    Keras graph): replayed through the `lamina.ops` function of the same name."""
    from lamina import ops
    from lamina.core.naming import to_snake_case
    from lamina.ops.keras_operations import KERAS_OPERATIONS

    if record.get("module") == "keras.src.ops.image":
        public = ops.image.KERAS_IMAGE_CLASSES.get(record["class_name"])
        fn = getattr(ops.image, public) if public else None
    else:
        module = str(record.get("module", "")).rsplit(".", 1)[-1]
        by_class = [
            n
            for n, (m, c, _, _) in KERAS_OPERATIONS.items()
            if c == record["class_name"] and m == module
        ]
        fn = getattr(ops, by_class[0] if by_class else to_snake_case(record["class_name"]), None)
    if fn is None:
        raise TypeError(
            f"Could not locate the operation {record['class_name']!r} ({record.get('module')}) "
            "in lamina.ops; the graph uses a keras.ops function lamina does not have yet."
        )
    options = {
        k: tuple(v) if isinstance(v, list) else v
        for k, v in (record.get("config") or {}).items()
        if k != "name"
    }

    def replay(*args, **kwargs):
        return fn(*args, **{**options, **kwargs})

    return replay


def _is_model(layer) -> bool:
    from lamina.models.model import Model

    return isinstance(layer, Model)


def _is_input_layer(layer) -> bool:
    from lamina.layers.input_layer import InputLayer

    return isinstance(layer, InputLayer)


def functional_from_config(cls, config: dict, custom_objects=None):
    """Rebuilds the graph: creates every layer, then replays the recorded calls in an order
    where each call's inputs already exist.

    Args:
        cls: the model class to build (`Functional`, or a subclass taking its arguments).
        config: the config from `functional_config` (or Keras).
        custom_objects: a dict of custom classes by name.

    Returns:
        The model, with new weights.

    Example:
        >>> import lamina as keras
        >>> from lamina.models.functional_config import functional_config, functional_from_config
        >>> inputs = keras.Input((3,))
        >>> model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
        >>> clone = functional_from_config(keras.Model, functional_config(model))
        >>> clone.count_params()
        8
    """
    from lamina.core.serialization import deserialize_keras_object

    created: dict[str, object] = {}
    outputs_of: dict[str, list] = {}
    pending: list[tuple[str, int, dict]] = []
    for record in config["layers"]:
        record = dict(record)
        name = record.pop("name", None) or record.get("config", {}).get("name")
        nodes = record.pop("inbound_nodes", [])
        record.pop("build_config", None)
        if str(record.get("module") or "").startswith("keras.src.ops"):
            layer = _operation_from_record(record)
        else:
            layer = deserialize_keras_object(record, custom_objects=custom_objects)
        created[name] = layer
        outputs_of[name] = []
        if _is_input_layer(layer):
            outputs_of[name].append([layer.output_tensor])
        for i, node in enumerate(nodes):
            pending.append((name, i, node))

    def resolve(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            layer_name, node_i, tensor_i = value["config"]["keras_history"]
            produced = outputs_of.get(layer_name, [])
            if node_i >= len(produced):
                raise LookupError
            return produced[node_i][tensor_i]
        if isinstance(value, dict) and value.get("class_name") == "__slice__":
            c = value.get("config") or {}
            return slice(c.get("start"), c.get("stop"), c.get("step"))
        if isinstance(value, dict) and value.get("class_name") == "__ellipsis__":
            return Ellipsis
        if isinstance(value, dict) and value.get("class_name") == "__numpy__":
            import numpy as np

            return np.asarray(value["config"]["value"], dtype=value["config"]["dtype"])
        if isinstance(value, (list, tuple)):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        return value

    progress = True
    while pending and progress:
        progress = False
        remaining = []
        for name, i, node in pending:
            # Calls of one layer must run in order (node indices are positions).
            if len(outputs_of[name]) != i + (1 if _is_input_layer(created[name]) else 0):
                remaining.append((name, i, node))
                continue
            try:
                args = resolve(node.get("args", []))
                kwargs = resolve(node.get("kwargs", {}))
            except LookupError:
                remaining.append((name, i, node))
                continue
            kwargs.pop("mask", None)
            out = created[name](*args, **kwargs)
            outputs_of[name].append(jax.tree.leaves(out, is_leaf=is_symbolic))
            progress = True
        pending = remaining
    if pending:
        names = sorted({name for name, _, _ in pending})
        raise ValueError(
            f"Could not rebuild the functional model '{config.get('name')}': the calls of "
            f"layers {names} refer to tensors that no layer produces."
        )

    def structure(value):
        if isinstance(value, dict):
            return {k: structure(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], str):
            layer_name, node_i, tensor_i = value
            return outputs_of[layer_name][node_i][tensor_i]
        return [structure(v) for v in value]

    inputs = structure(config["input_layers"])
    outputs = structure(config["output_layers"])
    return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))
