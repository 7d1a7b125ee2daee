"""lamina layers called inside a `tf.data` pipeline (`dataset.map(lambda x, y: (layer(x), y))`).

There the inputs are TensorFlow graph tensors, which hold no data. Keras switches such layers to
its TensorFlow backend; lamina has no TensorFlow code, so the layer runs as a Python step of the
pipeline instead: `tf.numpy_function` hands it each batch as NumPy arrays, and the outputs get
the shapes and dtypes the layer's symbolic call infers. TensorFlow is never imported here: it is
the module the caller already loaded (`sys.modules["tensorflow"]`), found because the inputs are
its tensors.
"""

from __future__ import annotations

import sys

import jax
import numpy as np


def _is_graph_tensor(x) -> bool:
    module = type(x).__module__
    return module.startswith("tensorflow.") and type(x).__name__ in ("SymbolicTensor", "Tensor")


def has_graph_tensors(args, kwargs) -> bool:
    """Whether the call's first argument (or a value of it, for dict inputs) is a TensorFlow
    graph tensor; cheap enough for every layer call.

    Args:
        args: the positional arguments of the call.
        kwargs: the keyword arguments.

    Returns:
        True inside `tf.data.Dataset.map` (or a `tf.function`) with tensors as inputs.

    Example:
        >>> import numpy as np
        >>> has_graph_tensors((np.zeros(2),), {})
        False
    """
    if "tensorflow" not in sys.modules:
        return False
    first = args[0] if args else next(iter(kwargs.values()), None)
    if isinstance(first, dict):
        return any(_is_graph_tensor(v) for v in first.values())
    if isinstance(first, (list, tuple)):
        return any(_is_graph_tensor(v) for v in first)
    return _is_graph_tensor(first)


def _graph_call(layer, args, kwargs):
    """Runs `layer(*args, **kwargs)` on TensorFlow graph tensors through `tf.numpy_function`.

    Args:
        layer: the lamina layer.
        args: the positional arguments (TensorFlow tensors among them).
        kwargs: the keyword arguments.

    Returns:
        TensorFlow tensors in the layer's output structure, with the inferred static shapes.
    """
    from lamina.core.symbolic import KerasTensor, is_symbolic, replaying_graph

    tf = sys.modules["tensorflow"]
    flat, treedef = jax.tree.flatten((args, kwargs))
    positions = [i for i, v in enumerate(flat) if _is_graph_tensor(v)]
    tensors = [flat[i] for i in positions]

    def fill(values):
        full = list(flat)
        for i, v in zip(positions, values):
            full[i] = v
        return jax.tree.unflatten(treedef, full)

    symbolic = [
        KerasTensor(tuple(t.shape.as_list()) if t.shape.rank is not None else (None,), t.dtype.name)
        for t in tensors
    ]
    with replaying_graph():  # output shapes and dtypes; no call recorded in any graph
        sym_args, sym_kwargs = fill(symbolic)
        spec = layer(*sym_args, **sym_kwargs)
    out_flat, out_tree = jax.tree.flatten(spec, is_leaf=is_symbolic)

    def run(*arrays):
        call_args, call_kwargs = fill(arrays)
        out = jax.tree.leaves(layer(*call_args, **call_kwargs))
        return [np.asarray(o, dtype=s.dtype) for o, s in zip(out, out_flat)]

    results = tf.numpy_function(run, tensors, Tout=[tf.as_dtype(s.dtype) for s in out_flat])
    if not isinstance(results, (list, tuple)):
        results = [results]
    for tensor, s in zip(results, out_flat):
        tensor.set_shape(s.shape)
    return jax.tree.unflatten(out_tree, list(results))
