"""`pack_x_y_sample_weight`, `unpack_x_y_sample_weight` and `get_source_inputs`, as in Keras."""

from __future__ import annotations


def unpack_x_y_sample_weight(data):
    """Unpacks `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)` into a 3-tuple.

    Missing `y` and `sample_weight` are None; a list is treated as a tuple. Useful when
    overriding `train_step` / `test_step` / `predict_step`.

    Args:
        data: a batch: `x`, or a tuple/list of one to three items.

    Returns:
        A tuple `(x, y, sample_weight)`.

    Example:
        >>> import lamina as keras
        >>> keras.utils.unpack_x_y_sample_weight(("features", "labels"))
        ('features', 'labels', None)
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

    Args:
        x: the features.
        y: the targets, or None.
        sample_weight: the sample weights, or None.

    Returns:
        `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`.

    Example:
        >>> import lamina as keras
        >>> keras.utils.pack_x_y_sample_weight("x", "y"), keras.utils.pack_x_y_sample_weight("x")
        (('x', 'y'), 'x')
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

    Args:
        tensor: a symbolic tensor (or any value).

    Returns:
        A list of `keras.Input` tensors, or `tensor` itself when it is not symbolic.

    Example:
        >>> import lamina as keras
        >>> a, b = keras.Input((2,)), keras.Input((2,))
        >>> total = keras.layers.Add()([a, b])
        >>> [t is s for t, s in zip(keras.utils.get_source_inputs(total), [a, b])]
        [True, True]
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
