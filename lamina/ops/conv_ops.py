"""Convolution maths on `jax.lax`, with Keras's kernel layouts and padding rules.

Kernels are laid out as Keras stores them: `(*kernel_size, in_channels // groups, filters)` for a
convolution, `(*kernel_size, filters, in_channels)` for a transposed one and
`(*kernel_size, in_channels, depth_multiplier)` for a depthwise one.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def spatial_axes(rank: int, data_format: str) -> tuple[int, ...]:
    """The indices of the spatial axes of a `rank`-D input (batch and channels excluded).

    Args:
        rank: the number of spatial axes.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        A tuple of axis indices.

    Example:
        >>> from lamina.ops.conv_ops import spatial_axes
        >>> spatial_axes(2, "channels_last"), spatial_axes(2, "channels_first")
        ((1, 2), (2, 3))
    """
    start = 1 if data_format == "channels_last" else 2
    return tuple(range(start, start + rank))


def dimension_numbers(rank: int, data_format: str) -> jax.lax.ConvDimensionNumbers:
    """Maps Keras's layouts to lax: inputs `N...C` or `NC...`, kernels `...IO`."""
    spatial = spatial_axes(rank, data_format)
    channels = rank + 1 if data_format == "channels_last" else 1
    io_spec = (0, channels) + spatial
    kernel_spec = (rank + 1, rank) + tuple(range(rank))
    return jax.lax.ConvDimensionNumbers(lhs_spec=io_spec, rhs_spec=kernel_spec, out_spec=io_spec)


def conv(x, kernel, strides, padding: str, dilation_rate, data_format: str):
    """An N-D convolution; grouped when the input has a multiple of the kernel's in-channels."""
    rank = kernel.ndim - 2
    channels = x.shape[-1] if data_format == "channels_last" else x.shape[1]
    groups = channels // kernel.shape[-2]
    return jax.lax.conv_general_dilated(
        x,
        kernel.astype(x.dtype),
        window_strides=tuple(strides),
        padding=padding.upper(),
        rhs_dilation=tuple(dilation_rate),
        dimension_numbers=dimension_numbers(rank, data_format),
        feature_group_count=groups,
    )


def depthwise_conv(x, kernel, strides, padding: str, dilation_rate, data_format: str):
    """Convolves each input channel with its own `depth_multiplier` filters.

    Output channel `c * depth_multiplier + m` comes from input channel `c` and filter `m`.
    """
    channels, multiplier = kernel.shape[-2], kernel.shape[-1]
    flat = jnp.reshape(kernel, kernel.shape[:-2] + (1, channels * multiplier))
    return conv(x, flat, strides, padding, dilation_rate, data_format)


def transpose_pads(
    kernel_size: int, stride: int, dilation: int, padding: str, output_padding: int | None
) -> tuple[int, int]:
    """The (low, high) padding of the dilated input that gives Keras's transposed-conv output.

    'valid' gives `(n - 1) * s + max(k, s)` (or `+ k + output_padding`), 'same' gives `n * s`
    (or `(n - 1) * s + k % 2 + output_padding`), with `k` the dilated kernel extent.
    """
    k = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        return k - 1, k - 1 + extra
    total = stride + k - 2 if output_padding is None else k + k % 2 - 2 + output_padding
    low = min(total // 2 + total % 2, k - 1)
    return low, total - low


def conv_transpose(
    x, kernel, strides, padding: str, output_padding, dilation_rate, data_format: str
):
    """The transposed convolution (the gradient of `conv` with respect to its input)."""
    rank = kernel.ndim - 2
    pads = [
        transpose_pads(
            kernel.shape[i],
            strides[i],
            dilation_rate[i],
            padding,
            None if output_padding is None else output_padding[i],
        )
        for i in range(rank)
    ]
    return jax.lax.conv_transpose(
        x,
        kernel.astype(x.dtype),
        tuple(strides),
        pads,
        rhs_dilation=tuple(dilation_rate),
        dimension_numbers=dimension_numbers(rank, data_format),
        transpose_kernel=True,
    )


def _spatial(input_shape, data_format: str) -> list:
    rank = len(input_shape) - 2
    return [input_shape[i] for i in spatial_axes(rank, data_format)]


def _assemble(input_shape, spatial, channels, data_format: str) -> tuple:
    if data_format == "channels_last":
        return (input_shape[0], *spatial, channels)
    return (input_shape[0], channels, *spatial)


def conv_output_shape(
    input_shape,
    filters: int,
    kernel_size,
    strides,
    padding: str,
    data_format: str,
    dilation_rate,
    owner: str,
) -> tuple:
    """The output shape of a convolution; raises when a known output size would be <= 0."""
    input_shape = tuple(input_shape)
    if len(input_shape) != len(kernel_size) + 2:
        raise ValueError(
            f"{owner}: expected an input of rank {len(kernel_size) + 2} (batch, spatial axes "
            f"and channels), received input shape {input_shape}."
        )
    out = []
    for n, k, s, d in zip(_spatial(input_shape, data_format), kernel_size, strides, dilation_rate):
        if n is None:
            out.append(None)
        elif padding == "valid":
            size = (n - d * (k - 1) - 1) // s + 1
            if size <= 0:
                raise ValueError(
                    f"{owner}: the output size would be zero or negative: input shape "
                    f"{input_shape}, kernel_size={tuple(kernel_size)}, strides={tuple(strides)}, "
                    f"dilation_rate={tuple(dilation_rate)}, padding='valid'. Use a smaller "
                    "kernel or padding='same'."
                )
            out.append(size)
        else:
            out.append((n - 1) // s + 1)
    return _assemble(input_shape, out, filters, data_format)


def conv_transpose_output_shape(
    input_shape,
    filters: int,
    kernel_size,
    strides,
    padding: str,
    output_padding,
    data_format: str,
    dilation_rate,
) -> tuple:
    """The output shape of a transposed convolution (see `transpose_pads`)."""
    input_shape = tuple(input_shape)
    out = []
    for i, n in enumerate(_spatial(input_shape, data_format)):
        if n is None:
            out.append(None)
            continue
        k = (kernel_size[i] - 1) * dilation_rate[i] + 1
        s = strides[i]
        extra = None if output_padding is None else output_padding[i]
        if padding == "valid":
            out.append((n - 1) * s + k + (max(k, s) - k if extra is None else extra))
        else:
            out.append(n * s if extra is None else (n - 1) * s + k % 2 + extra)
    return _assemble(input_shape, out, filters, data_format)


def add_bias(outputs, bias, data_format: str):
    """Adds a per-channel bias on the channel axis."""
    if data_format == "channels_last":
        return outputs + bias
    return outputs + jnp.reshape(bias, (1, -1) + (1,) * (outputs.ndim - 2))
