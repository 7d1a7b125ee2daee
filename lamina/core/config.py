"""Global settings with Keras's names: floatx, epsilon, image data format.

The settings are process-wide, as in Keras: a value set in one thread is seen by every other
thread (a web server's worker pool, a data-loading thread). Only scopes (`SafeModeScope`, and
elsewhere the state, name and custom-object scopes) are per thread or task.
"""

from __future__ import annotations

import contextvars
import os
import threading
import warnings

_DEFAULTS = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}
_SETTINGS: dict = dict(_DEFAULTS)
_LOCK = threading.Lock()


def _get(key):
    return _SETTINGS[key]


def _set(key, value):
    with _LOCK:
        _SETTINGS[key] = value


def floatx() -> str:
    """The default float dtype, used when a layer, weight or op is given no dtype.

    Args:
        None.

    Returns:
        A dtype name, `"float32"` unless changed with `set_floatx`.

    Example:
    >>> import lamina
    >>> lamina.config.floatx()
    'float32'
    """
    return _get("floatx")


def set_floatx(value: str) -> None:
    """Sets the default float dtype.

    Args:
        value: `"float16"`, `"bfloat16"`, `"float32"` or `"float64"`.

    Returns:
        None; raises `ValueError` for any other value.

    Example:
    >>> from lamina import ops
    >>> import lamina
    >>> lamina.config.set_floatx("float16")
    >>> lamina.ops.ones(2).dtype
    dtype('float16')
    >>> lamina.config.set_floatx("float32")
    """
    allowed = ("float16", "bfloat16", "float32", "float64")
    if value not in allowed:
        raise ValueError(f"set_floatx: expected one of {allowed}, received {value!r}.")
    _set("floatx", value)


def epsilon() -> float:
    """The small constant ("fuzz factor") that numeric expressions add to avoid dividing
    by zero or taking the log of zero.

    Args:
        None.

    Returns:
        A float, 1e-7 unless changed with `set_epsilon`.

    Example:
    >>> import lamina
    >>> lamina.config.epsilon()
    1e-07
    """
    return _get("epsilon")


def set_epsilon(value: float) -> None:
    """Sets the small constant that guards numeric expressions against division by
    zero (see `epsilon`).

    Args:
        value: the new constant.

    Returns:
        None.

    Example:
    >>> import lamina
    >>> lamina.config.set_epsilon(1e-5)
    >>> lamina.config.epsilon()
    1e-05
    >>> lamina.config.set_epsilon(1e-7)
    """
    _set("epsilon", float(value))


def image_data_format() -> str:
    """The default layout of image tensors for convolution, pooling and image
    layers and ops.

    Args:
        None.

    Returns:
        `"channels_last"` (`(batch, height, width, channels)`, the default) or `"channels_first"`.

    Example:
    >>> import lamina
    >>> lamina.config.image_data_format()
    'channels_last'
    """
    return _get("image_data_format")


def set_image_data_format(value: str) -> None:
    """Sets the default layout of image tensors (see `image_data_format`).

    Args:
        value: `"channels_last"` or `"channels_first"`.

    Returns:
        None; raises `ValueError` for any other value.

    Example:
    >>> import lamina
    >>> lamina.config.set_image_data_format("channels_first")
    >>> lamina.config.image_data_format()
    'channels_first'
    >>> lamina.config.set_image_data_format("channels_last")
    """
    if value not in ("channels_last", "channels_first"):
        raise ValueError(
            "set_image_data_format: expected 'channels_last' or 'channels_first', "
            f"received {value!r}."
        )
    _set("image_data_format", value)


def backend() -> str:
    """The name of the backend; lamina always runs on JAX.

    Args:
        None.

    Returns:
        The string `"jax"`.

    Example:
        >>> import lamina
        >>> lamina.config.backend()
        'jax'
    """
    return "jax"


# Safe mode for deserialization: None (unset, treated as safe), True or False. The process-wide
# value (`enable_unsafe_deserialization`) and, in a context variable, the value a `SafeModeScope`
# sets for one load in the current thread or task (`_NO_SCOPE` outside any scope).
_SAFE_MODE_GLOBAL: list[bool | None] = [None]
_NO_SCOPE = object()
_SAFE_MODE: contextvars.ContextVar = contextvars.ContextVar("lamina_safe_mode", default=_NO_SCOPE)


def enable_unsafe_deserialization() -> None:
    """Turns safe mode off, so that loading may rebuild Python lambdas stored in a config.

    Only do this for files you trust: rebuilding a lambda executes bytecode read from the file.

    Args:
        None.

    Example:
        >>> import lamina as keras
        >>> from lamina.core.config import SafeModeScope, in_safe_mode
        >>> keras.config.enable_unsafe_deserialization()
        >>> in_safe_mode()
        False
        >>> with SafeModeScope(True):  # a scope still overrides the process-wide switch
        ...     in_safe_mode()
        True
    """
    _SAFE_MODE_GLOBAL[0] = False


def in_safe_mode() -> bool | None:
    """The current safe-mode setting: None when unset (loaders then treat it as safe).

    A `SafeModeScope` in the current thread or task wins over the process-wide value set by
    `enable_unsafe_deserialization`.

    Args:
        None.

    Returns:
        True, False or None.

    Example:
        >>> from lamina.core.config import SafeModeScope, in_safe_mode
        >>> with SafeModeScope(False):
        ...     in_safe_mode()
        False
    """
    scoped = _SAFE_MODE.get()
    return _SAFE_MODE_GLOBAL[0] if scoped is _NO_SCOPE else scoped


class SafeModeScope:
    """Sets safe mode inside a `with` block, for the current thread or task only.

    In safe mode, loading refuses to rebuild Python lambdas stored in a model's config (that would
    execute bytecode read from the file). `load_model(..., safe_mode=...)` uses this scope.

    Args:
        safe_mode: True (refuse lambdas), False (allow them), or None to keep the outer setting.

    Example:
        >>> from lamina.core.config import SafeModeScope, in_safe_mode
        >>> with SafeModeScope(False):
        ...     with SafeModeScope(None):
        ...         in_safe_mode()
        False
    """

    def __init__(self, safe_mode: bool | None = True):
        self.safe_mode = safe_mode
        self._token = None

    def __enter__(self) -> SafeModeScope:
        value = in_safe_mode() if self.safe_mode is None else bool(self.safe_mode)
        self._token = _SAFE_MODE.set(value)
        return self

    def __exit__(self, *exc) -> None:
        _SAFE_MODE.reset(self._token)


# Process-wide switches with Keras's names. Plain module globals (as in Keras), so that they hold in
# every thread; the debugging caps also read `KERAS_MAX_EPOCHS` / `KERAS_MAX_STEPS_PER_EPOCH`.
def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None


_FLAGS: dict = {
    "interactive_logging": True,
    "traceback_filtering": True,
    "flash_attention": None,
    "max_epochs": _env_int("KERAS_MAX_EPOCHS"),
    "max_steps_per_epoch": _env_int("KERAS_MAX_STEPS_PER_EPOCH"),
}


def enable_interactive_logging() -> None:
    """Sends progress bars and messages to stdout (the default).

    Args:
        None.

    Example:
        >>> import lamina as keras
        >>> keras.config.disable_interactive_logging()
        >>> keras.config.enable_interactive_logging()
        >>> keras.config.is_interactive_logging_enabled()
        True
    """
    _FLAGS["interactive_logging"] = True


def disable_interactive_logging() -> None:
    """Sends progress output to Python's `logging` (logger `"lamina"`, level INFO) instead of stdout,
    e.g. for batch jobs whose logs should not hold redrawn progress bars.

    Args:
        None.

    Example:
        >>> import lamina as keras
        >>> keras.config.disable_interactive_logging()
        >>> keras.config.is_interactive_logging_enabled()
        False
        >>> keras.config.enable_interactive_logging()
    """
    _FLAGS["interactive_logging"] = False


def is_interactive_logging_enabled() -> bool:
    """Whether progress output is written to stdout (True) or to Python's `logging` (False).

    Args:
        None.

    Returns:
        A bool.

    Example:
        >>> import lamina as keras
        >>> keras.config.is_interactive_logging_enabled()
        True
    """
    return _FLAGS["interactive_logging"]


def enable_traceback_filtering() -> None:
    """Sets the traceback-filtering flag. Kept for Keras compatibility: Keras hides its own frames
    from tracebacks when the flag is on, lamina shows every frame either way.

    Args:
        None.

    Example:
        >>> import lamina as keras
        >>> keras.config.enable_traceback_filtering()
        >>> keras.config.is_traceback_filtering_enabled()
        True
    """
    _FLAGS["traceback_filtering"] = True


def disable_traceback_filtering() -> None:
    """Clears the traceback-filtering flag (kept for Keras compatibility; lamina filters nothing).

    Args:
        None.

    Example:
        >>> import lamina as keras
        >>> keras.config.disable_traceback_filtering()
        >>> keras.config.is_traceback_filtering_enabled()
        False
        >>> keras.config.enable_traceback_filtering()
    """
    _FLAGS["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    """The traceback-filtering flag (True unless disabled; lamina filters nothing either way).

    Args:
        None.

    Returns:
        A bool.

    Example:
        >>> import lamina as keras
        >>> keras.config.is_traceback_filtering_enabled()
        True
    """
    return _FLAGS["traceback_filtering"]


def enable_flash_attention() -> None:
    """Sets the flash-attention flag to True. The flag is recorded for Keras compatibility only:
    lamina's attention layers choose their kernel without reading it.

    Args:
        None.

    Example:
        >>> import lamina as keras
        >>> keras.config.enable_flash_attention()
        >>> keras.config.is_flash_attention_enabled()
        True
    """
    _FLAGS["flash_attention"] = True


def disable_flash_attention() -> None:
    """Sets the flash-attention flag to False (a flag only, read by no lamina layer).

    Args:
        None.

    Example:
        >>> import lamina as keras
        >>> keras.config.disable_flash_attention()
        >>> keras.config.is_flash_attention_enabled()
        False
    """
    _FLAGS["flash_attention"] = False


def is_flash_attention_enabled() -> bool | None:
    """The flash-attention flag: None when never set (as in Keras), else True or False.

    Args:
        None.

    Returns:
        None, True or False.

    Example:
        >>> import lamina as keras
        >>> keras.config.enable_flash_attention()
        >>> keras.config.is_flash_attention_enabled()
        True
    """
    return _FLAGS["flash_attention"]


def max_epochs() -> int | None:
    """The cap on the number of epochs of every `fit` call, set by `set_max_epochs` or the
    `KERAS_MAX_EPOCHS` environment variable.

    Args:
        None.

    Returns:
        An int, or None when there is no cap.

    Example:
        >>> import lamina as keras
        >>> keras.config.max_epochs() is None
        True
    """
    return _FLAGS["max_epochs"]


def set_max_epochs(max_epochs: int | None) -> None:
    """Caps the number of epochs of every `fit` call (a debugging aid: a long script then runs
    through quickly); `fit` warns when it cuts the epochs.

    Args:
        max_epochs: the cap, or None to remove it.

    Example:
        >>> import warnings
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.config.set_max_epochs(2)
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     history = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=10, verbose=0)
        >>> len(history.epoch)
        2
        >>> keras.config.set_max_epochs(None)
    """
    _FLAGS["max_epochs"] = max_epochs


def max_steps_per_epoch() -> int | None:
    """The cap on the steps of each epoch of `fit`, set by `set_max_steps_per_epoch` or the
    `KERAS_MAX_STEPS_PER_EPOCH` environment variable.

    Args:
        None.

    Returns:
        An int, or None when there is no cap.

    Example:
        >>> import lamina as keras
        >>> keras.config.max_steps_per_epoch() is None
        True
    """
    return _FLAGS["max_steps_per_epoch"]


def set_max_steps_per_epoch(max_steps_per_epoch: int | None) -> None:
    """Caps the number of steps of each epoch of every `fit` call (a debugging aid); `fit` warns
    when it cuts the steps.

    Args:
        max_steps_per_epoch: the cap, or None to remove it.

    Example:
        >>> import lamina as keras
        >>> keras.config.set_max_steps_per_epoch(3)
        >>> keras.config.max_steps_per_epoch()
        3
        >>> keras.config.set_max_steps_per_epoch(None)
    """
    _FLAGS["max_steps_per_epoch"] = max_steps_per_epoch


def cap_epochs(epochs: int) -> int:
    """`epochs`, limited by `max_epochs()`; warns (as Keras does) when it lowers the number.

    Args:
        epochs: the epochs asked for.

    Returns:
        The epochs to run.

    Example:
        >>> from lamina.core.config import cap_epochs
        >>> cap_epochs(5)  # no cap set
        5
    """
    cap = max_epochs()
    if cap and cap < epochs:
        warnings.warn(f"Limiting epochs to {cap}", stacklevel=3)
        return cap
    return epochs


def cap_steps(steps: int | None) -> int | None:
    """`steps` per epoch, limited by `max_steps_per_epoch()`; warns when it lowers the number.

    Args:
        steps: the steps asked for, or None when unknown.

    Returns:
        The steps to run (the cap when `steps` is None and a cap is set).

    Example:
        >>> from lamina.core.config import cap_steps
        >>> cap_steps(7), cap_steps(None)
        (7, None)
    """
    cap = max_steps_per_epoch()
    if cap and (not steps or cap < steps):
        warnings.warn(f"Limiting steps_per_epoch to {cap}", stacklevel=3)
        return cap
    return steps


def set_backend(backend: str) -> None:
    """Selects the backend. lamina only runs on JAX: `set_backend("jax")` does nothing and any
    other name is an error.

    Args:
        backend: the backend name.

    Raises:
        ValueError: `backend` is not `"jax"`.

    Example:
        >>> import lamina as keras
        >>> keras.config.set_backend("jax")
        >>> keras.config.set_backend("torch")
        Traceback (most recent call last):
        ...
        ValueError: set_backend('torch'): lamina runs only on JAX; ...
    """
    if backend != "jax":
        raise ValueError(
            f"set_backend({backend!r}): lamina runs only on JAX; the only accepted backend is "
            "'jax'. Use Keras itself for the TensorFlow, PyTorch or OpenVINO backends."
        )


def is_nnx_enabled() -> bool:
    """Whether Flax NNX is used for layers; always False, as lamina does not use Flax NNX.

    Args:
        None.

    Returns:
        False.

    Example:
        >>> import lamina as keras
        >>> keras.config.is_nnx_enabled()
        False
    """
    return False
