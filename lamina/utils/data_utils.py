"""`pack_x_y_sample_weight`, `unpack_x_y_sample_weight` and `get_source_inputs`, as in Keras."""

from __future__ import annotations


def unpack_x_y_sample_weight(data):
    """Unpacks `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)` into a 3-tuple.

    Missing `y` and `sample_weight` are None; a list is treated as a tuple. Useful when
    overriding `train_step` / `test_step` / `predict_step`.
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return (data[0], data[1], data[2])
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, "
        f"or `(x, y, sample_weight)`, found: {data}"
    )


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Packs data into the tuple format that `Model.fit()` uses.

    With no `y`, a single `x` is returned as is, and a tuple/list `x` is wrapped as `(x,)`;
    otherwise `(x, y)` or `(x, y, sample_weight)`.
    """
    if y is None:
        if not isinstance(x, (tuple, list)):
            return x
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def get_source_inputs(tensor):
    """The list of input tensors (from `keras.Input`) needed to compute symbolic `tensor`.

    A value that is not a symbolic tensor is returned as is.
    """
    if not hasattr(tensor, "_keras_history"):
        return tensor
    history = tensor._keras_history
    if history is None or not history.operation._inbound_nodes:
        return [tensor]
    node = history.operation._inbound_nodes[history.node_index]
    if node.is_input:
        return list(node.output_tensors)
    sources: list = []
    for parent in node.input_tensors:
        for x in get_source_inputs(parent):
            if all(x is not t for t in sources):
                sources.append(x)
    return sources
