"""`Functional`: a model defined by a graph of layer calls on symbolic tensors."""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core.layer import Layer
from lamina.core.state import StateScope, in_symbolic_scope
from lamina.core.symbolic import KerasTensor, any_symbolic, is_symbolic, replaying_graph, to_specs
from lamina.layers.input_layer import InputLayer
from lamina.models.host_part import HostBatch, HostPlan, _is_host_layer
from lamina.models.model import Model


def _flatten(structure):
    return jax.tree.leaves(structure, is_leaf=is_symbolic)


class Functional(Model):
    """The model that `keras.Model(inputs, outputs)` returns: a graph of layer calls recorded on
    symbolic tensors.

    The graph is walked once at construction; `call` replays the recorded layer calls in
    order on real arrays (or on symbolic tensors, when the model is itself used as a layer).
    Inputs and outputs may be single tensors, lists or dicts; the model's config lists the
    graph, so it saves and loads without the Python code that built it.

    Args:
        inputs: the `keras.Input` tensor(s), as a tensor, a list or a dict.
        outputs: the symbolic tensor(s) computed from `inputs`.
        name: the model's name.
        **kwargs: `trainable`, `dtype` (as for any layer).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
        >>> total = keras.layers.Add()([a, b])
        >>> model = keras.Model({"a": a, "b": b}, total)
        >>> type(model).__name__
        'Functional'
        >>> model({"a": np.ones((1, 2)), "b": np.full((1, 2), 2.0)})
        Array([[3., 3.]], dtype=float32)
    """

    _weights_walk_skip = frozenset({"operations", "_operations", "layers"})
    _weights_walk_layers_first = True

    def __init__(self, inputs, outputs, name: str | None = None, **kwargs):
        trainable = kwargs.pop("trainable", True)
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        flat_inputs = _flatten(inputs)
        flat_outputs = _flatten(outputs)
        for where, tensors in (("inputs", flat_inputs), ("outputs", flat_outputs)):
            for t in tensors:
                if not isinstance(t, KerasTensor):
                    raise ValueError(
                        f"Model(): every element of `{where}` must be a symbolic tensor (from "
                        f"keras.Input or a layer called on one); received {t!r} of type "
                        f"{type(t).__name__}."
                    )
        self._nodes, operations = _map_graph(flat_inputs, flat_outputs)
        plan = None
        if any(_is_host_layer(n.operation) for n in self._nodes):
            plan = HostPlan(flat_inputs, flat_outputs, self._nodes)
        object.__setattr__(self, "_host_plan", plan)
        object.__setattr__(self, "_graph_layers", operations)
        for layer in operations:
            self._track(layer)
        self._build_shapes_dict = {"input_shape": None}
        self.built = True

    @property
    def layers(self) -> list[Layer]:
        # Operations on symbolic tensors (`keras.ops.add(x, 1)`) are graph nodes, not layers.
        return [op for op in self._graph_layers if not getattr(op, "_is_operation", False)]

    @property
    def inputs(self):
        return _flatten(self._inputs_struct)

    @property
    def outputs(self):
        return _flatten(self._outputs_struct)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_names(self) -> list[str]:
        return [t._keras_history.operation.name for t in self.outputs]

    def build(self, input_shape=None):
        self.built = True

    def _host_inputs(self, inputs):
        """`inputs` run through the model's host part (a `HostBatch`); unchanged when the
        model has none (see `lamina.models.host_part`)."""
        plan = self.__dict__.get("_host_plan")
        if plan is None or isinstance(inputs, HostBatch):
            return inputs
        if any_symbolic(inputs) or any(
            isinstance(v, jax.core.Tracer) for v in jax.tree.leaves(inputs)
        ):
            raise TypeError(
                f"Model '{self.name}' starts with layers that run on the host with NumPy "
                f"({', '.join(n.operation.name for n in plan.host_nodes)}), so it cannot be "
                "called on symbolic tensors or inside a jitted function. Call it on data (NumPy "
                "arrays, lists of strings), or with fit/evaluate/predict."
            )
        return plan.run(self.name, self.inputs, self._flat_inputs(inputs))

    def _flat_inputs(self, inputs) -> list:
        if (
            len(self.inputs) == 1
            and isinstance(inputs, (list, tuple))
            and inputs
            and all(isinstance(v, (str, bytes, int, float)) for v in inputs)
        ):
            return [inputs]  # one input given as a list of values (e.g. strings)
        flat_in = _flatten(inputs) if not isinstance(inputs, dict) else None
        if isinstance(inputs, dict) and isinstance(self._inputs_struct, dict):
            flat_in = self._match_inputs(self._inputs_struct, inputs, ())
        elif isinstance(inputs, dict):
            names = [t.name for t in self.inputs]
            try:
                flat_in = [inputs[n] for n in names]
            except KeyError as e:
                raise ValueError(
                    f"Model '{self.name}' expects inputs named {names}; received keys "
                    f"{list(inputs)}. Pass a dict with one array per input name."
                ) from e
        if len(flat_in) != len(self.inputs):
            raise ValueError(
                f"Model '{self.name}' expects {len(self.inputs)} input(s), received {len(flat_in)}. "
                f"Pass a list of {len(self.inputs)} arrays in the order of `model.inputs` "
                f"({[t.name for t in self.inputs]}), or a dict keyed by input name."
            )
        return flat_in

    def _match_inputs(self, struct, value, path) -> list:
        """The leaves of `value` in `self.inputs` order, i.e. `jax.tree.leaves(struct)`'s:
        dicts (nested too, e.g. `{"images": ..., "bounding_boxes": {"boxes": ...}}`) by
        sorted key, lists and tuples in order."""
        where = "".join(f"[{k!r}]" for k in path)
        if isinstance(struct, dict):
            if not isinstance(value, dict):
                raise ValueError(
                    f"Model '{self.name}' expects a dict with keys {list(struct)} at "
                    f"inputs{where}; received {type(value).__name__}."
                )
            missing = [k for k in struct if k not in value]
            if missing:
                raise ValueError(
                    f"Model '{self.name}' expects inputs named {list(struct)}"
                    f"{' at inputs' + where if path else ''}; missing {missing}. Pass a dict "
                    "with one array per input name, e.g. "
                    f"model({{{', '.join(repr(k) + ': ...' for k in struct)}}})."
                )
            return [
                leaf
                for k in sorted(struct)
                for leaf in self._match_inputs(struct[k], value[k], (*path, k))
            ]
        if isinstance(struct, (list, tuple)) and not is_symbolic(struct):
            if not isinstance(value, (list, tuple)) or len(value) != len(struct):
                raise ValueError(
                    f"Model '{self.name}' expects a list of {len(struct)} arrays at "
                    f"inputs{where}; received {type(value).__name__}."
                )
            return [
                leaf
                for i, (s, v) in enumerate(zip(struct, value))
                for leaf in self._match_inputs(s, v, (*path, i))
            ]
        return [value]

    def _symbolic_outputs(self, args, kwargs, with_mask: bool = False):
        """Output specs for a symbolic call: one trace of the whole graph, or, where that trace
        cannot decide a shape (a layer that compares an unknown dimension, branches whose
        unknown sizes JAX cannot prove equal), the graph replayed layer by layer on symbolic
        tensors, each layer inferring its own output as in Keras."""
        try:
            return super()._symbolic_outputs(args, kwargs, with_mask)
        except Exception as e:
            if self.__dict__.get("_host_plan") is not None or not args:
                raise
            first_error = e
        try:
            with replaying_graph(), StateScope(collect_losses=True, symbolic=True):
                outputs = self.call(args[0], training=kwargs.get("training"))
        except Exception:
            raise first_error from None
        specs = to_specs(outputs)
        if not with_mask:
            return specs
        flat = jax.tree.leaves(outputs, is_leaf=is_symbolic)
        masks = [getattr(t, "_keras_mask", None) for t in flat]
        if all(m is None for m in masks):
            return specs, None
        return specs, [None if m is None else to_specs(m) for m in masks]

    def call(self, inputs, training=None, mask=None):
        values: dict[int, object] = {}
        plan = self.__dict__.get("_host_plan")
        if plan is not None:
            host = self._host_inputs(inputs)
            for t, v in zip(plan.boundary, host.values):
                values[id(t)] = v if t.dtype == "string" else conform_input(self.name, t, v)
            nodes = plan.device_nodes
        else:
            for t, v in zip(self.inputs, self._flat_inputs(inputs)):
                values[id(t)] = conform_input(self.name, t, v)
            nodes = self._nodes
        for node in nodes:
            layer = node.operation
            args, kwargs = node.arguments

            def fill(x):
                return values[id(x)] if isinstance(x, KerasTensor) else x

            args = jax.tree.map(fill, args, is_leaf=is_symbolic)
            kwargs = jax.tree.map(fill, kwargs, is_leaf=is_symbolic)
            if layer._call_has_training and training is not None:
                kwargs["training"] = training  # the model's flag wins over the recorded one
            outputs = layer(*args, **kwargs)
            for t, v in zip(node.output_tensors, _flatten(outputs)):
                values[id(t)] = v
        outputs = jax.tree.map(lambda t: values[id(t)], self._outputs_struct, is_leaf=is_symbolic)
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1 and not in_symbolic_scope():
            # On data, Keras returns a one-output list or tuple as that output; a symbolic call
            # (building another graph) keeps the structure.
            return outputs[0]
        return outputs

    def get_config(self) -> dict:
        if not functional_like_constructor(type(self)):
            # A functional subclass with its own constructor arguments: its config is what
            # rebuilds it through that constructor (as for any subclassed model).
            return Model.get_config(self)
        from lamina.models.functional_config import functional_config

        return functional_config(self)


def conform_input(model_name: str, expected, x):
    """Data for the model input `expected` (a KerasTensor), as Keras's functional models
    take it: converted to the input's dtype, and with its rank adjusted (data with one axis
    fewer than an input whose last dimension is 1 gains that axis; data with one extra
    trailing axis of size 1 loses it).

    Args:
        model_name: the model's name, for error messages.
        expected: the model's input (a `KerasTensor`).
        x: the data for that input.

    Returns:
        A JAX array.

    Raises:
        ValueError: the rank cannot be matched (the message says how to fix the data).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.models.functional import conform_input
        >>> conform_input("model", keras.Input((1,)), np.arange(3)).shape
        (3, 1)
    """
    if x is None or not hasattr(x, "shape") or not hasattr(x, "dtype"):
        return x
    if isinstance(x, KerasTensor):
        return x  # a symbolic replay of the graph (`Functional._symbolic_outputs`)
    try:
        # int64/float64 inputs are int32/float32 unless JAX's x64 mode is on.
        want_dtype = np.dtype(jax.dtypes.canonicalize_dtype(expected.dtype))
        have_dtype = np.dtype(jax.dtypes.canonicalize_dtype(x.dtype))
    except (TypeError, ValueError):
        want_dtype = have_dtype = None  # string inputs (preprocessing layers) pass as they are
    if (
        want_dtype is not None
        and want_dtype != have_dtype
        and want_dtype.kind in "biuf"
        and have_dtype.kind in "biuf"
    ):
        x = jnp.asarray(x, want_dtype)
    rank, want = len(x.shape), len(expected.shape)
    if rank == want:
        return x
    if rank == want + 1 and x.shape[-1] == 1:
        return jnp.squeeze(x, axis=-1)
    if rank == want - 1 and want and expected.shape[-1] == 1:
        return jnp.expand_dims(x, axis=-1)
    shape = tuple(x.shape)
    if len(shape) == want - 1 and all(
        d is None or d == s for d, s in zip(expected.shape[1:], shape)
    ):
        fix = "it looks like one sample without the batch axis: add the batch axis, e.g. x[None]"
    else:
        fix = "only a trailing axis of size 1 is added or removed automatically; reshape the data"
    raise ValueError(
        f"Model '{model_name}': invalid shape for input '{expected.name}'. Expected shape "
        f"{expected.shape} (ndim={want}), received data of shape {shape} (ndim={len(shape)}); "
        f"{fix}."
    )


def functional_like_constructor(cls) -> bool:
    """Whether `cls(inputs, outputs, name)` rebuilds a model from a graph config: its
    constructor takes Functional's arguments, or `*args, **kwargs`.

    Args:
        cls: a `Model` subclass.

    Returns:
        A bool.

    Example:
        >>> import lamina as keras
        >>> from lamina.models.functional import functional_like_constructor
        >>> functional_like_constructor(keras.Model), functional_like_constructor(keras.Sequential)
        (True, False)
    """
    spec = inspect.getfullargspec(cls.__init__)
    if spec.args[1:] == inspect.getfullargspec(Functional.__init__).args[1:]:
        return True
    return spec.varargs is not None and spec.varkw is not None


def _map_graph(inputs, outputs):
    """Orders the nodes between `inputs` and `outputs`: deepest first, ties by first visit.

    A node's depth is its longest distance (in layer calls) from an output. The walk is
    iterative - an explicit stack, then the depths relaxed in topological order - so graphs of
    any depth (NASNetLarge, EfficientNetV2L: over a thousand nodes in a chain) do not meet
    Python's recursion limit, and each node is explored once.
    """
    input_ids = {id(t) for t in inputs}
    order: list = []
    node_by_id: dict[int, object] = {}
    explored: set[int] = set()
    children: dict[int, list[int]] = {}
    # Depth-first, first input first: the same first-visit order as a recursive walk.
    stack: list = [(t, None) for t in reversed(outputs)]
    while stack:
        tensor, parent = stack.pop()
        history = tensor._keras_history
        if history is None:
            raise ValueError(
                f"Model(): the tensor {tensor!r} was not produced by a layer; build it from "
                "keras.Input(...)."
            )
        node = history.operation._inbound_nodes[history.node_index]
        key = id(node)
        if not node.is_input and id(tensor) in input_ids:
            # An intermediate tensor used as a model input: the layer that made it is not part
            # of this model.
            continue
        if key not in node_by_id:
            node_by_id[key] = node
            order.append(node)
            children[key] = []
        if parent is not None:
            children[parent].append(key)
        if id(tensor) in input_ids or key in explored:
            continue
        explored.add(key)
        for t in reversed(node.input_tensors):
            stack.append((t, key))
    # Longest distance from an output: relax the edges in topological order (Kahn).
    parents_left = dict.fromkeys(node_by_id, 0)
    for key in children:
        for child in children[key]:
            parents_left[child] += 1
    depth = dict.fromkeys(node_by_id, 0)
    ready = [key for key, count in parents_left.items() if count == 0]
    while ready:
        key = ready.pop()
        for child in children[key]:
            depth[child] = max(depth[child], depth[key] + 1)
            parents_left[child] -= 1
            if parents_left[child] == 0:
                ready.append(child)
    reached_inputs = set()
    for node in order:
        for t in node.output_tensors:
            if id(t) in input_ids:
                reached_inputs.add(id(t))
        if node.is_input and not any(id(t) in input_ids for t in node.output_tensors):
            layer = node.operation
            raise ValueError(
                f"Graph disconnected: the output depends on input '{layer.name}', which is not "
                "among the model's `inputs`. Add it to `inputs=`."
            )
    first_visit = {id(n): i for i, n in enumerate(order)}
    ranked = sorted(order, key=lambda n: (-depth[id(n)], first_visit[id(n)]))
    nodes = [n for n in ranked if not isinstance(n.operation, InputLayer)]
    operations: list = []
    for n in ranked:
        if n.operation not in operations:
            operations.append(n.operation)
    names = [op.name for op in operations]
    for name in set(names):
        if names.count(name) > 1:
            raise ValueError(
                f"The name '{name}' is used {names.count(name)} times in the model. All layer "
                "names should be unique."
            )
    return nodes, operations
