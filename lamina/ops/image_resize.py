"""Image resizing maths (with Keras's aspect-ratio crop and pad boxes), shared by
`keras.ops.image.resize` and the `Resizing` / `CenterCrop` layers."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def spatial_axes(ndim: int, data_format: str) -> tuple[int, int]:
    """The (height, width) axes of a rank-3 or rank-4 image tensor.

    Args:
        ndim: the tensor's rank (3 or 4).
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        A tuple of two negative axis indices.

    Raises:
        ValueError: another rank.

    Example:
        >>> from lamina.ops.image_resize import spatial_axes
        >>> spatial_axes(4, "channels_last"), spatial_axes(3, "channels_first")
        ((-3, -2), (-2, -1))
    """
    if ndim not in (3, 4):
        raise ValueError(
            f"expected a rank-3 image or a rank-4 batch of images, received rank {ndim}."
        )
    return (-2, -1) if data_format == "channels_first" else (-3, -2)


def _slice_hw(images, data_format, h0, h, w0, w):
    ha, wa = spatial_axes(images.ndim, data_format)
    images = jax.lax.slice_in_dim(images, h0, h0 + h, axis=images.ndim + ha)
    return jax.lax.slice_in_dim(images, w0, w0 + w, axis=images.ndim + wa)


def resize_images(
    images,
    height: int,
    width: int,
    interpolation: str = "bilinear",
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    fill_value: float = 0.0,
    antialias: bool = False,
    data_format: str = "channels_last",
):
    """Resizes images with `jax.image.resize`, optionally cropping or padding (centred) to the
    target aspect ratio first. The arithmetic of the crop and pad boxes follows Keras.

    Args:
        images: a rank-3 image or a rank-4 batch.
        height: the output height.
        width: the output width.
        interpolation: a `jax.image.resize` method: `"bilinear"`, `"nearest"`, `"bicubic"`,
            `"lanczos3"` or `"lanczos5"`.
        crop_to_aspect_ratio: crop the centre to the target aspect ratio first.
        pad_to_aspect_ratio: pad (centred) to the target aspect ratio first.
        fill_value: the padding value.
        antialias: filter when downsampling.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        The resized images.

    Example:
        >>> import numpy as np
        >>> from lamina.ops.image_resize import resize_images
        >>> resize_images(np.ones((2, 8, 6, 3)), 4, 4).shape
        (2, 4, 4, 3)
        >>> resize_images(np.ones((8, 4, 1)), 4, 4, pad_to_aspect_ratio=True)[0, :, 0]
        Array([0., 1., 1., 0.], dtype=float32)
    """
    ha, wa = spatial_axes(images.ndim, data_format)
    in_h, in_w = images.shape[ha], images.shape[wa]
    if crop_to_aspect_ratio:
        crop_h = max(min(in_h, int(float(in_w * height) / width)), 1)
        crop_w = max(min(in_w, int(float(in_h * width) / height)), 1)
        h0 = int(float(in_h - crop_h) / 2)
        w0 = int(float(in_w - crop_w) / 2)
        images = _slice_hw(images, data_format, h0, crop_h, w0, crop_w)
    elif pad_to_aspect_ratio:
        pad_h = max(in_h, int(float(in_w * height) / width))
        pad_w = max(in_w, int(float(in_h * width) / height))
        h0 = int(float(pad_h - in_h) / 2)
        w0 = int(float(pad_w - in_w) / 2)
        pads = [(0, 0)] * images.ndim
        if h0 > 0:
            pads[images.ndim + ha] = (h0, h0)
        elif w0 > 0:
            pads[images.ndim + wa] = (w0, w0)
        images = jnp.pad(images, pads, constant_values=jnp.asarray(fill_value, images.dtype))
    shape = list(images.shape)
    shape[images.ndim + ha] = height
    shape[images.ndim + wa] = width
    return jax.image.resize(images, tuple(shape), method=interpolation, antialias=antialias)
