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
    return any(
        isinstance(leaf, (KerasTensor, jax.core.Tracer))
        for leaf in jax.tree.leaves(x, is_leaf=lambda v: isinstance(v, KerasTensor))
    )


def to_numpy(x) -> np.ndarray:
    """NumPy view of host data; bytes are decoded to `str` so strings compare uniformly."""
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


class HostLayer(Layer):
    """Base of the layers that compute on the host; `call` receives a NumPy array."""

    def __call__(self, inputs, *args, **kwargs):
        if is_traced(inputs):
            raise TypeError(
                f"{type(self).__name__} '{self.name}' runs on the host with NumPy (it handles "
                "strings, vocabularies or string hashes, which JAX cannot trace), so it cannot be "
                "called on a symbolic input (`keras.Input`) or inside a jitted function. Apply it "
                "to the data before the model instead, e.g. `x = layer(np.array(...))`, in your "
                "data pipeline, or on the arrays you pass to `fit`/`predict`."
            )
        kwargs.pop("training", None)
        if not self.built:
            self.built = True
        try:
            return self.call(to_numpy(inputs), *args, **kwargs)
        except Exception as e:
            e.add_note(f"(in {type(self).__name__} '{self.name}')")
            raise
