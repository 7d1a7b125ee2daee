"""Finding initializers by name (`get`) and converting them to and from Keras records."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core import registry
from lamina.initializers.constant_initializers import Constant, Identity, Ones, Zeros
from lamina.initializers.initializer import Initializer, resolve_dtype, standardize_shape
from lamina.initializers.random_initializers import (
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
)
from lamina.initializers.stft_initializer import STFT
from lamina.initializers.variance_scaling import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    VarianceScaling,
)

_CLASSES = (
    Initializer,
    Constant,
    Identity,
    Ones,
    STFT,
    Zeros,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
)


def snake_case(name: str) -> str:
    """`GlorotUniform` -> `glorot_uniform`, `STFT` -> `stft` (Keras's rule).

    Args:
        name: a CamelCase class name.

    Returns:
        The snake_case form.

    Example:
        >>> from lamina.initializers.lookup import snake_case
        >>> snake_case("GlorotUniform"), snake_case("STFT")
        ('glorot_uniform', 'stft')
    """
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


@functools.cache  # the names never change after import
def initializer_objects() -> dict[str, type]:
    """Every initializer class by class name, snake_case name and Keras alias.

    Returns:
        A dict from name to class (cached: the same dict on every call).

    Example:
        >>> from lamina.initializers.lookup import initializer_objects
        >>> initializer_objects()["he_normal"].__name__
        'HeNormal'
    """
    table: dict[str, type] = {cls.__name__: cls for cls in _CLASSES}
    table.update({snake_case(cls.__name__): cls for cls in _CLASSES})
    table.update(
        {
            "IdentityInitializer": Identity,
            "OrthogonalInitializer": Orthogonal,
            "STFTInitializer": STFT,
            "normal": RandomNormal,
            "uniform": RandomUniform,
            "one": Ones,
            "zero": Zeros,
        }
    )
    return table


def serialize(initializer: Initializer | Callable | None) -> dict | str | None:
    """The Keras record `{"module": "keras.initializers", "class_name", "config", ...}`.

    Args:
        initializer: None, an `Initializer`, or a registered callable.

    Returns:
        None, or the serialized record (a dict).

    Example:
        >>> import lamina as keras
        >>> record = keras.initializers.serialize(keras.initializers.Constant(2.0))
        >>> record["class_name"], record["config"]
        ('Constant', {'value': 2.0})
    """
    return registry.serialize(initializer, "keras.initializers")


def deserialize(
    config: Mapping | str, custom_objects: Mapping[str, Any] | None = None
) -> Initializer | Callable:
    """Builds an initializer from a serialized record (or a name).

    Args:
        config: a record made by `serialize`, or an initializer name.
        custom_objects: optional dict of extra names to classes or functions.

    Returns:
        The initializer.

    Example:
        >>> import lamina as keras
        >>> type(keras.initializers.deserialize("ones")).__name__
        'Ones'
    """
    with registry.custom_object_scope(custom_objects):
        if isinstance(config, Mapping):
            return registry.deserialize(config, kind="initializer", objects=initializer_objects())
        return registry.resolve(config, kind="initializer", objects=initializer_objects())


def _from_array(value) -> Callable:
    def initialize(shape: Sequence[int], dtype: Any = None) -> jax.Array:
        if standardize_shape(shape) != tuple(value.shape):
            raise ValueError(
                f"This initializer was given an array of shape {tuple(value.shape)} and can "
                f"only fill that shape, received shape={tuple(shape)}."
            )
        return jnp.asarray(value, dtype=resolve_dtype(dtype))

    return initialize


def get(identifier: Any) -> Initializer | Callable | None:
    """Resolves an initializer identifier.

    Args:
        identifier: None (returned as None), a name such as `'glorot_uniform'` or
            `'GlorotUniform'` (instantiated with defaults), a serialized record, a class
            (instantiated), a callable `(shape, dtype=None) -> array`, or an array (whose
            values are used as is, for that shape only).

    Raises:
        ValueError: for unknown names (with a suggestion) or identifiers of the wrong type.

    Returns:
        The initializer (or callable), or None.

    Example:
        >>> import lamina as keras
        >>> keras.initializers.get("glorot_uniform").get_config()
        {'seed': None, 'input_axes': None, 'output_axes': None}
    """
    if isinstance(identifier, (np.ndarray, np.generic, jax.Array)):
        return _from_array(identifier)
    return registry.resolve(identifier, kind="initializer", objects=initializer_objects())
