"""The host part of a model: preprocessing layers that run with NumPy before the compiled step.

A functional or Sequential model may start with layers that work on strings or vocabularies
(`TextVectorization`, `StringLookup`, `IntegerLookup`, `Hashing`, `HashedCrossing`: the
`HostLayer`s), which JAX cannot trace. Such a model splits in two: the *host part* (every
host layer, and every layer it depends on) runs eagerly on each batch in the data pipeline, and
the rest runs compiled, fed with the host part's outputs packed in a `HostBatch`. `fit`,
`evaluate`, `predict` and calling the model on data all do this, so a model whose first layer is
`TextVectorization` trains and predicts on arrays of strings as in Keras.
"""

from __future__ import annotations

import jax
import numpy as np

from lamina.core.host_batch import HostBatch


def _is_host_layer(layer) -> bool:
    from lamina.layers.preprocessing.host_layer import HostLayer

    return isinstance(layer, HostLayer)


def _host_array(x):
    """A NumPy array of `x` (tf/torch tensors by duck typing; strings stay strings)."""
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        x = x.numpy()
    if isinstance(x, (list, tuple)):
        x = np.asarray(x, dtype=object if any(isinstance(v, (str, bytes)) for v in x) else None)
    arr = np.asarray(x)
    if arr.dtype == np.float64:
        arr = arr.astype("float32")
    elif arr.dtype == np.int64 and not jax.config.jax_enable_x64:
        arr = arr.astype("int32")
    return arr


def conform_host_input(model_name: str, expected, x):
    """`x` as NumPy, with the rank adjusted to the symbolic input `expected` as Keras does (a
    trailing axis of size 1 added or removed) and numbers cast to the input's dtype; the host
    part of a model (string and lookup layers run with NumPy) reads its inputs through this.

    Args:
        model_name: the model's name, for error messages.
        expected: the model's input (a `KerasTensor`).
        x: the data for that input.

    Returns:
        A NumPy array.

    Raises:
        ValueError: the rank cannot be matched.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.models.host_part import conform_host_input
        >>> conform_host_input("model", keras.Input((1,)), np.arange(3)).shape
        (3, 1)
    """
    arr = _host_array(x)
    want = len(expected.shape)
    if arr.ndim == want - 1 and want and expected.shape[-1] == 1:
        arr = arr[..., None]
    elif arr.ndim == want + 1 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != want:
        raise ValueError(
            f"Model '{model_name}': invalid shape for input '{expected.name}'. Expected shape "
            f"{expected.shape} (ndim={want}), received data of shape {arr.shape}."
        )
    if expected.dtype != "string" and arr.dtype.kind in "biuf":
        arr = arr.astype(np.dtype(jax.dtypes.canonicalize_dtype(expected.dtype)))
    return arr


class HostPlan:
    """Which nodes of a functional graph run on the host, and which tensors cross over.

    Args:
        inputs: the model's input KerasTensors.
        outputs: the model's output KerasTensors.
        nodes: the graph's nodes in execution order (input layers excluded).

    Example:
        >>> import lamina as keras
        >>> words = keras.Input((1,), dtype="string")
        >>> ids = keras.layers.StringLookup(vocabulary=["a", "b"])(words)
        >>> model = keras.Model(words, keras.layers.Embedding(3, 2)(ids))
        >>> plan = model._host_plan
        >>> [type(n.operation).__name__ for n in plan.host_nodes + plan.device_nodes]
        ['StringLookup', 'Embedding']
        >>> len(plan.boundary)  # the StringLookup output crosses over to the device
        1
    """

    def __init__(self, inputs, outputs, nodes):
        host: set[int] = set()
        needed: set[int] = set()  # tensors that host nodes read
        for node in reversed(nodes):  # consumers come after producers: walk backwards
            if _is_host_layer(node.operation) or any(id(t) in needed for t in node.output_tensors):
                host.add(id(node))
                needed.update(id(t) for t in node.input_tensors)
        self.host_nodes = [n for n in nodes if id(n) in host]
        self.device_nodes = [n for n in nodes if id(n) not in host]
        produced = {id(t): t for n in self.host_nodes for t in n.output_tensors}
        produced.update({id(t): t for t in inputs})
        boundary: dict[int, object] = {}
        for n in self.device_nodes:
            for t in n.input_tensors:
                if id(t) in produced:
                    boundary.setdefault(id(t), t)
        for t in outputs:
            if id(t) in produced:
                boundary.setdefault(id(t), t)
        self.boundary = list(boundary.values())
        for t in self.boundary:
            if t.dtype == "string" and any(t in n.input_tensors for n in self.device_nodes):
                raise ValueError(
                    f"The string tensor '{t.name}' reaches a layer that runs compiled with JAX; "
                    "strings must first go through a layer that maps them to numbers "
                    "(StringLookup, TextVectorization, Hashing)."
                )

    def run(self, model_name: str, inputs: list, flat_values: list) -> HostBatch:
        """Runs the host nodes on one batch; `flat_values` are the model's inputs' data."""
        values = {id(t): conform_host_input(model_name, t, v) for t, v in zip(inputs, flat_values)}
        from lamina.core.symbolic import KerasTensor, is_symbolic
        from lamina.models.functional import _flatten

        for node in self.host_nodes:
            args, kwargs = node.arguments

            def fill(x):
                return values[id(x)] if isinstance(x, KerasTensor) else x

            args = jax.tree.map(fill, args, is_leaf=is_symbolic)
            kwargs = jax.tree.map(fill, kwargs, is_leaf=is_symbolic)
            kwargs.pop("training", None)
            outputs = node.operation(*args, **kwargs)
            for t, v in zip(node.output_tensors, _flatten(outputs)):
                values[id(t)] = v
        return HostBatch(np.asarray(values[id(t)]) for t in self.boundary)
