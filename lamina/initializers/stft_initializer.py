"""The STFT initializer: real or imaginary Fourier kernels for `(frame, channels, bins)`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from lamina.initializers.initializer import Initializer, resolve_dtype, standardize_shape

# Generalized cosine windows: w[n] = sum_k (-1)^k a_k cos(2 pi k n / (N - 1)).
_COSINE_WINDOWS = {
    "hann": (0.5, 0.5),
    "hanning": (0.5, 0.5),
    "hamming": (0.54, 0.46),
    "blackman": (0.42, 0.5, 0.08),
    "boxcar": (1.0,),
    "rectangular": (1.0,),
    "ones": (1.0,),
}
_WINDOW_NAMES = (*_COSINE_WINDOWS, "bartlett", "triangle")


def window_values(name: str, length: int, periodic: bool = False) -> np.ndarray:
    """Samples of a named window (scipy's definitions; a periodic window drops the last of
    `length + 1` symmetric samples).

    Args:
        name: "hann" (or "hanning"), "hamming", "blackman", "bartlett", "triangle", or
            "boxcar" (or "rectangular", "ones").
        length: the number of samples.
        periodic: whether to return the periodic variant instead of the symmetric one.

    Returns:
        A float64 NumPy array of `length` samples.

    Raises:
        ValueError: for unknown window names.

    Example:
        >>> from lamina.initializers.stft_initializer import window_values
        >>> window_values("hann", 5).round(3).tolist()
        [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    if name not in _WINDOW_NAMES:
        raise ValueError(
            f"STFT: unknown window {name!r}; supported names are {', '.join(_WINDOW_NAMES)}, "
            "or pass the window values as an array."
        )
    size = length + 1 if periodic else length
    if length <= 1:
        values = np.ones(length)
    elif name == "bartlett":
        values = np.bartlett(size)
    elif name == "triangle":
        n = np.arange(1, (size + 1) // 2 + 1)
        if size % 2:
            half = 2.0 * n / (size + 1)
            values = np.concatenate([half, half[-2::-1]])
        else:
            half = (2.0 * n - 1.0) / size
            values = np.concatenate([half, half[::-1]])
    else:
        phase = 2.0 * math.pi * np.arange(size) / (size - 1)
        values = np.zeros(size)
        for k, a in enumerate(_COSINE_WINDOWS[name]):
            values += (-1) ** k * a * np.cos(k * phase)
    return values[:length]


class STFT(Initializer):
    """Kernels of a short-time Fourier transform, for the `STFTSpectrogram` layer.

    The shape is `(frame_length, input_channels, fft_bins)`; entry `(t, c, f)` is
    `cos` (side "real") or `sin` (side "imag") of `-2 pi t f / ((fft_bins - 1) * 2)`, times the
    window and divided by the window's L2 norm ("density") or L1 norm ("spectrum").

    Args:
        side: "real" or "imag".
        window: a window name ("hann", "hamming", "blackman", "bartlett", "triangle",
            "boxcar"), an array of `frame_length` values, or None for no window.
        scaling: "density", "spectrum" or None.
        periodic: whether a named window is periodic rather than symmetric.

    Example:
        >>> import lamina as keras
        >>> kernel = keras.initializers.STFT(side="real", window=None, scaling=None)((4, 1, 3))
        >>> kernel.shape, kernel[:, 0, 0].tolist()  # frequency 0: cos(0) = 1
        ((4, 1, 3), [1.0, 1.0, 1.0, 1.0])
    """

    def __init__(
        self,
        side: str = "real",
        window: str | Sequence[float] | None = "hann",
        scaling: str | None = "density",
        periodic: bool = False,
    ):
        if side not in ("real", "imag"):
            raise ValueError(f"STFT: `side` must be 'real' or 'imag', received {side!r}.")
        if isinstance(window, str):
            window_values(window, 1)
        if scaling not in (None, "density", "spectrum"):
            raise ValueError(
                f"STFT: `scaling` must be None, 'density' or 'spectrum', received {scaling!r}."
            )
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> jax.Array:
        dtype = resolve_dtype(dtype)
        frame_length, _, fft_bins = standardize_shape(shape)
        time = jnp.arange(frame_length, dtype=dtype).reshape(frame_length, 1, 1)
        freq = jnp.arange(fft_bins, dtype=dtype).reshape(1, 1, fft_bins) / ((fft_bins - 1) * 2)
        angle = -2 * time * freq * jnp.asarray(math.pi, dtype)
        kernel = (jnp.cos(angle) if self.side == "real" else jnp.sin(angle)).astype(dtype)
        if self.window is None:
            return kernel
        if isinstance(self.window, str):
            window = window_values(self.window, frame_length, self.periodic)
        else:
            window = np.asarray(self.window)
        window = jnp.asarray(window, dtype=dtype)
        if window.shape != (frame_length,):
            raise ValueError(
                f"STFT: the window must have shape ({frame_length},) to match frame_length, "
                f"received shape {window.shape}."
            )
        window = window.reshape(frame_length, 1, 1)
        scale = 1.0
        if self.scaling == "density":
            scale = jnp.sqrt(jnp.sum(window**2))
        elif self.scaling == "spectrum":
            scale = jnp.sum(jnp.abs(window))
        return kernel * window / scale

    def get_config(self) -> dict:
        return {
            "side": self.side,
            "window": self.window,
            "periodic": self.periodic,
            "scaling": self.scaling,
        }
