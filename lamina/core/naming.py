"""Automatic, unique object names (`dense`, `dense_1`, ...), per process, like Keras."""

from __future__ import annotations

import contextvars
import re

_COUNTERS: contextvars.ContextVar[dict] = contextvars.ContextVar("lamina_name_counters")


def to_snake_case(name: str) -> str:
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _counters() -> dict:
    try:
        return _COUNTERS.get()
    except LookupError:
        counters: dict = {}
        _COUNTERS.set(counters)
        return counters


def uniquify(base: str) -> str:
    """Returns `base` the first time, then `base_1`, `base_2`, ..."""
    counters = _counters()
    count = counters.get(base, 0)
    counters[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def auto_name(class_name: str) -> str:
    return uniquify(to_snake_case(class_name))


def reset_names() -> None:
    """Forgets every name given so far (part of `clear_session`)."""
    _COUNTERS.set({})
