"""`plot_model` and `model_to_dot`: draw a model's layers and connections with Graphviz.

`pydot` (and, to render images, the Graphviz `dot` program) are optional dependencies, imported
only when a drawing is requested.
"""

from __future__ import annotations

import html
import importlib
import os

import jax

from lamina.core.symbolic import KerasTensor

# Graphviz gets very slow (minutes) far beyond this; refuse with a clear message instead.
MAX_NODES = 2000

_PYDOT_MISSING = (
    "{what} requires the optional `pydot` package and the Graphviz system package. Install "
    "them with `pip install pydot` (or `pip install lamina[plot]`) and your system's package "
    "manager, e.g. `apt-get install graphviz` or `brew install graphviz`."
)
_GRAPHVIZ_MISSING = (
    "{what} requires Graphviz: the `dot` program was not found or failed to run. Install the "
    "Graphviz system package, e.g. `apt-get install graphviz`, `brew install graphviz` or "
    "`conda install graphviz` (see https://graphviz.org/download/)."
)


def _import_pydot(what: str):
    try:
        return importlib.import_module("pydot")
    except ImportError as e:
        raise ImportError(_PYDOT_MISSING.format(what=what)) from e


def check_pydot() -> bool:
    """Whether `pydot` (needed by `model_to_dot` and `plot_model`) can be imported.

    Args:
        None.

    Returns:
        A bool.

    Example:
        >>> from lamina.utils.model_visualization import check_pydot
        >>> isinstance(check_pydot(), bool)
        True
    """
    try:
        importlib.import_module("pydot")
    except ImportError:
        return False
    return True


def check_graphviz() -> bool:
    """Whether `pydot` is importable and the Graphviz `dot` program runs (needed by `plot_model`
    to render a picture).

    Args:
        None.

    Returns:
        A bool.

    Example:
        >>> from lamina.utils.model_visualization import check_graphviz
        >>> isinstance(check_graphviz(), bool)
        True
    """
    if not check_pydot():
        return False
    pydot = importlib.import_module("pydot")
    try:
        pydot.Dot.create(pydot.Dot())
    except Exception:
        return False
    return True


# ------------------------------------------------------------------------------ graph helpers
def _kinds():
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    return Functional, Sequential


def _leaves(structure):
    return [
        t
        for t in jax.tree.leaves(structure, is_leaf=lambda x: isinstance(x, KerasTensor))
        if isinstance(t, KerasTensor)
    ]


def _model_node_ids(model) -> set[int] | None:
    """Ids of the layer-call nodes that belong to `model`'s own graph (None: unknown)."""
    functional, sequential = _kinds()
    if isinstance(model, functional):
        ids = {id(n) for n in model._nodes}
        for op in model._graph_layers:
            ids.update(id(n) for n in op._inbound_nodes if n.is_input)
        return ids
    if isinstance(model, sequential):
        ids: set[int] = set()
        pending = list(model.outputs or [])
        while pending:
            t = pending.pop()
            h = t._keras_history
            if h is None:
                continue
            node = h.operation._inbound_nodes[h.node_index]
            if id(node) not in ids:
                ids.add(id(node))
                pending.extend(node.input_tensors)
        return ids
    return None


def _layer_nodes(layer, node_ids):
    nodes = list(layer._inbound_nodes)
    if node_ids is not None:
        own = [n for n in nodes if id(n) in node_ids]
        if own:
            return own
    return nodes[-1:]


def _node_shape(tensors):
    shapes = [tuple(t.shape) for t in tensors]
    return shapes[0] if len(shapes) == 1 else shapes


def _format_shapes(shapes) -> str:
    distinct = []
    for s in shapes:
        if s not in distinct:
            distinct.append(s)
    if not distinct:
        return "?"
    return " | ".join(str(s) for s in distinct)


def _activation_name(layer) -> str:
    act = layer.activation
    for attr in ("name", "__name__"):
        if isinstance(getattr(act, attr, None), str):
            return getattr(act, attr)
    return type(act).__name__


def _cell(text, bg="white", color=None, colspan=None) -> str:
    span = f' colspan="{colspan}"' if colspan else ""
    font = f' color="{color}"' if color else ""
    return f'<td bgcolor="{bg}"{span}><font point-size="14"{font}>{text}</font></td>'


def _label(layer, node_ids, opts) -> str:
    """An HTML-like Graphviz label: a header row and one row of details."""
    functional, sequential = _kinds()
    from lamina.layers.input_layer import InputLayer

    cls = type(layer).__name__
    if isinstance(layer, sequential):
        cls = "Sequential"
    elif isinstance(layer, functional):
        cls = "Functional"
    nodes = _layer_nodes(layer, node_ids)
    cols = []
    if opts["show_shapes"]:
        if not isinstance(layer, InputLayer):
            in_shapes = [_node_shape(n.input_tensors) for n in nodes]
            cols.append(_cell(f"Input shape: <b>{html.escape(_format_shapes(in_shapes))}</b>"))
        if isinstance(layer, InputLayer):
            out_shapes = [tuple(layer.batch_shape)]
        else:
            out_shapes = [_node_shape(_leaves(n.outputs)) for n in nodes]
        cols.append(_cell(f"Output shape: <b>{html.escape(_format_shapes(out_shapes))}</b>"))
    if opts["show_dtype"]:
        dtypes = sorted({str(t.dtype) for n in nodes for t in _leaves(n.outputs)})
        cols.append(_cell(f"Output dtype: <b>{html.escape(', '.join(dtypes) or '?')}</b>"))
    if opts["show_trainable"] and getattr(layer, "weights", None):
        if layer.trainable:
            cols.append(_cell("<b>Trainable</b>", bg="forestgreen", color="white"))
        else:
            cols.append(_cell("<b>Non-trainable</b>", bg="firebrick", color="white"))
    span = max(1, len(cols))
    title = f"<b>{html.escape(cls)}</b>"
    if opts["show_layer_names"]:
        title = f"<b>{html.escape(layer.name)}</b> ({html.escape(cls)})"
    rows = [
        f'<tr><td colspan="{span}" bgcolor="black"><font point-size="16" color="white">'
        f"{title}</font></td></tr>"
    ]
    if opts["show_layer_activations"] and getattr(layer, "activation", None) is not None:
        name = html.escape(_activation_name(layer))
        rows.append(f"<tr>{_cell(f'Activation: <b>{name}</b>', colspan=span)}</tr>")
    if cols:
        rows.append(f"<tr>{''.join(cols)}</tr>")
    return (
        '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
        + "".join(rows)
        + "</table>>"
    )


def _drawn_layers(model) -> list:
    functional, sequential = _kinds()
    if isinstance(model, functional):
        return list(model._graph_layers)
    return list(model.layers)


def _count_nodes(model, expand_nested: bool) -> int:
    functional, sequential = _kinds()
    total = 0
    for layer in _drawn_layers(model):
        if expand_nested and isinstance(layer, (functional, sequential)):
            total += _count_nodes(layer, expand_nested)
        else:
            total += 1
    return total


def _source(layer, tensor_index):
    """The drawn box that produces output `tensor_index` of `layer` (inside nested models)."""
    functional, sequential = _kinds()
    while isinstance(layer, (functional, sequential)) and layer.outputs:
        h = layer.outputs[min(tensor_index, len(layer.outputs) - 1)]._keras_history
        layer, tensor_index = h.operation, h.tensor_index
    return layer


def _destination(layer, input_index):
    """The drawn box that receives input `input_index` of `layer` (inside nested models)."""
    functional, sequential = _kinds()
    while isinstance(layer, (functional, sequential)):
        if isinstance(layer, functional):
            inputs = layer.inputs
            layer = inputs[min(input_index, len(inputs) - 1)]._keras_history.operation
        elif layer.layers:
            layer, input_index = layer.layers[0], 0
        else:
            break
    return layer


def _add_edge(pydot, dot, src, dst) -> None:
    src_id, dst_id = str(id(src)), str(id(dst))
    if not dot.get_edge(src_id, dst_id):
        dot.add_edge(pydot.Edge(src_id, dst_id, penwidth="2"))


def _fill(pydot, dot, root, model, expand_nested, opts) -> None:
    """Adds `model`'s boxes to `dot` (clusters for expanded sub-models) and its edges to `root`."""
    functional, sequential = _kinds()
    node_ids = _model_node_ids(model)
    layers = _drawn_layers(model)
    for layer in layers:
        if expand_nested and isinstance(layer, (functional, sequential)):
            cluster = pydot.Cluster(
                graph_name=f"{layer.name}_{id(layer)}",
                label=layer.name,
                style="dashed",
                labeljust="l",
            )
            _fill(pydot, cluster, root, layer, expand_nested, opts)
            dot.add_subgraph(cluster)
        else:
            node = pydot.Node(str(id(layer)), label=_label(layer, node_ids, opts))
            node.set("fontname", "Helvetica")
            node.set("border", "0")
            node.set("margin", "0")
            dot.add_node(node)

    if isinstance(model, sequential):
        for a, b in zip(layers, layers[1:]):
            _add_edge(pydot, root, _source(a, 0), _destination(b, 0))
    elif isinstance(model, functional):
        for layer in layers:
            for node in layer._inbound_nodes:
                if id(node) not in node_ids:
                    continue
                for i, t in enumerate(node.input_tensors):
                    h = t._keras_history
                    if h is None:
                        continue
                    src, dst = h.operation, layer
                    if expand_nested:
                        src, dst = _source(src, h.tensor_index), _destination(dst, i)
                    _add_edge(pydot, root, src, dst)
    # Subclassed models: the call order is unknown, so the boxes stay unconnected.


# ------------------------------------------------------------------------------ public API
def model_to_dot(
    model,
    show_shapes=False,
    show_dtype=False,
    show_layer_names=True,
    rankdir="TB",
    expand_nested=False,
    dpi=200,
    subgraph=False,
    show_layer_activations=False,
    show_trainable=False,
    splines="ortho",
    **kwargs,
):
    """Builds a `pydot.Dot` graph of `model` (a `pydot.Cluster` when `subgraph=True`).

    Sequential models are drawn as a chain, functional models as their layer graph (a shared
    layer is one box with several edges; a nested model is one box, or a dashed cluster of its
    own layers with `expand_nested=True`), and subclassed models as their tracked layers with
    no edges. Building the graph needs only `pydot`; rendering it needs Graphviz.

    Args:
        model: the model to draw.
        show_shapes: show each layer's output shape.
        show_dtype: show each layer's dtype.
        show_layer_names: show layer names.
        rankdir: the graph direction, `"TB"` (top to bottom) or `"LR"` (left to right).
        expand_nested: draw nested models as clusters of their layers.
        dpi: the picture's resolution.
        subgraph: return a `pydot.Cluster` (used for nested models).
        show_layer_activations: show the activation of layers that have one.
        show_trainable: show whether each layer is trainable.
        splines: Graphviz's edge style (`"ortho"`, `"polyline"`, `"curved"`, ...).
        **kwargs: `layer_range` is refused (not supported).

    Returns:
        A `pydot.Dot` (or `pydot.Cluster`).

    Example:
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="hidden"),
        ...                           keras.layers.Dense(1, name="out")])
        >>> dot = keras.utils.model_to_dot(model, show_shapes=True)
        >>> len(dot.get_edges()), "<b>hidden</b> (Dense)" in dot.to_string()
        (1, True)
    """
    pydot = _import_pydot("model_to_dot")
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is not supported by model_to_dot.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    if not model.built:
        raise ValueError(
            f"Model '{model.name}' has not been built yet. Build it first by calling `build()` "
            "or calling it on a batch of data."
        )
    count = _count_nodes(model, expand_nested)
    if count > MAX_NODES:
        raise ValueError(
            f"Model '{model.name}' would be drawn with {count} boxes, more than the limit of "
            f"{MAX_NODES} (lamina.utils.model_visualization.MAX_NODES) that Graphviz can lay out "
            "in reasonable time. Draw it with expand_nested=False, or draw its sub-models "
            "separately."
        )
    opts = {
        "show_shapes": show_shapes,
        "show_dtype": show_dtype,
        "show_layer_names": show_layer_names,
        "show_layer_activations": show_layer_activations,
        "show_trainable": show_trainable,
    }
    if subgraph:
        dot = pydot.Cluster(graph_name=model.name, style="dashed", label=model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    _fill(pydot, dot, dot, model, expand_nested, opts)
    return dot


def plot_model(
    model,
    to_file="model.png",
    show_shapes=False,
    show_dtype=False,
    show_layer_names=False,
    rankdir="TB",
    expand_nested=False,
    dpi=200,
    show_layer_activations=False,
    show_trainable=False,
    splines="ortho",
    **kwargs,
):
    """Draws `model` with Graphviz and writes the picture to `to_file`.

    The format follows the file's extension (png when there is none). Takes the same options
    as `model_to_dot`. Returns an `IPython.display.Image` when IPython is installed (except for
    pdf files), else None. Raises ImportError naming what to install when `pydot` or Graphviz
    is missing.

    Args:
        model: the model to draw.
        to_file: the picture's file name; its extension picks the format (png, svg, pdf, ...).
        show_shapes: show each layer's output shape.
        show_dtype: show each layer's dtype.
        show_layer_names: show layer names.
        rankdir: `"TB"` (top to bottom) or `"LR"` (left to right).
        expand_nested: draw nested models as clusters of their layers.
        dpi: the picture's resolution.
        show_layer_activations: show the activation of layers that have one.
        show_trainable: show whether each layer is trainable.
        splines: Graphviz's edge style.
        **kwargs: `layer_range` is refused (not supported).

    Returns:
        An `IPython.display.Image` when IPython is installed (not for pdf), else None.

    Raises:
        ImportError: `pydot` or Graphviz is missing (the message says what to install).

    Example:
        >>> import os, tempfile
        >>> import lamina as keras
        >>> from lamina.utils.model_visualization import check_graphviz
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.png")
        >>> if check_graphviz():  # drawing needs the Graphviz program
        ...     _ = keras.utils.plot_model(model, to_file=path, show_shapes=True)
        ... else:
        ...     _ = open(path, "wb")
        >>> os.path.exists(path)
        True
    """
    _import_pydot("plot_model")
    if not check_graphviz():
        raise ImportError(_GRAPHVIZ_MISSING.format(what="plot_model"))
    dot = model_to_dot(
        model,
        show_shapes=show_shapes,
        show_dtype=show_dtype,
        show_layer_names=show_layer_names,
        rankdir=rankdir,
        expand_nested=expand_nested,
        dpi=dpi,
        show_layer_activations=show_layer_activations,
        show_trainable=show_trainable,
        splines=splines,
        **kwargs,
    )
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    dot.write(to_file, format=extension)
    if extension != "pdf":
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None
