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
    """Maps Keras's layouts to lax: inputs `N...C` or `NC...`, kernels `...IO`.

    Args:
        rank: the number of spatial axes.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        A `jax.lax.ConvDimensionNumbers`.

    Example:
        >>> from lamina.ops.conv_ops import dimension_numbers
        >>> dimension_numbers(2, "channels_last").lhs_spec
        (0, 3, 1, 2)
    """
    spatial = spatial_axes(rank, data_format)
    channels = rank + 1 if data_format == "channels_last" else 1
    io_spec = (0, channels) + spatial
    kernel_spec = (rank + 1, rank) + tuple(range(rank))
    return jax.lax.ConvDimensionNumbers(lhs_spec=io_spec, rhs_spec=kernel_spec, out_spec=io_spec)


def conv(x, kernel, strides, padding: str, dilation_rate, data_format: str):
    """An N-D convolution; grouped when the input has a multiple of the kernel's in-channels.

    Args:
        x: the input, `(batch, *spatial, channels)` or channels first.
        kernel: `(*kernel_size, in_channels // groups, filters)`.
        strides: one stride per spatial axis.
        padding: `"valid"` or `"same"`.
        dilation_rate: one dilation per spatial axis.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        The output array.

    Example:
        >>> import numpy as np
        >>> from lamina.ops.conv_ops import conv
        >>> y = conv(np.ones((1, 5, 1)), np.ones((3, 1, 1)), (1,), "valid", (1,), "channels_last")
        >>> y[0, :, 0]
        Array([3., 3., 3.], dtype=float32)
    """
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

    Args:
        x: the input.
        kernel: `(*kernel_size, channels, depth_multiplier)`.
        strides: one stride per spatial axis.
        padding: `"valid"` or `"same"`.
        dilation_rate: one dilation per spatial axis.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        The output, with `channels * depth_multiplier` channels.

    Example:
        >>> import numpy as np
        >>> from lamina.ops.conv_ops import depthwise_conv
        >>> depthwise_conv(np.ones((1, 4, 2)), np.ones((2, 2, 3)), (1,), "valid", (1,),
        ...                "channels_last").shape
        (1, 3, 6)
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

    Args:
        kernel_size: the kernel size along the axis.
        stride: the stride along the axis.
        dilation: the dilation along the axis.
        padding: `"valid"` or `"same"`.
        output_padding: the extra output size along the axis, or None.

    Returns:
        A tuple `(low, high)`.

    Example:
        >>> from lamina.ops.conv_ops import transpose_pads
        >>> transpose_pads(3, 2, 1, "valid", None), transpose_pads(3, 2, 1, "same", None)
        ((2, 2), (2, 1))
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
    """The transposed convolution (the gradient of `conv` with respect to its input).

    Args:
        x: the input.
        kernel: `(*kernel_size, filters, in_channels)`.
        strides: one stride per spatial axis.
        padding: `"valid"` or `"same"`.
        output_padding: one extra output size per spatial axis, or None.
        dilation_rate: one dilation per spatial axis.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        The output array.

    Example:
        >>> import numpy as np
        >>> from lamina.ops.conv_ops import conv_transpose
        >>> conv_transpose(np.ones((1, 3, 1)), np.ones((2, 1, 1)), (2,), "valid", None, (1,),
        ...                "channels_last").shape
        (1, 6, 1)
    """
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
    """The output shape of a convolution; raises when a known output size would be <= 0.

    Args:
        input_shape: the input's shape.
        filters: the number of output channels.
        kernel_size: the kernel size per spatial axis.
        strides: the stride per spatial axis.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"`.
        dilation_rate: the dilation per spatial axis.
        owner: the layer's name, for messages.

    Returns:
        The output shape (None where the input size is unknown).

    Raises:
        ValueError: a wrong rank, or an output size of zero or less.

    Example:
        >>> from lamina.ops.conv_ops import conv_output_shape
        >>> conv_output_shape((None, 28, 28, 1), 8, (3, 3), (2, 2), "same", "channels_last",
        ...                   (1, 1), "Conv2D")
        (None, 14, 14, 8)
    """
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
    """The output shape of a transposed convolution (see `transpose_pads`).

    Args:
        input_shape: the input's shape.
        filters: the number of output channels.
        kernel_size: the kernel size per spatial axis.
        strides: the stride per spatial axis.
        padding: `"valid"` or `"same"`.
        output_padding: the extra output size per spatial axis, or None.
        data_format: `"channels_last"` or `"channels_first"`.
        dilation_rate: the dilation per spatial axis.

    Returns:
        The output shape.

    Example:
        >>> from lamina.ops.conv_ops import conv_transpose_output_shape
        >>> conv_transpose_output_shape((None, 7, 7, 4), 2, (3, 3), (2, 2), "same", None,
        ...                             "channels_last", (1, 1))
        (None, 14, 14, 2)
    """
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
    """Adds a per-channel bias on the channel axis.

    Args:
        outputs: the convolution's outputs.
        bias: the `(channels,)` bias.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        `outputs` plus the bias.

    Example:
        >>> import numpy as np
        >>> from lamina.ops.conv_ops import add_bias
        >>> add_bias(np.zeros((1, 2, 2, 2)), np.array([1.0, 2.0]), "channels_first")[0, :, 0, 0]
        array([1., 2.])
    """
    if data_format == "channels_last":
        return outputs + bias
    return outputs + jnp.reshape(bias, (1, -1) + (1,) * (outputs.ndim - 2))
