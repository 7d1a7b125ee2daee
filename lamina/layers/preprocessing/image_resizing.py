"""`Resizing` and `CenterCrop`: deterministic changes of image size."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.layer import Layer
from lamina.ops.image_resize import _slice_hw as _slice_hw
from lamina.ops.image_resize import resize_images as resize_images
from lamina.ops.image_resize import spatial_axes as spatial_axes

INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")


def standardize_data_format(data_format: str | None, layer: str) -> str:
    """Resolves a layer's `data_format` argument, defaulting to the global setting.

    Args:
        data_format: `"channels_last"`, `"channels_first"`, or `None` for
            `lamina.config.image_data_format()`.
        layer: the name of the calling layer, used in the error message.

    Returns:
        `"channels_last"` or `"channels_first"`.

    Raises:
        ValueError: for any other value.

    Example:

    >>> from lamina.layers.preprocessing.image_resizing import standardize_data_format
    >>> standardize_data_format(None, "Resizing")
    'channels_last'
    >>> standardize_data_format("channels_first", "Resizing")
    'channels_first'
    """
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


def _call_dict(layer, data):
    """Dict inputs of `Resizing`/`CenterCrop`: images, masks and boxes together."""
    from lamina.layers.preprocessing.image_preprocessing import densify_bounding_boxes

    name = type(layer).__name__
    if "images" not in data:
        raise ValueError(f"{name}: a dict input needs an 'images' key; received {sorted(data)}.")
    images = jnp.asarray(data["images"])
    if images.ndim not in (3, 4):
        raise ValueError(
            f"{name}: expected an image tensor of rank 3 (single image) or 4 (batch of "
            f"images). Received: shape={tuple(images.shape)}"
        )
    batched = images.ndim == 4
    out = dict(data)
    out["images"] = layer._images(images)
    if "segmentation_masks" in data:
        out["segmentation_masks"] = layer._masks(jnp.asarray(data["segmentation_masks"]))
    if "bounding_boxes" in data:
        if not layer.bounding_box_format:
            raise ValueError(
                "You passed an input with a 'bounding_boxes' key, but you didn't specify a "
                f"bounding box format. Pass a `bounding_box_format` argument to your {name} "
                "layer, e.g. `bounding_box_format='xyxy'`."
            )
        boxes = densify_bounding_boxes(data["bounding_boxes"], name, batched)
        ha, wa = spatial_axes(images.ndim, layer.data_format)
        boxes = layer._boxes(boxes, images.shape[ha], images.shape[wa])
        if not batched:
            boxes = {k: (v[0] if k in ("boxes", "labels") else v) for k, v in boxes.items()}
        out["bounding_boxes"] = boxes
    return out


def _clip_window_xyxy(out, x_lo, y_lo, x_hi, y_hi):
    x1, y1, x2, y2 = jnp.split(out["boxes"], 4, axis=-1)
    out["boxes"] = jnp.concatenate(
        [
            jnp.clip(x1, x_lo, x_hi) - x_lo,
            jnp.clip(y1, y_lo, y_hi) - y_lo,
            jnp.clip(x2, x_lo, x_hi) - x_lo,
            jnp.clip(y2, y_lo, y_hi) - y_lo,
        ],
        axis=-1,
    )
    return out


def _output_shape(input_shape, height, width, data_format):
    shape = list(input_shape)
    ha, wa = spatial_axes(len(shape), data_format)
    shape[ha], shape[wa] = height, width
    return tuple(shape)


class Resizing(Layer):
    """Resizes images (rank 3 or a rank-4 batch) to `(height, width)`.

    `crop_to_aspect_ratio` first crops the largest centred box of the target aspect ratio;
    `pad_to_aspect_ratio` pads (with `fill_value`) instead. Integer images keep their dtype.

    Args:
        height: the output height.
        width: the output width.
        interpolation: `"bilinear"`, `"nearest"`, `"bicubic"`, `"lanczos3"` or `"lanczos5"`.
        crop_to_aspect_ratio: crop to the target aspect ratio before resizing.
        pad_to_aspect_ratio: pad to the target aspect ratio before resizing.
        fill_mode: only `"constant"` (the padding mode).
        fill_value: the padding value.
        antialias: antialias when downsampling.
        data_format: `"channels_last"` or `"channels_first"`.
        bounding_box_format: the format of the boxes in dict inputs (e.g. `"xyxy"`); boxes
            are scaled (and shifted for crops/pads) to the output size, then clipped to it.

    Call arguments:
        inputs: images (rank 3 or 4), or a dict with `"images"` and optionally `"labels"`
            (unchanged), `"segmentation_masks"` (resized/cropped like the images, nearest
            interpolation) and `"bounding_boxes"` (`{"boxes": (..., N, 4), "labels": ...}` in
            `bounding_box_format`, moved and clipped as Keras 3.15 moves them).

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> layer = keras.layers.Resizing(4, 4, bounding_box_format="xyxy")
    >>> out = layer({"images": np.zeros((1, 8, 16, 3)),
    ...              "bounding_boxes": {"boxes": np.array([[[0.0, 0, 8, 4]]]),
    ...                                 "labels": np.array([[1]])}})
    >>> out["images"].shape, np.asarray(out["bounding_boxes"]["boxes"]).tolist()
    ((1, 4, 4, 3), [[[0.0, 0.0, 2.0, 2.0]]])
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
        self.bounding_box_format = kwargs.pop("bounding_box_format", None)
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
        if isinstance(inputs, dict):
            return _call_dict(self, inputs)
        return self._images(inputs)

    def _images(self, images, interpolation=None):
        return _resize_keep_dtype(
            images,
            height=self.height,
            width=self.width,
            interpolation=interpolation or self.interpolation,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio,
            fill_value=self.fill_value,
            antialias=self.antialias,
            data_format=self.data_format,
        )

    def _masks(self, masks):
        return self._images(masks, interpolation="nearest")

    def _boxes(self, bounding_boxes, in_h, in_w):
        from lamina.layers.preprocessing import bounding_boxes as bb

        fmt = self.bounding_box_format
        raw = bounding_boxes["boxes"]
        # Padding boxes (all 0 or all -1) stay all-zero boxes.
        padding = jnp.all(raw == -1, axis=-1) | jnp.all(raw == 0, axis=-1)
        out = bb.convert_format(bounding_boxes, fmt, "xyxy", height=in_h, width=in_w)
        boxes = out["boxes"]
        x1, y1, x2, y2 = (boxes[..., i] for i in range(4))
        h, w = jnp.asarray(in_h, boxes.dtype), jnp.asarray(in_w, boxes.dtype)
        if self.pad_to_aspect_ratio:
            ratio = jnp.minimum(
                jnp.asarray(self.height / h, boxes.dtype), jnp.asarray(self.width / w, boxes.dtype)
            )
            dy, dx = (self.height - h * ratio) // 2, (self.width - w * ratio) // 2
            moved = [x1 * ratio + dx, y1 * ratio + dy, x2 * ratio + dx, y2 * ratio + dy]
        elif self.crop_to_aspect_ratio:
            source, target = w / h, self.width / self.height
            new_w = jnp.where(source > target, self.height * source, self.width)
            new_h = jnp.where(source > target, self.height, self.width / source)
            sx, sy = new_w / w, new_h / h
            left, top = (new_w - self.width) // 2, (new_h - self.height) // 2
            moved = [x1 * sx - left, y1 * sy - top, x2 * sx - left, y2 * sy - top]
        else:
            ry = jnp.asarray(self.height / h, boxes.dtype)
            rx = jnp.asarray(self.width / w, boxes.dtype)
            moved = [x1 * rx, y1 * ry, x2 * rx, y2 * ry]
        out["boxes"] = jnp.stack(moved, axis=-1)
        out = bb.clip_to_image_size(out, self.height, self.width, "xyxy")
        out["boxes"] = jnp.where(padding[..., None], jnp.zeros((4,), boxes.dtype), out["boxes"])
        return bb.convert_format(out, "xyxy", fmt, height=self.height, width=self.width)

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
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config


class CenterCrop(Layer):
    """Crops the centre `(height, width)` of images; an image smaller than the target is first
    cropped to the target aspect ratio and resized (bilinear) instead. Outputs take the compute
    dtype.

    Args:
        height: the output height.
        width: the output width.
        data_format: `"channels_last"` or `"channels_first"`.
        bounding_box_format: the format of the boxes in dict inputs (e.g. `"xyxy"`); boxes
            are moved into the crop and clipped to it.

    Call arguments:
        inputs: images (rank 3 or 4), or a dict with `"images"` and optionally `"labels"`
            (unchanged), `"segmentation_masks"` (resized/cropped like the images, nearest
            interpolation) and `"bounding_boxes"` (`{"boxes": (..., N, 4), "labels": ...}` in
            `bounding_box_format`, moved and clipped as Keras 3.15 moves them).

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> layer = keras.layers.CenterCrop(4, 4, bounding_box_format="xyxy")
    >>> out = layer({"images": np.zeros((1, 8, 8, 3)),
    ...              "bounding_boxes": {"boxes": np.array([[[1.0, 1, 5, 5]]]),
    ...                                 "labels": np.array([[1]])}})
    >>> out["images"].shape, np.asarray(out["bounding_boxes"]["boxes"]).tolist()
    ((1, 4, 4, 3), [[[0.0, 0.0, 3.0, 3.0]]])
    """

    def __init__(self, height: int, width: int, data_format: str | None = None, **kwargs):
        self.bounding_box_format = kwargs.pop("bounding_box_format", None)
        super().__init__(**kwargs)
        self.height = height
        self.width = width
        self.data_format = standardize_data_format(data_format, "CenterCrop")
        self.built = True

    def call(self, inputs):
        if isinstance(inputs, dict):
            return _call_dict(self, inputs)
        return self._images(inputs)

    def _masks(self, masks):
        return self._images(masks)

    def _boxes(self, bounding_boxes, in_h, in_w):
        from lamina.layers.preprocessing import bounding_boxes as bb

        fmt = self.bounding_box_format
        out = bb.convert_format(bounding_boxes, fmt, "xyxy", height=in_h, width=in_w)
        h_diff, w_diff = in_h - self.height, in_w - self.width
        if h_diff >= 0 and w_diff >= 0:
            top, left = int(h_diff / 2), int(w_diff / 2)
            out = _clip_window_xyxy(out, left, top, left + self.width, top + self.height)
        else:
            # As the images: the centred box of the target aspect ratio, resized.
            crop_h = max(min(in_h, int(float(in_w * self.height) / self.width)), 1)
            crop_w = max(min(in_w, int(float(in_h * self.width) / self.height)), 1)
            top, left = int(float(in_h - crop_h) / 2), int(float(in_w - crop_w) / 2)
            out = _clip_window_xyxy(out, left, top, left + crop_w, top + crop_h)
            out = bb.convert_format(out, "xyxy", "rel_xyxy", height=crop_h, width=crop_w)
            out = bb.convert_format(out, "rel_xyxy", "xyxy", height=self.height, width=self.width)
        out = bb.clip_to_image_size(out, self.height, self.width, "xyxy")
        return bb.convert_format(out, "xyxy", fmt, height=self.height, width=self.width)

    def _images(self, inputs):
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
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config
