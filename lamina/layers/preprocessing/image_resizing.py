"""`Resizing` and `CenterCrop`: deterministic changes of image size."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.layer import Layer
from lamina.ops.image_resize import _slice_hw as _slice_hw
from lamina.ops.image_resize import resize_images as resize_images
from lamina.ops.image_resize import spatial_axes as spatial_axes

INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")


def standardize_data_format(data_format: str | None, layer: str) -> str:
    from lamina.core.config import image_data_format

    data_format = data_format or image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{layer}: `data_format` must be 'channels_last' or 'channels_first', received "
            f"{data_format!r}."
        )
    return data_format


def _resize_keep_dtype(images, **kwargs):
    if jnp.issubdtype(images.dtype, jnp.floating):
        return resize_images(images, **kwargs)
    out = resize_images(images.astype("float32"), **kwargs)
    info = jnp.iinfo(images.dtype)
    return jnp.clip(jnp.round(out), info.min, info.max).astype(images.dtype)


def _output_shape(input_shape, height, width, data_format):
    shape = list(input_shape)
    ha, wa = spatial_axes(len(shape), data_format)
    shape[ha], shape[wa] = height, width
    return tuple(shape)


class Resizing(Layer):
    """Resizes images (rank 3 or a rank-4 batch) to `(height, width)`.

    `crop_to_aspect_ratio` first crops the largest centred box of the target aspect ratio;
    `pad_to_aspect_ratio` pads (with `fill_value`) instead. Integer images keep their dtype.
    """

    def __init__(
        self,
        height: int,
        width: int,
        interpolation: str = "bilinear",
        crop_to_aspect_ratio: bool = False,
        pad_to_aspect_ratio: bool = False,
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        antialias: bool = False,
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"Resizing: `interpolation` must be one of {INTERPOLATIONS}, received "
                f"{interpolation!r}."
            )
        if fill_mode != "constant":
            raise ValueError(
                f"Resizing: only fill_mode='constant' is supported, received {fill_mode!r}."
            )
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(
                "Resizing: only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be "
                "True."
            )
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)
        self.data_format = standardize_data_format(data_format, "Resizing")
        self.built = True

    def call(self, inputs):
        return _resize_keep_dtype(
            inputs,
            height=self.height,
            width=self.width,
            interpolation=self.interpolation,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio,
            fill_value=self.fill_value,
            antialias=self.antialias,
            data_format=self.data_format,
        )

    def compute_output_shape(self, input_shape):
        return _output_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "data_format": self.data_format,
                "height": self.height,
                "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
                "fill_mode": self.fill_mode,
                "fill_value": self.fill_value,
                "antialias": self.antialias,
            }
        )
        return config


class CenterCrop(Layer):
    """Crops the centre `(height, width)` of images; an image smaller than the target is first
    cropped to the target aspect ratio and resized (bilinear) instead. Outputs take the compute
    dtype."""

    def __init__(self, height: int, width: int, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.height = height
        self.width = width
        self.data_format = standardize_data_format(data_format, "CenterCrop")
        self.built = True

    def call(self, inputs):
        inputs = inputs.astype(self.compute_dtype)
        ha, wa = spatial_axes(inputs.ndim, self.data_format)
        in_h, in_w = inputs.shape[ha], inputs.shape[wa]
        h_diff, w_diff = in_h - self.height, in_w - self.width
        if h_diff >= 0 and w_diff >= 0:
            return _slice_hw(
                inputs, self.data_format, h_diff // 2, self.height, w_diff // 2, self.width
            )
        return resize_images(
            inputs,
            self.height,
            self.width,
            crop_to_aspect_ratio=True,
            data_format=self.data_format,
        )

    def compute_output_shape(self, input_shape):
        return _output_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "height": self.height, "width": self.width})
        return config
