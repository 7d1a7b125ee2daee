"""`HostLayer`: a layer that runs on the host with NumPy (strings, hashing, vocabularies).

Such layers transform data before it reaches the model: call them on NumPy arrays (or lists),
in a data pipeline, or on the arrays given to `predict`. JAX cannot trace strings, so calling
one on a symbolic input (`keras.Input`) or inside `jax.jit` raises an error that says so.
"""

from __future__ import annotations

import jax
import numpy as np

from lamina.core.layer import Layer
from lamina.core.symbolic import KerasTensor


def is_traced(x) -> bool:
    """Whether `x` holds a symbolic tensor or a JAX tracer (a host layer cannot compute on it).

    Args:
        x: an input (or a nest of inputs).

    Returns:
        A bool.

    Example:
        >>> import jax
        >>> import numpy as np
        >>> from lamina.layers.preprocessing.host_layer import is_traced
        >>> is_traced(np.zeros(2)), bool(jax.jit(lambda a: is_traced(a) or a)(1.0))
        (False, True)
    """
    return any(
        isinstance(leaf, (KerasTensor, jax.core.Tracer))
        for leaf in jax.tree.leaves(x, is_leaf=lambda v: isinstance(v, KerasTensor))
    )


def to_numpy(x) -> np.ndarray:
    """NumPy view of host data; bytes are decoded to `str` so strings compare uniformly.

    Args:
        x: an array, a list, or a tensor with `.numpy()`.

    Returns:
        A NumPy array.

    Example:
        >>> from lamina.layers.preprocessing.host_layer import to_numpy
        >>> to_numpy([b"ab", "cd"])
        array(['ab', 'cd'], dtype=object)
    """
    if isinstance(x, (list, tuple)):
        x = np.asarray(
            x,
            dtype=object
            if any(isinstance(v, (str, bytes)) for v in np.ravel(np.asarray(x, dtype=object)))
            else None,
        )
    arr = np.asarray(x)
    if arr.dtype.kind == "S" or (
        arr.dtype == object and arr.size and isinstance(arr.flat[0], bytes)
    ):
        arr = np.vectorize(
            lambda v: v.decode("utf-8") if isinstance(v, bytes) else v, otypes=[object]
        )(arr)
    return arr


def is_symbolic_input(x) -> bool:
    """Whether every leaf of `x` is a symbolic tensor (the layer then records its call in the
    graph instead of computing).

    Args:
        x: an input (or a nest of inputs).

    Returns:
        A bool.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.layers.preprocessing.host_layer import is_symbolic_input
        >>> is_symbolic_input(keras.Input((1,), dtype="string")), is_symbolic_input(np.zeros(2))
        (True, False)
    """
    leaves = jax.tree.leaves(x, is_leaf=lambda v: isinstance(v, KerasTensor))
    return bool(leaves) and all(isinstance(leaf, KerasTensor) for leaf in leaves)


class HostLayer(Layer):
    """Base of the layers that compute on the host; `call` receives a NumPy array.

    Called on a symbolic input (`keras.Input`), such a layer records its call in the graph
    with the output shape from `compute_output_shape` and the dtype from `host_output_dtype`;
    a model built that way runs these layers on the host, before its compiled part (see
    `lamina.models.host_part`).

    Args:
        **kwargs: `Layer` arguments (`name`, `dtype`, ...).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.layers.preprocessing.host_layer import HostLayer
        >>> isinstance(keras.layers.StringLookup(vocabulary=["a"]), HostLayer)
        True
        >>> words = keras.Input((1,), dtype="string")
        >>> ids = keras.layers.StringLookup(vocabulary=["a", "b"])(words)  # recorded in the graph
        >>> keras.Model(words, ids)(np.array([["b"]]))
        Array([[2]], dtype=int32)
    """

    def host_output_dtype(self) -> str:
        """The dtype of the layer's outputs (int32 ids unless a subclass says otherwise)."""
        mode = getattr(self, "output_mode", "int")
        return "int32" if mode == "int" else "float32"

    # The input dtype kind a subclass takes ("string", "int"), checked on symbolic inputs.
    _symbolic_input_kind: str | None = None

    def _symbolic_host_call(self, inputs):
        from lamina.core.symbolic import Node

        kind = self._symbolic_input_kind
        if kind is not None and not isinstance(inputs, (list, tuple)):
            ok = inputs.dtype == "string" if kind == "string" else "int" in inputs.dtype
            if not ok:
                raise TypeError(
                    f"{type(self).__name__} '{self.name}' expects {kind} inputs, received a "
                    f"symbolic input of dtype {inputs.dtype}. Declare the input with "
                    f"keras.Input(..., dtype={'string' if kind == 'string' else 'int64'!r})."
                )

        shape = (
            [tuple(x.shape) for x in inputs]
            if isinstance(inputs, (list, tuple))
            else tuple(inputs.shape)
        )
        if not self.built:
            self.built = True
        out = KerasTensor(self.compute_output_shape(shape), self.host_output_dtype())
        Node(self, (inputs,), {}, out)
        return out

    def __call__(self, inputs, *args, **kwargs):
        if is_symbolic_input(inputs) and not args:
            return self._symbolic_host_call(inputs)
        if is_traced(inputs):
            raise TypeError(
                f"{type(self).__name__} '{self.name}' runs on the host with NumPy (it handles "
                "strings, vocabularies or string hashes, which JAX cannot trace), so it cannot be "
                "called inside a jitted function or on a mix of symbolic tensors and data. Apply "
                "it to the data before the model, e.g. `x = layer(np.array(...))`, in your data "
                "pipeline, or start a model with it (`keras.Input` then this layer)."
            )
        kwargs.pop("training", None)
        if not self.built:
            self.built = True
        try:
            return self.call(to_numpy(inputs), *args, **kwargs)
        except Exception as e:
            e.add_note(f"(in {type(self).__name__} '{self.name}')")
            raise
