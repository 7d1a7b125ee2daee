"""`STFTSpectrogram`: spectrograms of 1D signals, computed as convolutions with STFT kernels
(so the kernels can also be trained)."""

from __future__ import annotations

import math

import jax.numpy as jnp

from lamina import initializers
from lamina.core.config import epsilon, image_data_format
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer

_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


class STFTSpectrogram(Layer):
    """Short-time Fourier spectrograms of `(batch, time, channels)` signals, computed as a
    strided convolution with `real_kernel` / `imag_kernel` (initialized by the `STFT`
    initializer, trainable like any kernel).

    Args:
        mode: `"log"` (log magnitude), `"magnitude"`, `"psd"` (power spectral density),
            `"real"`, `"imag"`, `"angle"`, or `"stft"` (real and imaginary parts stacked).
        frame_length: the window length in samples.
        frame_step: the hop between frames (default `frame_length // 2`).
        fft_length: the FFT size (default: the next power of two >= `frame_length`).
        window: a window name such as `"hann"`, or `None`.
        periodic: use the periodic form of the window.
        scaling: `"density"`, `"spectrum"` or `None`.
        padding: `"valid"` or `"same"`.
        expand_dims: keep frequencies and channels as separate axes.
        data_format: `"channels_last"` or `"channels_first"`.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: a float tensor `(batch, time, channels)` (channels last).

    Returns:
        The spectrogram, `(batch, frames, channels * bins)` (or 4D with `expand_dims`).

    Example:
    >>> import numpy as np
    >>> layer = STFTSpectrogram(frame_length=16, frame_step=8)
    >>> layer(np.ones((1, 64, 1), "float32")).shape
    (1, 7, 9)
    """

    def __init__(
        self,
        mode="log",
        frame_length=256,
        frame_step=None,
        fft_length=None,
        window="hann",
        periodic=False,
        scaling="density",
        padding="valid",
        expand_dims=False,
        data_format=None,
        **kwargs,
    ):
        if frame_step is not None and (frame_step > frame_length or frame_step < 1):
            raise ValueError(
                "STFTSpectrogram: `frame_step` must be a positive integer not greater than "
                f"`frame_length`; received frame_step={frame_step}, frame_length={frame_length}."
            )
        if fft_length is not None and fft_length < frame_length:
            raise ValueError(
                "STFTSpectrogram: `fft_length` must be >= `frame_length`; received "
                f"fft_length={fft_length}, frame_length={frame_length}."
            )
        if mode not in _MODES:
            raise ValueError(f"STFTSpectrogram: `mode` must be one of {_MODES}; received {mode!r}.")
        if scaling not in (None, "density", "spectrum"):
            raise ValueError(
                "STFTSpectrogram: `scaling` must be None, 'density' or 'spectrum'; received "
                f"{scaling!r}."
            )
        if padding not in ("valid", "same"):
            raise ValueError(
                f"STFTSpectrogram: `padding` must be 'valid' or 'same'; received {padding!r}."
            )
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = window
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.data_format = data_format or image_data_format()
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(
                name="real_kernel",
                shape=shape,
                initializer=initializers.STFT("real", self.window, self.scaling, self.periodic),
            )
        if self.mode != "real":
            self.imag_kernel = self.add_weight(
                name="imag_kernel",
                shape=shape,
                initializer=initializers.STFT("imag", self.window, self.scaling, self.periodic),
            )
        self.built = True

    def _conv(self, inputs, kernel):
        from lamina.ops.nn_more import conv

        last = self.data_format == "channels_last"
        channels = inputs.shape[-1] if last else inputs.shape[1]
        # Each channel is transformed on its own: channels go into the batch axis.
        if last:
            x = jnp.transpose(inputs, (0, 2, 1)).reshape(-1, inputs.shape[1], 1)
        else:
            x = inputs.reshape(-1, 1, inputs.shape[2])
        out = conv(
            x,
            kernel.value.astype(inputs.dtype),
            padding=self.padding,
            strides=self._frame_step,
            data_format=self.data_format,
        )
        if last:
            out = jnp.transpose(out, (0, 2, 1))
        _, bins, frames = out.shape
        return out.reshape(-1, channels, bins, frames)  # (batch, channels, bins, frames)

    def _layout(self, x):
        _, channels, bins, frames = x.shape
        if self.data_format == "channels_last":
            if self.expand_dims:
                return jnp.transpose(x, (0, 3, 2, 1))
            return jnp.transpose(x.reshape(-1, channels * bins, frames), (0, 2, 1))
        if self.expand_dims:
            return jnp.transpose(x, (0, 1, 3, 2))
        return x.reshape(-1, channels * bins, frames)

    def call(self, inputs):
        if jnp.dtype(inputs.dtype) not in (jnp.float16, jnp.float32, jnp.float64):
            raise TypeError(
                "STFTSpectrogram: inputs must be float16, float32 or float64; received "
                f"{inputs.dtype}."
            )
        real = self._conv(inputs, self.real_kernel) if self.mode != "imag" else None
        imag = self._conv(inputs, self.imag_kernel) if self.mode != "real" else None
        if self.mode == "real":
            return self._layout(real)
        if self.mode == "imag":
            return self._layout(imag)
        if self.mode == "angle":
            return self._layout(jnp.arctan2(imag, real))
        if self.mode == "stft":
            return self._layout(jnp.concatenate([real, imag], axis=2))
        power = real * real + imag * imag
        if self.mode == "psd":
            return self._layout(
                power + jnp.pad(power[:, :, 1:-1, :], ((0, 0), (0, 0), (1, 1), (0, 0)))
            )
        linear = self._layout(jnp.sqrt(jnp.maximum(power, epsilon())))
        if self.mode == "magnitude":
            return linear
        return jnp.log(jnp.maximum(linear, epsilon()))

    def compute_output_shape(self, input_shape):
        last = self.data_format == "channels_last"
        batch = input_shape[0]
        time = input_shape[1] if last else input_shape[2]
        channels = input_shape[2] if last else input_shape[1]
        bins = self._fft_length // 2 + 1
        if self.mode == "stft":
            bins *= 2
        if time is None:
            frames = None
        elif self.padding == "same":
            frames = -(-time // self._frame_step)
        else:
            frames = (time - self.frame_length) // self._frame_step + 1
        if self.expand_dims:
            return (batch, frames, bins, channels) if last else (batch, channels, frames, bins)
        return (batch, frames, bins * channels) if last else (batch, bins * channels, frames)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "mode": self.mode,
                "frame_length": self.frame_length,
                "frame_step": self.frame_step,
                "fft_length": self.fft_length,
                "window": self.window,
                "periodic": self.periodic,
                "scaling": self.scaling,
                "padding": self.padding,
                "data_format": self.data_format,
                "expand_dims": self.expand_dims,
            }
        )
        return config
