"""Symbolic tensors and graph nodes: shapes and dtypes only, no data.

`KerasTensor` is what `Input(...)` returns and what calling a layer on one returns. Shapes are
inferred with `jax.eval_shape`: every unknown (`None`) dimension becomes one shared symbolic
dimension, so no compute runs and no real data is needed.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections import namedtuple

import jax
import numpy as np

from lamina.core.variable import standardize_dtype

KerasHistory = namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])
KerasHistory.__doc__ = """Where a symbolic tensor comes from (its `_keras_history`): the operation
(layer) that produced it, which call of that operation, and which of the call's outputs.

Args:
    operation: the layer or operation.
    node_index: the index of the call among the operation's inbound nodes.
    tensor_index: the index of the tensor among that call's outputs.

Example:
    >>> import lamina as keras
    >>> dense = keras.layers.Dense(2)
    >>> y = dense(keras.Input((3,)))
    >>> history = y._keras_history
    >>> history.operation is dense, history.node_index, history.tensor_index
    (True, 0, 0)
"""


@functools.lru_cache(maxsize=1)
def _batch_dim():
    (dim,) = jax.export.symbolic_shape("batch", constraints=["batch>=2"])
    return dim


def _dim_to_symbolic(d):
    return _batch_dim() if d is None else int(d)


def _dim_from_symbolic(d):
    return int(d) if isinstance(d, (int, np.integer)) else None


# The `keras.ops` namespace, bound by `lamina.ops` when it is imported: `core` sits below `ops` in
# the package layers (see docs/architecture.md), so the operators below reach it through this
# binding instead of an import.
_OPS = None


def bind_ops(namespace) -> None:
    """Gives symbolic tensors' operators (`x + y`, `x[0]`, ...) the `keras.ops` namespace.

    Args:
        namespace: the `lamina.ops` module (bound once, when lamina is imported).

    Example:
        >>> import lamina as keras
        >>> x = keras.Input((3,))
        >>> (x * 2 + 1).shape  # the operators go through keras.ops
        (None, 3)
    """
    global _OPS
    _OPS = namespace


class KerasTensor:
    """A symbolic tensor: a shape (with `None` for unknown dimensions), a dtype and a name, but no
    data.

    `keras.Input` makes one, and calling a layer or a `keras.ops` function on one returns
    another, with the output shape inferred without computing anything. Each records which layer
    call produced it (`_keras_history`), which is how `Model(inputs, outputs)` finds the graph.

    Args:
        shape: the shape, batch axis included; `None` entries are unknown.
        dtype: the dtype name.
        sparse: kept for Keras compatibility (lamina's arrays are dense).
        ragged: kept for Keras compatibility (lamina has no ragged tensors).
        name: an optional name.

    Example:
        >>> import lamina as keras
        >>> x = keras.Input((4,))
        >>> y = keras.ops.concatenate([x, x], axis=-1)
        >>> isinstance(y, keras.KerasTensor), y.shape
        (True, (None, 8))
        >>> keras.KerasTensor((None, 3), dtype="int32")
        <KerasTensor shape=(None, 3), dtype=int32, name=None>
    """

    def __init__(self, shape, dtype="float32", sparse=False, ragged=False, name=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = standardize_dtype(dtype)
        self.sparse = sparse
        self.ragged = ragged
        self.name = name
        self._keras_history = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def to_spec(self, fill=None) -> jax.ShapeDtypeStruct:
        if fill is not None:  # unknown dimensions at a concrete size (see `eval_shape_of`)
            return jax.ShapeDtypeStruct(
                tuple(fill if d is None else int(d) for d in self.shape), self.dtype
            )
        return jax.ShapeDtypeStruct(tuple(_dim_to_symbolic(d) for d in self.shape), self.dtype)

    @classmethod
    def from_spec(cls, spec, name=None) -> KerasTensor:
        return cls(tuple(_dim_from_symbolic(d) for d in spec.shape), spec.dtype, name=name)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __array__(self, *args, **kwargs):
        raise TypeError(
            "A symbolic tensor (from `keras.Input` or a layer called on one) has no data, so it "
            "cannot be converted to a NumPy array. Build a `Model(inputs, outputs)` and call it on "
            "real data, or use layers to transform symbolic tensors."
        )

    def __jax_array__(self):
        raise TypeError(
            "A symbolic tensor (from `keras.Input`) cannot be passed to a JAX function directly. "
            "Wrap the computation in a layer (e.g. `keras.layers.Lambda`) or a custom `Layer`."
        )

    def __bool__(self):
        raise TypeError("A symbolic tensor has no value, so it cannot be used as a boolean.")

    # Operators record `keras.ops` graph nodes. `__eq__` keeps identity semantics (as in Keras),
    # so tensors stay usable as dict keys and in `in` tests.
    def __add__(self, other):
        return _OPS.add(self, other)

    def __radd__(self, other):
        return _OPS.add(other, self)

    def __sub__(self, other):
        return _OPS.subtract(self, other)

    def __rsub__(self, other):
        return _OPS.subtract(other, self)

    def __mul__(self, other):
        return _OPS.multiply(self, other)

    def __rmul__(self, other):
        return _OPS.multiply(other, self)

    def __matmul__(self, other):
        return _OPS.matmul(self, other)

    def __rmatmul__(self, other):
        return _OPS.matmul(other, self)

    def __truediv__(self, other):
        return _OPS.true_divide(self, other)

    def __rtruediv__(self, other):
        return _OPS.true_divide(other, self)

    def __floordiv__(self, other):
        return _OPS.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _OPS.floor_divide(other, self)

    def __mod__(self, other):
        return _OPS.mod(self, other)

    def __rmod__(self, other):
        return _OPS.mod(other, self)

    def __pow__(self, other):
        return _OPS.power(self, other)

    def __rpow__(self, other):
        return _OPS.power(other, self)

    def __neg__(self):
        return _OPS.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _OPS.absolute(self)

    def __invert__(self):
        return _OPS.logical_not(self)

    def __and__(self, other):
        return _OPS.logical_and(self, other)

    def __rand__(self, other):
        return _OPS.logical_and(other, self)

    def __or__(self, other):
        return _OPS.logical_or(self, other)

    def __ror__(self, other):
        return _OPS.logical_or(other, self)

    def __xor__(self, other):
        return _OPS.logical_xor(self, other)

    def __rxor__(self, other):
        return _OPS.logical_xor(other, self)

    def __lt__(self, other):
        return _OPS.less(self, other)

    def __le__(self, other):
        return _OPS.less_equal(self, other)

    def __gt__(self, other):
        return _OPS.greater(self, other)

    def __ge__(self, other):
        return _OPS.greater_equal(self, other)

    def __ne__(self, other):
        return _OPS.not_equal(self, other)

    __hash__ = object.__hash__

    def __getitem__(self, key):
        return _OPS.get_item(self, key)

    def __round__(self, ndigits=None):
        return _OPS.round(self, ndigits or 0)

    def __iter__(self):
        raise TypeError(
            "A symbolic tensor cannot be iterated over. Index it (`x[:, 0]`) or use "
            "`keras.ops.unstack` / `keras.ops.split` instead."
        )


def is_symbolic(x) -> bool:
    """Whether `x` is a symbolic tensor (`KerasTensor`).

    Args:
        x: any value.

    Returns:
        A bool.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.core.symbolic import is_symbolic
        >>> is_symbolic(keras.Input((2,))), is_symbolic(np.ones(2))
        (True, False)
    """
    return isinstance(x, KerasTensor)


def any_symbolic(tree) -> bool:
    """Whether any leaf of a nested structure is a symbolic tensor.

    Args:
        tree: a value or a nest (lists, tuples, dicts).

    Returns:
        A bool.

    Example:
        >>> import lamina as keras
        >>> from lamina.core.symbolic import any_symbolic
        >>> any_symbolic({"a": 1, "b": [keras.Input((2,))]}), any_symbolic([1, 2])
        (True, False)
    """
    return any(isinstance(x, KerasTensor) for x in jax.tree.leaves(tree, is_leaf=is_symbolic))


def to_specs(tree, fill=None):
    """KerasTensors (and arrays) to `jax.ShapeDtypeStruct`s sharing one symbolic batch dim.

    Args:
        tree: a nest of `KerasTensor`s, arrays and other values.
        fill: give unknown dimensions this concrete size instead of the symbolic one.

    Returns:
        The same nest with `jax.ShapeDtypeStruct`s in place of tensors and arrays.

    Example:
        >>> import numpy as np
        >>> from lamina.core.symbolic import to_specs
        >>> to_specs([np.ones((2, 3), "float32"), 5])
        [ShapeDtypeStruct(shape=(2, 3), dtype=float32), 5]
    """

    def convert(x):
        if isinstance(x, KerasTensor):
            return x.to_spec(fill)
        if hasattr(x, "shape") and hasattr(x, "dtype"):
            return jax.ShapeDtypeStruct(tuple(x.shape), x.dtype)
        return x

    return jax.tree.map(convert, tree, is_leaf=is_symbolic)


# Keras's JAX backend infers symbolic shapes by tracing twice, unknown dimensions at these sizes.
_PROBE_SIZES = (83, 89)


def _is_inconclusive(error) -> bool:
    return type(error).__name__ == "InconclusiveDimensionOperation"


def eval_shape_of(fn, make_specs):
    """`jax.eval_shape(fn, *make_specs(None))`: unknown dimensions are one symbolic dimension.

    When `fn` compares or branches on an unknown dimension (`if batch <= 8`, a convolution over
    unknown spatial sizes), a symbolic dimension cannot answer; then, as Keras's JAX backend
    does, `fn` is traced with the unknown dimensions at 83 and at 89, and the output dimensions
    that differ between the two are unknown.

    Args:
        fn: the function of specs.
        make_specs: `fill -> tuple of arguments` (`fill` None: symbolic; an int: that size).

    Returns:
        The output specs (unknown dimensions symbolic, as `from_specs` expects).

    Example:
        >>> import jax.numpy as jnp
        >>> x = KerasTensor((None, 3))
        >>> def head(a):  # branches on the batch size
        ...     return a[:2] if a.shape[0] > 2 else a
        >>> from_specs(eval_shape_of(head, lambda fill: (to_specs(x, fill),))).shape
        (2, 3)
    """
    try:
        return jax.eval_shape(fn, *make_specs(None))
    except Exception as e:  # noqa: BLE001 - only an inconclusive comparison is retried
        if not _is_inconclusive(e):
            raise
    first, second = (jax.eval_shape(fn, *make_specs(size)) for size in _PROBE_SIZES)

    def merge(a, b):
        if not isinstance(a, jax.ShapeDtypeStruct):
            return a
        shape = tuple(d1 if d1 == d2 else _batch_dim() for d1, d2 in zip(a.shape, b.shape))
        return jax.ShapeDtypeStruct(shape, a.dtype)

    return jax.tree.map(merge, first, second)


def from_specs(tree):
    """`jax.ShapeDtypeStruct`s back to `KerasTensor`s (a symbolic batch dimension becomes
    None), in any nest.

    Args:
        tree: a nest of specs and other values.

    Returns:
        The same nest with `KerasTensor`s.

    Example:
        >>> import jax
        >>> from lamina.core.symbolic import from_specs
        >>> from_specs({"x": jax.ShapeDtypeStruct((2, 3), "float32")})["x"].shape
        (2, 3)
    """
    return jax.tree.map(
        lambda s: KerasTensor.from_spec(s) if isinstance(s, jax.ShapeDtypeStruct) else s, tree
    )


def shape_to_spec(shape, dtype):
    """A `jax.ShapeDtypeStruct` for a Keras shape: None dimensions become a symbolic size shared by
    all specs (the batch dimension), so shapes can be inferred without a batch size.

    Args:
        shape: a shape with None for unknown dimensions.
        dtype: the dtype.

    Returns:
        A `jax.ShapeDtypeStruct`.

    Example:
        >>> from lamina.core.symbolic import shape_to_spec
        >>> spec = shape_to_spec((None, 4), "float32")
        >>> spec.shape[1], spec.dtype
        (4, dtype('float32'))
    """
    return jax.ShapeDtypeStruct(tuple(_dim_to_symbolic(d) for d in shape), standardize_dtype(dtype))


_RECORDING = threading.local()


@contextlib.contextmanager
def replaying_graph():
    """Symbolic layer calls inside record no `Node`s: used to replay a functional model's graph
    on symbolic tensors for its output shapes, as Keras's `Functional.compute_output_spec` does,
    without adding calls to its layers' histories.

    Example:
        >>> import lamina as keras
        >>> dense = keras.layers.Dense(2)
        >>> with replaying_graph():
        ...     y = dense(keras.Input((3,)))
        >>> y.shape, len(dense._inbound_nodes)
        ((None, 2), 0)
    """
    previous = getattr(_RECORDING, "off", False)
    _RECORDING.off = True
    try:
        yield
    finally:
        _RECORDING.off = previous


class Node:
    """One call of an operation (a layer) on symbolic tensors.

    Creating a node records it in `operation._inbound_nodes` and stamps each output tensor with
    its `_keras_history`; functional models walk these nodes from outputs back to inputs.

    Args:
        operation: the layer (or operation) called.
        call_args: the positional arguments of the call.
        call_kwargs: the keyword arguments of the call.
        outputs: the call's symbolic outputs.

    Example:
        >>> import lamina as keras
        >>> dense = keras.layers.Dense(2)
        >>> y = dense(keras.Input((3,)))
        >>> node = dense._inbound_nodes[0]
        >>> node.output_tensors[0] is y, len(node.input_tensors), len(node.parent_nodes)
        (True, 1, 1)
    """

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=None):
        self.operation = operation
        self.arguments = (tuple(call_args), dict(call_kwargs or {}))
        self.outputs = outputs
        if getattr(_RECORDING, "off", False):
            # A model's graph replayed for its output shapes only (`replaying_graph`): the
            # layers' graphs stay as they were.
            self.input_tensors, self.parent_nodes = [], []
            self.output_tensors = [
                x
                for x in jax.tree.leaves(outputs, is_leaf=is_symbolic)
                if isinstance(x, KerasTensor)
            ]
            return
        self.input_tensors = [
            x
            for x in jax.tree.leaves((call_args, call_kwargs or {}), is_leaf=is_symbolic)
            if isinstance(x, KerasTensor)
        ]
        self.parent_nodes = []
        for x in self.input_tensors:
            history = x._keras_history
            if history is not None:
                node = history.operation._inbound_nodes[history.node_index]
                if node not in self.parent_nodes:
                    self.parent_nodes.append(node)
        node_index = len(operation._inbound_nodes)
        operation._inbound_nodes.append(self)
        flat_outputs = jax.tree.leaves(outputs, is_leaf=is_symbolic)
        self.output_tensors = [x for x in flat_outputs if isinstance(x, KerasTensor)]
        for i, x in enumerate(self.output_tensors):
            x._keras_history = KerasHistory(operation, node_index, i)

    @property
    def is_input(self) -> bool:
        return not self.input_tensors
