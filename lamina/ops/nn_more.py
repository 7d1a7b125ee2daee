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
    """N-D convolution (1-D, 2-D or 3-D) of a batch of inputs with a kernel.

    When the input has a multiple of the kernel's input channels, the convolution is grouped
    (each group of channels gets its own slice of the kernel's output channels).

    Args:
        inputs: tensor of shape `(batch, *spatial, channels)` (or channels first).
        kernel: tensor of shape `(*kernel_size, channels // groups, filters)`.
        strides: an int or one int per spatial axis: the step between windows.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has
            `ceil(input / strides)` positions).
        data_format: `"channels_last"` (`(batch, *spatial, channels)`) or `"channels_first"`
            (`(batch, channels, *spatial)`); None uses `keras.config.image_data_format()`.
        dilation_rate: an int or one int per spatial axis: the spacing between kernel taps.

    Returns:
        A tensor of shape `(batch, *new_spatial, filters)` (or channels first).

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.arange(5, dtype="float32").reshape(1, 5, 1)
    >>> kernel = np.array([1.0, -1.0], dtype="float32").reshape(2, 1, 1)
    >>> ops.conv(x, kernel).shape
    (1, 4, 1)
    >>> np.asarray(ops.conv(x, kernel))[0, :, 0]
    array([-1., -1., -1., -1.], dtype=float32)
    """

    def fn(x, k, s, p, f, d):
        return _conv(jnp.asarray(x), jnp.asarray(k), s, p, _fmt(f), d)

    return dispatch("conv", fn, inputs, kernel, strides, padding, data_format, dilation_rate)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise convolution: each input channel is convolved with its own
    filters (`depth_multiplier` of them), without mixing channels.

    Args:
        inputs: tensor of shape `(batch, *spatial, channels)` (or channels first).
        kernel: tensor of shape `(*kernel_size, channels, depth_multiplier)`.
        strides: an int or one int per spatial axis: the step between windows.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has
            `ceil(input / strides)` positions).
        data_format: `"channels_last"` (`(batch, *spatial, channels)`) or `"channels_first"`
            (`(batch, channels, *spatial)`); None uses `keras.config.image_data_format()`.
        dilation_rate: an int or one int per spatial axis: the spacing between kernel taps.

    Returns:
        A tensor with `channels * depth_multiplier` channels.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.ones((1, 4, 4, 2), "float32")
    >>> kernel = np.ones((3, 3, 2, 1), "float32")
    >>> ops.depthwise_conv(x, kernel).shape
    (1, 2, 2, 2)
    >>> float(ops.depthwise_conv(x, kernel)[0, 0, 0, 0])
    9.0
    """

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
    """Depthwise-separable convolution: a depthwise convolution followed by a
    pointwise (1x1) convolution that mixes the channels.

    Args:
        inputs: tensor of shape `(batch, *spatial, channels)` (or channels first).
        depthwise_kernel: tensor of shape `(*kernel_size, channels, depth_multiplier)`.
        pointwise_kernel: tensor of shape `(1, ..., 1, channels * depth_multiplier, filters)`.
        strides: an int or one int per spatial axis: the step between windows.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has
            `ceil(input / strides)` positions).
        data_format: `"channels_last"` (`(batch, *spatial, channels)`) or `"channels_first"`
            (`(batch, channels, *spatial)`); None uses `keras.config.image_data_format()`.
        dilation_rate: an int or one int per spatial axis: the spacing between kernel taps.

    Returns:
        A tensor with `filters` channels.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.ones((1, 4, 4, 2), "float32")
    >>> dk = np.ones((3, 3, 2, 1), "float32")
    >>> pk = np.ones((1, 1, 2, 5), "float32")
    >>> ops.separable_conv(x, dk, pk).shape
    (1, 2, 2, 5)
    """

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
    """Transposed convolution (sometimes called deconvolution): the gradient of
    `conv` with respect to its input, used to upsample.

    Args:
        inputs: tensor of shape `(batch, *spatial, channels)` (or channels first).
        kernel: tensor of shape `(*kernel_size, filters, channels)` (note the order of the last two
            axes).
        strides: an int or one int per spatial axis: the upsampling factor.
        padding: `"valid"` or `"same"`.
        output_padding: None, an int or one int per spatial axis: extra size added at the end of
            each output axis (less than the stride).
        data_format: `"channels_last"` or `"channels_first"`; None uses
            `keras.config.image_data_format()`.
        dilation_rate: an int or one int per spatial axis.

    Returns:
        A tensor with `filters` channels.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.ones((1, 3, 3, 1), "float32")
    >>> kernel = np.ones((2, 2, 4, 1), "float32")
    >>> ops.conv_transpose(x, kernel, strides=2).shape
    (1, 6, 6, 4)
    >>> ops.conv_transpose(x, kernel, strides=2, padding="same").shape
    (1, 6, 6, 4)
    """

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
    """Max pooling: the largest value of each window over the spatial axes.

    Args:
        inputs: tensor of shape `(batch, *spatial, channels)` (or channels first), 1-D to 3-D.
        pool_size: an int or one int per spatial axis: the window size.
        strides: an int or one int per spatial axis; None uses `pool_size`.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has
            `ceil(input / strides)` positions).
        data_format: `"channels_last"` or `"channels_first"`; None uses
            `keras.config.image_data_format()`.

    Returns:
        The pooled tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.array([[1.0, 5.0, 2.0], [3.0, 0.0, 4.0]], "float32").reshape(1, 2, 3, 1)
    >>> ops.max_pool(x, 2).shape
    (1, 1, 1, 1)
    >>> np.asarray(ops.max_pool(x, 2, strides=1))[0, :, :, 0]
    array([[5., 5.]], dtype=float32)
    """

    def fn(x, size, s, p, f):
        x = jnp.asarray(x)
        window, s = _window(x, size, s, _fmt(f))
        return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, window, s, p.upper())

    return dispatch("max_pool", fn, inputs, pool_size, strides, padding, data_format)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling: the mean of each window over the spatial axes.

    With `"same"` padding, windows that reach past the edge average their valid elements only.

    Args:
        inputs: tensor of shape `(batch, *spatial, channels)` (or channels first), 1-D to 3-D.
        pool_size: an int or one int per spatial axis: the window size.
        strides: an int or one int per spatial axis; None uses `pool_size`.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has
            `ceil(input / strides)` positions).
        data_format: `"channels_last"` or `"channels_first"`; None uses
            `keras.config.image_data_format()`.

    Returns:
        The pooled tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.array([[1.0, 5.0, 2.0], [3.0, 3.0, 4.0]], "float32").reshape(1, 2, 3, 1)
    >>> np.asarray(ops.average_pool(x, 2))[0, :, :, 0]
    array([[3.]], dtype=float32)
    >>> np.asarray(ops.average_pool(x, 2, padding="same"))[0, :, :, 0]
    array([[3., 3.]], dtype=float32)
    """

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
    """Normalizes `x` with given statistics:
    `(x - mean) / sqrt(variance + epsilon) * scale + offset`.

    Args:
        x: input tensor.
        mean: the mean, a 1-D tensor along `axis` (or broadcastable).
        variance: the variance, shaped like `mean`.
        axis: the feature axis that `mean`, `variance`, `offset` and `scale` run along.
        offset: the shift added after normalizing; None adds nothing.
        scale: the factor applied after normalizing; None multiplies by one.
        epsilon: a small number added to the variance.

    Returns:
        A tensor of the shape of `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.array([[1.0, 2.0], [3.0, 6.0]])
    >>> y = ops.batch_normalization(x, np.array([2.0, 4.0]), np.array([1.0, 4.0]), axis=1,
    ...                             epsilon=0.0)
    >>> np.asarray(y)
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    """

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
    """Scaled dot-product attention,
    `softmax(query @ key^T * scale + bias) @ value`, on `(batch, time, heads, depth)` tensors.

    `key` and `value` may have fewer heads than `query` (grouped-query attention) as long as they
    divide it. lamina always runs the XLA version; `flash_attention` is accepted and ignored.

    Args:
        query: tensor of shape `(batch, query_time, heads, depth)`.
        key: tensor of shape `(batch, key_time, key_heads, depth)`.
        value: tensor of shape `(batch, key_time, key_heads, depth)`.
        bias: an optional tensor added to the attention logits (broadcast to
            `(batch, heads, query_time, key_time)`).
        mask: an optional boolean tensor of that shape: where False, attention is blocked.
        scale: the factor applied to the logits; None uses `1 / sqrt(depth)`.
        is_causal: whether each query position may only attend to earlier key positions.
        flash_attention: ignored (kept for Keras compatibility).
        attn_logits_soft_cap: accepted for Keras compatibility; like Keras off TPUs (where it
            only reaches the Splash kernel), it is not applied.

    Returns:
        A tensor of shape `(batch, query_time, heads, depth)`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> q = np.ones((1, 2, 1, 1), "float32")
    >>> v = np.array([1.0, 3.0], "float32").reshape(1, 2, 1, 1)
    >>> np.asarray(ops.dot_product_attention(q, q, v))[0, :, 0, 0]
    array([2., 2.], dtype=float32)
    >>> np.asarray(ops.dot_product_attention(q, q, v, is_causal=True))[0, :, 0, 0]
    array([1., 2.], dtype=float32)
    """

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
        if dtype == jnp.float16 and jax.default_backend() == "cpu":
            # XLA:CPU has no float16 x float16 -> float32 dot (JAX's attention asks for one):
            # compute in float32 and return float16.
            q, k, v = (a.astype(jnp.float32) for a in (q, k, v))
            bias = None if bias is None else bias.astype(jnp.float32)
            out = jax.nn.dot_product_attention(
                q, k, v, bias=bias, mask=mask, scale=scale, is_causal=causal, implementation="xla"
            )
            return out.astype(dtype)
        return jax.nn.dot_product_attention(
            q, k, v, bias=bias, mask=mask, scale=scale, is_causal=causal, implementation="xla"
        )

    return dispatch("dot_product_attention", fn, query, key, value, bias, mask, scale, is_causal)


def depth_to_space(x, block_size, data_format="channels_last"):
    """Rearranges channels into spatial blocks: each pixel's `block_size**2`
    groups of channels become a `block_size x block_size` patch (the inverse of `space_to_depth`).

    Args:
        x: 4-D tensor, `(batch, height, width, channels)` or channels first.
        block_size: the side of the patches; `channels` must be divisible by `block_size**2`.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        A tensor of shape `(batch, height * block_size, width * block_size,
        channels // block_size**2)` (or channels first).

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.arange(4).reshape(1, 1, 1, 4)
    >>> ops.depth_to_space(x, 2)[0, :, :, 0].tolist()
    [[0, 1], [2, 3]]
    """

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
    """Rearranges spatial blocks into channels: each `block_size x block_size`
    patch becomes one pixel with `block_size**2` times the channels (the inverse of
    `depth_to_space`).

    Args:
        x: 4-D tensor, `(batch, height, width, channels)` or channels first; `height` and `width`
            must be divisible by `block_size`.
        block_size: the side of the patches.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        A tensor of shape `(batch, height // block_size, width // block_size,
        channels * block_size**2)` (or channels first).

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> x = np.array([[0, 1], [2, 3]]).reshape(1, 2, 2, 1)
    >>> ops.space_to_depth(x, 2).tolist()
    [[[[0, 1, 2, 3]]]]
    """

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
    """Peak signal-to-noise ratio between two images (or any tensors) of the same shape:
    `20 * log10(max_val) - 10 * log10(mean((x1 - x2)**2))`, in decibels.

    Args:
        x1: first tensor.
        x2: second tensor, of the same shape.
        max_val: the largest possible value of a pixel (e.g. 1.0 or 255).

    Returns:
        A scalar tensor.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> a = np.zeros((2, 2), "float32")
    >>> b = np.full((2, 2), 0.1, "float32")
    >>> round(float(ops.psnr(a, b, max_val=1.0)), 3)
    20.0
    """

    def fn(a, b, m):
        a, b = jnp.asarray(a), jnp.asarray(b)
        if a.shape != b.shape:
            raise ValueError(f"Input shapes {a.shape} and {b.shape} must match.")
        mse = jnp.mean(jnp.square(a - b))
        return 20 * jnp.log10(jnp.asarray(m, b.dtype)) - 10 * jnp.log10(mse)

    return dispatch("psnr", fn, x1, x2, max_val)


sparse_sigmoid = _unary(
    "sparse_sigmoid",
    jax.nn.sparse_sigmoid,
    """Piecewise-linear sigmoid, element-wise: 0 below -1, 1 above 1 and `(x + 1) / 2` in
    between.

    >>> np.asarray(ops.sparse_sigmoid([-2.0, 0.0, 0.5, 2.0]))
    array([0.  , 0.5 , 0.75, 1.  ], dtype=float32)
    """,
)


def sparsemax(x, axis=-1):
    """Sparsemax along `axis`: the Euclidean projection of `x` onto the probability
    simplex. Like softmax it gives non-negative values, but small inputs get exactly zero.

    Note: this follows Keras 3.15's formula, which takes the threshold from the sum of the
    cumulative sums over the support; when more than one element is in the support, the result
    differs from the textbook sparsemax (e.g. `[1.0, 1.5]` gives zeros, not `[0.25, 0.75]`).

    Args:
        x: input tensor (logits).
        axis: the axis to normalize over.

    Returns:
        A tensor of the shape of `x`.

    Example:
    >>> import numpy as np
    >>> from lamina import ops
    >>> np.asarray(ops.sparsemax(np.array([0.0, 1.0, 3.0])))
    array([0., 0., 1.], dtype=float32)
    """

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
