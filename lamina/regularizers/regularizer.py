"""The `Regularizer` base class and the L1 / L2 / L1L2 weight penalties."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp


def validate_factor(value: Any, name: str) -> float:
    """Checks that a penalty factor is a finite, non-negative number and returns it as float.

    Args:
        value: the factor to check.
        name: the argument's name, for the error message.

    Returns:
        `value` as a float.

    Raises:
        ValueError: for booleans, non-numbers, infinities, NaN and negative values.

    Example:
        >>> from lamina.regularizers.regularizer import validate_factor
        >>> validate_factor(1, "l2")
        1.0
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or math.isinf(value)
        or math.isnan(value)
        or value < 0
    ):
        raise ValueError(
            f"Invalid value for `{name}`: expected a finite non-negative float, received "
            f"{name}={value!r}."
        )
    return float(value)


class Regularizer:
    """Base class of regularizers: a callable mapping a weight to a scalar penalty.

    Subclasses implement `__call__(x)` and `get_config()`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> class SumPenalty(keras.regularizers.Regularizer):
        ...     def __init__(self, factor=0.1):
        ...         self.factor = factor
        ...     def __call__(self, x):
        ...         return self.factor * keras.ops.sum(x)
        ...     def get_config(self):
        ...         return {"factor": self.factor}
        >>> round(float(SumPenalty()(np.ones((2, 3)))), 3)
        0.6
    """

    def __call__(self, x: jax.Array) -> jax.Array | float:
        return 0.0

    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-friendly dict."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config().")

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        """Builds a regularizer from the output of `get_config()`."""
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """Penalty `l1 * sum(|x|) + l2 * sum(x**2)`.

    Args:
        l1: the L1 factor (None means 0).
        l2: the L2 factor (None means 0).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> penalty = keras.regularizers.L1L2(l1=0.5, l2=0.25)
        >>> float(penalty(np.array([1.0, -2.0])))
        2.75
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = validate_factor(0.0 if l1 is None else l1, "l1")
        self.l2 = validate_factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, x: jax.Array) -> jax.Array:
        x = jnp.asarray(x)
        penalty = jnp.zeros((), dtype=x.dtype)
        if self.l1:
            penalty = penalty + jnp.asarray(self.l1, x.dtype) * jnp.sum(jnp.abs(x))
        if self.l2:
            penalty = penalty + jnp.asarray(self.l2, x.dtype) * jnp.sum(jnp.square(x))
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """Penalty `l1 * sum(|x|)`.

    Args:
        l1: the factor (None means the default 0.01).

    Keras stores `l1` as a float32 tensor, so its config shows e.g. 0.009999999776482582;
    lamina keeps the Python float given.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> float(keras.regularizers.L1(0.5)(np.array([1.0, -2.0])))
        1.5
    """

    def __init__(self, l1: float = 0.01):
        self.l1 = validate_factor(0.01 if l1 is None else l1, "l1")

    def __call__(self, x: jax.Array) -> jax.Array:
        x = jnp.asarray(x)
        return jnp.asarray(self.l1, x.dtype) * jnp.sum(jnp.abs(x))

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(Regularizer):
    """Penalty `l2 * sum(x**2)`.

    Args:
        l2: the factor (None means the default 0.01).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> float(keras.regularizers.L2(0.5)(np.array([1.0, -2.0])))
        2.5
    """

    def __init__(self, l2: float = 0.01):
        self.l2 = validate_factor(0.01 if l2 is None else l2, "l2")

    def __call__(self, x: jax.Array) -> jax.Array:
        x = jnp.asarray(x)
        return jnp.asarray(self.l2, x.dtype) * jnp.sum(jnp.square(x))

    def get_config(self) -> dict:
        return {"l2": self.l2}
