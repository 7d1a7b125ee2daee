"""The `Initializer` base class: a configured callable `(shape, dtype) -> array`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax

from lamina.core.variable import standardize_dtype


def standardize_shape(shape: Sequence[int] | int) -> tuple[int, ...]:
    """The shape as a tuple of Python ints (an int gives a 1-D shape)."""
    if isinstance(shape, int):
        return (shape,)
    try:
        return tuple(int(d) for d in shape)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"An initializer needs a fully known shape of ints, received shape={shape!r}."
        ) from e


def resolve_dtype(dtype: Any) -> str:
    """The dtype name to build with: `dtype`, or `floatx()` when it is None."""
    return standardize_dtype(dtype)


class Initializer:
    """Base class of initializers.

    Subclasses implement `__call__(shape, dtype=None)` returning an array of that shape and
    dtype (None meaning `keras.config.floatx()`), and `get_config()` when they take arguments.
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
