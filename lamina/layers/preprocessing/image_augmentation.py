"""Random image augmentation: `RandomFlip`, `RandomRotation`, `RandomZoom`,
`RandomTranslation` (the colour, crop, mixing and other augmentation layers are in
`image_preprocessing`, whose base class these share).

Each layer transforms its input only when `training` is true. As in Keras, `training` defaults
to True when the layer is called directly (`layer(images)`); inside `fit` it is True and inside
`predict`/`evaluate` (or with `training=False`) the layer is the identity. Randomness comes from
the layer's `SeedGenerator`, drawn as Keras draws it, so the same seed gives Keras's output.
Dict inputs (`images`, `labels`, `segmentation_masks`, `bounding_boxes`) are transformed
together: masks with nearest interpolation, boxes (in `bounding_box_format`) moved and clipped
to the image as Keras 3.15 moves them.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.scipy.ndimage import map_coordinates

from lamina.layers.preprocessing import bounding_boxes as bb
from lamina.layers.preprocessing.image_preprocessing import _GeometricLayer

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def affine_transform(images, transform, interpolation, fill_mode, fill_value, data_format):
    """Applies one affine transformation per image by resampling.

    Each row of `transform` holds 8 numbers `[a0, a1, a2, b0, b1, b2, c0, c1]` that map an
    output pixel `(x, y)` to the input point `(a0*x + a1*y + a2, b0*x + b1*y + b2)` it is read
    from (`c0, c1` must be 0: no projective part). Points outside the image are filled
    according to `fill_mode`.

    Args:
        images: a batch `(batch, height, width, channels)` or a single image (rank 3);
            channels first when `data_format="channels_first"`.
        transform: float array of shape `(batch, 8)`.
        interpolation: `"nearest"` or `"bilinear"`.
        fill_mode: `"constant"`, `"nearest"`, `"wrap"` or `"reflect"` (as
            `jax.scipy.ndimage.map_coordinates` names them).
        fill_value: the value of points outside the image when `fill_mode="constant"`.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        The transformed images, same shape and dtype as `images`.

    Example:

    >>> import jax.numpy as jnp
    >>> from lamina.layers.preprocessing.image_augmentation import affine_transform
    >>> image = jnp.arange(9.0).reshape(3, 3, 1)
    >>> shift_left = jnp.array([[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0]])
    >>> affine_transform(image, shift_left, "nearest", "constant", 0.0, "channels_last")[..., 0]
    Array([[1., 2., 0.],
           [4., 5., 0.],
           [7., 8., 0.]], dtype=float32)
    """
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


def _hw(images, data_format):
    if data_format == "channels_first":
        return images.shape[-2], images.shape[-1]
    return images.shape[-3], images.shape[-2]


class _RandomGeometric(_GeometricLayer):
    """Shared plumbing of the four layers: seed, modes, the identity (with a cast) when not
    training, and boxes through `_box_xyxy` (boxes in absolute xyxy, as in Keras)."""

    _USE_BASE_FACTOR = False
    _APPLY_IN_INFERENCE = True  # transform_images casts, and is the identity when not training

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._init_seed(seed)

    def _check_modes(self, fill_mode, interpolation, fill_value):
        _check_modes(type(self).__name__, fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def _affine(self, images, transform, interpolation):
        return affine_transform(
            images, transform, interpolation, self.fill_mode, self.fill_value, self.data_format
        )

    def _draw(self, shape, low, high):
        return self._uniform(shape, low, high)


class RandomFlip(_RandomGeometric):
    """Flips each image left-right and/or up-down with probability 1/2.

    Args:
        mode: `"horizontal"` (left-right), `"vertical"` (up-down) or
            `"horizontal_and_vertical"` (both, together, for the images drawn).
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.
        bounding_box_format: the format of the boxes in dict inputs (e.g. `"xyxy"`).

    Call arguments:
        inputs: images (rank 3 or 4), or a dict with `"images"` and optionally `"labels"`
            (unchanged), `"segmentation_masks"` (transformed with the images, nearest
            interpolation) and `"bounding_boxes"` (`{"boxes": (..., N, 4), "labels": ...}` in
            `bounding_box_format`, moved with the images and clipped to them; boxes left with
            no area get the label -1).
        training: augment when True (the default for a direct call), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> layer = keras.layers.RandomFlip("horizontal", seed=1, bounding_box_format="xyxy")
    >>> out = layer({"images": np.zeros((1, 4, 8, 3)),
    ...              "bounding_boxes": {"boxes": np.array([[[0.0, 0, 2, 2]]]),
    ...                                 "labels": np.array([[1]])}})
    >>> np.asarray(out["bounding_boxes"]["boxes"]).tolist()  # flipped: x -> 8 - x
    [[[6.0, 0.0, 8.0, 2.0]]]
    """

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
        self.interpolation = "nearest"

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        n = data["images"].shape[0]
        return {"flips": self._draw((n, 1, 1, 1), 0.0, 1.0) <= 0.5}

    def _warp(self, images, transformation, interpolation):
        flips = transformation["flips"]
        w_axis, h_axis = (-1, -2) if self.data_format == "channels_first" else (-2, -3)
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            images = jnp.where(flips, jnp.flip(images, axis=w_axis), images)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            images = jnp.where(flips, jnp.flip(images, axis=h_axis), images)
        return images

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(jnp.asarray(segmentation_masks), transformation, training)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training or transformation is None:
            return bounding_boxes
        h, w = self._input_hw
        fmt = self.bounding_box_format
        out = bb.convert_format(bounding_boxes, fmt, "rel_xyxy", height=h, width=w)
        flips = transformation["flips"][..., 0]  # (batch, 1, 1)
        boxes = out["boxes"]
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            x1, y1, x2, y2 = jnp.split(boxes, 4, axis=-1)
            boxes = jnp.where(flips, jnp.concatenate([1 - x2, y1, 1 - x1, y2], -1), boxes)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            x1, y1, x2, y2 = jnp.split(boxes, 4, axis=-1)
            boxes = jnp.where(flips, jnp.concatenate([x1, 1 - y2, x2, 1 - y1], -1), boxes)
        out["boxes"] = boxes
        out = bb.clip_to_image_size(out, h, w, "xyxy")
        return bb.convert_format(out, "rel_xyxy", fmt, height=h, width=w)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "seed": self.seed, "mode": self.mode})
        return config


class RandomRotation(_RandomGeometric):
    """Rotates each image about its centre by a random angle: `factor` is a fraction of a
    full turn (0.2 draws angles in [-72, 72] degrees; a pair `(low, high)` sets the range;
    positive angles turn counter-clockwise).

    Args:
        factor: a number or a pair `(low, high)` of fractions of 2*pi.
        fill_mode: `"reflect"`, `"wrap"`, `"constant"` or `"nearest"`: how points outside
            the input are filled.
        interpolation: `"bilinear"` or `"nearest"`.
        seed: an int for reproducible draws.
        fill_value: the value outside the image with `fill_mode="constant"`.
        data_format: `"channels_last"` or `"channels_first"`.
        bounding_box_format: the format of the boxes in dict inputs (e.g. `"xyxy"`); each
            box becomes the smallest box around its rotated corners.

    Call arguments:
        inputs: images (rank 3 or 4), or a dict with `"images"` and optionally `"labels"`
            (unchanged), `"segmentation_masks"` (transformed with the images, nearest
            interpolation) and `"bounding_boxes"` (`{"boxes": (..., N, 4), "labels": ...}` in
            `bounding_box_format`, moved with the images and clipped to them; boxes left with
            no area get the label -1).
        training: augment when True (the default for a direct call), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> keras.layers.RandomRotation(0.1, seed=1)(np.random.rand(2, 8, 8, 3)).shape
    (2, 8, 8, 3)
    """

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
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self._check_modes(fill_mode, interpolation, fill_value)
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

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"]
        h, w = _hw(images, self.data_format)
        n = images.shape[0]
        degrees = self._draw((n,), self.factor[0] * 360.0, self.factor[1] * 360.0)
        angle = degrees * (math.pi / 180.0)
        cx, cy = 0.5 * (w - 1), 0.5 * (h - 1)
        cos, sin = jnp.cos(angle), jnp.sin(angle)
        zeros = jnp.zeros_like(angle)
        transform = jnp.stack(
            [cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos, zeros, zeros],
            axis=1,
        )
        return {"angle": degrees, "rotation_matrix": transform}

    def _warp(self, images, transformation, interpolation):
        return self._affine(images, transformation["rotation_matrix"], interpolation)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training or transformation is None:
            return bounding_boxes
        h, w = self._input_hw
        fmt = self.bounding_box_format
        out = bb.convert_format(bounding_boxes, fmt, "xyxy", height=h, width=w)
        angle = transformation["angle"]
        zeros, ones = jnp.zeros_like(angle), jnp.ones_like(angle)
        out["boxes"] = bb.affine_transform(
            out["boxes"], angle, zeros, zeros, ones, zeros, zeros, h, w
        )
        out = bb.clip_to_image_size(out, h, w, "xyxy")
        return bb.convert_format(out, "xyxy", fmt, height=h, width=w)

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


def _shift_clip_xyxy(out, x_lo, y_lo, x_hi=None, y_hi=None):
    """Boxes (absolute xyxy) clipped to `[x_lo, x_hi] x [y_lo, y_hi]` (when given) and moved
    so `(x_lo, y_lo)` is the origin; the bounds are `(batch,)`."""
    x1, y1, x2, y2 = jnp.split(out["boxes"], 4, axis=-1)
    x_lo, y_lo = x_lo[:, None, None], y_lo[:, None, None]
    if x_hi is not None:
        x_hi, y_hi = x_hi[:, None, None], y_hi[:, None, None]
        x1, x2 = jnp.clip(x1, x_lo, x_hi), jnp.clip(x2, x_lo, x_hi)
        y1, y2 = jnp.clip(y1, y_lo, y_hi), jnp.clip(y2, y_lo, y_hi)
    out["boxes"] = jnp.concatenate([x1 - x_lo, y1 - y_lo, x2 - x_lo, y2 - y_lo], axis=-1)
    return out


class RandomZoom(_RandomGeometric):
    """Zooms each image in or out by a random factor about its centre.

    A `height_factor` of 0.2 draws a zoom in [-20%, +20%]: negative values zoom in (the
    image looks bigger), positive values zoom out. Without `width_factor` the same zoom is
    used for both axes (the aspect ratio is kept).

    Args:
        height_factor: a number in (-1, 1] or a pair `(low, high)`.
        width_factor: a number or a pair for the horizontal zoom (default: as the height).
        fill_mode: `"reflect"`, `"wrap"`, `"constant"` or `"nearest"`.
        interpolation: `"bilinear"` or `"nearest"`.
        seed: an int for reproducible draws.
        fill_value: the value outside the image with `fill_mode="constant"`.
        data_format: `"channels_last"` or `"channels_first"`.
        bounding_box_format: the format of the boxes in dict inputs (e.g. `"xyxy"`).

    Call arguments:
        inputs: images (rank 3 or 4), or a dict with `"images"` and optionally `"labels"`
            (unchanged), `"segmentation_masks"` (transformed with the images, nearest
            interpolation) and `"bounding_boxes"` (`{"boxes": (..., N, 4), "labels": ...}` in
            `bounding_box_format`, moved with the images and clipped to them; boxes left with
            no area get the label -1).
        training: augment when True (the default for a direct call), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> keras.layers.RandomZoom(0.2, seed=1)(np.random.rand(2, 8, 8, 3)).shape
    (2, 8, 8, 3)
    """

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
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self._check_modes(fill_mode, interpolation, fill_value)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self.height_lower, self.height_upper = _symmetric_range(
            "RandomZoom", "height_factor", height_factor, allow_minus_one=False
        )
        if width_factor is not None:
            self.width_lower, self.width_upper = _symmetric_range(
                "RandomZoom", "width_factor", width_factor, allow_minus_one=False
            )

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        n = data["images"].shape[0]
        hz = self._draw((n, 1), 1.0 + self.height_lower, 1.0 + self.height_upper)
        if self.width_factor is not None:
            wz = self._draw((n, 1), 1.0 + self.width_lower, 1.0 + self.width_upper)
        else:
            wz = hz
        return {"height_zoom": hz, "width_zoom": wz}

    def _matrix(self, transformation, h, w):
        wz, hz = transformation["width_zoom"][:, 0], transformation["height_zoom"][:, 0]
        zeros = jnp.zeros_like(hz)
        return jnp.stack(
            [wz, zeros, (w - 1.0) / 2.0 * (1.0 - wz), zeros, hz, (h - 1.0) / 2.0 * (1.0 - hz)]
            + [zeros, zeros],
            axis=1,
        )

    def _warp(self, images, transformation, interpolation):
        h, w = _hw(images, self.data_format)
        return self._affine(images, self._matrix(transformation, h, w), interpolation)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training or transformation is None:
            return bounding_boxes
        h, w = self._input_hw
        fmt = self.bounding_box_format
        out = bb.convert_format(bounding_boxes, fmt, "xyxy", height=h, width=w)
        m = self._matrix(transformation, h, w)
        # The input window the output shows: from (x_start, y_start) to (x_end, y_end).
        x_start, y_start = m[:, 2], m[:, 5]
        x_end = m[:, 0] * w + m[:, 1] * h + m[:, 2]
        y_end = m[:, 3] * w + m[:, 4] * h + m[:, 5]
        out = _shift_clip_xyxy(out, x_start, y_start, x_end, y_end)
        win_h = (y_end - y_start)[:, None, None]
        win_w = (x_end - x_start)[:, None, None]
        out = bb.convert_format(out, "xyxy", "rel_xyxy", height=win_h, width=win_w)
        out = bb.clip_to_image_size(out, win_h, win_w, "rel_xyxy")
        return bb.convert_format(out, "rel_xyxy", fmt, height=h, width=w)

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


class RandomTranslation(_RandomGeometric):
    """Shifts each image by a random fraction of its height and width.

    Args:
        height_factor: a number in [-1, 1] or a pair `(low, high)`: the vertical shift as a
            fraction of the height (0.1 shifts by up to 10% up or down).
        width_factor: the same for the horizontal shift.
        fill_mode: `"reflect"`, `"wrap"`, `"constant"` or `"nearest"`.
        interpolation: `"bilinear"` or `"nearest"`.
        seed: an int for reproducible draws.
        fill_value: the value outside the image with `fill_mode="constant"`.
        data_format: `"channels_last"` or `"channels_first"`.
        bounding_box_format: the format of the boxes in dict inputs (e.g. `"xyxy"`).

    Call arguments:
        inputs: images (rank 3 or 4), or a dict with `"images"` and optionally `"labels"`
            (unchanged), `"segmentation_masks"` (transformed with the images, nearest
            interpolation) and `"bounding_boxes"` (`{"boxes": (..., N, 4), "labels": ...}` in
            `bounding_box_format`, moved with the images and clipped to them; boxes left with
            no area get the label -1).
        training: augment when True (the default for a direct call), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> keras.layers.RandomTranslation(0.1, 0.2, seed=1)(np.random.rand(2, 8, 8, 3)).shape
    (2, 8, 8, 3)
    """

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
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self._check_modes(fill_mode, interpolation, fill_value)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self.height_lower, self.height_upper = _symmetric_range(
            "RandomTranslation", "height_factor", height_factor, allow_minus_one=True
        )
        self.width_lower, self.width_upper = _symmetric_range(
            "RandomTranslation", "width_factor", width_factor, allow_minus_one=True
        )

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"]
        h, w = _hw(images, self.data_format)
        n = images.shape[0]
        dy = self._draw((n, 1), self.height_lower, self.height_upper) * h
        dx = self._draw((n, 1), self.width_lower, self.width_upper) * w
        return {"translations": jnp.concatenate([dx, dy], axis=1).astype("float32")}

    def _warp(self, images, transformation, interpolation):
        t = transformation["translations"]
        ones, zeros = jnp.ones_like(t[:, 0]), jnp.zeros_like(t[:, 0])
        transform = jnp.stack([ones, zeros, -t[:, 0], zeros, ones, -t[:, 1], zeros, zeros], 1)
        return self._affine(images, transform, interpolation)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training or transformation is None:
            return bounding_boxes
        h, w = self._input_hw
        fmt = self.bounding_box_format
        out = bb.convert_format(bounding_boxes, fmt, "xyxy", height=h, width=w)
        t = transformation["translations"]
        out = _shift_clip_xyxy(out, -t[:, 0], -t[:, 1])
        out = bb.clip_to_image_size(out, h, w, "xyxy")
        return bb.convert_format(out, "xyxy", fmt, height=h, width=w)

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
