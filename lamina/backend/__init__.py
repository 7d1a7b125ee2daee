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
    """Resets the global state lamina keeps, as Keras does.

    Automatic names start again (`dense`, `dense_1`, ...), and the global dtype policy and the
    distribution go back to their defaults.

    Args:
        free_memory: whether to also run Python's garbage collector.

    Returns:
        None.

    Example:
    >>> import lamina
    >>> lamina.backend.clear_session()
    >>> lamina.layers.Dense(2).name
    'dense'
    >>> lamina.layers.Dense(2).name
    'dense_1'
    """
    from lamina.core import naming
    from lamina.core.dtype_policy import set_dtype_policy
    from lamina.distribution import set_distribution

    naming.reset_names()
    set_dtype_policy(None)
    set_distribution(None)
    if free_memory:
        gc.collect()


def get_uid(prefix: str = "") -> int:
    """The next number for a name prefix: 1 the first time, then 2, 3, ... (the same
    counter as automatic layer names).

    Args:
        prefix: the name prefix.

    Returns:
        An int.

    Example:
    >>> import lamina
    >>> lamina.backend.get_uid("doc_block"), lamina.backend.get_uid("doc_block")
    (1, 2)
    """
    from lamina.core import naming

    return naming.next_uid(prefix)


def is_float_dtype(dtype) -> bool:
    """Whether `dtype` is a floating-point type (bfloat16 included).

    Args:
        dtype: a dtype name or object.

    Returns:
        A bool.

    Example:
    >>> import lamina
    >>> lamina.backend.is_float_dtype("bfloat16"), lamina.backend.is_float_dtype("int32")
    (True, False)
    """
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype) -> bool:
    """Whether `dtype` is a signed or unsigned integer type.

    Args:
        dtype: a dtype name or object.

    Returns:
        A bool.

    Example:
    >>> import lamina
    >>> lamina.backend.is_int_dtype("uint8"), lamina.backend.is_int_dtype("float32")
    (True, False)
    """
    return standardize_dtype(dtype).startswith(("int", "uint"))


def is_keras_tensor(x) -> bool:
    """Whether `x` is a symbolic tensor (from `keras.Input`, or a layer called on
    one).

    Args:
        x: any value.

    Returns:
        A bool.

    Example:
    >>> import numpy as np
    >>> import lamina
    >>> lamina.backend.is_keras_tensor(lamina.Input((3,)))
    True
    >>> lamina.backend.is_keras_tensor(np.ones(3))
    False
    """
    from lamina.core.symbolic import KerasTensor

    return isinstance(x, KerasTensor)


def result_type(*dtypes) -> str:
    """The dtype that values of the given dtypes combine to, by JAX's type promotion
    rules.

    Args:
        *dtypes: dtype names or objects; none at all gives `keras.config.floatx()`.

    Returns:
        A dtype name.

    Example:
    >>> import lamina
    >>> lamina.backend.result_type("int32", "float16"), lamina.backend.result_type("uint8", "int8")
    ('float16', 'int16')
    """
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
