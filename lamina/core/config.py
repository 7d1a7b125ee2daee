"""Global settings with Keras's names: floatx, epsilon, image data format."""

from __future__ import annotations

import contextvars

_DEFAULTS = (("floatx", "float32"), ("epsilon", 1e-7), ("image_data_format", "channels_last"))
_SETTINGS: contextvars.ContextVar[tuple] = contextvars.ContextVar(
    "lamina_settings", default=_DEFAULTS
)


def _get(key):
    return dict(_SETTINGS.get())[key]


def _set(key, value):
    settings = dict(_SETTINGS.get())
    settings[key] = value
    _SETTINGS.set(tuple(settings.items()))


def floatx() -> str:
    """The default float dtype, `'float32'` unless changed with `set_floatx`."""
    return _get("floatx")


def set_floatx(value: str) -> None:
    """Sets the default float dtype (`'float16'`, `'bfloat16'`, `'float32'` or `'float64'`)."""
    allowed = ("float16", "bfloat16", "float32", "float64")
    if value not in allowed:
        raise ValueError(f"set_floatx: expected one of {allowed}, received {value!r}.")
    _set("floatx", value)


def epsilon() -> float:
    """The fuzz factor used in numeric expressions (default 1e-7)."""
    return _get("epsilon")


def set_epsilon(value: float) -> None:
    """Sets the small constant that guards numeric expressions against division by zero."""
    _set("epsilon", float(value))


def image_data_format() -> str:
    """`'channels_last'` (default) or `'channels_first'`."""
    return _get("image_data_format")


def set_image_data_format(value: str) -> None:
    """Sets the default image layout: `'channels_last'` or `'channels_first'`."""
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            "set_image_data_format: expected 'channels_last' or 'channels_first', "
            f"received {value!r}."
        )
    _set("image_data_format", value)


def backend() -> str:
    """lamina always runs on JAX."""
    return "jax"


# Safe mode for deserialization: None (unset, treated as safe), True or False. Its own context
# variable, so a `SafeModeScope` can set it for one load without touching the other settings.
_SAFE_MODE: contextvars.ContextVar[bool | None] = contextvars.ContextVar(
    "lamina_safe_mode", default=None
)


def enable_unsafe_deserialization() -> None:
    """Turns safe mode off, so that loading may rebuild Python lambdas stored in a config.

    Only do this for files you trust: rebuilding a lambda executes bytecode read from the file.
    """
    _SAFE_MODE.set(False)


def in_safe_mode() -> bool | None:
    """The current safe-mode setting: None when unset (loaders then treat it as safe)."""
    return _SAFE_MODE.get()


class SafeModeScope:
    """Sets safe mode (True/False) inside a `with` block; `None` keeps the outer setting."""

    def __init__(self, safe_mode: bool | None = True):
        self.safe_mode = safe_mode
        self._token = None

    def __enter__(self) -> SafeModeScope:
        value = _SAFE_MODE.get() if self.safe_mode is None else bool(self.safe_mode)
        self._token = _SAFE_MODE.set(value)
        return self

    def __exit__(self, *exc) -> None:
        _SAFE_MODE.reset(self._token)
