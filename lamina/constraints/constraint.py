"""The `Constraint` base class and NonNeg.

A constraint maps a weight to its projected value; the optimizer applies it after each update.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


class Constraint:
    """Base class of constraints: `__call__(w)` returns the constrained weight.

    The base class leaves the weight unchanged.

    Subclass it and override `__call__` (and `get_config` when the constructor takes arguments).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> class Clip(keras.constraints.Constraint):
        ...     def __call__(self, w):
        ...         return keras.ops.clip(w, -1.0, 1.0)
        >>> np.asarray(Clip()(np.array([-3.0, 0.5, 2.0]))).tolist()
        [-1.0, 0.5, 1.0]
    """

    def __call__(self, w: jax.Array) -> jax.Array:
        return w

    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-friendly dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Constraint:
        """Builds a constraint from the output of `get_config()`."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class NonNeg(Constraint):
    """Replaces negative entries by 0.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> np.asarray(keras.constraints.NonNeg()(np.array([-1.0, 2.0]))).tolist()
        [0.0, 2.0]
    """

    def __call__(self, w: jax.Array) -> jax.Array:
        w = jnp.asarray(w)
        return jnp.maximum(w, jnp.zeros((), w.dtype))
