"""Convolution, pooling, normalization and attention `keras.ops`, following Keras's JAX
backend: kernels `(*kernel_size, in_channels, out_channels)` (transposed:
`(*kernel_size, out_channels, in_channels)`), `data_format=None` meaning
`keras.config.image_data_format()`. Symbolic tensors record graph nodes (see
`lamina.ops.operation`).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from lamina.core.config import image_data_format
from lamina.ops.conv_ops import conv_transpose as conv_transpose_maths
from lamina.ops.conv_ops import dimension_numbers
from lamina.ops.norm_ops import normalize_with_moments
from lamina.ops.numpy import _unary
from lamina.ops.operation import dispatch


def _fmt(data_format):
    return image_data_format() if data_format is None else data_format


def _tuple(x, n: int) -> tuple:
    return (x,) * n if isinstance(x, int) else tuple(x)


def _conv(inputs, kernel, strides, padding, data_format, dilation_rate):
    rank = inputs.ndim - 2
    channels = inputs.shape[-1] if data_format == "channels_last" else inputs.shape[1]
    if channels % kernel.shape[-2]:
        raise ValueError(
            "The number of input channels must be evenly divisible by kernel's in_channels. "
            f"Received input channels {channels} and kernel in_channels {kernel.shape[-2]}."
        )
    return jax.lax.conv_general_dilated(
        inputs.astype(kernel.dtype),
        kernel,
        _tuple(strides, rank),
        padding.upper(),
        rhs_dilation=_tuple(dilation_rate, rank),
        dimension_numbers=dimension_numbers(rank, data_format),
        feature_group_count=channels // kernel.shape[-2],
    )


def _depthwise(inputs, kernel, strides, padding, data_format, dilation_rate):
    channels = inputs.shape[-1] if data_format == "channels_last" else inputs.shape[1]
    flat = jnp.reshape(kernel, kernel.shape[:-2] + (1, channels * kernel.shape[-1]))
    return _conv(inputs, flat, strides, padding, data_format, dilation_rate)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (grouped when the input has a multiple of the kernel's in-channels)."""

    def fn(x, k, s, p, f, d):
        return _conv(jnp.asarray(x), jnp.asarray(k), s, p, _fmt(f), d)

    return dispatch("conv", fn, inputs, kernel, strides, padding, data_format, dilation_rate)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise convolution; `kernel` is `(*kernel_size, in_channels, depth_multiplier)`."""

    def fn(x, k, s, p, f, d):
        return _depthwise(jnp.asarray(x), jnp.asarray(k), s, p, _fmt(f), d)

    return dispatch(
        "depthwise_conv", fn, inputs, kernel, strides, padding, data_format, dilation_rate
    )


def separable_conv(
    inputs,
    depthwise_kernel,
    pointwise_kernel,
    strides=1,
    padding="valid",
    data_format=None,
    dilation_rate=1,
):
    """A depthwise convolution followed by a pointwise (1x1) one."""

    def fn(x, dk, pk, s, p, f, d):
        f = _fmt(f)
        h = _depthwise(jnp.asarray(x), jnp.asarray(dk), s, p, f, d)
        return _conv(h, jnp.asarray(pk), 1, "valid", f, d)

    return dispatch(
        "separable_conv",
        fn,
        inputs,
        depthwise_kernel,
        pointwise_kernel,
        strides,
        padding,
        data_format,
        dilation_rate,
    )


def conv_transpose(
    inputs,
    kernel,
    strides=1,
    padding="valid",
    output_padding=None,
    data_format=None,
    dilation_rate=1,
):
    """Transposed convolution; `kernel` is `(*kernel_size, out_channels, in_channels)`."""

    def fn(x, k, s, p, op, f, d):
        x, k = jnp.asarray(x), jnp.asarray(k)
        rank = x.ndim - 2
        op = None if op is None else _tuple(op, rank)
        return conv_transpose_maths(x, k, _tuple(s, rank), p, op, _tuple(d, rank), _fmt(f))

    return dispatch(
        "conv_transpose",
        fn,
        inputs,
        kernel,
        strides,
        padding,
        output_padding,
        data_format,
        dilation_rate,
    )


def _window(x, pool_size, strides, data_format):
    rank = x.ndim - 2
    pool = _tuple(pool_size, rank)
    strides = pool if strides is None else _tuple(strides, rank)
    if data_format == "channels_last":
        return (1, *pool, 1), (1, *strides, 1)
    return (1, 1, *pool), (1, 1, *strides)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over the spatial axes."""

    def fn(x, size, s, p, f):
        x = jnp.asarray(x)
        window, s = _window(x, size, s, _fmt(f))
        return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, window, s, p.upper())

    return dispatch("max_pool", fn, inputs, pool_size, strides, padding, data_format)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling; with 'same' padding, averages over the valid elements only."""

    def fn(x, size, s, p, f):
        x = jnp.asarray(x)
        window, s = _window(x, size, s, _fmt(f))
        pooled = jax.lax.reduce_window(x, 0.0, jax.lax.add, window, s, p.upper())
        if p == "valid":
            return pooled / math.prod(window)
        shape = [a if b != 1 else 1 for a, b in zip(x.shape, window)]
        ones = jnp.ones(shape, x.dtype)
        return pooled / jax.lax.reduce_window(ones, 0.0, jax.lax.add, window, s, p.upper())

    return dispatch("average_pool", fn, inputs, pool_size, strides, padding, data_format)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """`(x - mean) / sqrt(variance + epsilon) * scale + offset`, the statistics along `axis`."""

    def fn(x, mean, variance, axis, offset, scale, epsilon):
        x, mean = jnp.asarray(x), jnp.asarray(mean)
        return normalize_with_moments(x, mean, variance, axis, offset, scale, epsilon)

    return dispatch("batch_normalization", fn, x, mean, variance, axis, offset, scale, epsilon)


def dot_product_attention(
    query,
    key,
    value,
    bias=None,
    mask=None,
    scale=None,
    is_causal=False,
    flash_attention=None,
    attn_logits_soft_cap=None,
):
    """Scaled dot-product attention on `(batch, time, heads, depth)` tensors (XLA version)."""

    def fn(q, k, v, bias, mask, scale, causal):
        q, k, v = jnp.asarray(q), jnp.asarray(k), jnp.asarray(v)
        if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
            raise ValueError("`dot_product_attention` only supports 4D inputs.")
        dtype = jnp.result_type(q.dtype, k.dtype, v.dtype)
        q, k, v = q.astype(dtype), k.astype(dtype), v.astype(dtype)
        if bias is not None:
            bias = jnp.asarray(bias, dtype)
        if mask is not None:
            mask = jnp.asarray(mask).astype(bool)
        return jax.nn.dot_product_attention(
            q, k, v, bias=bias, mask=mask, scale=scale, is_causal=causal, implementation="xla"
        )

    return dispatch("dot_product_attention", fn, query, key, value, bias, mask, scale, is_causal)


def depth_to_space(x, block_size, data_format="channels_last"):
    """Moves blocks of channels into `block_size x block_size` spatial blocks (4-D only)."""

    def fn(x, b, f):
        x = jnp.asarray(x)
        if f == "channels_last":
            n, h, w, c = x.shape
            x = jnp.reshape(x, (n, h, w, b, b, c // b**2)).transpose(0, 1, 3, 2, 4, 5)
            return jnp.reshape(x, (n, h * b, w * b, c // b**2))
        n, c, h, w = x.shape
        x = jnp.reshape(x, (n, c // b**2, b, b, h, w)).transpose(0, 1, 4, 2, 5, 3)
        return jnp.reshape(x, (n, c // b**2, h * b, w * b))

    return dispatch("depth_to_space", fn, x, block_size, data_format)


def space_to_depth(x, block_size, data_format="channels_last"):
    """Moves `block_size x block_size` spatial blocks into channels (4-D only)."""

    def fn(x, b, f):
        x = jnp.asarray(x)
        if f == "channels_last":
            n, h, w, c = x.shape
            x = jnp.reshape(x, (n, h // b, b, w // b, b, c)).transpose(0, 1, 3, 2, 4, 5)
            return jnp.reshape(x, (n, h // b, w // b, c * b**2))
        n, c, h, w = x.shape
        x = jnp.reshape(x, (n, c, h // b, b, w // b, b)).transpose(0, 1, 3, 5, 2, 4)
        return jnp.reshape(x, (n, c * b**2, h // b, w // b))

    return dispatch("space_to_depth", fn, x, block_size, data_format)


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio between two tensors of the same shape."""

    def fn(a, b, m):
        a, b = jnp.asarray(a), jnp.asarray(b)
        if a.shape != b.shape:
            raise ValueError(f"Input shapes {a.shape} and {b.shape} must match.")
        mse = jnp.mean(jnp.square(a - b))
        return 20 * jnp.log10(jnp.asarray(m, b.dtype)) - 10 * jnp.log10(mse)

    return dispatch("psnr", fn, x1, x2, max_val)


sparse_sigmoid = _unary(
    "sparse_sigmoid", jax.nn.sparse_sigmoid, "Piecewise-linear sigmoid: 0 below -1, 1 above 1."
)


def sparsemax(x, axis=-1):
    """Sparsemax: the Euclidean projection of `x` onto the probability simplex along `axis`."""

    def fn(x, axis):
        x = jnp.asarray(x)
        srt = -jnp.sort(-x, axis=axis)
        cum = jnp.cumsum(srt, axis=axis)
        shape = [1] * x.ndim
        shape[axis] = -1
        r = jnp.arange(1, x.shape[axis] + 1).reshape(shape)
        support = srt - (cum - 1) / r > 0
        k = jnp.sum(support, axis=axis, keepdims=True)
        tau = (jnp.sum(jnp.where(support, cum, 0.0), axis=axis, keepdims=True) - 1) / k
        return jnp.maximum(x - tau, 0.0)

    return dispatch("sparsemax", fn, x, axis)
