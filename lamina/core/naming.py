"""Automatic, unique object names (`dense`, `dense_1`, ...), per process, like Keras."""

from __future__ import annotations

import re
import threading

# One set of counters for the whole process (threads building layers at once still get distinct
# names), guarded by a lock.
_COUNTERS: dict[str, int] = {}
_LOCK = threading.Lock()


def to_snake_case(name: str) -> str:
    """Keras's snake-case conversion of a class name, the base of automatic layer names:
    `BatchNormalization` -> `batch_normalization`.

    Args:
        name: a class name.

    Returns:
        The snake-case name.

    Example:
        >>> from lamina.core.naming import to_snake_case
        >>> to_snake_case("BatchNormalization"), to_snake_case("Conv2D")
        ('batch_normalization', 'conv2d')
    """
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(base: str) -> str:
    """A process-wide unique name: `base` the first time, then `base_1`, `base_2`, ...

    Args:
        base: the name wanted.

    Returns:
        The unique name.

    Example:
        >>> from lamina.core.naming import uniquify
        >>> uniquify("doc_example"), uniquify("doc_example")
        ('doc_example', 'doc_example_1')
    """
    with _LOCK:
        count = _COUNTERS.get(base, 0)
        _COUNTERS[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def next_uid(prefix: str) -> int:
    """Advances the counter of `prefix` and returns its new value (1 the first time), as
    `keras.backend.get_uid` does.

    Args:
        prefix: the counter's name.

    Returns:
        An int.

    Example:
        >>> from lamina.core.naming import next_uid
        >>> next_uid("doc_uid"), next_uid("doc_uid")
        (1, 2)
    """
    with _LOCK:
        _COUNTERS[prefix] = _COUNTERS.get(prefix, 0) + 1
        return _COUNTERS[prefix]


def auto_name(class_name: str) -> str:
    """The automatic name of a new object of class `class_name`: its snake-case name, made
    unique (`dense`, `dense_1`, ...).

    Args:
        class_name: the object's class name.

    Returns:
        The name.

    Example:
        >>> from lamina.core.naming import auto_name
        >>> auto_name("DocExampleLayer"), auto_name("DocExampleLayer")
        ('doc_example_layer', 'doc_example_layer_1')
    """
    return uniquify(to_snake_case(class_name))


def reset_names() -> None:
    """Forgets every name given so far, so automatic names start again from `dense` (part of
    `keras.backend.clear_session`).

    Args:
        None.

    Example:
        >>> from lamina.core.naming import auto_name, reset_names
        >>> _ = auto_name("DocReset")
        >>> reset_names()
        >>> auto_name("DocReset")
        'doc_reset'
    """
    with _LOCK:
        _COUNTERS.clear()
