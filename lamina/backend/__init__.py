"""`keras.backend`: the global settings (float type, epsilon, image layout), `clear_session`,
unique names, and dtype helpers. lamina's backend is always JAX."""

from __future__ import annotations

import gc

import jax.numpy as jnp

from lamina.core.config import backend as backend
from lamina.core.config import epsilon as epsilon
from lamina.core.config import floatx as floatx
from lamina.core.config import image_data_format as image_data_format
from lamina.core.config import set_epsilon as set_epsilon
from lamina.core.config import set_floatx as set_floatx
from lamina.core.config import set_image_data_format as set_image_data_format
from lamina.core.variable import standardize_dtype as standardize_dtype


def clear_session(free_memory: bool = True) -> None:
    """Resets the global state lamina keeps, as Keras does: automatic names start again
    (`dense`, `dense_1`, ...), and the global dtype policy and the distribution go back to
    their defaults. With `free_memory`, Python's garbage collector runs too."""
    from lamina.core import naming
    from lamina.core.dtype_policy import set_dtype_policy
    from lamina.distribution import set_distribution

    naming.reset_names()
    set_dtype_policy(None)
    set_distribution(None)
    if free_memory:
        gc.collect()


def get_uid(prefix: str = "") -> int:
    """The next number for `prefix`: 1 the first time, then 2, 3, ... (shared with automatic
    layer names)."""
    from lamina.core import naming

    return naming.next_uid(prefix)


def is_float_dtype(dtype) -> bool:
    """Whether `dtype` is a floating-point type."""
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype) -> bool:
    """Whether `dtype` is a (signed or unsigned) integer type."""
    return standardize_dtype(dtype).startswith(("int", "uint"))


def is_keras_tensor(x) -> bool:
    """Whether `x` is a symbolic tensor (from `keras.Input` or a layer called on one)."""
    from lamina.core.symbolic import KerasTensor

    return isinstance(x, KerasTensor)


def result_type(*dtypes) -> str:
    """The dtype that values of `dtypes` combine to (JAX's promotion rules)."""
    if not dtypes:
        return floatx()
    return standardize_dtype(jnp.result_type(*dtypes))


__all__ = [
    "backend",
    "clear_session",
    "epsilon",
    "floatx",
    "get_uid",
    "image_data_format",
    "is_float_dtype",
    "is_int_dtype",
    "is_keras_tensor",
    "result_type",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "standardize_dtype",
]
