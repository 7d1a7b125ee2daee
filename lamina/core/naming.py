"""Automatic, unique object names (`dense`, `dense_1`, ...), per process, like Keras."""

from __future__ import annotations

import re
import threading

# One set of counters for the whole process (threads building layers at once still get distinct
# names), guarded by a lock.
_COUNTERS: dict[str, int] = {}
_LOCK = threading.Lock()


def to_snake_case(name: str) -> str:
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(base: str) -> str:
    """Returns `base` the first time, then `base_1`, `base_2`, ..."""
    with _LOCK:
        count = _COUNTERS.get(base, 0)
        _COUNTERS[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def next_uid(prefix: str) -> int:
    """Advances the counter of `prefix` and returns its new value (1 the first time)."""
    with _LOCK:
        _COUNTERS[prefix] = _COUNTERS.get(prefix, 0) + 1
        return _COUNTERS[prefix]


def auto_name(class_name: str) -> str:
    return uniquify(to_snake_case(class_name))


def reset_names() -> None:
    """Forgets every name given so far (part of `clear_session`)."""
    with _LOCK:
        _COUNTERS.clear()
