"""`model.summary()`: a Keras-style table of layers, output shapes and parameter counts."""

from __future__ import annotations

import io

import jax
import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table

from lamina.core.symbolic import KerasTensor


def _format_size(num_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if num_bytes < 1024 or unit == "TB":
            return f"{num_bytes:.2f} {unit}"
        num_bytes /= 1024
    return f"{num_bytes:.2f} TB"


def _count(variables) -> tuple[int, int]:
    count = sum(int(np.prod(v.shape, dtype=np.int64)) for v in variables)
    nbytes = sum(
        int(np.prod(v.shape, dtype=np.int64)) * np.dtype(v.dtype).itemsize for v in variables
    )
    return count, nbytes


def _output_shape(layer) -> str:
    if layer._inbound_nodes:
        outputs = layer._inbound_nodes[-1].outputs
        shapes = [
            t.shape for t in jax.tree.leaves(outputs, is_leaf=lambda t: isinstance(t, KerasTensor))
        ]
        if len(shapes) == 1:
            return str(shapes[0])
        return str(shapes)
    return "?"


def _connections(layer, model) -> str:
    parts = []
    for node in layer._inbound_nodes:
        for t in node.input_tensors:
            h = t._keras_history
            if h is not None:
                parts.append(f"{h.operation.name}[{h.node_index}][{h.tensor_index}]")
    return ", ".join(parts) if parts else "-"


def print_summary(
    model,
    line_length=None,
    positions=None,
    print_fn=None,
    expand_nested=False,
    show_trainable=False,
    layer_range=None,
) -> None:
    """`model.summary()`: prints a table of the layers (name and type, output shape, number of
    parameters, and for functional models the layers each one is connected to), then the total,
    trainable and non-trainable parameter counts.

    Args:
        model: the model.
        line_length: the table's width in characters (None: sized to its content).
        positions: accepted for Keras compatibility (its relative column widths; ignored).
        print_fn: a function given each line instead of printing.
        expand_nested: also list the layers of nested models.
        show_trainable: add a column saying whether each layer is trainable.
        layer_range: `(first, last)` layer names limiting the rows.

    Example:
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="m")
        >>> lines = []
        >>> model.summary(print_fn=lines.append)
        >>> any("Total params: 8" in line for line in lines)
        True
    """
    from lamina.layers.input_layer import InputLayer
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    functional = isinstance(model, Functional)
    table = Table(box=box.HEAVY_HEAD, show_lines=False, width=line_length)
    table.add_column("Layer (type)", no_wrap=False)
    table.add_column("Output Shape")
    table.add_column("Param #", justify="right")
    if functional:
        table.add_column("Connected to")
    if show_trainable:
        table.add_column("Trainable")
    layers = model.layers
    if layer_range is not None:
        names = [layer.name for layer in layers]
        start, end = names.index(layer_range[0]), names.index(layer_range[1])
        layers = layers[start : end + 1]
    for layer in layers:
        cls = type(layer).__name__
        if isinstance(layer, Sequential):
            cls = "Sequential"
        elif isinstance(layer, Functional):
            cls = "Functional"
        params = f"{_count(layer.weights)[0]:,}" if layer.built else "0 (unbuilt)"
        if isinstance(layer, InputLayer):
            shape = str(layer.batch_shape)
        else:
            shape = _output_shape(layer)
        row = [f"{layer.name} ({cls})", shape, params]
        if functional:
            row.append(_connections(layer, model))
        if show_trainable:
            row.append("Y" if layer.trainable else "N")
        table.add_row(*row)

    trainable, trainable_bytes = _count(model.trainable_weights)
    non_trainable, nt_bytes = _count(model.non_trainable_weights)
    # As in Keras, a built optimizer's variables count in the total.
    optimizer = getattr(model, "optimizer", None)
    opt_count, opt_bytes = 0, 0
    if optimizer is not None and getattr(optimizer, "built", False):
        opt_count, opt_bytes = _count(optimizer.variables)
    total = trainable + non_trainable + opt_count
    total_bytes = trainable_bytes + nt_bytes + opt_bytes
    lines = [
        f" Total params: {total:,} ({_format_size(total_bytes)})",
        f" Trainable params: {trainable:,} ({_format_size(trainable_bytes)})",
        f" Non-trainable params: {non_trainable:,} ({_format_size(nt_bytes)})",
    ]
    if opt_count or (optimizer is not None and getattr(optimizer, "built", False)):
        lines.append(f" Optimizer params: {opt_count:,} ({_format_size(opt_bytes)})")

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=line_length or 100,
        force_terminal=False,
        color_system=None,
        highlight=False,
    )
    console.print(f'Model: "{model.name}"')
    console.print(table)
    for line in lines:
        console.print(line)
    text = buffer.getvalue().rstrip("\n")
    if print_fn is not None:
        print_fn(text)
    else:
        print(text)
