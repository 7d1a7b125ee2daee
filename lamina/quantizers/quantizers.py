"""Quantization primitives with Keras 3's names and numerics (int8, int4 packing, float8)."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np

from lamina.core.config import epsilon as _epsilon
from lamina.core.variable import standardize_dtype

_EPS = _epsilon()


def _dtype_of(x) -> str:
    return standardize_dtype(getattr(x, "dtype", None) or np.asarray(x).dtype)


class Quantizer:
    """Base class of quantizers: a callable turning a float tensor into a quantized one.

    Args:
        output_dtype: the dtype of the quantized values (default `"int8"`).

    Returns:
        A quantizer; subclasses implement `__call__` and `get_config`.

    Example:
        >>> from lamina.quantizers import Quantizer
        >>> Quantizer().output_dtype
        'int8'
    """

    def __init__(self, output_dtype="int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        """Returns `x` unchanged (subclasses quantize)."""
        return x

    @classmethod
    def from_config(cls, config):
        """Rebuilds a quantizer from `get_config()`'s dict."""
        return cls(**config)

    def get_config(self):
        """The constructor arguments as a dict (subclasses must implement it)."""
        raise NotImplementedError(f"{self} does not implement get_config()")


def abs_max_quantize(
    inputs, axis, value_range=(-127, 127), dtype="int8", epsilon=_EPS, to_numpy=False
):
    """Symmetric abs-max quantization: `round(x * scale)` clipped to `value_range`, with
    `scale = value_range[1] / (max(|x|, axis) + epsilon)`.

    Args:
        inputs: the float tensor to quantize.
        axis: the axis (or axes) reduced to compute the scale (kept with size 1).
        value_range: `(min, max)` of the quantized values.
        dtype: the dtype of the quantized tensor.
        epsilon: added to the abs max to avoid dividing by zero.
        to_numpy: compute on the host with NumPy (saves device memory).

    Returns:
        `(quantized, scale)`; dequantize with `quantized / scale`.

    Example:
        >>> import numpy as np
        >>> from lamina.quantizers import abs_max_quantize
        >>> q, s = abs_max_quantize(np.array([[1.0, -2.0]], "float32"), axis=-1)
        >>> np.asarray(q).tolist()
        [[64, -127]]
    """
    if to_numpy:
        original = _dtype_of(inputs)
        x = np.asarray(inputs)
        ax = tuple(axis) if isinstance(axis, (list, tuple)) else axis
        scale = np.divide(
            value_range[1], np.add(np.max(np.abs(x), axis=ax, keepdims=True), epsilon)
        )
        out = np.clip(np.round(np.multiply(x, scale)), value_range[0], value_range[1]).astype(dtype)
        return jnp.asarray(out), jnp.asarray(scale, dtype=original)
    x = jnp.asarray(inputs)
    ax = tuple(axis) if isinstance(axis, list) else axis
    scale = jnp.divide(
        value_range[1], jnp.add(jnp.max(jnp.abs(x), axis=ax, keepdims=True), epsilon)
    )
    scale = scale.astype(x.dtype)
    out = jnp.clip(jnp.round(jnp.multiply(x, scale)), value_range[0], value_range[1])
    return out.astype(dtype), scale


def abs_max_quantize_grouped_with_zero_point(
    inputs, block_size, value_range=(-8, 7), dtype="int8", epsilon=_EPS, to_numpy=True
):
    """Asymmetric grouped quantization of a 2D `(input_dim, output_dim)` tensor: each group of
    `block_size` rows gets a scale and a zero point per column (the int4 sub-channel scheme).

    Args:
        inputs: the 2D float tensor.
        block_size: rows per group along axis 0.
        value_range: `(min, max)` of the quantized values.
        dtype: the dtype of the quantized tensor.
        epsilon: added to each group's range.
        to_numpy: accepted for Keras compatibility; lamina always computes on the host.

    Returns:
        `(quantized, scale, zero_point)` with scale and zero point of shape
        `(ceil(input_dim / block_size), output_dim)`.

    Example:
        >>> import numpy as np
        >>> from lamina.quantizers import abs_max_quantize_grouped_with_zero_point
        >>> q, s, z = abs_max_quantize_grouped_with_zero_point(np.ones((5, 3), "float32"), 2)
        >>> tuple(s.shape), tuple(z.shape)
        ((3, 3), (3, 3))
    """
    original = _dtype_of(inputs)
    x = np.asarray(inputs)
    input_dim, output_dim = x.shape
    n_groups = math.ceil(input_dim / block_size)
    qmin, qmax = value_range
    padded = n_groups * block_size
    if padded > input_dim:
        x = np.concatenate([x, np.zeros((padded - input_dim, output_dim), x.dtype)], axis=0)
    x = x.reshape(n_groups, block_size, output_dim)
    lo = np.min(x, axis=1, keepdims=True)
    hi = np.max(x, axis=1, keepdims=True)
    scale = np.divide(np.subtract(hi, lo) + epsilon, qmax - qmin)
    zero = np.clip(np.round(np.divide(-lo, scale)) + qmin, qmin, qmax)
    out = np.clip(np.round(np.divide(x, scale)) + zero, qmin, qmax).astype(dtype)
    out = out.reshape(padded, output_dim)[:input_dim, :]
    scale = np.squeeze(scale, axis=1)
    zero = np.squeeze(zero, axis=1).astype("int8")
    return jnp.asarray(out), jnp.asarray(scale, dtype=original), jnp.asarray(zero)


def dequantize_with_sz_map(weights_matrix, scale, zero, g_idx, group_axis=-1):
    """Dequantizes `weights_matrix` with per-group scales and zero points:
    `(w - zero[g_idx]) * scale[g_idx]`, indexing `scale`/`zero` along `group_axis`.

    Args:
        weights_matrix: the quantized tensor.
        scale: per-group scales.
        zero: per-group zero points.
        g_idx: the group of each position along the grouped dimension.
        group_axis: the axis of `scale` and `zero` that holds the groups.

    Returns:
        The dequantized float tensor.

    Example:
        >>> import numpy as np
        >>> from lamina.quantizers import dequantize_with_sz_map
        >>> w = np.array([[2, 4]], "int8")
        >>> out = dequantize_with_sz_map(w, np.array([[0.5]]), np.array([[1]]), np.zeros(2))
        >>> np.asarray(out).tolist()
        [[0.5, 1.5]]
    """
    groups = jnp.asarray(g_idx).astype("int32")
    scales = jnp.take(jnp.asarray(scale), groups, axis=group_axis)
    zeros = jnp.take(jnp.asarray(zero), groups, axis=group_axis).astype(scales.dtype)
    return jnp.multiply(jnp.subtract(jnp.asarray(weights_matrix), zeros), scales)


class AbsMaxQuantizer(Quantizer):
    """Quantizer applying `abs_max_quantize` (symmetric, per-axis scales).

    Args:
        axis: deprecated default axis (pass `axis` when calling instead).
        value_range: `(min, max)` of the quantized values (within [-128, 127] for int8).
        epsilon: added to the abs max.
        output_dtype: the quantized dtype.

    Returns:
        A callable `quantizer(x, axis=None, to_numpy=False) -> (quantized, scale)`.

    Example:
        >>> import numpy as np
        >>> from lamina.quantizers import AbsMaxQuantizer
        >>> q, s = AbsMaxQuantizer()(np.array([[0.5, 1.0]], "float32"))
        >>> np.asarray(q).tolist()
        [[63, 127]]
    """

    def __init__(self, axis=None, value_range=(-127, 127), epsilon=_EPS, output_dtype="int8"):
        Quantizer.__init__(self, output_dtype=output_dtype)
        if axis is not None:
            axis = (axis,) if isinstance(axis, int) else tuple(axis)
        self.axis = axis
        self.value_range = value_range
        self.epsilon = epsilon
        if output_dtype == "int8" and (value_range[0] < -128 or value_range[1] > 127):
            raise ValueError(
                "AbsMaxQuantizer: with output_dtype='int8', `value_range` must lie within "
                f"[-128, 127]. Received: value_range={value_range}"
            )

    def __call__(self, x, axis=None, to_numpy=False):
        """Quantizes `x` along `axis` (default: the constructor's axis, else -1)."""
        if axis is None:
            axis = self.axis if self.axis is not None else -1
        return abs_max_quantize(
            x, axis, self.value_range, self.output_dtype, self.epsilon, to_numpy
        )

    def get_config(self):
        """The constructor arguments (`axis` only when it was given)."""
        config = {
            "value_range": self.value_range,
            "epsilon": self.epsilon,
            "output_dtype": self.output_dtype,
        }
        if self.axis is not None:
            config["axis"] = self.axis
        return config


def _adjust_and_nudge(min_range, max_range, num_bits, narrow_range):
    dtype = jnp.result_type(min_range.dtype, jnp.float32)
    min_range = min_range.astype(dtype)
    max_range = max_range.astype(dtype)
    quant_max = (1 << num_bits) - 1
    quant_min = 1 if narrow_range else 0
    diff = max_range - min_range
    scale = diff / (quant_max - quant_min)
    inv_scale = (quant_max - quant_min) / diff
    zero_point = jnp.clip(quant_min - min_range / scale, quant_min, quant_max)
    nudged_zero = jnp.round(zero_point)
    nudged_min = (quant_min - nudged_zero) * scale
    nudged_max = (quant_max - nudged_zero) * scale
    return nudged_min, nudged_max, scale, inv_scale


def fake_quant_with_min_max_vars(
    inputs, min_vals, max_vals, num_bits=8, narrow_range=False, axis=None
):
    """Fake quantization (quantize then dequantize) to `num_bits` within `[min_vals, max_vals]`,
    per tensor or per channel along `axis`, with straight-through gradients for `inputs` and
    clipping gradients for `min_vals`/`max_vals` (so the range can be trained).

    Args:
        inputs: a float tensor.
        min_vals: the range minimum (a scalar, or one value per channel).
        max_vals: the range maximum.
        num_bits: the bit width (8 for int8).
        narrow_range: use `[1, 2**num_bits - 1]` instead of `[0, 2**num_bits - 1]`.
        axis: the channel axis for per-channel ranges (None: per tensor).

    Returns:
        A tensor like `inputs` holding the fake-quantized values.

    Example:
        >>> import numpy as np
        >>> from lamina.quantizers import fake_quant_with_min_max_vars
        >>> out = fake_quant_with_min_max_vars(np.array([0.3, 2.0], "float32"), 0.0, 1.0, 2)
        >>> [round(float(v), 4) for v in np.asarray(out)]
        [0.3333, 1.0]
    """
    from lamina.core.symbolic import any_symbolic

    if any_symbolic((inputs,)):
        from lamina.core.symbolic import KerasTensor

        return KerasTensor(inputs.shape, inputs.dtype)
    x = jnp.asarray(inputs)
    min_vals = jnp.asarray(min_vals)
    max_vals = jnp.asarray(max_vals)
    num_bits = int(num_bits)
    if axis is not None:
        axis = axis % x.ndim

    @jax.custom_vjp
    def fq(x, lo, hi):
        return _forward(x, lo, hi)[0]

    def _forward(x, lo, hi):
        dtype = x.dtype
        nmin, nmax, scale, inv_scale = _adjust_and_nudge(lo, hi, num_bits, narrow_range)
        quant_zero = jnp.floor(-nmin * inv_scale + 0.5)
        clamped = jnp.clip(x.astype(nmin.dtype), nmin, nmax)
        result = jnp.floor((clamped - nmin) * inv_scale - quant_zero + 0.5) * scale
        return result.astype(dtype), (x, lo, hi, nmin, nmax)

    def fwd(x, lo, hi):
        return _forward(x, lo, hi)

    def bwd(res, g):
        x, lo, hi, nmin, nmax = res
        inside = jnp.logical_and(x >= nmin, x <= nmax)
        dx = jnp.where(inside, g, 0.0).astype(g.dtype)
        axes = tuple(i for i in range(x.ndim) if i != axis)
        gmin = jnp.where(x <= nmin, g, 0.0)
        gmax = jnp.where(x >= nmax, g, 0.0)
        gmin = jnp.sum(gmin, axis=axes) if axis is not None else jnp.sum(gmin)
        gmax = jnp.sum(gmax, axis=axes) if axis is not None else jnp.sum(gmax)
        return (
            dx,
            jnp.reshape(gmin, jnp.shape(lo)).astype(lo.dtype),
            jnp.reshape(gmax, jnp.shape(hi)).astype(hi.dtype),
        )

    fq.defvjp(fwd, bwd)
    return fq(x, min_vals, max_vals)


def compute_float8_scale(amax, scale, dtype_max, margin=0):
    """The next float8 scaling factor from the recent abs max (the delayed-scaling recipe):
    `amax / dtype_max * 2**margin`, keeping `scale` when `amax` is 0 or not finite.

    Args:
        amax: the largest absolute value seen recently.
        scale: the current scale.
        dtype_max: the largest finite value of the float8 dtype.
        margin: extra headroom, as a power of two.

    Returns:
        The new scale.

    Example:
        >>> from lamina.quantizers import compute_float8_scale
        >>> float(compute_float8_scale(4.0, 1.0, 448.0))
        0.008928571827709675
    """
    amax = jnp.asarray(amax)
    inv = jnp.reciprocal(jnp.asarray(scale))
    sf = jnp.divide(jnp.divide(dtype_max, amax), 2**margin)
    sf = jnp.where(amax > 0.0, sf, inv)
    sf = jnp.where(jnp.isfinite(amax), sf, inv)
    return jnp.reciprocal(sf)


def compute_float8_amax_history(x, amax_history):
    """Rolls `amax_history` by one and writes `max(|x|)` into its first slot.

    Args:
        x: the tensor whose abs max is recorded.
        amax_history: the 1D history of abs maxima.

    Returns:
        The updated history.

    Example:
        >>> import numpy as np
        >>> from lamina.quantizers import compute_float8_amax_history
        >>> h = compute_float8_amax_history(np.array([-3.0, 1.0]), np.array([1.0, 2.0, 0.0]))
        >>> np.asarray(h).tolist()
        [3.0, 0.0, 1.0]
    """
    history = jnp.asarray(amax_history)
    update = jnp.max(jnp.abs(jnp.asarray(x))).astype(history.dtype)
    return jnp.roll(history, -1).at[0].set(update)


def quantize_and_dequantize(inputs, scale, quantized_dtype, compute_dtype):
    """Round-trips `inputs / scale` through `quantized_dtype` (e.g. `"float8_e4m3fn"`),
    clipped to its finite range, and multiplies back by `scale`.

    Args:
        inputs: the tensor.
        scale: the scaling factor.
        quantized_dtype: the low-precision dtype name.
        compute_dtype: the dtype of the result.

    Returns:
        The quantized-dequantized tensor in `compute_dtype`.

    Example:
        >>> import numpy as np
        >>> from lamina.quantizers import quantize_and_dequantize
        >>> out = quantize_and_dequantize(np.array([1000.0]), 1.0, "float8_e4m3fn", "float32")
        >>> np.asarray(out).tolist()
        [448.0]
    """
    qmax = jnp.asarray(float(ml_dtypes.finfo(quantized_dtype).max), compute_dtype)
    scale = jnp.asarray(scale).astype(compute_dtype)
    x = jnp.divide(jnp.asarray(inputs), scale)
    x = jnp.clip(x, -qmax, qmax).astype(quantized_dtype)
    return jnp.multiply(x.astype(compute_dtype), scale)


def pack_int4(arr, axis=0, dtype="int8"):
    """Packs int4 values (int8 tensor in [-8, 7]) two per byte along `axis`: the first of each
    pair in the low nibble, the second in the high nibble (odd lengths are padded with 0).

    Args:
        arr: an `int8` (or `uint8`) tensor of int4 values.
        axis: the axis to pack.
        dtype: `"int8"` or `"uint8"`, the dtype of `arr` and of the result.

    Returns:
        `(packed, packed_shape, orig_len)`.

    Example:
        >>> import numpy as np
        >>> from lamina.quantizers import pack_int4
        >>> packed, shape, n = pack_int4(np.array([[-3, 7], [2, -8], [1, 0]], "int8"))
        >>> np.asarray(packed).tolist(), shape, n
        ([[45, -121], [1, 0]], (2, 2), 3)
    """
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"pack_int4: `dtype` must be 'int8' or 'uint8', received {dtype!r}.")
    if _dtype_of(arr) != dtype:
        raise TypeError(f"pack_int4: expected a {dtype} tensor, received {_dtype_of(arr)}.")
    a = np.moveaxis(np.asarray(arr), axis, 0)
    n = a.shape[0]
    if n % 2:
        a = np.concatenate([a, np.zeros((1,) + a.shape[1:], a.dtype)], axis=0)
    npd = np.dtype(dtype)
    mask = np.array(0x0F, npd)
    low = np.bitwise_and(a[::2].astype(npd), mask)
    high = np.bitwise_and(a[1::2].astype(npd), mask)
    packed = np.bitwise_or(low, np.left_shift(high, np.array(4, npd))).astype(npd)
    packed = np.moveaxis(packed, 0, axis)
    return jnp.asarray(packed), tuple(packed.shape), n


def unpack_int4(packed, orig_len, axis=0, dtype="int8"):
    """Reverses `pack_int4`: splits each byte into its two int4 values along `axis` and drops
    the padding beyond `orig_len`.

    Args:
        packed: the packed `int8`/`uint8` tensor.
        orig_len: the length of `axis` before packing.
        axis: the packed axis.
        dtype: `"int8"` (signed values in [-8, 7]) or `"uint8"` ([0, 15]).

    Returns:
        The unpacked tensor.

    Example:
        >>> import numpy as np
        >>> from lamina.quantizers import unpack_int4
        >>> np.asarray(unpack_int4(np.array([[45, -121], [1, 0]], "int8"), 3)).tolist()
        [[-3, 7], [2, -8], [1, 0]]
    """
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"unpack_int4: `dtype` must be 'int8' or 'uint8', received {dtype!r}.")
    if _dtype_of(packed) not in ("int8", "uint8"):
        raise TypeError(
            f"unpack_int4: expected an int8 or uint8 tensor, received {_dtype_of(packed)}."
        )
    p = jnp.asarray(packed)
    axis = axis % p.ndim
    p = jnp.moveaxis(p, axis, 0)
    # Integer arithmetic rather than shifts on int8 (ONNX's BitShift takes unsigned types only).
    byte = jnp.bitwise_and(p.astype(jnp.int32), 0xFF)
    high = jnp.floor_divide(byte, 16)
    low = byte - high * 16
    if dtype == "int8":
        low = jnp.where(low >= 8, low - 16, low)
        high = jnp.where(high >= 8, high - 16, high)
    out = jnp.stack([low.astype(dtype), high.astype(dtype)], axis=1)
    out = jnp.reshape(out, (-1,) + tuple(p.shape[1:]))[:orig_len]
    return jnp.moveaxis(out, 0, axis)
