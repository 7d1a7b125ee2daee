"""`Operation` (the base of everything that computes on tensors, layers included) and
`Function` (a graph of operations between symbolic tensors, replayed on new values).

An operation called on concrete values runs `call`; called on symbolic tensors (`KerasTensor`)
it runs `symbolic_call`, which infers the outputs with `compute_output_spec` and records a graph
`Node`, so a `Function` (or a functional `Model`) can replay the call later.
"""

from __future__ import annotations

import inspect

import jax

from lamina import tree
from lamina.core import naming
from lamina.core.symbolic import (
    KerasTensor,
    Node,
    any_symbolic,
    eval_shape_of,
    from_specs,
    is_symbolic,
    to_specs,
)

_SIMPLE = (str, int, float, bool, type(None))


class Operation:
    """The base class of Keras operations: something that computes outputs from tensors.

    Subclasses implement `call(*args, **kwargs)` on concrete arrays. Calling the operation on
    symbolic tensors (`keras.KerasTensor`, `keras.Input`) instead infers the output shapes and
    dtypes with `compute_output_spec` (by default: trace `call` with `jax.eval_shape`, so no
    compute runs) and records the call in the graph, which `keras.Function` and functional
    models replay. Every `keras.layers.Layer` is an `Operation`.

    Args:
        name: the operation's name (a string without `/`); by default derived from the class
            name (`my_op`, `my_op_1`, ...).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> class Scale(keras.Operation):
        ...     def __init__(self, factor=2.0, name=None):
        ...         super().__init__(name=name)
        ...         self.factor = factor
        ...     def call(self, x):
        ...         return x * self.factor
        >>> op = Scale(3.0)
        >>> np.asarray(op(np.array([1.0, 2.0])))
        array([3., 6.])
        >>> op(keras.KerasTensor((None, 4))).shape
        (None, 4)
        >>> op.get_config()["factor"]
        3.0
    """

    # Graph replay passes `training` only to operations whose `call` takes it (layers).
    _call_has_training = False

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        if args or kwargs:
            # Remember simple constructor arguments, for `get_config` of subclasses that do not
            # define it (as Keras does). Layers keep their own record.
            try:
                bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
            except TypeError:
                return obj
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            arguments.pop(next(iter(arguments)))
            params = inspect.signature(cls.__init__).parameters
            for key, p in params.items():
                if p.kind is inspect.Parameter.VAR_KEYWORD:
                    arguments.update(arguments.pop(key, {}) or {})
                elif p.kind is inspect.Parameter.VAR_POSITIONAL and arguments.pop(key, ()):
                    return obj
            arguments.pop("name", None)
            if all(isinstance(v, _SIMPLE) for v in tree.flatten(arguments)):
                obj.__dict__["_operation_auto_config"] = arguments
        return obj

    def __init__(self, name=None):
        if name is None:
            name = naming.auto_name(type(self).__name__)
        if not isinstance(name, str) or "/" in name:
            raise ValueError(
                f"{type(self).__name__}: `name` must be a string without '/', received "
                f"name={name!r} (of type {type(name).__name__})."
            )
        self.name = name
        self._inbound_nodes = []
        self._outbound_nodes = []

    def __call__(self, *args, **kwargs):
        """Runs `call` on concrete values, or `symbolic_call` when a symbolic tensor is given."""
        if any_symbolic((args, kwargs)):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def symbolic_call(self, *args, **kwargs):
        """Infers the outputs for symbolic arguments and records this call as a graph node.

        Returns:
            The output `KerasTensor`(s), in the structure `call` returns.
        """
        if "_inbound_nodes" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}: `Operation.__init__` was not called. Call "
                "`super().__init__(name=name)` first in your `__init__`."
            )
        outputs = self.compute_output_spec(*args, **kwargs)
        Node(self, args, kwargs, outputs)
        return outputs

    def call(self, *args, **kwargs):
        """The computation on concrete values; subclasses implement it."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `call(self, *args, **kwargs)`."
        )

    def compute_output_spec(self, *args, **kwargs):
        """The output `KerasTensor`(s) (shapes and dtypes) for symbolic arguments.

        By default `call` is traced with `jax.eval_shape` (unknown dimensions stay unknown);
        override it when `call` cannot be traced.
        """
        try:
            specs = eval_shape_of(
                lambda a, k: self.call(*a, **k),
                lambda fill: (to_specs(args, fill), to_specs(kwargs, fill)),
            )
        except Exception as e:
            raise type(e)(
                f"Could not infer the output shape / dtype of '{self.name}' (of type "
                f"{type(self).__name__}): either its `call()` fails on these inputs or it "
                "cannot be traced; implement `compute_output_spec()` to give the output "
                f"`KerasTensor`s directly. Error: {e}"
            ) from e
        return from_specs(specs)

    def get_config(self) -> dict:
        """The operation's config: its name and, for subclasses that do not define
        `get_config`, the constructor arguments when they are plain Python values."""
        config = {"name": self.name}
        if type(self).get_config is Operation.get_config:
            auto = self.__dict__.get("_operation_auto_config")
            if auto is None and len(inspect.signature(type(self).__init__).parameters) > 2:
                raise NotImplementedError(
                    f"{type(self).__name__} has constructor arguments that are not plain "
                    "Python values; implement `get_config()` to serialize it."
                )
            config.update(auto or {})
        return config

    @classmethod
    def from_config(cls, config: dict):
        """Creates the operation from its config (`cls(**config)`)."""
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(
                f"Could not create {cls.__name__} from its config ({e}). Override "
                f"`from_config()` (and `get_config()`) in {cls.__name__}. Config: {config}"
            ) from None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"

    def _node_attribute(self, attr: str):
        nodes = self.__dict__.get("_inbound_nodes") or []
        if len(nodes) != 1:
            raise AttributeError(
                f"Operation '{self.name}' has {'no' if not nodes else 'several'} recorded "
                f"call(s), so `{attr}` is {'undefined' if not nodes else 'ambiguous'}."
            )
        node = nodes[0]
        if attr == "input":
            values = node.input_tensors
        else:
            values = node.output_tensors
        return values[0] if len(values) == 1 else values

    @property
    def input(self):
        """The symbolic input(s) of the operation's only recorded call."""
        return self._node_attribute("input")

    @property
    def output(self):
        """The symbolic output(s) of the operation's only recorded call."""
        return self._node_attribute("output")


def _flat(structure) -> list:
    return jax.tree.leaves(structure, is_leaf=is_symbolic)


class Function(Operation):
    """A graph of operations from symbolic input tensors to symbolic outputs, callable on
    new values.

    Build the graph by applying `keras.ops` functions, operations or layers to symbolic tensors
    (`keras.KerasTensor(shape)` or `keras.Input(shape)`); `Function(inputs, outputs)` captures
    it, and calling the function on arrays replays the recorded calls. Unlike a functional
    `Model`, a `Function` tracks no weights and has no training API.

    Args:
        inputs: a `KerasTensor`, or a nested structure (list, tuple, dict) of them.
        outputs: a `KerasTensor`, or a nested structure of them, computable from `inputs`.
        name: the function's name.

    Call arguments:
        inputs: arrays in the structure of `inputs` (matching ranks and known dimensions).

    Returns:
        The outputs, in the structure of `outputs`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> a = keras.KerasTensor(shape=(None, 3))
        >>> b = keras.KerasTensor(shape=(None, 3))
        >>> fn = keras.Function(inputs=[a, b], outputs=keras.ops.maximum(a, b) * 2)
        >>> np.asarray(fn([np.array([[1.0, 5.0, 0.0]]), np.array([[2.0, 1.0, 3.0]])]))
        array([[ 4., 10.,  6.]], dtype=float32)
        >>> fn.compute_output_shape([(8, 3), (8, 3)])
        (8, 3)
    """

    def __init__(self, inputs, outputs, name=None):
        super().__init__(name=name)
        self._inputs_struct = tree.map_structure(lambda x: x, inputs)
        self._outputs_struct = tree.map_structure(lambda x: x, outputs)
        self._inputs = _flat(inputs)
        self._outputs = _flat(outputs)
        if not self._inputs:
            raise ValueError(
                f"Function: `inputs` must not be empty. Received inputs={inputs}, "
                f"outputs={outputs}."
            )
        if not self._outputs:
            raise ValueError(
                f"Function: `outputs` must not be empty. Received inputs={inputs}, "
                f"outputs={outputs}."
            )
        for where, tensors in (("inputs", self._inputs), ("outputs", self._outputs)):
            for t in tensors:
                if not isinstance(t, KerasTensor):
                    raise ValueError(
                        f"Function: every element of `{where}` must be a symbolic tensor "
                        f"(keras.KerasTensor or keras.Input); received {t!r} of type "
                        f"{type(t).__name__}."
                    )
        self._nodes, self._operations = self._map_graph()

    def _map_graph(self):
        """The nodes between the inputs and the outputs, each after the nodes it depends on."""
        input_ids = {id(t) for t in self._inputs}
        ordered, seen = [], set()
        paths = [".".join(str(p) for p in path) for path, _ in _paths(self._outputs_struct)]

        # Post-order depth-first walk with an explicit stack (deep graphs would exceed Python's
        # recursion limit): ("enter", tensor) visits a tensor, ("exit", node) records a node
        # once everything it reads is recorded.
        for t, path in zip(self._outputs, paths):
            stack: list = [("enter", t)]
            while stack:
                event, item = stack.pop()
                if event == "exit":
                    seen.add(id(item))
                    ordered.append(item)
                    continue
                if id(item) in input_ids:
                    continue
                history = item._keras_history
                node = (
                    None
                    if history is None
                    else history.operation._inbound_nodes[history.node_index]
                )
                if node is None or node.is_input:
                    raise ValueError(
                        f"Function: output with path `{path}` is not connected to `inputs`: it "
                        f"depends on {item!r}, which is not among the inputs. Add it to "
                        "`inputs=`."
                    )
                if id(node) in seen:
                    continue
                stack.append(("exit", node))
                stack.extend(("enter", t) for t in reversed(node.input_tensors))
        operations = []
        for t in self._inputs:  # the `keras.Input` layers come first, as in Keras
            history = t._keras_history
            if history is not None and history.operation not in operations:
                operations.append(history.operation)
        for node in ordered:
            if node.operation not in operations:
                operations.append(node.operation)
        return ordered, operations

    @property
    def operations(self) -> list:
        """The operations of the graph (input layers first, then in execution order)."""
        return self._operations[:]

    @property
    def inputs(self) -> list:
        """Flat list of the symbolic inputs."""
        return self._inputs

    @property
    def outputs(self) -> list:
        """Flat list of the symbolic outputs."""
        return self._outputs

    def call(self, inputs):
        """Computes the outputs for new input values."""
        self._assert_input_compatibility(inputs)
        return self._run_through_graph(inputs)

    def _run_through_graph(self, inputs):
        values = {id(t): v for t, v in zip(self._inputs, tree.flatten(inputs))}

        def fill(x):
            return values[id(x)] if isinstance(x, KerasTensor) else x

        for node in self._nodes:
            args, kwargs = node.arguments
            args = jax.tree.map(fill, args, is_leaf=is_symbolic)
            kwargs = jax.tree.map(fill, kwargs, is_leaf=is_symbolic)
            outputs = node.operation(*args, **kwargs)
            for t, v in zip(node.output_tensors, _flat(outputs)):
                values[id(t)] = v
        return jax.tree.map(lambda t: values[id(t)], self._outputs_struct, is_leaf=is_symbolic)

    def compute_output_spec(self, inputs):
        """The output `KerasTensor`s for symbolic inputs of the expected structure."""
        self._assert_input_compatibility(inputs)
        if all(
            tuple(x.shape) == tuple(ref.shape) for x, ref in zip(tree.flatten(inputs), self._inputs)
        ):
            return jax.tree.map(
                lambda t: KerasTensor(t.shape, t.dtype), self._outputs_struct, is_leaf=is_symbolic
            )
        return super().compute_output_spec(inputs)

    def compute_output_shape(self, input_shape):
        """The output shape(s) for input shape(s) in the structure of `inputs`."""
        flat_shapes = _flat_shapes(input_shape)
        tensors = [KerasTensor(s, ref.dtype) for s, ref in zip(flat_shapes, self._inputs)]
        structure = tree.pack_sequence_as(self._inputs_struct, tensors)
        spec = self.compute_output_spec(structure)
        return jax.tree.map(lambda t: t.shape, spec, is_leaf=is_symbolic)

    def _assert_input_compatibility(self, inputs):
        try:
            tree.assert_same_structure(inputs, self._inputs_struct)
        except (ValueError, TypeError):
            raise ValueError(
                f"Function '{self.name}' was called with an invalid input structure. Expected "
                f"input structure: {self._inputs_struct}; received: {inputs}."
            ) from None
        for x, ref in zip(tree.flatten(inputs), self._inputs):
            shape = tuple(getattr(x, "shape", ()))
            compatible = len(shape) == len(ref.shape) and all(
                a is None or b is None or a == b for a, b in zip(shape, ref.shape)
            )
            if not compatible:
                raise ValueError(
                    f"Function '{self.name}' was passed incompatible inputs. For input "
                    f"'{ref.name}', expected shape {ref.shape}, but received instead a tensor "
                    f"with shape {shape}."
                )


def _paths(structure):
    return tree.flatten_with_path(structure)


def _flat_shapes(shapes) -> list:
    """The shapes (tuples of ints / None) in a nested structure of shapes, in order."""
    if isinstance(shapes, dict):
        return [s for key in sorted(shapes) for s in _flat_shapes(shapes[key])]
    if isinstance(shapes, (list, tuple)) and all(d is None or isinstance(d, int) for d in shapes):
        return [tuple(shapes)]
    return [s for item in shapes for s in _flat_shapes(item)]
