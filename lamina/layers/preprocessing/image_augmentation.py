"""Random image augmentation: `RandomFlip`, `RandomRotation`, `RandomZoom`,
`RandomTranslation` (the colour, crop, mixing and other augmentation layers are in
`image_preprocessing`).

Each layer transforms its input only when `training` is true. As in Keras, `training` defaults
to True when the layer is called directly (`layer(images)`); inside `fit` it is True and inside
`predict`/`evaluate` (or with `training=False`) the layer is the identity. Randomness comes from
the layer's `SeedGenerator`, so the same seed gives the same augmentations.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy.ndimage import map_coordinates

from lamina.core.layer import Layer
from lamina.core.random import SeedGenerator
from lamina.layers.preprocessing.image_resizing import spatial_axes, standardize_data_format

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def affine_transform(images, transform, interpolation, fill_mode, fill_value, data_format):
    """Samples `images` at the points given by `transform` (one row of 8 numbers
    `[a0, a1, a2, b0, b1, b2, c0, c1]` per image), which maps an output pixel `(x, y)` to the
    input point `(a0*x + a1*y + a2, b0*x + b1*y + b2)`; `c0, c1` must be 0."""
    unbatched = images.ndim == 3
    if unbatched:
        images = images[None]
    if data_format == "channels_first":
        images = jnp.moveaxis(images, 1, -1)
    h, w = images.shape[1], images.shape[2]
    yy, xx = jnp.meshgrid(
        jnp.arange(h, dtype=transform.dtype), jnp.arange(w, dtype=transform.dtype), indexing="ij"
    )
    t = [transform[:, i, None, None] for i in range(6)]
    x_in = t[0] * xx + t[1] * yy + t[2]
    y_in = t[3] * xx + t[4] * yy + t[5]
    order = 0 if interpolation == "nearest" else 1

    def sample_channel(channel, ys, xs):
        return map_coordinates(channel, [ys, xs], order=order, mode=fill_mode, cval=fill_value)

    def sample_image(image, ys, xs):
        return jax.vmap(sample_channel, in_axes=(-1, None, None), out_axes=-1)(image, ys, xs)

    out = jax.vmap(sample_image)(images, y_in, x_in).astype(images.dtype)
    if data_format == "channels_first":
        out = jnp.moveaxis(out, -1, 1)
    return out[0] if unbatched else out


def _batch_size(images):
    return images.shape[0] if images.ndim == 4 else 1


def _check_modes(layer: str, fill_mode: str, interpolation: str) -> None:
    if fill_mode not in FILL_MODES:
        raise NotImplementedError(
            f"{layer}: unknown `fill_mode` {fill_mode!r}; expected one of {FILL_MODES}."
        )
    if interpolation not in INTERPOLATIONS:
        raise NotImplementedError(
            f"{layer}: unknown `interpolation` {interpolation!r}; expected one of {INTERPOLATIONS}."
        )


def _symmetric_range(layer: str, name: str, factor, allow_minus_one: bool):
    """`factor` as a `(lower, upper)` pair within [-1, 1] (a number f gives (-|f|, |f|))."""
    msg = (
        f"{layer}: `{name}` must be a number or a pair of numbers in [-1, 1], received "
        f"{name}={factor!r}."
    )

    def check(v):
        if (
            not isinstance(v, (int, float))
            or v > 1.0
            or v < -1.0
            or (v == -1.0 and not allow_minus_one)
        ):
            raise ValueError(msg)

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(msg)
        check(factor[0])
        check(factor[1])
        return tuple(sorted(factor))
    check(factor)
    return -abs(factor), abs(factor)


class _RandomImageLayer(Layer):
    """Shared plumbing: seed, data format, identity (with a cast) when not training."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.generator = SeedGenerator(seed)
        self.data_format = standardize_data_format(data_format, type(self).__name__)
        self.built = True

    def _key(self):
        return jax.random.wrap_key_data(self.generator.next())

    def call(self, inputs, training=None):
        # None (a direct call outside fit/predict) augments, as Keras's default does.
        spatial_axes(inputs.ndim, self.data_format)
        inputs = inputs.astype(self.compute_dtype)
        if training is not None and not training:
            return inputs
        return self._augment(inputs)

    def _augment(self, images):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class _AffineLayer(_RandomImageLayer):
    def __init__(self, fill_mode, interpolation, seed, fill_value, data_format, **kwargs):
        _check_modes(type(self).__name__, fill_mode, interpolation)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def _hw(self, images):
        ha, wa = spatial_axes(images.ndim, self.data_format)
        return images.shape[ha], images.shape[wa]

    def _affine(self, images, transform):
        return affine_transform(
            images, transform, self.interpolation, self.fill_mode, self.fill_value, self.data_format
        )


class RandomFlip(_RandomImageLayer):
    """Flips each image left-right and/or up-down with probability 1/2 (`mode` is
    `'horizontal'`, `'vertical'` or `'horizontal_and_vertical'`)."""

    def __init__(
        self, mode: str = "horizontal_and_vertical", seed=None, data_format=None, **kwargs
    ):
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(
                "RandomFlip: `mode` must be 'horizontal', 'vertical' or "
                f"'horizontal_and_vertical', received {mode!r}."
            )
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.mode = mode

    def _augment(self, images):
        batched = images.ndim == 4
        x = images if batched else images[None]
        flips = jax.random.uniform(self._key(), (x.shape[0], 1, 1, 1)) <= 0.5
        w_axis, h_axis = (-1, -2) if self.data_format == "channels_first" else (-2, -3)
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            x = jnp.where(flips, jnp.flip(x, axis=w_axis), x)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            x = jnp.where(flips, jnp.flip(x, axis=h_axis), x)
        return x if batched else x[0]

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "seed": self.seed, "mode": self.mode})
        return config


class RandomRotation(_AffineLayer):
    """Rotates each image by a random angle drawn from `factor * 2*pi` (a number f gives the
    range [-f, f] of full turns) about its centre."""

    def __init__(
        self,
        factor,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed=None,
        fill_value: float = 0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError(
                    f"RandomRotation: `factor` must be a number or a pair, received {factor!r}."
                )
            self.factor = tuple(sorted(factor))
        elif isinstance(factor, (int, float)):
            self.factor = (-abs(factor), abs(factor))
        else:
            raise ValueError(
                f"RandomRotation: `factor` must be a number or a pair, received {factor!r}."
            )

    def _augment(self, images):
        h, w = self._hw(images)
        n = _batch_size(images)
        angle = jax.random.uniform(
            self._key(), (n,), minval=self.factor[0] * 360.0, maxval=self.factor[1] * 360.0
        )
        angle = angle * (math.pi / 180.0)
        cx, cy = 0.5 * (w - 1), 0.5 * (h - 1)
        cos, sin = jnp.cos(angle), jnp.sin(angle)
        zeros = jnp.zeros_like(angle)
        transform = jnp.stack(
            [cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos, zeros, zeros],
            axis=1,
        )
        return self._affine(images, transform)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "data_format": self.data_format,
                "factor": self.factor,
                "fill_mode": self.fill_mode,
                "fill_value": self.fill_value,
                "interpolation": self.interpolation,
                "seed": self.seed,
            }
        )
        return config


class RandomZoom(_AffineLayer):
    """Zooms each image by a random factor: a height factor of 0.2 samples a scale in
    [0.8, 1.2] of the input per output pixel (negative values zoom in, positive zoom out);
    without `width_factor` the aspect ratio is kept."""

    def __init__(
        self,
        height_factor,
        width_factor=None,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed=None,
        fill_value: float = 0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self.height_lower, self.height_upper = _symmetric_range(
            "RandomZoom", "height_factor", height_factor, allow_minus_one=False
        )
        if width_factor is not None:
            self.width_lower, self.width_upper = _symmetric_range(
                "RandomZoom", "width_factor", width_factor, allow_minus_one=False
            )

    def _augment(self, images):
        h, w = self._hw(images)
        n = _batch_size(images)
        hz = jax.random.uniform(
            self._key(), (n,), minval=1.0 + self.height_lower, maxval=1.0 + self.height_upper
        )
        if self.width_factor is not None:
            wz = jax.random.uniform(
                self._key(), (n,), minval=1.0 + self.width_lower, maxval=1.0 + self.width_upper
            )
        else:
            wz = hz
        zeros = jnp.zeros_like(hz)
        transform = jnp.stack(
            [wz, zeros, (w - 1.0) / 2.0 * (1.0 - wz), zeros, hz, (h - 1.0) / 2.0 * (1.0 - hz)]
            + [zeros, zeros],
            axis=1,
        )
        return self._affine(images, transform)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "data_format": self.data_format,
                "height_factor": self.height_factor,
                "width_factor": self.width_factor,
                "fill_mode": self.fill_mode,
                "interpolation": self.interpolation,
                "seed": self.seed,
                "fill_value": self.fill_value,
            }
        )
        return config


class RandomTranslation(_AffineLayer):
    """Shifts each image by a random fraction of its height and width (a factor of 0.1 shifts
    by up to 10% either way)."""

    def __init__(
        self,
        height_factor,
        width_factor,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed=None,
        fill_value: float = 0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self.height_lower, self.height_upper = _symmetric_range(
            "RandomTranslation", "height_factor", height_factor, allow_minus_one=True
        )
        self.width_lower, self.width_upper = _symmetric_range(
            "RandomTranslation", "width_factor", width_factor, allow_minus_one=True
        )

    def _augment(self, images):
        h, w = self._hw(images)
        n = _batch_size(images)
        dy = (
            jax.random.uniform(
                self._key(), (n,), minval=self.height_lower, maxval=self.height_upper
            )
            * h
        )
        dx = (
            jax.random.uniform(self._key(), (n,), minval=self.width_lower, maxval=self.width_upper)
            * w
        )
        ones, zeros = jnp.ones_like(dx), jnp.zeros_like(dx)
        transform = jnp.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)
        return self._affine(images, transform)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "data_format": self.data_format,
                "height_factor": self.height_factor,
                "width_factor": self.width_factor,
                "fill_mode": self.fill_mode,
                "interpolation": self.interpolation,
                "seed": self.seed,
                "fill_value": self.fill_value,
            }
        )
        return config
