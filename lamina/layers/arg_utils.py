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
    """Lower-cases and checks a padding mode: 'valid', 'same' (and 'causal' where allowed)."""
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(
            f"{owner}: `padding` must be one of {allowed}, received padding={value!r}."
        )
    return padding


def standardize_data_format(value, owner: str) -> str:
    """Resolves None to `keras.config.image_data_format()` and checks the value."""
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
    """Checks that `value` is a strictly positive integer."""
    if value is None and allow_none:
        return None
    if not _is_int(value) or value <= 0:
        raise ValueError(
            f"{owner}: `{name}` must be a strictly positive integer, received {name}={value!r}."
        )
    return int(value)


def channel_axis(data_format: str) -> int:
    return -1 if data_format == "channels_last" else 1


def check_build_shape(layer, input_shape) -> None:
    """Checks `input_shape` against the layer's `input_spec` before `build` uses it, so a wrong
    rank gives the usual input-spec error (layer name, expected rank, shape received)."""
    check_input_spec(layer.name, layer.input_spec, types.SimpleNamespace(shape=tuple(input_shape)))
