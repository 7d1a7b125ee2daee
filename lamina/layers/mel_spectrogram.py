"""`MelSpectrogram`: audio signals to (log-)mel spectrograms."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from lamina.core.layer import Layer

_BREAK_HZ = 700.0
_HIGH_Q = 1127.0


def _hz_to_mel(hz):
    return _HIGH_Q * np.log(1.0 + hz / _BREAK_HZ)


def mel_weight_matrix(num_mel_bins, num_spectrogram_bins, sampling_rate, lower_hz, upper_hz):
    """The `(num_spectrogram_bins, num_mel_bins)` matrix of triangular mel filters (HTK mel
    scale, peak 1, the DC bin left out), which maps a linear spectrogram to mel bands.

    Args:
        num_mel_bins: the number of mel bands.
        num_spectrogram_bins: the number of linear frequency bins (`fft_length // 2 + 1`).
        sampling_rate: the audio's sampling rate, in Hz.
        lower_hz: the lowest frequency of the bands.
        upper_hz: the highest frequency of the bands.

    Returns:
        A float32 NumPy array `(num_spectrogram_bins, num_mel_bins)`.

    Example:
        >>> from lamina.layers.mel_spectrogram import mel_weight_matrix
        >>> weights = mel_weight_matrix(8, 129, 16000, 20.0, 8000.0)
        >>> weights.shape, float(weights.max()) <= 1.0, float(weights[0].sum())
        ((129, 8), True, 0.0)
    """
    freqs = np.linspace(0.0, sampling_rate / 2.0, num_spectrogram_bins, dtype="float32")[1:]
    bins = _hz_to_mel(freqs)[:, None]
    edges = np.linspace(
        _hz_to_mel(np.float32(lower_hz)), _hz_to_mel(np.float32(upper_hz)), num_mel_bins + 2
    ).astype("float32")
    low, mid, high = edges[:-2][None], edges[1:-1][None], edges[2:][None]
    rising = (bins - low) / (mid - low)
    falling = (high - bins) / (high - mid)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return np.pad(weights, ((1, 0), (0, 0))).astype("float32")


class MelSpectrogram(Layer):
    """Computes mel spectrograms of raw audio: short-time Fourier magnitudes raised to
    `mag_exp`, mapped to `num_mel_bins` mel bands, and (by default) converted to decibels.

    Args:
        fft_length: the FFT size of each frame.
        sequence_stride: the hop between frames, in samples.
        sequence_length: the window length (default `fft_length`).
        window: `"hann"`, `"hamming"` or `None`.
        sampling_rate: samples per second of the input.
        num_mel_bins: the number of mel bands.
        min_freq, max_freq: the frequency range of the filters (default max: Nyquist).
        power_to_db: convert to decibels (`10 log10`, floored at `min_power`, relative to
            `ref_power`, clipped `top_db` below the maximum).
        top_db, mag_exp, min_power, ref_power: see `power_to_db` (`mag_exp=2` is power).
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: audio of shape `(samples,)` or `(batch, samples)`.

    Returns:
        A spectrogram of shape `(..., num_mel_bins, frames)`.

    Example:
    >>> layer = MelSpectrogram(fft_length=64, sequence_stride=32, num_mel_bins=8)
    >>> layer(np.zeros((2, 256), "float32")).shape
    (2, 8, 9)
    """

    def __init__(
        self,
        fft_length=2048,
        sequence_stride=512,
        sequence_length=None,
        window="hann",
        sampling_rate=16000,
        num_mel_bins=128,
        min_freq=20.0,
        max_freq=None,
        power_to_db=True,
        top_db=80.0,
        mag_exp=2.0,
        min_power=1e-10,
        ref_power=1.0,
        **kwargs,
    ):
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(
                "MelSpectrogram: `fft_length` must be >= `sequence_length`; received "
                f"sequence_length={self.sequence_length}, fft_length={self.fft_length}."
            )
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power
        super().__init__(**kwargs)
        self.built = True

    def call(self, inputs):
        from lamina.ops.signal_linalg import stft

        dtype = self.compute_dtype if self.compute_dtype in ("float32", "float64") else "float32"
        x = jnp.asarray(inputs).astype(dtype)
        real, imag = stft(
            x,
            sequence_length=self.sequence_length,
            sequence_stride=self.sequence_stride,
            fft_length=self.fft_length,
            window=self.window,
            center=True,
        )
        spec = jnp.power(jnp.sqrt(real * real + imag * imag), self.mag_exp)
        matrix = mel_weight_matrix(
            self.num_mel_bins, spec.shape[-1], self.sampling_rate, self.min_freq, self.max_freq
        )
        out = jnp.tensordot(spec, jnp.asarray(matrix, spec.dtype), axes=1)
        if self.power_to_db:
            db = 10.0 * jnp.log10(jnp.maximum(out, self.min_power))
            db = db - 10.0 * np.log10(max(abs(self.ref_power), self.min_power))
            out = jnp.maximum(db, jnp.max(db) - self.top_db)
        return jnp.swapaxes(out, -1, -2).astype(self.compute_dtype)

    def compute_output_shape(self, input_shape):
        def frames(n):
            return None if n is None else (n + self.sequence_stride + 1) // self.sequence_stride

        if len(input_shape) == 1:
            return (self.num_mel_bins, frames(input_shape[0]))
        return (input_shape[0], self.num_mel_bins, frames(input_shape[1]))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "fft_length": self.fft_length,
                "sequence_stride": self.sequence_stride,
                "sequence_length": self.sequence_length,
                "window": self.window,
                "sampling_rate": self.sampling_rate,
                "num_mel_bins": self.num_mel_bins,
                "min_freq": self.min_freq,
                "max_freq": self.max_freq,
                "power_to_db": self.power_to_db,
                "top_db": self.top_db,
                "mag_exp": self.mag_exp,
                "min_power": self.min_power,
                "ref_power": self.ref_power,
            }
        )
        return config
