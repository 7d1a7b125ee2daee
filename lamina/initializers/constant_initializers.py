"""Initializers that produce fixed values: Constant, Zeros, Ones, Identity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from lamina.initializers.initializer import Initializer, resolve_dtype, standardize_shape


def _encode_value(value: Any) -> Any:
    # Arrays are stored like Keras stores them: a "__numpy__" record with a nested list.
    if isinstance(value, (np.ndarray, np.generic, jax.Array)):
        array = np.asarray(value)
        return {
            "class_name": "__numpy__",
            "config": {"value": array.tolist(), "dtype": array.dtype.name},
        }
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, Mapping) and value.get("class_name") == "__numpy__":
        inner = value["config"]
        return np.asarray(inner["value"], dtype=inner.get("dtype"))
    return value


class Constant(Initializer):
    """Fills the tensor with `value` (a scalar, or an array that broadcasts to the shape).

    Args:
        value: the fill value.

    Example:
        >>> import lamina as keras
        >>> keras.initializers.Constant(3.0)((2, 2)).tolist()
        [[3.0, 3.0], [3.0, 3.0]]
    """

    def __init__(self, value: Any = 0.0):
        self.value = value

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> jax.Array:
        dtype = resolve_dtype(dtype)
        value = jnp.asarray(self.value).astype(dtype)
        return jnp.broadcast_to(value, standardize_shape(shape))

    def get_config(self) -> dict:
        return {"value": _encode_value(self.value)}

    @classmethod
    def from_config(cls, config: dict) -> Constant:
        return cls(_decode_value(config.get("value", 0.0)))


class Zeros(Initializer):
    """Fills the tensor with 0.

    Example:
        >>> import lamina as keras
        >>> keras.initializers.Zeros()((2,), dtype="int32").tolist()
        [0, 0]
    """

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> jax.Array:
        return jnp.zeros(standardize_shape(shape), dtype=resolve_dtype(dtype))


class Ones(Initializer):
    """Fills the tensor with 1.

    Example:
        >>> import lamina as keras
        >>> keras.initializers.Ones()((1, 3)).tolist()
        [[1.0, 1.0, 1.0]]
    """

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> jax.Array:
        return jnp.ones(standardize_shape(shape), dtype=resolve_dtype(dtype))


class Identity(Initializer):
    """`gain` times the identity matrix; only for 2-D shapes (rectangular ones allowed).

    Args:
        gain: the value on the diagonal.

    Unlike Keras 3 (whose config is empty and so loses `gain`), `get_config()` records `gain`.

    Example:
        >>> import lamina as keras
        >>> keras.initializers.Identity(gain=2.0)((2, 3)).tolist()
        [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    """

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> jax.Array:
        shape = standardize_shape(shape)
        if len(shape) != 2:
            raise ValueError(
                f"Identity initializer: only 2-D shapes are supported, received shape={shape} "
                f"of rank {len(shape)}. Use Orthogonal for higher ranks."
            )
        dtype = resolve_dtype(dtype)
        return (self.gain * jnp.eye(*shape, dtype=dtype)).astype(dtype)

    def get_config(self) -> dict:
        return {"gain": self.gain}
