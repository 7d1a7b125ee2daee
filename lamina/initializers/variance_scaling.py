"""VarianceScaling and its named presets (Glorot, He, LeCun; uniform and normal)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jax

from lamina.initializers.initializer import resolve_dtype, standardize_shape
from lamina.initializers.random_initializers import (
    RandomInitializer,
    normal,
    truncated_normal,
    uniform,
)

# Standard deviation of a unit normal truncated to [-2, 2].
_TRUNCATED_STDDEV = 0.87962566103423978


def compute_fans(
    shape: Sequence[int],
    input_axes: Sequence[int] | None = None,
    output_axes: Sequence[int] | None = None,
) -> tuple[int, int]:
    """The fan-in and fan-out of a weight of this shape.

    With both `input_axes` and `output_axes`, the fans are the products of those dimensions.
    Otherwise: a scalar has fans (1, 1), a vector (n, n), a matrix (rows, cols), and a
    convolution kernel `(*spatial, in, out)` has `(in, out)` times the receptive field size.

    Args:
        shape: the weight's shape.
        input_axes: optional axes whose sizes multiply into the fan-in.
        output_axes: optional axes whose sizes multiply into the fan-out.

    Returns:
        `(fan_in, fan_out)` as ints.

    Example:
        >>> from lamina.initializers.variance_scaling import compute_fans
        >>> compute_fans((3, 3, 8, 16))  # a 3x3 conv kernel
        (72, 144)
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (
            int(math.prod(shape[a] for a in input_axes)),
            int(math.prod(shape[a] for a in output_axes)),
        )
    if not shape:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive_field = math.prod(shape[:-2])
    return int(shape[-2] * receptive_field), int(shape[-1] * receptive_field)


class VarianceScaling(RandomInitializer):
    """Random values whose variance is `scale / n`, with `n` chosen by `mode`.

    Args:
        scale: a positive factor.
        mode: "fan_in", "fan_out" or "fan_avg" (mean of the two).
        distribution: "truncated_normal" (alias "normal"), "untruncated_normal" or "uniform".
        seed: see `RandomInitializer`.
        input_axes: axes counted in the fan-in (used only together with `output_axes`).
        output_axes: axes counted in the fan-out.

    Example:
        >>> import lamina as keras
        >>> init = keras.initializers.VarianceScaling(
        ...     scale=2.0, mode="fan_in", distribution="uniform", seed=0
        ... )
        >>> w = init((200, 100))  # limit sqrt(3 * 2 / 200) ~ 0.173
        >>> w.shape, bool(abs(w).max() <= (3 * 2 / 200) ** 0.5)
        ((200, 100), True)
    """

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: Any = None,
        input_axes: Sequence[int] | None = None,
        output_axes: Sequence[int] | None = None,
    ):
        if scale <= 0.0:
            raise ValueError(
                f"{type(self).__name__}: `scale` must be a positive float, received scale={scale}."
            )
        modes = ("fan_in", "fan_out", "fan_avg")
        if mode not in modes:
            raise ValueError(
                f"{type(self).__name__}: `mode` must be one of {modes}, received mode={mode!r}."
            )
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        distributions = ("uniform", "truncated_normal", "untruncated_normal")
        if distribution not in distributions:
            raise ValueError(
                f"{type(self).__name__}: `distribution` must be one of {distributions} (or "
                f"'normal'), received distribution={distribution!r}."
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> jax.Array:
        shape = standardize_shape(shape)
        dtype = resolve_dtype(dtype)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        variance = self.scale / max(1.0, fan[self.mode])
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / _TRUNCATED_STDDEV
            return truncated_normal(self._key(), shape, 0.0, stddev, dtype)
        if self.distribution == "untruncated_normal":
            return normal(self._key(), shape, 0.0, math.sqrt(variance), dtype)
        limit = math.sqrt(3.0 * variance)
        return uniform(self._key(), shape, -limit, limit, dtype)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed scale, mode and distribution; configured by seed and axes."""

    _scale: float = 1.0
    _mode: str = "fan_in"
    _distribution: str = "truncated_normal"

    def __init__(
        self,
        seed: Any = None,
        input_axes: Sequence[int] | None = None,
        output_axes: Sequence[int] | None = None,
    ):
        super().__init__(
            scale=self._scale,
            mode=self._mode,
            distribution=self._distribution,
            seed=seed,
            input_axes=input_axes,
            output_axes=output_axes,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        return {key: config[key] for key in ("seed", "input_axes", "output_axes")}


class GlorotUniform(_Preset):
    """Uniform on `[-limit, limit]` with `limit = sqrt(6 / (fan_in + fan_out))` (Xavier).

    Args:
        seed: an int, a `keras.random.SeedGenerator`, or None (see `RandomInitializer`).
        input_axes: optional axes counted in the fan-in (used only together with `output_axes`).
        output_axes: optional axes counted in the fan-out.

    Example:
        >>> import lamina as keras
        >>> w = keras.initializers.GlorotUniform(seed=0)((64, 32))
        >>> w.shape, bool(abs(w).max() <= (6 / (64 + 32)) ** 0.5)
        ((64, 32), True)
    """

    _mode = "fan_avg"
    _distribution = "uniform"


class GlorotNormal(_Preset):
    """Truncated normal with stddev `sqrt(2 / (fan_in + fan_out))` (before truncation).

    Args:
        seed: an int, a `keras.random.SeedGenerator`, or None (see `RandomInitializer`).
        input_axes: optional axes counted in the fan-in (used only together with `output_axes`).
        output_axes: optional axes counted in the fan-out.

    Example:
        >>> import lamina as keras
        >>> w = keras.initializers.GlorotNormal(seed=0)((64, 32))
        >>> w.shape, round(float(w.std()), 2)  # about sqrt(2 / (64 + 32)) = 0.144
        ((64, 32), 0.15)
    """

    _mode = "fan_avg"


class HeUniform(_Preset):
    """Uniform on `[-limit, limit]` with `limit = sqrt(6 / fan_in)`.

    Args:
        seed: an int, a `keras.random.SeedGenerator`, or None (see `RandomInitializer`).
        input_axes: optional axes counted in the fan-in (used only together with `output_axes`).
        output_axes: optional axes counted in the fan-out.

    Example:
        >>> import lamina as keras
        >>> w = keras.initializers.HeUniform(seed=0)((64, 32))
        >>> w.shape, bool(abs(w).max() <= (6 / 64) ** 0.5)
        ((64, 32), True)
    """

    _scale = 2.0
    _distribution = "uniform"


class HeNormal(_Preset):
    """Truncated normal with stddev `sqrt(2 / fan_in)` (before truncation).

    Args:
        seed: an int, a `keras.random.SeedGenerator`, or None (see `RandomInitializer`).
        input_axes: optional axes counted in the fan-in (used only together with `output_axes`).
        output_axes: optional axes counted in the fan-out.

    Example:
        >>> import lamina as keras
        >>> w = keras.initializers.HeNormal(seed=0)((64, 32))
        >>> w.shape, round(float(w.std()), 2)  # about sqrt(2 / 64) = 0.177
        ((64, 32), 0.18)
    """

    _scale = 2.0


class LecunUniform(_Preset):
    """Uniform on `[-limit, limit]` with `limit = sqrt(3 / fan_in)`.

    Args:
        seed: an int, a `keras.random.SeedGenerator`, or None (see `RandomInitializer`).
        input_axes: optional axes counted in the fan-in (used only together with `output_axes`).
        output_axes: optional axes counted in the fan-out.

    Example:
        >>> import lamina as keras
        >>> w = keras.initializers.LecunUniform(seed=0)((64, 32))
        >>> w.shape, bool(abs(w).max() <= (3 / 64) ** 0.5)
        ((64, 32), True)
    """

    _distribution = "uniform"


class LecunNormal(_Preset):
    """Truncated normal with stddev `sqrt(1 / fan_in)` (before truncation).

    Args:
        seed: an int, a `keras.random.SeedGenerator`, or None (see `RandomInitializer`).
        input_axes: optional axes counted in the fan-in (used only together with `output_axes`).
        output_axes: optional axes counted in the fan-out.

    Example:
        >>> import lamina as keras
        >>> w = keras.initializers.LecunNormal(seed=0)((64, 32))
        >>> w.shape, round(float(w.std()), 2)  # about sqrt(1 / 64) = 0.125
        ((64, 32), 0.13)
    """
