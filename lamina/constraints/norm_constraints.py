"""Constraints on the L2 norm of weight slices: MaxNorm, MinMaxNorm, UnitNorm.

The norm is taken over `axis` (for a `Dense` kernel `(input_dim, units)`, axis 0 constrains
each unit's incoming weight vector; for a conv kernel `(h, w, in, out)`, use `[0, 1, 2]`).
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp

from lamina.constraints.constraint import Constraint
from lamina.core.config import epsilon

Axis = int | Sequence[int]


def _norms(w: jax.Array, axis: Axis) -> jax.Array:
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return jnp.sqrt(jnp.sum(jnp.square(w), axis=axis, keepdims=True))


def _as_float(w) -> jax.Array:
    w = jnp.asarray(w)
    return w if jnp.issubdtype(w.dtype, jnp.floating) else w.astype(jnp.float32)


class MaxNorm(Constraint):
    """Scales down weight slices whose L2 norm exceeds `max_value`.

    Args:
        max_value: the largest allowed norm.
        axis: the axis (or axes) the norm is taken over.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> w = np.array([[3.0, 0.6], [4.0, 0.8]])  # column norms 5 and 1
        >>> np.asarray(keras.constraints.MaxNorm(max_value=2.0)(w), float).round(3)
        array([[1.2, 0.6],
               [1.6, 0.8]])
    """

    def __init__(self, max_value: float = 2, axis: Axis = 0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w: jax.Array) -> jax.Array:
        w = _as_float(w)
        norms = _norms(w, self.axis)
        desired = jnp.clip(norms, 0, self.max_value)
        return w * (desired / (epsilon() + norms))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves the L2 norm of weight slices into `[min_value, max_value]`.

    Args:
        min_value: the smallest allowed norm.
        max_value: the largest allowed norm.
        rate: how far to move toward the allowed range at each application (1 goes all the
            way; smaller values blend `rate * clipped + (1 - rate) * norm`).
        axis: the axis (or axes) the norm is taken over.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> w = np.array([[3.0, 0.06], [4.0, 0.08]])  # column norms 5 and 0.1
        >>> np.asarray(keras.constraints.MinMaxNorm(0.5, 1.0)(w), float).round(3)
        array([[0.6, 0.3],
               [0.8, 0.4]])
    """

    def __init__(
        self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Axis = 0
    ):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w: jax.Array) -> jax.Array:
        w = _as_float(w)
        norms = _norms(w, self.axis)
        clipped = jnp.clip(norms, self.min_value, self.max_value)
        desired = self.rate * clipped + (1 - self.rate) * norms
        return w * (desired / (epsilon() + norms))

    def get_config(self) -> dict:
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


class UnitNorm(Constraint):
    """Rescales weight slices to unit L2 norm.

    Args:
        axis: the axis (or axes) the norm is taken over.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> np.asarray(keras.constraints.UnitNorm()(np.array([[3.0], [4.0]])), float).round(3)
        array([[0.6],
               [0.8]])
    """

    def __init__(self, axis: Axis = 0):
        self.axis = axis

    def __call__(self, w: jax.Array) -> jax.Array:
        w = _as_float(w)
        return w / (epsilon() + _norms(w, self.axis))

    def get_config(self) -> dict:
        return {"axis": self.axis}
