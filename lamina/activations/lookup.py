"""Finding activations by name and turning them back into names (`get`, `serialize`, ...)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from lamina.activations import activations as fns
from lamina.core import registry

_PUBLIC_FUNCTIONS = (
    fns.celu,
    fns.elu,
    fns.exponential,
    fns.gelu,
    fns.glu,
    fns.hard_shrink,
    fns.hard_sigmoid,
    fns.hard_silu,
    fns.hard_tanh,
    fns.leaky_relu,
    fns.linear,
    fns.log_sigmoid,
    fns.log_softmax,
    fns.mish,
    fns.relu,
    fns.relu6,
    fns.selu,
    fns.sigmoid,
    fns.silu,
    fns.soft_shrink,
    fns.softmax,
    fns.softplus,
    fns.softsign,
    fns.sparse_plus,
    fns.sparse_sigmoid,
    fns.sparsemax,
    fns.squareplus,
    fns.tanh,
    fns.tanh_shrink,
    fns.threshold,
)


@functools.cache  # the names never change after import
def activation_objects() -> dict[str, Callable]:
    """Every built-in activation by name, aliases (`swish`, `hard_swish`) included.

    Returns:
        A dict from name to function (cached: the same dict on every call).

    Example:
        >>> from lamina.activations.lookup import activation_objects
        >>> activation_objects()["swish"].__name__
        'silu'
    """
    table = {fn.__name__: fn for fn in _PUBLIC_FUNCTIONS}
    table["swish"] = fns.silu
    table["hard_swish"] = fns.hard_silu
    return table


def _canonical_name(fn) -> str | None:
    for candidate in _PUBLIC_FUNCTIONS:
        if fn is candidate:
            return candidate.__name__
    return None


def _keras_module(obj) -> str:
    parts = type(obj).__module__.split(".")
    if parts[0] == "lamina" and len(parts) > 1:
        return f"keras.{parts[1]}"
    return "keras.activations"


def serialize(activation: Callable | None) -> str | dict | None:
    """Returns the Keras form of an activation.

    Built-in functions give their Keras name (`swish` gives `'silu'`, as in Keras); registered
    or plain named functions give a `class_name: "function"` record; objects with `get_config`
    give their class record.

    Args:
        activation: None, a built-in activation, a named function, or an object with
            `get_config()`.

    Returns:
        None, a name, or a serialized record (a dict).

    Raises:
        ValueError: for anonymous functions (lambdas), which cannot be saved by name.

    Example:
        >>> import lamina as keras
        >>> keras.activations.serialize(keras.activations.swish)
        'silu'
    """
    if activation is None:
        return None
    name = _canonical_name(activation)
    if name is not None:
        return name
    if inspect.isfunction(activation):
        registered = getattr(activation, "_lamina_registered_name", None)
        if registered is None and activation.__name__ == "<lambda>":
            raise ValueError(
                f"Cannot serialize the anonymous activation {activation!r}. Define it with "
                "`def` and decorate it with `@keras.saving.register_keras_serializable()`, or "
                "use a built-in activation name."
            )
        return {
            "module": activation.__module__,
            "class_name": "function",
            "config": registered or activation.__name__,
            "registered_name": "function",
        }
    if hasattr(activation, "get_config"):
        return registry.serialize(activation, _keras_module(activation))
    raise ValueError(
        f"Cannot serialize the activation {activation!r}: it is neither a function nor an "
        "object with `get_config()`."
    )


def deserialize(config: str | Mapping, custom_objects: Mapping[str, Any] | None = None) -> Callable:
    """Returns the activation named by `config` (a name or a serialized record).

    Args:
        config: an activation name such as `'relu'`, or a record made by `serialize`.
        custom_objects: optional dict of extra names to functions or classes.

    Returns:
        The activation function (or object).

    Example:
        >>> import lamina as keras
        >>> keras.activations.deserialize("gelu").__name__
        'gelu'
    """
    with registry.custom_object_scope(custom_objects):
        if isinstance(config, Mapping):
            return registry.deserialize(config, kind="activation", objects=activation_objects())
        return registry.resolve(config, kind="activation", objects=activation_objects())


def get(identifier: str | Mapping | Callable | None) -> Callable:
    """Resolves an activation identifier.

    Args:
        identifier: None (gives `linear`), a name such as `'relu'`, a serialized record, or a
            callable (returned unchanged).

    Raises:
        ValueError: for unknown names (with a suggestion) or identifiers of the wrong type.

    Returns:
        The activation function.

    Example:
        >>> import lamina as keras
        >>> keras.activations.get("relu") is keras.activations.relu
        True
        >>> keras.activations.get(None).__name__
        'linear'
    """
    if identifier is None:
        return fns.linear
    found = registry.resolve(identifier, kind="activation", objects=activation_objects())
    if not callable(found):
        raise ValueError(
            f"Could not interpret activation identifier {identifier!r}: it resolved to "
            f"{found!r}, which is not callable."
        )
    return found
