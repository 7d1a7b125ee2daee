"""The `Initializer` base class: a configured callable `(shape, dtype) -> array`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax

from lamina.core.variable import standardize_dtype


def standardize_shape(shape: Sequence[int] | int) -> tuple[int, ...]:
    """The shape as a tuple of Python ints (an int gives a 1-D shape).

    Args:
        shape: an int or a sequence of ints.

    Returns:
        A tuple of ints.

    Raises:
        ValueError: when a dimension is not an int (e.g. None).

    Example:
        >>> from lamina.initializers.initializer import standardize_shape
        >>> standardize_shape(3), standardize_shape([2, 4])
        ((3,), (2, 4))
    """
    if isinstance(shape, int):
        return (shape,)
    try:
        return tuple(int(d) for d in shape)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"An initializer needs a fully known shape of ints, received shape={shape!r}."
        ) from e


def resolve_dtype(dtype: Any) -> str:
    """The dtype name to build with: `dtype`, or `floatx()` when it is None.

    Args:
        dtype: a dtype (name, NumPy or JAX dtype), or None.

    Returns:
        The dtype's name, such as `'float32'`.

    Example:
        >>> from lamina.initializers.initializer import resolve_dtype
        >>> resolve_dtype(None), resolve_dtype("int32")
        ('float32', 'int32')
    """
    return standardize_dtype(dtype)


class Initializer:
    """Base class of initializers.

    Subclasses implement `__call__(shape, dtype=None)` returning an array of that shape and
    dtype (None meaning `keras.config.floatx()`), and `get_config()` when they take arguments.

    Example:
        >>> import lamina as keras
        >>> class Arange(keras.initializers.Initializer):
        ...     def __call__(self, shape, dtype=None):
        ...         return keras.ops.reshape(keras.ops.arange(6, dtype=dtype), shape)
        >>> Arange()((2, 3), dtype="float32").tolist()
        [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    """

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> jax.Array:
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__call__(self, shape, dtype=None)`."
        )

    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-friendly dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        """Builds an initializer from the output of `get_config()`."""
        return cls(**config)

    def clone(self) -> Initializer:
        """A new initializer with the same configuration."""
        return self.__class__.from_config(self.get_config())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
