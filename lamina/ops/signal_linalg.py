"""More `keras.ops` functions: Fourier transforms and short-time spectra, linear algebra
(`eig`, `lstsq`, `pinv`, ...), normalizations, adaptive pooling, `fold`/`unfold`, CTC, and a
few array utilities (`nonzero`, `unique`, `view`, `rearrange`, ...).

Every function computes on arrays right away and records a graph node on symbolic tensors (see
`lamina.ops.operation`). Complex results are returned the Keras way, as a `(real, imag)` pair.
"""

from __future__ import annotations

import math
import re

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core.config import epsilon as _default_epsilon
from lamina.core.config import floatx, image_data_format
from lamina.ops.numpy import _float_of
from lamina.ops.operation import dispatch

# ---------------------------------------------------------------- Fourier transforms


def _complex_pair(x, name: str):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(
            f"{name}: `x` must be a tuple `(real, imag)` of two float tensors; received {x!r}."
        )
    real, imag = jnp.asarray(x[0]), jnp.asarray(x[1])
    if real.shape != imag.shape:
        raise ValueError(
            f"{name}: the real and imaginary parts must have the same shape; received "
            f"{real.shape} and {imag.shape}."
        )
    if not (jnp.issubdtype(real.dtype, jnp.floating) and jnp.issubdtype(imag.dtype, jnp.floating)):
        raise ValueError(
            f"{name}: both parts of `x` must be float tensors; received {real.dtype} and "
            f"{imag.dtype}. Cast them with keras.ops.cast(x, 'float32')."
        )
    return jax.lax.complex(real, imag)


def _pair(z):
    return jnp.real(z), jnp.imag(z)


def fft(x):
    """Discrete Fourier transform over the last axis of a complex signal.

    Args:
        x: a tuple `(real, imag)` of two float tensors of the same shape.

    Returns:
        A tuple `(real, imag)` of the transform.

    Example:
    >>> re, im = fft((np.array([1.0, 0.0, 0.0, 0.0]), np.zeros(4)))
    >>> [float(v) for v in re]
    [1.0, 1.0, 1.0, 1.0]
    """
    return dispatch("fft", lambda x: _pair(jnp.fft.fft(_complex_pair(x, "fft"))), x)


def fft2(x):
    """Two-dimensional discrete Fourier transform over the last two axes.

    Args:
        x: a tuple `(real, imag)` of two float tensors of the same shape (rank >= 2).

    Returns:
        A tuple `(real, imag)` of the transform.

    Example:
    >>> re, im = fft2((np.ones((2, 2)), np.zeros((2, 2))))
    >>> float(re[0, 0])
    4.0
    """
    return dispatch("fft2", lambda x: _pair(jnp.fft.fft2(_complex_pair(x, "fft2"))), x)


def ifft2(x):
    """Inverse two-dimensional discrete Fourier transform over the last two axes.

    Args:
        x: a tuple `(real, imag)` of two float tensors of the same shape (rank >= 2).

    Returns:
        A tuple `(real, imag)` of the inverse transform.

    Example:
    >>> re, im = ifft2((np.full((2, 2), 4.0), np.zeros((2, 2))))
    >>> float(re[0, 0])
    4.0
    """
    return dispatch("ifft2", lambda x: _pair(jnp.fft.ifft2(_complex_pair(x, "ifft2"))), x)


def rfft(x, fft_length=None):
    """Discrete Fourier transform of a real signal over its last axis (non-negative
    frequencies only).

    Args:
        x: a real tensor.
        fft_length: the transform length; the signal is cropped or zero-padded to it
            (default: the length of the last axis).

    Returns:
        A tuple `(real, imag)` with `fft_length // 2 + 1` frequencies on the last axis.

    Example:
    >>> re, im = rfft(np.array([1.0, 1.0, 1.0, 1.0]))
    >>> [float(v) for v in re]
    [4.0, 0.0, 0.0]
    """
    return dispatch("rfft", lambda x: _pair(jnp.fft.rfft(x, n=fft_length, axis=-1)), x)


def irfft(x, fft_length=None):
    """Inverse of `rfft`: the real signal whose non-negative frequencies are `x`.

    Args:
        x: a tuple `(real, imag)` of the non-negative frequencies.
        fft_length: the length of the output signal (default `2 * (frequencies - 1)`).

    Returns:
        A real tensor with `fft_length` entries on the last axis.

    Example:
    >>> y = irfft((np.array([4.0, 0.0, 0.0]), np.zeros(3)))
    >>> [float(v) for v in y]
    [1.0, 1.0, 1.0, 1.0]
    """
    return dispatch(
        "irfft",
        lambda x: jnp.fft.irfft(_complex_pair(x, "irfft"), n=fft_length, axis=-1),
        x,
    )


def _window(window, sequence_length: int, fft_length: int, dtype, name: str):
    """The analysis window, zero-padded on both sides to `fft_length`."""
    if window is None:
        return jnp.ones((fft_length,), dtype)
    if isinstance(window, str):
        n = np.arange(sequence_length)
        if window == "hann":
            win = 0.5 - 0.5 * np.cos(2 * np.pi * n / sequence_length)
        elif window == "hamming":
            win = 0.54 - 0.46 * np.cos(2 * np.pi * n / sequence_length)
        else:
            raise ValueError(
                f"{name}: a string `window` must be 'hann' or 'hamming'; received {window!r}."
            )
        win = jnp.asarray(win, dtype)
    else:
        win = jnp.asarray(window, dtype)
    if win.ndim != 1 or win.shape[0] != sequence_length:
        raise ValueError(
            f"{name}: `window` must have shape ({sequence_length},) (= sequence_length); "
            f"received shape {win.shape}."
        )
    left = (fft_length - sequence_length) // 2
    return jnp.pad(win, (left, fft_length - sequence_length - left))


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform of a real signal over its last axis.

    Args:
        x: a float32 or float64 tensor of shape `(..., samples)`.
        sequence_length: the length of each analysed frame.
        sequence_stride: the step between frames.
        fft_length: the transform length of each frame (`>= sequence_length`).
        window: `"hann"`, `"hamming"`, a 1D tensor of length `sequence_length`, or `None`.
        center: whether to reflect-pad `x` by `fft_length // 2` on both sides first.

    Returns:
        A tuple `(real, imag)` of shape `(..., frames, fft_length // 2 + 1)`.

    Example:
    >>> re, im = stft(np.ones(16, "float32"), 8, 4, 8)
    >>> re.shape
    (5, 5)
    """

    def fn(x):
        if jnp.dtype(x.dtype) not in (jnp.float32, jnp.float64):
            raise TypeError(f"stft: `x` must be float32 or float64; received {x.dtype}.")
        if fft_length < sequence_length:
            raise ValueError(
                f"stft: `fft_length` ({fft_length}) must be >= `sequence_length` "
                f"({sequence_length})."
            )
        win = _window(window, sequence_length, fft_length, x.dtype, "stft")
        if center:
            pad = [(0, 0)] * (x.ndim - 1) + [(fft_length // 2, fft_length // 2)]
            x = jnp.pad(x, pad, mode="reflect")
        spectrum = jax.scipy.signal.stft(
            x,
            window=win,
            nperseg=fft_length,
            noverlap=fft_length - sequence_stride,
            nfft=fft_length,
            boundary=None,
            padded=False,
        )[-1]
        # scipy scales by 1 / sum(window); Keras reports the raw transform of each frame.
        spectrum = jnp.swapaxes(spectrum * jnp.sum(win), -2, -1)
        return _pair(spectrum)

    return dispatch("stft", fn, x)


def istft(
    x,
    sequence_length,
    sequence_stride,
    fft_length,
    length=None,
    window="hann",
    center=True,
):
    """Inverse short-time Fourier transform: the signal whose `stft` is `x`.

    Args:
        x: a tuple `(real, imag)` of shape `(..., frames, fft_length // 2 + 1)`.
        sequence_length, sequence_stride, fft_length, window, center: as given to `stft`.
        length: crop the output to this many samples (default: the whole signal).

    Returns:
        A real tensor of shape `(..., samples)`.

    Example:
    >>> x = np.sin(np.arange(32) / 3.0).astype("float32")
    >>> y = istft(stft(x, 8, 4, 8), 8, 4, 8)
    >>> bool(np.allclose(y, x[: y.shape[0]], atol=1e-5))
    True
    """

    def fn(x):
        z = _complex_pair(x, "istft")
        if z.ndim < 2:
            raise ValueError(
                f"istft: `x` must have at least 2 dimensions (frames, bins); received {z.shape}."
            )
        dtype = jnp.real(z).dtype
        win = _window(window, sequence_length, fft_length, dtype, "istft")
        y = jax.scipy.signal.istft(
            z,
            window=win,
            nperseg=fft_length,
            noverlap=fft_length - sequence_stride,
            nfft=fft_length,
            boundary=False,
            time_axis=-2,
            freq_axis=-1,
        )[-1]
        y = y / (jnp.sum(win) if window is not None else sequence_stride)
        start = fft_length // 2 if center else 0
        if length is not None:
            end = start + length
        elif center:
            end = y.shape[-1] - fft_length // 2
        else:
            end = fft_length + sequence_stride * (z.shape[-2] - 1)
        return y[..., start:end]

    return dispatch("istft", fn, x)


def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of `sequence_length` samples taken every `sequence_stride` along the last axis.

    Args:
        x: a tensor of shape `(..., samples)`.
        sequence_length: the length of each frame.
        sequence_stride: the step between frames.

    Returns:
        A tensor of shape `(..., frames, sequence_length)`.

    Example:
    >>> extract_sequences(np.arange(6.0), 3, 2).tolist()
    [[0.0, 1.0, 2.0], [2.0, 3.0, 4.0]]
    """

    def fn(x):
        n = x.shape[-1]
        frames = (n - sequence_length) // sequence_stride + 1
        index = np.arange(frames)[:, None] * sequence_stride + np.arange(sequence_length)[None, :]
        return x[..., index]

    return dispatch("extract_sequences", fn, x)


# ---------------------------------------------------------------- linear algebra


def eig(x):
    """Eigenvalues and right eigenvectors of a general square matrix (batched).

    Args:
        x: a tensor of shape `(..., M, M)`.

    Returns:
        A tuple `(eigenvalues, eigenvectors)` (complex in general).

    Example:
    >>> w, v = eig(np.diag([1.0, 2.0]))
    >>> sorted(float(e.real) for e in w)
    [1.0, 2.0]
    """
    return dispatch("eig", lambda x: tuple(jnp.linalg.eig(x)), x)


def lstsq(a, b, rcond=None):
    """The least-squares solution `x` of `a @ x = b`.

    Args:
        a: a tensor of shape `(M, N)`.
        b: a tensor of shape `(M,)` or `(M, K)`.
        rcond: singular values below `rcond` times the largest are treated as zero.

    Returns:
        The solution, shape `(N,)` or `(N, K)`.

    Example:
    >>> lstsq(np.eye(2), np.array([1.0, 2.0])).tolist()
    [1.0, 2.0]
    """
    return dispatch("lstsq", lambda a, b: jnp.linalg.lstsq(a, b, rcond=rcond)[0], a, b)


def lu_factor(x):
    """LU decomposition with partial pivoting (batched).

    Args:
        x: a tensor of shape `(..., M, M)`.

    Returns:
        A tuple `(lu, pivots)`: `L` and `U` packed in one matrix, and the row pivots.

    Example:
    >>> lu, piv = lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> piv.tolist()
    [1, 1]
    """

    def fn(x):
        factor = jax.scipy.linalg.lu_factor
        for _ in range(x.ndim - 2):
            factor = jax.vmap(factor)
        return tuple(factor(x))

    return dispatch("lu_factor", fn, x)


def matrix_rank(x, tol=None):
    """The number of singular values of each matrix above `tol` (int32).

    Args:
        x: a tensor of shape `(..., M, N)`.
        tol: the threshold (default: derived from the largest singular value and the shape).

    Returns:
        An int32 tensor of shape `(...)`.

    Example:
    >>> int(matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]])))
    1
    """

    def fn(x):
        if x.ndim < 2:
            raise ValueError(f"matrix_rank: `x` must have rank >= 2; received shape {x.shape}.")
        return jnp.linalg.matrix_rank(x, rtol=None, tol=tol).astype("int32")

    return dispatch("matrix_rank", fn, x)


def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverse of each matrix, from its singular values.

    Args:
        x: a tensor of shape `(..., M, N)`.
        rcond: singular values below `rcond` times the largest are treated as zero.

    Returns:
        A tensor of shape `(..., N, M)`.

    Example:
    >>> pinv(np.array([[2.0, 0.0], [0.0, 4.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """

    def fn(x):
        if x.ndim < 2:
            raise ValueError(f"pinv: `x` must have rank >= 2; received shape {x.shape}.")
        return jnp.linalg.pinv(x, rtol=rcond)

    return dispatch("pinv", fn, x)


def slogdet(x):
    """Sign and natural log of the absolute determinant of a square matrix.

    Args:
        x: a tensor of shape `(..., M, M)`.

    Returns:
        A tuple `(sign, logabsdet)`.

    Example:
    >>> sign, logdet = slogdet(np.array([[0.0, 2.0], [1.0, 0.0]]))
    >>> float(sign), round(float(logdet), 4)
    (-1.0, 0.6931)
    """
    return dispatch("slogdet", lambda x: tuple(jnp.linalg.slogdet(x)), x)


def solve_triangular(a, b, lower=False):
    """The solution `x` of `a @ x = b` for a triangular `a`.

    Args:
        a: a tensor of shape `(..., M, M)`; only its upper (or lower) triangle is read.
        b: a tensor of shape `(..., M)` or `(..., M, N)`.
        lower: whether `a` is lower triangular.

    Returns:
        The solution, shaped like `b`.

    Example:
    >>> solve_triangular(np.array([[2.0, 1.0], [0.0, 1.0]]), np.array([3.0, 1.0])).tolist()
    [1.0, 1.0]
    """
    return dispatch(
        "solve_triangular",
        lambda a, b: jax.scipy.linalg.solve_triangular(a, b, lower=lower),
        a,
        b,
    )


def cholesky_inverse(x, upper=False):
    """The inverse of `A` from its Cholesky factor (`x = L` with `A = L @ L.T`).

    Args:
        x: the triangular factor, shape `(..., M, M)`.
        upper: whether `x` is the upper factor `U` (`A = U.T @ U`).

    Returns:
        `inv(A)`, shape `(..., M, M)`.

    Example:
    >>> cholesky_inverse(np.array([[2.0, 0.0], [0.0, 1.0]])).tolist()
    [[0.25, 0.0], [0.0, 1.0]]
    """

    def fn(x):
        eye = jnp.broadcast_to(jnp.eye(x.shape[-1], dtype=x.dtype), x.shape)
        inv_factor = jax.scipy.linalg.solve_triangular(x, eye, lower=not upper)
        t = jnp.swapaxes(inv_factor, -1, -2)
        return inv_factor @ t if upper else t @ inv_factor

    return dispatch("cholesky_inverse", fn, x)


def cdist(x, y):
    """Euclidean distance between every row of `x` and every row of `y`.

    Args:
        x: a tensor of shape `(..., P, D)`.
        y: a tensor of shape `(..., R, D)`.

    Returns:
        A tensor of shape `(..., P, R)`.

    Example:
    >>> cdist(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]])).tolist()
    [[5.0]]
    """

    def fn(x, y):
        if x.ndim < 2 or y.ndim < 2:
            raise ValueError(
                f"cdist: both inputs must have rank >= 2; received {x.shape} and {y.shape}."
            )
        if x.shape[-1] != y.shape[-1]:
            raise ValueError(
                f"cdist: the last dimensions must match; received {x.shape} and {y.shape}."
            )
        diff = x[..., :, None, :] - y[..., None, :, :]
        return jnp.sqrt(jnp.sum(diff * diff, axis=-1))

    return dispatch("cdist", fn, x, y)


def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode derivative: `fun(*primals)` and its directional derivative along
    `tangents`.

    Args:
        fun: a function of arrays.
        primals: a tuple or list of the arguments at which to differentiate.
        tangents: a tuple or list, the same structure as `primals`.
        has_aux: whether `fun` returns `(output, aux)`; `aux` is then passed through.

    Returns:
        `(output, output_tangent)`, or `(output, output_tangent, aux)` with `has_aux`.

    Example:
    >>> out, tangent = jvp(lambda x: x * x, (3.0,), (1.0,))
    >>> float(out), float(tangent)
    (9.0, 6.0)
    """
    return jax.jvp(fun, tuple(primals), tuple(tangents), has_aux=has_aux)


# ---------------------------------------------------------------- neural-network functions


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Normalizes `x` to zero mean and unit variance over `axis`, then scales and shifts.

    Args:
        x: the input tensor.
        gamma: an optional scale, broadcastable to the normalized axes.
        beta: an optional offset, broadcastable to the normalized axes.
        axis: the axis or axes to normalize over (default the last).
        epsilon: added to the variance (default `keras.config.epsilon()`).

    Returns:
        A tensor shaped and typed like `x` (computed in at least float32).

    Example:
    >>> [round(float(v), 4) for v in layer_normalization(np.array([1.0, 2.0, 3.0]))]
    [-1.2247, 0.0, 1.2247]
    """
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"layer_normalization: unexpected arguments {sorted(kwargs)}.")
    eps = _default_epsilon() if epsilon is None else epsilon

    def fn(x, gamma, beta):
        out_dtype = x.dtype
        x = x.astype(jnp.result_type(x.dtype, jnp.float32))
        axes = sorted(a % x.ndim for a in ((axis,) if isinstance(axis, int) else axis))
        shape = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]

        def fit(v):
            if v is None:
                return None
            v = jnp.asarray(v, x.dtype)
            return v.reshape(shape) if v.ndim != x.ndim and axes != [x.ndim - 1] else v

        gamma, beta = fit(gamma), fit(beta)
        if rms_scaling:
            out = x * jax.lax.rsqrt(jnp.var(x, axis=axes, keepdims=True) + eps)
            out = out if gamma is None else out * gamma
        else:
            mean = jnp.mean(x, axis=axes, keepdims=True)
            var = jnp.mean(jnp.square(x - mean), axis=axes, keepdims=True)
            scale = jax.lax.rsqrt(var + eps)
            if gamma is not None:
                scale = scale * gamma
            out = x * scale - mean * scale
            if beta is not None:
                out = out + beta
        return out.astype(out_dtype)

    return dispatch("layer_norm", fn, x, gamma, beta)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """Root-mean-square normalization: `x / sqrt(mean(x**2) + epsilon) * scale`.

    Args:
        x: the input tensor.
        scale: an optional scale, broadcastable to `x`.
        axis: the axis or axes to normalize over (default the last).
        epsilon: added to the mean square (default `keras.config.epsilon()`).

    Returns:
        A tensor shaped and typed like `x`.

    Example:
    >>> [round(float(v), 4) for v in rms_normalization(np.array([3.0, 4.0]))]
    [0.8485, 1.1314]
    """
    eps = _default_epsilon() if epsilon is None else epsilon

    def fn(x, scale):
        out_dtype = x.dtype
        x = x.astype(jnp.result_type(x.dtype, jnp.float32))
        if x.ndim == 0:
            x = x[None]
        axes = tuple(sorted(axis)) if isinstance(axis, (tuple, list)) else axis
        out = x * jax.lax.rsqrt(jnp.mean(jnp.square(x), axis=axes, keepdims=True) + eps)
        if scale is not None:
            out = out * jnp.asarray(scale, x.dtype)
        return out.astype(out_dtype)

    return dispatch("rms_norm", fn, x, scale)


def _adaptive_pool(name, inputs, output_size, data_format, reduce_max: bool):
    fmt = image_data_format() if data_format is None else data_format

    def fn(x):
        rank = x.ndim - 2
        if rank not in (1, 2, 3):
            raise ValueError(
                f"{name}: `inputs` must be 3D, 4D or 5D (batch, spatial..., channels); "
                f"received shape {x.shape}."
            )
        sizes = (output_size,) * rank if isinstance(output_size, int) else tuple(output_size)
        if len(sizes) != rank:
            raise ValueError(
                f"{name}: `output_size` must have {rank} entries for {rank}D inputs; "
                f"received {output_size!r}."
            )
        first = 1 if fmt == "channels_last" else 2
        for i, out in enumerate(sizes):
            ax = first + i
            n = x.shape[ax]
            starts = (np.arange(out) * n) // out
            ends = -((-(np.arange(1, out + 1) * n)) // out)
            pos = np.arange(n)
            member = (pos[None, :] >= starts[:, None]) & (pos[None, :] < ends[:, None])
            moved = jnp.moveaxis(x, ax, -1)[..., None, :]  # (..., 1, n)
            if reduce_max:
                pooled = jnp.max(jnp.where(member, moved, -jnp.inf), axis=-1)
            else:
                weights = jnp.asarray(member / member.sum(axis=1, keepdims=True), x.dtype)
                pooled = jnp.sum(moved * weights, axis=-1)
            x = jnp.moveaxis(pooled, -1, ax)
        return x

    return dispatch(name, fn, inputs)


def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed output size: output cell `i` averages input positions
    `floor(i * n / out)` to `ceil((i + 1) * n / out)` (PyTorch's rule), per spatial axis.

    Args:
        inputs: a 3D, 4D or 5D tensor.
        output_size: an int or a tuple with one size per spatial axis.
        data_format: `"channels_last"` or `"channels_first"` (default
            `keras.config.image_data_format()`).

    Returns:
        The pooled tensor.

    Example:
    >>> adaptive_average_pool(np.arange(4.0).reshape(1, 4, 1), 2).ravel().tolist()
    [0.5, 2.5]
    """
    return _adaptive_pool("adaptive_average_pool", inputs, output_size, data_format, False)


def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed output size, with the bins of `adaptive_average_pool`.

    Args:
        inputs: a 3D, 4D or 5D tensor.
        output_size: an int or a tuple with one size per spatial axis.
        data_format: `"channels_last"` or `"channels_first"` (default
            `keras.config.image_data_format()`).

    Returns:
        The pooled tensor.

    Example:
    >>> adaptive_max_pool(np.arange(4.0).reshape(1, 4, 1), 2).ravel().tolist()
    [1.0, 3.0]
    """
    return _adaptive_pool("adaptive_max_pool", inputs, output_size, data_format, True)


def _two(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Extracts sliding blocks of a channels-first image batch (im2col).

    Args:
        x: a tensor of shape `(N, C, H, W)`.
        kernel_size: an int or a pair, the block size.
        dilation: an int or a pair, the spacing of the block's elements.
        padding: an int or a pair, zeros added on both sides of each spatial axis.
        stride: an int or a pair, the step between blocks.

    Returns:
        A tensor of shape `(N, C * kH * kW, blocks)`.

    Example:
    >>> unfold(np.arange(9.0).reshape(1, 1, 3, 3), 2).shape
    (1, 4, 4)
    """

    def fn(x):
        if x.ndim != 4:
            raise ValueError(f"unfold: `x` must be 4D (N, C, H, W); received shape {x.shape}.")
        ph, pw = _two(padding)
        if ph or pw:
            x = jnp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        patches = jax.lax.conv_general_dilated_patches(
            x,
            filter_shape=_two(kernel_size),
            window_strides=_two(stride),
            padding="VALID",
            rhs_dilation=_two(dilation),
            dimension_numbers=("NCHW", "OIHW", "NCHW"),
        )
        n, ckk, oh, ow = patches.shape
        return patches.reshape(n, ckk, oh * ow)

    return dispatch("unfold", fn, x)


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sums sliding blocks back into a channels-first image batch (col2im; inverse of
    `unfold` where blocks do not overlap).

    Args:
        x: a tensor of shape `(N, C * kH * kW, blocks)`.
        output_size: an int or a pair, the spatial size of the image.
        kernel_size, dilation, padding, stride: as given to `unfold`.

    Returns:
        A tensor of shape `(N, C, H, W)`.

    Example:
    >>> img = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> bool(np.array_equal(fold(unfold(img, 2, stride=2), 4, 2, stride=2), img))
    True
    """

    def fn(x):
        if x.ndim != 3:
            raise ValueError(
                f"fold: `x` must be 3D (N, C * kH * kW, blocks); received shape {x.shape}."
            )
        oh, ow = _two(output_size)
        kh, kw = _two(kernel_size)
        dh, dw = _two(dilation)
        ph, pw = _two(padding)
        sh, sw = _two(stride)
        n, ckk, _ = x.shape
        c = ckk // (kh * kw)
        nh = (oh + 2 * ph - dh * (kh - 1) - 1) // sh + 1
        nw = (ow + 2 * pw - dw * (kw - 1) - 1) // sw + 1
        blocks = x.reshape(n, c, kh, kw, nh, nw)
        out = jnp.zeros((n, c, oh + 2 * ph, ow + 2 * pw), x.dtype)
        for i in range(kh):
            for j in range(kw):
                rows = slice(i * dh, i * dh + sh * (nh - 1) + 1, sh)
                cols = slice(j * dw, j * dw + sw * (nw - 1) + 1, sw)
                out = out.at[:, :, rows, cols].add(blocks[:, :, i, j])
        return out[:, :, ph : ph + oh, pw : pw + ow]

    return dispatch("fold", fn, x)


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Encodes each row of integer labels as one vector with 1 at every label present.

    Args:
        inputs: integer labels, shape `(batch, labels)` or `(labels,)`.
        num_classes: the length of the encoding.
        axis: where the class axis goes (default last).
        dtype: the output dtype (default `keras.config.floatx()`).
        sparse: must be `False` (lamina has no sparse tensors).

    Returns:
        A tensor of shape `(batch, num_classes)` (or `(num_classes,)`).

    Example:
    >>> multi_hot(np.array([[0, 2], [1, 1]]), 3).tolist()
    [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if kwargs:
        raise TypeError(f"multi_hot: unexpected arguments {sorted(kwargs)}.")
    if num_classes is None:
        raise ValueError("multi_hot: `num_classes` is required (the length of the encoding).")
    if sparse:
        raise ValueError(
            "multi_hot: `sparse=True` is not supported (lamina has no sparse tensors)."
        )
    out_dtype = floatx() if dtype is None else dtype

    def fn(x):
        x = jnp.asarray(x).astype("int32")
        reduce_axis = 1 if x.ndim > 1 else 0
        hot = jax.nn.one_hot(x, num_classes, axis=axis, dtype=out_dtype)
        return jnp.max(hot, axis=reduce_axis)

    return dispatch("multi_hot", fn, inputs)


def polar(abs_, angle):
    """The complex number with magnitude `abs_` and phase `angle` (as `torch.polar`).

    Args:
        abs_: the magnitudes.
        angle: the angles in radians.

    Returns:
        A complex tensor `abs_ * (cos(angle) + i sin(angle))`.

    Example:
    >>> complex(polar(np.float32(2.0), np.float32(0.0)))
    (2+0j)
    """

    def fn(r, theta):
        r, theta = _float_of(r), _float_of(theta)
        return jax.lax.complex(r * jnp.cos(theta), r * jnp.sin(theta))

    return dispatch("polar", fn, abs_, angle)


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Connectionist temporal classification loss of each sequence.

    Args:
        target: integer labels, shape `(batch, max_label_length)`.
        output: logits, shape `(batch, max_time, num_classes)`.
        target_length: the length of each label sequence, shape `(batch,)`.
        output_length: the number of valid time steps of each output, shape `(batch,)`.
        mask_index: the class index of the blank.

    Returns:
        The negative log-likelihood of each label sequence, shape `(batch,)`.

    Example:
    >>> logits = np.zeros((1, 3, 3), "float32")
    >>> round(float(ctc_loss(np.array([[1]]), logits, np.array([1]), np.array([3]))[0]), 4)
    1.5041
    """
    import optax

    def fn(target, output, target_length, output_length):
        output = output.astype(jnp.result_type(output.dtype, jnp.float32))
        target = target.astype("int32")
        label_pad = jnp.arange(target.shape[1])[None, :] >= target_length.astype("int32")[:, None]
        logit_pad = jnp.arange(output.shape[1])[None, :] >= output_length.astype("int32")[:, None]
        return optax.ctc_loss(
            output,
            logit_pad.astype(output.dtype),
            target,
            label_pad.astype(output.dtype),
            blank_id=mask_index,
        )

    return dispatch("ctc_loss", fn, target, output, target_length, output_length)


def ctc_decode(
    inputs,
    sequence_lengths,
    strategy="greedy",
    beam_width=100,
    top_paths=1,
    merge_repeated=True,
    mask_index=0,
):
    """Decodes CTC outputs greedily: the best class per step, repeats merged, blanks dropped.

    Args:
        inputs: scores, shape `(batch, max_time, num_classes)`.
        sequence_lengths: the number of valid steps of each sequence, shape `(batch,)`.
        strategy: `"greedy"` (lamina does not implement `"beam_search"` yet).
        beam_width, top_paths: beam-search settings (unused by the greedy strategy).
        merge_repeated: whether consecutive repeats collapse into one label.
        mask_index: the class index of the blank.

    Returns:
        A tuple `(decoded, scores)`: labels of shape `(1, batch, max_time)` padded with `-1`,
        and the negated sum of the best scores, shape `(batch, 1)`.

    Example:
    >>> scores = np.eye(3, dtype="float32")[[1, 1, 0, 2]][None]
    >>> ctc_decode(scores, np.array([4]))[0].tolist()
    [[[1, 2, -1, -1]]]
    """
    if strategy != "greedy":
        raise NotImplementedError(
            f"ctc_decode: strategy={strategy!r} is not implemented in lamina; use "
            "strategy='greedy'."
        )

    def fn(x, lengths):
        x = x.astype(jnp.result_type(x.dtype, jnp.float32))
        batch, steps, _ = x.shape
        labels = jnp.argmax(x, axis=-1)
        best = jnp.max(x, axis=-1)
        beyond = jnp.arange(steps)[None, :] >= lengths.astype("int32")[:, None]
        labels = jnp.where(beyond, mask_index, labels)
        best = jnp.where(beyond, 0.0, best)
        if merge_repeated:
            same = jnp.pad(labels[:, 1:] == labels[:, :-1], ((0, 0), (1, 0)))
            labels = jnp.where(same, mask_index, labels)
        blank = labels == mask_index
        labels = jnp.where(blank, -1, labels)
        order = jnp.argsort(jnp.where(blank, steps, jnp.arange(steps)[None, :]), axis=-1)
        labels = jnp.take_along_axis(labels, order, axis=-1)
        return labels[None].astype("int32"), -jnp.sum(best, axis=1)[:, None]

    return dispatch("ctc_decode", fn, inputs, sequence_lengths)


# ---------------------------------------------------------------- array utilities


def nonzero(x):
    """The indices of the non-zero entries, one index array per axis.

    Args:
        x: a tensor.

    Returns:
        A tuple of int32 index arrays (not usable under `jit`: the size depends on the data).

    Example:
    >>> [a.tolist() for a in nonzero(np.array([0, 3, 0, 5]))]
    [[1, 3]]
    """
    return dispatch("nonzero", lambda x: tuple(i.astype("int32") for i in jnp.nonzero(x)), x)


def unique(
    x,
    sorted=True,  # noqa: A002
    return_index=False,
    return_inverse=False,
    return_counts=False,
    axis=None,
    size=None,
    fill_value=None,
):
    """The distinct values of `x` (sorted), optionally with where they occur and how often.

    Args:
        x: a tensor.
        sorted: must be `True` (values always come out sorted).
        return_index: also return the index of each value's first occurrence.
        return_inverse: also return, for each entry of `x`, the position of its value.
        return_counts: also return how often each value occurs.
        axis: the axis to find unique slices along (default: flatten `x`).
        size: a fixed output length (padded with `fill_value`), needed under `jit`.
        fill_value: the padding value when `size` exceeds the number of distinct values.

    Returns:
        The unique values, or a tuple of them and the requested extras.

    Example:
    >>> unique(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    if not sorted:
        raise ValueError("unique: `sorted=False` is not supported; values come out sorted.")

    def fn(x):
        out = jnp.unique(
            x,
            return_index=return_index,
            return_inverse=return_inverse,
            return_counts=return_counts,
            axis=axis,
            size=size,
            fill_value=fill_value,
        )
        return tuple(out) if isinstance(out, (tuple, list)) else out

    return dispatch("unique", fn, x)


def saturate_cast(x, dtype):
    """Casts to `dtype`, clipping values to its range first (no wrap-around).

    Args:
        x: a tensor.
        dtype: the target dtype.

    Returns:
        The cast tensor.

    Example:
    >>> saturate_cast(np.array([-1.0, 300.0]), "uint8").tolist()
    [0, 255]
    """

    def fn(x):
        target = jnp.dtype(dtype)
        src = jnp.dtype(x.dtype)
        if jnp.issubdtype(target, jnp.bool_):
            return x.astype(target)
        info = jnp.iinfo if jnp.issubdtype(target, jnp.integer) else jnp.finfo
        lo, hi = info(target).min, info(target).max
        if jnp.issubdtype(src, jnp.bool_):
            return x.astype(target)
        src_info = jnp.iinfo if jnp.issubdtype(src, jnp.integer) else jnp.finfo
        s_lo, s_hi = src_info(src).min, src_info(src).max
        lo_c = np.array(max(lo, s_lo)).astype(src) if float(lo) > float(s_lo) else None
        hi_c = np.array(min(hi, s_hi)).astype(src) if float(hi) < float(s_hi) else None
        if hi_c is not None and jnp.issubdtype(src, jnp.floating) and float(hi_c) > float(hi):
            hi_c = np.nextafter(hi_c, np.array(-np.inf, src))
        if lo_c is not None:
            x = jnp.maximum(x, lo_c)
        if hi_c is not None:
            x = jnp.minimum(x, hi_c)
        return x.astype(target)

    return dispatch("saturate_cast", fn, x)


def view(x, dtype=None):
    """Reinterprets the bytes of `x` as `dtype` (the last axis scales with the item sizes).

    Args:
        x: a tensor.
        dtype: the new dtype (default: unchanged).

    Returns:
        A tensor of `dtype` sharing `x`'s bits.

    Example:
    >>> view(np.array([1.0], "float32"), "int32").tolist()
    [1065353216]
    """
    return dispatch("view", lambda x: x if dtype is None else x.view(jnp.dtype(dtype)), x)


def view_as_complex(x):
    """Reads the last axis (size 2) of a real tensor as the real and imaginary parts.

    Args:
        x: a float tensor of shape `(..., 2)`.

    Returns:
        A complex tensor of shape `(...)`.

    Example:
    >>> complex(view_as_complex(np.array([1.0, 2.0], "float32")))
    (1+2j)
    """

    def fn(x):
        if x.shape[-1:] != (2,):
            raise ValueError(
                f"view_as_complex: the last axis of `x` must have size 2; received {x.shape}."
            )
        return jax.lax.complex(x[..., 0], x[..., 1])

    return dispatch("view_as_complex", fn, x)


def view_as_real(x):
    """Splits a complex tensor into a trailing axis of size 2 (real, imaginary).

    Args:
        x: a complex tensor.

    Returns:
        A real tensor of shape `(..., 2)`.

    Example:
    >>> view_as_real(np.array([1 + 2j], "complex64")).tolist()
    [[1.0, 2.0]]
    """
    return dispatch("view_as_real", lambda x: jnp.stack([jnp.real(x), jnp.imag(x)], -1), x)


def associative_scan(f, elems, reverse=False, axis=0):
    """All prefix combinations `f(...f(f(e0, e1), e2)..., ek)` of an associative `f`, in
    parallel.

    Args:
        f: an associative function of two (nested) tensors.
        elems: a tensor or a nest of tensors scanned along `axis`.
        reverse: scan from the end.
        axis: the axis to scan along.

    Returns:
        The prefix results, with the structure and shape of `elems`.

    Example:
    >>> associative_scan(lambda a, b: a + b, np.array([1.0, 2.0, 3.0])).tolist()
    [1.0, 3.0, 6.0]
    """
    return jax.lax.associative_scan(f, elems, reverse=reverse, axis=axis)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """Turns a function of single elements (or of core shapes given by `signature`) into one
    that broadcasts over arrays, like `numpy.vectorize`.

    Args:
        pyfunc: the function to vectorize.
        excluded: positions or names of arguments passed through unchanged.
        signature: a generalized-ufunc signature such as `"(n),(n)->()"`.

    Returns:
        The vectorized function.

    Example:
    >>> add = vectorize(lambda a, b: a + b)
    >>> add(np.array([1, 2]), np.array([10, 20])).tolist()
    [11, 22]
    """
    return jnp.vectorize(pyfunc, excluded=excluded or frozenset(), signature=signature)


_GROUP = re.compile(r"\([^)]*\)|\S+")


def _parse_side(side: str) -> list[list[str]]:
    groups = []
    for token in _GROUP.findall(side):
        groups.append(token[1:-1].split() if token.startswith("(") else [token])
    return groups


def rearrange(tensor, pattern, **axes_lengths):
    """Reorders, merges and splits axes as described by an einops pattern.

    Args:
        tensor: the input tensor.
        pattern: `"input axes -> output axes"`, e.g. `"b h w c -> b (h w) c"`; parentheses
            group axes to merge (output) or split (input).
        **axes_lengths: the sizes of axes that a split cannot infer, e.g. `h=2`.

    Returns:
        The rearranged tensor.

    Example:
    >>> rearrange(np.zeros((2, 3, 4)), "b h w -> b (h w)").shape
    (2, 12)
    """
    if "->" not in pattern:
        raise ValueError(f"rearrange: `pattern` must contain '->'; received {pattern!r}.")
    left, right = (s.strip() for s in pattern.split("->"))
    lhs, rhs = _parse_side(left), _parse_side(right)

    def fn(x):
        if len(lhs) != x.ndim:
            raise ValueError(
                f"rearrange: the pattern's input side has {len(lhs)} axes but the tensor has "
                f"{x.ndim} (shape {x.shape})."
            )
        sizes = dict(axes_lengths)
        for group, dim in zip(lhs, x.shape):
            unknown = [a for a in group if a not in sizes]
            known = math.prod(sizes[a] for a in group if a in sizes)
            if len(unknown) > 1:
                raise ValueError(f"rearrange: give the sizes of all but one of {group}.")
            if unknown:
                sizes[unknown[0]] = dim // known
        flat = [a for g in lhs for a in g]
        x = x.reshape([sizes[a] for a in flat])
        out_flat = [a for g in rhs for a in g]
        missing = sorted(set(out_flat) ^ set(flat))
        if missing:
            raise ValueError(f"rearrange: axes {missing} appear on only one side of {pattern!r}.")
        x = jnp.transpose(x, [flat.index(a) for a in out_flat])
        return x.reshape([math.prod(sizes[a] for a in g) for g in rhs])

    return dispatch("rearrange", fn, tensor)


# Keras's operation classes for these functions (module, class, constructor args, call args),
# so functional models calling them are written and read in Keras's format.
KERAS_OPERATIONS_MORE = {
    "fft": ("math", "FFT", (), ("x",)),
    "fft2": ("math", "FFT2", (), ("x",)),
    "ifft2": ("math", "IFFT2", (), ("x",)),
    "rfft": ("math", "RFFT", ("fft_length",), ("x",)),
    "irfft": ("math", "IRFFT", ("fft_length",), ("x",)),
    "stft": (
        "math",
        "STFT",
        ("sequence_length", "sequence_stride", "fft_length", "window", "center"),
        ("x",),
    ),
    "istft": (
        "math",
        "ISTFT",
        ("sequence_length", "sequence_stride", "fft_length", "length", "window", "center"),
        ("x",),
    ),
    "extract_sequences": (
        "math",
        "ExtractSequences",
        ("sequence_length", "sequence_stride"),
        ("x",),
    ),
    "ctc_loss": (
        "nn",
        "CTCLoss",
        ("mask_index",),
        ("target", "output", "target_length", "output_length"),
    ),
    "rms_normalization": ("nn", "RMSNorm", ("axis", "epsilon"), ("x", "scale")),
    "adaptive_average_pool": (
        "nn",
        "AdaptiveAveragePool",
        ("output_size", "data_format"),
        ("inputs",),
    ),
    "adaptive_max_pool": ("nn", "AdaptiveMaxPool", ("output_size", "data_format"), ("inputs",)),
    "fold": ("nn", "Fold", ("output_size", "kernel_size", "dilation", "padding", "stride"), ("x",)),
    "unfold": ("nn", "Unfold", ("kernel_size", "dilation", "padding", "stride"), ("x",)),
    "polar": ("nn", "Polar", (), ("abs_", "angle")),
    "eig": ("linalg", "Eig", (), ("x",)),
    "lstsq": ("linalg", "Lstsq", ("rcond",), ("a", "b")),
    "lu_factor": ("linalg", "LuFactor", (), ("x",)),
    "matrix_rank": ("linalg", "MatrixRank", ("tol",), ("x",)),
    "pinv": ("linalg", "Pinv", ("rcond",), ("x",)),
    "slogdet": ("numpy", "Slogdet", (), ("x",)),
    "solve_triangular": ("linalg", "SolveTriangular", ("lower",), ("a", "b")),
    "cholesky_inverse": ("linalg", "CholeskyInverse", ("upper",), ("x",)),
    "cdist": ("math", "CDist", (), ("x", "y")),
    "view": ("numpy", "View", ("dtype",), ("x",)),
    "view_as_complex": ("math", "ViewAsComplex", (), ("x",)),
    "view_as_real": ("math", "ViewAsReal", (), ("x",)),
}


def register(scope: dict) -> None:
    """Adds these functions to the operation table and makes their public versions (in
    `scope`, the `lamina.ops` globals) record whole calls on symbolic tensors.

    Args:
        scope: the `lamina.ops` module's globals.

    Example:
        >>> import lamina as keras
        >>> y = keras.ops.fft2((keras.Input((4, 4)), keras.Input((4, 4))))  # recorded as one node
        >>> [t.shape for t in y]
        [(None, 4, 4), (None, 4, 4)]
    """
    from lamina.core.naming import to_snake_case
    from lamina.ops.keras_operations import KERAS_OPERATIONS
    from lamina.ops.operation import recording

    KERAS_OPERATIONS.update(KERAS_OPERATIONS_MORE)
    for name, (_, class_name, _, _) in KERAS_OPERATIONS_MORE.items():
        scope[name] = recording(name, to_snake_case(class_name), scope[name])
