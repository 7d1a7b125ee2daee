"""Argument checks shared by the spatial layers (conv, pooling, padding, up-sampling).

Each helper returns the normalized value or raises a `ValueError` that names the layer, the
argument and the value received.
"""

from __future__ import annotations

import numbers
import types

from lamina.core.config import image_data_format
from lamina.core.input_spec import check_input_spec
from lamina.ops.conv_ops import spatial_axes as spatial_axes


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def standardize_tuple(
    value, n: int, name: str, owner: str, allow_zero: bool = False
) -> tuple[int, ...]:
    """Turns an int or a sequence of `n` ints into a tuple of `n` ints.

    Entries must be positive (or non-negative with `allow_zero=True`).

    Args:
        value: an int, or a sequence of `n` ints.
        n: the number of entries wanted.
        name: the argument's name, for the message.
        owner: the layer's class name, for the message.
        allow_zero: accept 0 entries.

    Returns:
        A tuple of `n` ints.

    Raises:
        ValueError: a wrong type, length or value (naming the layer and the argument).

    Example:
        >>> from lamina.layers.arg_utils import standardize_tuple
        >>> standardize_tuple(3, 2, "kernel_size", "Conv2D")
        (3, 3)
        >>> standardize_tuple([1, 2], 2, "strides", "Conv2D")
        (1, 2)
    """
    need = ">= 0" if allow_zero else "> 0"
    message = (
        f"{owner}: `{name}` must be an integer or a tuple of {n} integers, each {need}; "
        f"received {name}={value!r}."
    )
    if _is_int(value):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(message) from None
        if len(values) != n or not all(_is_int(v) for v in values):
            raise ValueError(message)
        values = tuple(int(v) for v in values)
    if any(v < 0 or (v == 0 and not allow_zero) for v in values):
        raise ValueError(message)
    return values


def standardize_padding(value, owner: str, allow_causal: bool = False) -> str:
    """Lower-cases and checks a padding mode: 'valid', 'same' (and 'causal' where allowed).

    Args:
        value: the padding mode given.
        owner: the layer's class name, for the message.
        allow_causal: accept `"causal"` (1D convolutions).

    Returns:
        The mode in lower case.

    Raises:
        ValueError: an unknown mode.

    Example:
        >>> from lamina.layers.arg_utils import standardize_padding
        >>> standardize_padding("SAME", "Conv2D")
        'same'
    """
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(
            f"{owner}: `padding` must be one of {allowed}, received padding={value!r}."
        )
    return padding


def standardize_data_format(value, owner: str) -> str:
    """Resolves None to `keras.config.image_data_format()` and checks the value.

    Args:
        value: `"channels_last"`, `"channels_first"` or None.
        owner: the layer's class name, for the message.

    Returns:
        The data format.

    Raises:
        ValueError: any other value.

    Example:
        >>> from lamina.layers.arg_utils import standardize_data_format
        >>> standardize_data_format("Channels_First", "Conv2D")
        'channels_first'
    """
    if value is None:
        return image_data_format()
    data_format = str(value).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{owner}: `data_format` must be 'channels_last' or 'channels_first', received "
            f"data_format={value!r}."
        )
    return data_format


def positive_int(value, name: str, owner: str, allow_none: bool = False) -> int | None:
    """Checks that `value` is a strictly positive integer.

    Args:
        value: the value given.
        name: the argument's name, for the message.
        owner: the layer's class name, for the message.
        allow_none: accept None.

    Returns:
        The int (or None).

    Raises:
        ValueError: not a strictly positive integer.

    Example:
        >>> from lamina.layers.arg_utils import positive_int
        >>> positive_int(4, "units", "Dense")
        4
        >>> positive_int(0, "units", "Dense")
        Traceback (most recent call last):
        ...
        ValueError: Dense: `units` must be a strictly positive integer, received units=0.
    """
    if value is None and allow_none:
        return None
    if not _is_int(value) or value <= 0:
        raise ValueError(
            f"{owner}: `{name}` must be a strictly positive integer, received {name}={value!r}."
        )
    return int(value)


def channel_axis(data_format: str) -> int:
    """The index of the channels' axis for a data format: -1 for channels last, 1 for channels
    first.

    Args:
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        An int.

    Example:
        >>> from lamina.layers.arg_utils import channel_axis
        >>> channel_axis("channels_last"), channel_axis("channels_first")
        (-1, 1)
    """
    return -1 if data_format == "channels_last" else 1


def check_build_shape(layer, input_shape) -> None:
    """Checks `input_shape` against the layer's `input_spec` before `build` uses it, so a wrong
    rank gives the usual input-spec error (layer name, expected rank, shape received).

    Args:
        layer: the layer being built (its `input_spec` is checked).
        input_shape: the shape given to `build`.

    Raises:
        ValueError: the shape does not match the layer's `input_spec`.

    Example:
        >>> import lamina as keras
        >>> from lamina.layers.arg_utils import check_build_shape
        >>> layer = keras.layers.Conv2D(2, 3)
        >>> check_build_shape(layer, (None, 8, 8, 3))  # fine: rank 4
    """
    check_input_spec(layer.name, layer.input_spec, types.SimpleNamespace(shape=tuple(input_shape)))
