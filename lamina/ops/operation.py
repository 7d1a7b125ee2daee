"""The machinery shared by every `keras.ops` function: run now, or record a graph node.

`dispatch(name, fn, *args, **kwargs)` is the whole protocol. On concrete values it unwraps
`Variable`s (also inside lists, tuples and dicts) and returns `fn(*args, **kwargs)`. When a
symbolic tensor (`keras.Input` or a layer output) appears anywhere among the arguments, it
creates an `OpLayer` holding `fn` and the non-tensor arguments and calls it on the symbolic
tensors, so `Layer.__call__` infers the output with `jax.eval_shape` and records a `Node` that
`Model(inputs, outputs)` replays.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core import naming
from lamina.core.layer import Layer
from lamina.core.symbolic import KerasTensor, is_symbolic
from lamina.core.variable import Variable


def unwrap(x):
    """Replaces `Variable`s by their current value, inside plain lists, tuples and dicts too.

    Args:
        x: a value, possibly a `Variable` or a list/tuple/dict holding some.

    Returns:
        The same structure with arrays in place of variables.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.ops.operation import unwrap
        >>> v = keras.Variable(np.ones(2))
        >>> unwrap({"a": [v, 3]})["a"][0]
        Array([1., 1.], dtype=float32)
    """
    if isinstance(x, Variable):
        return x.value
    kind = type(x)
    if kind is list or kind is tuple:
        return kind(unwrap(v) for v in x)
    if kind is dict:
        return {k: unwrap(v) for k, v in x.items()}
    return x


def has_symbolic(x) -> bool:
    """Whether a `KerasTensor` appears in `x` (looking inside plain lists, tuples and dicts).

    Args:
        x: a value or a plain list/tuple/dict.

    Returns:
        A bool.

    Example:
        >>> import lamina as keras
        >>> from lamina.ops.operation import has_symbolic
        >>> has_symbolic([1, {"x": keras.Input((2,))}]), has_symbolic([1, 2])
        (True, False)
    """
    if isinstance(x, KerasTensor):
        return True
    kind = type(x)
    if kind is list or kind is tuple:
        return any(has_symbolic(v) for v in x)
    if kind is dict:
        return any(has_symbolic(v) for v in x.values())
    return False


class OpLayer(Layer):
    """One call of a `keras.ops` function on symbolic tensors, as a weightless layer.

    The layer stores the function and every argument that is not a symbolic tensor; it is called
    on the symbolic tensors only (in the order they appear in the arguments), so a functional
    model replays it like any other layer. It is named after Keras's operation class in snake
    case (`add`, `add_1`, `expand_dims`, ...).

    Args:
        fn: the function computing on arrays.
        args, kwargs: the original arguments; `KerasTensor`s among them become the call inputs.
        name: the base of the layer's name.

    Example:
    >>> import lamina
    >>> x = lamina.Input((3,))
    >>> y = lamina.ops.add(x, 1.0)
    >>> type(y._keras_history[0]).__name__
    'OpLayer'
    """

    # Marks a Keras "operation" (not a user layer): Keras leaves these out of `Model.layers`
    # and of the weights file.
    _is_operation = True

    def __init__(self, fn: Callable, args: tuple, kwargs: dict, name: str):
        super().__init__(name=naming.uniquify(name), autocast=False)
        leaves, treedef = jax.tree.flatten((tuple(args), dict(kwargs)), is_leaf=is_symbolic)
        positions = tuple(i for i, x in enumerate(leaves) if isinstance(x, KerasTensor))
        static = [None if i in positions else x for i, x in enumerate(leaves)]
        # Stored through `__dict__` so that variables among the constants are not tracked as
        # weights of this layer (Keras does not track them either).
        self.__dict__["_op_spec"] = (fn, treedef, static, positions)
        self.__dict__["_op_dtypes"] = tuple(leaves[i].dtype for i in positions)
        self.__dict__["_op_base_name"] = name

    def symbolic_inputs(self, args: tuple, kwargs: dict) -> list:
        leaves = jax.tree.leaves((tuple(args), dict(kwargs)), is_leaf=is_symbolic)
        return [x for x in leaves if isinstance(x, KerasTensor)]

    def call(self, *tensors):
        fn, treedef, static, positions = self._op_spec
        if len(tensors) != len(positions):
            raise ValueError(
                f"Operation '{self.name}' expects {len(positions)} tensor argument(s), "
                f"received {len(tensors)}."
            )
        leaves = list(static)
        for i, t in zip(positions, tensors):
            leaves[i] = t
        args, kwargs = jax.tree.unflatten(treedef, leaves)
        return fn(*unwrap(args), **unwrap(kwargs))

    def compute_output_shape(self, *input_shapes):
        """Output shape(s) for the shapes of the tensor arguments (one shape, or one per tensor).

        Unknown dimensions are `None`; the dtypes are those of the recorded call.
        """
        shapes = list(input_shapes)
        n = len(self._op_dtypes)
        if len(shapes) == 1 and n > 1 and isinstance(shapes[0], (list, tuple)):
            shapes = list(shapes[0])
        if len(shapes) != n:
            raise ValueError(
                f"Operation '{self.name}' takes {n} tensor argument(s); received "
                f"{len(shapes)} shape(s): {input_shapes}."
            )
        tensors = [KerasTensor(tuple(s), d) for s, d in zip(shapes, self._op_dtypes)]
        out = self.compute_output_spec(*tensors)
        return jax.tree.map(lambda t: t.shape, out, is_leaf=is_symbolic)

    def get_config(self) -> dict:
        # The stored arguments may hold functions or arrays, so only the name is serialized.
        return {"name": self.name}

    def keras_record(self, tensors) -> tuple[dict, list]:
        """This call in Keras's format: the record head (`module`, `class_name`, `config` with
        the constructor arguments) and the call's arguments with `tensors` in place."""
        from lamina.ops.keras_operations import KERAS_OPERATIONS

        public = self.__dict__.get("_op_public")
        if public is None:
            raise TypeError(
                f"The graph calls an operation ('{self.name}') that lamina cannot write in "
                "Keras's format. Use a layer instead (e.g. keras.layers.Add, or a Lambda layer "
                "wrapping the call) in models you save."
            )
        module, class_name, init, call = KERAS_OPERATIONS[public]
        fn, treedef, static, positions = self._op_spec
        leaves = list(static)
        for i, t in zip(positions, tensors):
            leaves[i] = t
        args, kwargs = jax.tree.unflatten(treedef, leaves)
        bound = inspect.signature(fn).bind(*args, **kwargs)
        bound.apply_defaults()
        values = bound.arguments
        config = {"name": self.name}
        for key in init:
            config[key] = _plain(values[key], key)
        call_args = [values[key] for key in call]

        def arrays_only(value):
            if isinstance(value, (KerasTensor, np.ndarray, np.generic, jax.Array, slice)):
                return 0
            if value is Ellipsis:
                return 0
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

        try:
            json.dumps([config, call_args], default=arrays_only)
        except TypeError as e:
            raise TypeError(
                f"Operation '{self.name}' (keras.ops.{public}) has an argument that cannot be "
                f"saved ({e}). Wrap the call in a Lambda layer or a custom layer to save it."
            ) from e
        head = {
            "module": f"keras.src.ops.{module}",
            "class_name": class_name,
            "config": config,
            "registered_name": class_name,
        }
        return head, call_args

    def __repr__(self) -> str:
        return f"<OpLayer {self._op_base_name} name={self.name}>"


def _plain(value, key: str):
    """A constructor argument as JSON: tuples as lists, NumPy scalars as numbers, dtypes by
    name."""
    if key == "dtype" and value is not None:
        from lamina.core.variable import standardize_dtype

        return standardize_dtype(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v, key) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def recording(public_name: str, keras_name: str, fn: Callable) -> Callable:
    """`fn` (a public `lamina.ops` function) that, called on symbolic tensors, records one
    graph node for the whole call, so the node can be written as Keras's operation record.

    Args:
        public_name: the function's name in `lamina.ops`.
        keras_name: the snake-case name of Keras's operation class.
        fn: the function.

    Returns:
        The wrapped function.

    Example:
        >>> import lamina as keras
        >>> from lamina.ops.operation import recording
        >>> double = recording("double", "double", lambda x: x * 2)
        >>> double(3), double(keras.Input((2,))).shape
        (6, (None, 2))
    """

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if has_symbolic(args) or has_symbolic(kwargs):
            layer = OpLayer(fn, args, kwargs, keras_name)
            layer.__dict__["_op_public"] = public_name
            return layer(*layer.symbolic_inputs(args, kwargs))
        return fn(*args, **kwargs)

    return op


def dispatch(name: str, fn: Callable, *args, **kwargs):
    """Computes `fn(*args, **kwargs)`, or records it as a graph node on symbolic arguments.

    Args:
        name: the snake-case name of Keras's operation class, used to name the graph node.
        fn: a function of arrays (usually from `jax.numpy` or `jax.nn`).
        *args, **kwargs: the arguments, possibly holding `Variable`s or `KerasTensor`s.

    Example:
        >>> import numpy as np
        >>> import jax.numpy as jnp
        >>> import lamina as keras
        >>> from lamina.ops.operation import dispatch
        >>> dispatch("absolute", jnp.abs, np.array([-1.0, 2.0]))
        Array([1., 2.], dtype=float32)
        >>> dispatch("absolute", jnp.abs, keras.Input((3,))).shape  # a graph node
        (None, 3)
    """
    if has_symbolic(args) or has_symbolic(kwargs):
        op = OpLayer(fn, args, kwargs, name)
        return op(*op.symbolic_inputs(args, kwargs))
    out = fn(*unwrap(args), **unwrap(kwargs))
    # A few jnp functions (e.g. `reshape`) hand NumPy inputs back as NumPy arrays.
    return jnp.asarray(out) if isinstance(out, np.ndarray) else out
