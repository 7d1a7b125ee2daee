"""Image augmentation layers in Keras 3's style: `RandomCrop`, `RandomBrightness`,
`RandomContrast`, `RandomHue`, `RandomSaturation`, `RandomGrayscale`, `RandomInvert`,
`RandomShear`, `RandomPerspective`, `RandomErasing`, `RandomGaussianBlur`, `RandomColorJitter`,
`RandomColorDegeneration`, `RandomPosterization`, `RandomSharpness`, `RandomElasticTransform`,
`AutoContrast`, `Equalization`, `Solarization`, `MixUp`, `CutMix`, `MaxNumBoundingBoxes` and
`Pipeline`.

Every layer takes a batch of images (rank 4), one image (rank 3), or a dict with `"images"` and
optionally `"labels"`, `"segmentation_masks"` and `"bounding_boxes"` (MixUp and CutMix mix the
labels too; geometric layers move the boxes, given in the layer's `bounding_box_format`, and
clip them to the image as Keras 3.15 does, setting the label of boxes left with no area to -1). The
random draws are made exactly as Keras 3 makes them on JAX — same distributions, same order, and
the same keys for the same `seed` — so a layer built with `seed=s` gives Keras's output for
`seed=s`. Called directly the layers augment (`training` defaults to True); inside `fit` they
augment in the compiled step, and in `predict`/`evaluate` (or with `training=False`) they pass
the images through.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core.layer import Layer
from lamina.core.random import SeedGenerator
from lamina.layers.preprocessing import bounding_boxes as bb
from lamina.ops import image as image_ops


def _value_range(layer: str, value_range):
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(
            f"{layer}: the `value_range` argument should be a list of two numbers. "
            f"Received: value_range={value_range}"
        )
    return sorted(value_range)


def _range_arg(layer, name, factor, bounds, symmetric=True):
    """`factor` as `(lower, upper)` within `bounds` (a number f gives (max(-f, low), f))."""
    msg = (
        f"{layer}: the `{name}` argument should be a number (or a list of two numbers) in the "
        f"range [{bounds[0]}, {bounds[1]}]. Received: {name}={factor}"
    )
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(msg)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(msg)
        factor = abs(factor)
        return (max(-factor, bounds[0]) if symmetric else bounds[0], factor)
    raise ValueError(msg)


def _transform_value_range(images, original, target, dtype="float32"):
    if original[0] == target[0] and original[1] == target[1]:
        return images
    images = images.astype(dtype)
    lo, hi = (jnp.asarray(v, dtype) for v in original)
    tlo, thi = (jnp.asarray(v, dtype) for v in target)
    return (images - lo) / (hi - lo) * (thi - tlo) + tlo


def _saturate_cast(x, dtype):
    dtype = jnp.dtype(dtype)
    if jnp.issubdtype(dtype, jnp.integer):
        info = jnp.iinfo(dtype)
        x = jnp.clip(jnp.round(x), info.min, info.max)
    return x.astype(dtype)


def _image_hw(images, data_format):
    """(height, width) of a batch of images."""
    if data_format == "channels_first":
        return images.shape[-2], images.shape[-1]
    return images.shape[-3], images.shape[-2]


def densify_bounding_boxes(bounding_boxes, layer, batched=True):
    """Returns a copy of a `{"boxes", "labels"}` dict with both entries as arrays.

    Boxes become float32. An unbatched dict (`batched=False`, boxes of shape `(N, 4)`) is
    given a batch axis of 1, so the result always holds boxes of shape `(batch, N, 4)`.
    Other keys are copied unchanged.

    Args:
        bounding_boxes: dict with `"boxes"` and `"labels"` (arrays or nested lists).
        layer: the name of the calling layer, used in error messages.
        batched: whether the boxes hold a batch axis.

    Returns:
        The new dict.

    Raises:
        ValueError: if the keys are missing, the lists are ragged, or the shapes are wrong.

    Example:

    >>> from lamina.layers.preprocessing.image_preprocessing import densify_bounding_boxes
    >>> out = densify_bounding_boxes(
    ...     {"boxes": [[0, 0, 2, 2]], "labels": [1]}, "RandomFlip", batched=False
    ... )
    >>> out["boxes"]
    Array([[[0., 0., 2., 2.]]], dtype=float32)
    >>> out["labels"].shape
    (1, 1)
    """
    if (
        not isinstance(bounding_boxes, dict)
        or "boxes" not in bounding_boxes
        or "labels" not in bounding_boxes
    ):
        raise ValueError(
            f"{layer}: expected `bounding_boxes` to be a dict with keys 'boxes' and 'labels'. "
            f"Received: bounding_boxes={bounding_boxes}"
        )
    out = dict(bounding_boxes)
    try:
        boxes = jnp.asarray(bounding_boxes["boxes"], "float32")
        labels = jnp.asarray(bounding_boxes["labels"])
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"{layer}: bounding_boxes['boxes'] and ['labels'] must be arrays (or nested lists) "
            "with the same number of boxes for every image; pad ragged lists to one length "
            f"first (e.g. with boxes of -1 and labels of -1). Original error: {err}"
        ) from None
    want = 3 if batched else 2
    if boxes.ndim != want or boxes.shape[-1] != 4:
        raise ValueError(
            f"{layer}: expected bounding_boxes['boxes'] of shape "
            f"{'(batch, num_boxes, 4)' if batched else '(num_boxes, 4)'} for "
            f"{'a batch of images' if batched else 'a single image'}. "
            f"Received: shape={tuple(boxes.shape)}"
        )
    if labels.ndim not in (want - 1, want):
        raise ValueError(
            f"{layer}: expected bounding_boxes['labels'] of rank {want - 1} or {want} for "
            f"boxes of shape {tuple(boxes.shape)}. Received: shape={tuple(labels.shape)}"
        )
    if not batched:
        boxes, labels = boxes[None], labels[None]
    out["boxes"], out["labels"] = boxes, labels
    return out


class BaseImagePreprocessingLayer(Layer):
    """The shared protocol of the image augmentation layers: `get_random_transformation` draws
    one transformation for a batch, `transform_images`/`transform_labels`/
    `transform_segmentation_masks` apply it; `call` routes images, dicts and unbatched images.

    Args:
        factor: the layer's strength as a number or `(lower, upper)` (layers that use it).
        bounding_box_format: the format of the boxes in dict inputs (`"xyxy"`, `"yxyx"`,
            `"xywh"`, `"center_xywh"`, `"center_yxhw"`, `"rel_xyxy"`, ...; see
            `keras.utils.bounding_boxes.convert_format`).
        data_format: `"channels_last"` or `"channels_first"`.

    Example:

    >>> import numpy as np
    >>> from lamina.layers.preprocessing.image_preprocessing import (
    ...     BaseImagePreprocessingLayer,
    ... )
    >>> class Invert(BaseImagePreprocessingLayer):
    ...     def transform_images(self, images, transformation=None, training=True):
    ...         return 1.0 - images
    >>> Invert()(np.zeros((1, 2, 2, 1), "float32"), training=True)[0, ..., 0]
    Array([[1., 1.],
           [1., 1.]], dtype=float32)
    """

    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS = (-1, 1)
    # Symbolic calls use `compute_output_shape` (random draws cannot be traced with an unknown
    # batch size).
    _shape_only_symbolic = True
    # Layers whose `transform_images` also runs when not training (AutoContrast).
    _APPLY_IN_INFERENCE = False

    def __init__(self, factor=None, bounding_box_format=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        from lamina.layers.preprocessing.image_resizing import standardize_data_format

        self.bounding_box_format = bounding_box_format
        self.data_format = standardize_data_format(data_format, type(self).__name__)
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(
                f"Layer {type(self).__name__} does not take a `factor` argument. "
                f"Received: factor={factor}"
            )
        self.built = True

    def _set_factor(self, factor):
        self.factor = _range_arg(type(self).__name__, "factor", factor, self._FACTOR_BOUNDS)

    def _init_seed(self, seed):
        self.seed = seed
        self.generator = SeedGenerator(seed)

    # --- random draws, keyed as Keras's JAX SeedGenerator keys them ([seed, 0], [seed, 1], ...)
    def _key(self, generator=None):
        # RandomColorJitter's parts draw from the jitter's generator (`_draw_generator`).
        gen = generator or self.__dict__.get("_draw_generator") or self.generator
        return gen.next()  # the raw key [seed, counter], then the counter advances

    def _uniform(self, shape, minval=0.0, maxval=1.0, dtype="float32", generator=None):
        key = jax.random.wrap_key_data(self._key(generator))
        return jax.random.uniform(key, tuple(shape), dtype=dtype, minval=minval, maxval=maxval)

    def _normal(self, shape, dtype="float32"):
        return jax.random.normal(jax.random.wrap_key_data(self._key()), tuple(shape), dtype=dtype)

    def _shuffle(self, x):
        key = jax.random.wrap_key_data(self._key())
        if not isinstance(x.shape[0], int):
            # A shape-only trace with a symbolic batch size (jax.random.permutation needs a
            # known size): any permutation of the right shape will do.
            return jnp.argsort(jax.random.uniform(key, x.shape)).astype(x.dtype)
        return jax.random.permutation(key, x, 0, independent=True)

    def _beta(self, shape, a, b, dtype="float32"):
        key = jax.random.wrap_key_data(self._key())
        return jax.random.beta(key, jnp.asarray(a), jnp.asarray(b), tuple(shape), dtype=dtype)

    # --- the protocol
    def get_random_transformation(self, data, training=True, seed=None):
        """Draws this batch's transformation (None for deterministic layers)."""
        return None

    def transform_images(self, images, transformation, training=True):
        """Applies `transformation` to a batch of images."""
        raise NotImplementedError

    def transform_labels(self, labels, transformation, training=True):
        """Labels are unchanged unless the layer mixes images (MixUp, CutMix)."""
        return labels

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Masks are unchanged by colour layers; geometric layers warp them like the images."""
        return segmentation_masks

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Applies `transformation` to `{"boxes": (batch, N, 4), "labels": ...}` (boxes in
        `bounding_box_format`); colour layers leave boxes unchanged."""
        return bounding_boxes

    def _boxes_to(self, bounding_boxes, source, target):
        """Boxes converted between formats, relative ones against the input images' size."""
        h, w = self._input_hw
        return bb.convert_format(bounding_boxes, source, target, height=h, width=w)

    def _is_batched(self, images):
        if images.ndim == 3:
            return False
        if images.ndim == 4:
            return True
        raise ValueError(
            f"{type(self).__name__}: expected an image tensor of rank 3 (single image) or 4 "
            f"(batch of images). Received: shape={tuple(images.shape)}"
        )

    def call(self, data, training=True):
        training = True if training is None else bool(training)
        if isinstance(data, dict):
            if "images" not in data:
                raise ValueError(
                    f"{type(self).__name__}: a dict input needs an 'images' key; received "
                    f"keys {sorted(data)}."
                )
            images = jnp.asarray(data["images"])
        else:
            images = jnp.asarray(data)
        batched = self._is_batched(images)
        if not batched:
            images = images[None]
        out = dict(data) if isinstance(data, dict) else {}
        out["images"] = images
        transformation = self.get_random_transformation(out, training=training)
        out["images"] = self._images_step(images, transformation, training)
        if not batched:
            out["images"] = out["images"][0]
        if not isinstance(data, dict):
            return out["images"]
        if "labels" in out:
            labels = jnp.asarray(out["labels"])
            labels = labels if batched else labels[None]
            labels = self.transform_labels(labels, transformation, training=training)
            out["labels"] = labels if batched else labels[0]
        if "segmentation_masks" in out:
            masks = jnp.asarray(out["segmentation_masks"])
            masks = masks if batched else masks[None]
            masks = self.transform_segmentation_masks(masks, transformation, training=training)
            out["segmentation_masks"] = masks if batched else masks[0]
        if "bounding_boxes" in out:
            if not self.bounding_box_format:
                raise ValueError(
                    "You passed an input with a 'bounding_boxes' key, but you didn't specify a "
                    f"bounding box format. Pass a `bounding_box_format` argument to your "
                    f"{type(self).__name__} layer, e.g. `bounding_box_format='xyxy'`."
                )
            boxes = densify_bounding_boxes(out["bounding_boxes"], type(self).__name__, batched)
            # The input images' height and width, for the box transforms.
            self.__dict__["_input_hw"] = _image_hw(images, self.data_format)
            boxes = self.transform_bounding_boxes(boxes, transformation, training=training)
            if not batched:
                boxes = {k: (v[0] if k in ("boxes", "labels") else v) for k, v in boxes.items()}
            out["bounding_boxes"] = boxes
        return out

    def _images_step(self, images, transformation, training):
        if not training and not self._APPLY_IN_INFERENCE:
            return images
        return self.transform_images(images, transformation, training=training)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config


class _GeometricLayer(BaseImagePreprocessingLayer):
    """Geometric layers warp segmentation masks with nearest interpolation; boxes are refused."""

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training or transformation is None:
            return segmentation_masks
        return self._warp(segmentation_masks, transformation, "nearest")

    def transform_images(self, images, transformation, training=True):
        images = images.astype(self.compute_dtype)
        if not training or transformation is None:
            return images
        return self._warp(images, transformation, self.interpolation)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        raise NotImplementedError(
            f"{type(self).__name__} does not transform bounding boxes (Keras 3.15 does not "
            "either). Drop the 'bounding_boxes' key or apply the layer to images only."
        )


# ---------------------------------------------------------------------------- colour layers


class RandomBrightness(BaseImagePreprocessingLayer):
    """Adds a random brightness offset to each image.

    The offset is drawn from `factor` (a fraction of the value range: 0.2 shifts by up to 20%
    of `value_range`), then the result is clipped to `value_range`.

    Args:
        factor: a number in [-1, 1] or a pair `(lower, upper)`.
        value_range: `(min, max)` of the pixel values.
        seed: an int for reproducible draws.

    Call arguments:
        inputs: images (rank 3 or 4) or a dict with `"images"`.
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> layer = keras.layers.RandomBrightness(0.0)
    >>> float(layer(np.full((1, 2, 2, 3), 100.0)).max())
    100.0
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor=factor, **kwargs)
        self._init_seed(seed)
        self.value_range = _value_range("RandomBrightness", value_range)

    def get_random_transformation(self, data, training=True, seed=None):
        n = data["images"].shape[0]
        if not training:
            return None
        delta = self._uniform((n, 1, 1, 1), self.factor[0], self.factor[1])
        return {"rgb_delta": delta * (self.value_range[1] - self.value_range[0])}

    def transform_images(self, images, transformation, training=True):
        images = images.astype(self.compute_dtype)
        images = images + transformation["rgb_delta"].astype(images.dtype)
        return jnp.clip(images, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config


class RandomContrast(BaseImagePreprocessingLayer):
    """Scales each image's deviation from its per-channel mean by a random factor in
    `[1 - lower, 1 + upper]`, then clips to `value_range`.

    Args:
        factor: a number in [0, 1] or a pair `(lower, upper)`.
        value_range: `(min, max)` of the pixel values.
        seed: an int for reproducible draws.

    Call arguments:
        inputs: images (rank 3 or 4) or a dict with `"images"`.
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> x = np.random.rand(2, 4, 4, 3).astype("float32") * 255
    >>> bool(np.allclose(keras.layers.RandomContrast(0.0)(x), x, atol=1e-4))
    True
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self._init_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        n = data["images"].shape[0]
        factor = self._uniform(
            (n, 1, 1, 1), 1.0 - self.factor[0], 1.0 + self.factor[1], dtype=self.compute_dtype
        )
        return {"contrast_factor": factor}

    def transform_images(self, images, transformation, training=True):
        images = images.astype(self.compute_dtype)
        ha, wa = (-2, -1) if self.data_format == "channels_first" else (-3, -2)
        mean = jnp.mean(jnp.mean(images, axis=ha, keepdims=True), axis=wa, keepdims=True)
        out = (images - mean) * transformation["contrast_factor"] + mean
        return jnp.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config


class RandomHue(BaseImagePreprocessingLayer):
    """Rotates each image's hue by a random amount (up to `factor / 2` of a turn, either way).

    Args:
        factor: a number in [0, 1] or a pair `(lower, upper)`.
        value_range: `(min, max)` of the pixel values.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.

    Call arguments:
        inputs: RGB images (rank 3 or 4) or a dict with `"images"`.
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> keras.layers.RandomHue(0.5, seed=1)(np.random.rand(2, 4, 4, 3) * 255).shape
    (2, 4, 4, 3)
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self._init_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = data["images"].shape[0]
        invert = self._uniform((n,))
        invert = jnp.where(invert > 0.5, -jnp.ones_like(invert), jnp.ones_like(invert))
        factor = self._uniform((n,), self.factor[0], self.factor[1])
        return {"factor": invert * factor * 0.5}

    def transform_images(self, images, transformation, training=True):
        images = images.astype(self.compute_dtype)
        images = _transform_value_range(images, self.value_range, (0, 1), self.compute_dtype)
        shift = transformation["factor"].astype(images.dtype)[:, None, None]
        hsv = image_ops.rgb_to_hsv(images, data_format=self.data_format)
        axis = 1 if self.data_format == "channels_first" else -1
        h = jnp.take(hsv, 0, axis=axis) + shift
        h = jnp.where(h > 1.0, h - 1.0, h)
        h = jnp.where(h < 0.0, h + 1.0, h)
        hsv = jnp.stack([h, jnp.take(hsv, 1, axis=axis), jnp.take(hsv, 2, axis=axis)], axis=axis)
        out = jnp.clip(image_ops.hsv_to_rgb(hsv, data_format=self.data_format), 0, 1)
        out = _transform_value_range(out, (0, 1), self.value_range, self.compute_dtype)
        return out.astype(self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config


class RandomSaturation(BaseImagePreprocessingLayer):
    """Scales each image's saturation by a random factor (`f / (1 - f)` for `f` drawn from
    `factor`: 0.5 leaves it, 0 greys the image, 1 saturates fully).

    Args:
        factor: a number in [-1, 1] or a pair `(lower, upper)` within [0, 1].
        value_range: `(min, max)` of the pixel values.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.

    Call arguments:
        inputs: RGB images (rank 3 or 4) or a dict with `"images"`.
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> keras.layers.RandomSaturation(0.5, seed=1)(np.random.rand(2, 4, 4, 3)).shape
    (2, 4, 4, 3)
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = _value_range("RandomSaturation", value_range)
        self._init_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = data["images"].shape[0]
        f = self._uniform((n,), self.factor[0], self.factor[1])
        return {"factor": f / (1 - f + 1e-7)}

    def transform_images(self, images, transformation, training=True):
        images = images.astype(self.compute_dtype)
        adjust = transformation["factor"].astype(self.compute_dtype)[:, None, None]
        hsv = image_ops.rgb_to_hsv(images, data_format=self.data_format)
        axis = 1 if self.data_format == "channels_first" else -1
        s = jnp.clip(jnp.take(hsv, 1, axis=axis) * adjust, *self.value_range)
        hsv = jnp.stack([jnp.take(hsv, 0, axis=axis), s, jnp.take(hsv, 2, axis=axis)], axis=axis)
        return image_ops.hsv_to_rgb(hsv, data_format=self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config


class RandomGrayscale(BaseImagePreprocessingLayer):
    """Turns each image to grayscale (kept with its channel count) with probability `factor`.

    Args:
        factor: the probability, in [0, 1].
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.

    Call arguments:
        inputs: RGB images (rank 3 or 4) or a dict with `"images"`.
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> out = keras.layers.RandomGrayscale(1.0)(np.random.rand(2, 4, 4, 3))
    >>> bool(np.allclose(out[..., 0], out[..., 2]))
    True
    """

    _USE_BASE_FACTOR = False

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if not isinstance(factor, (int, float)) or factor < 0 or factor > 1:
            raise ValueError(
                f"RandomGrayscale: `factor` should be between 0 and 1. Received: factor={factor}"
            )
        self.factor = factor
        self._init_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = data["images"].shape[0]
        return (self._uniform((n,)) < self.factor)[:, None, None, None]

    def transform_images(self, images, transformation, training=True):
        images = images.astype(self.compute_dtype)
        gray = image_ops.rgb_to_grayscale(images, data_format=self.data_format)
        return jnp.where(transformation, gray, images)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor})
        return config


class RandomInvert(BaseImagePreprocessingLayer):
    """Inverts each image (`value_range[1] - x`) with a probability drawn from `factor`.

    Args:
        factor: the probability, a number in [0, 1] or a pair.
        value_range: `(min, max)` of the pixel values.
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.

    Call arguments:
        inputs: images (rank 3 or 4) or a dict with `"images"`.
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> float(keras.layers.RandomInvert(factor=(1.0, 1.0))(np.zeros((1, 2, 2, 1))).min())
    255.0
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self._init_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = data["images"].shape[0]
        p = self._uniform((n,), self.factor[0], self.factor[1])
        threshold = self._uniform((n,))
        return {"apply_inversion": threshold < p}

    def transform_images(self, images, transformation, training=True):
        images = images.astype(self.compute_dtype)
        apply = transformation["apply_inversion"][:, None, None, None]
        return jnp.where(apply, self.value_range[1] - images, images)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config


class RandomColorDegeneration(BaseImagePreprocessingLayer):
    """Blends each image towards its grayscale version by a random amount from `factor`.

    Args:
        factor: a number in [-1, 1] or a pair `(lower, upper)`.
        value_range: `(min, max)` of the pixel values.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.

    Call arguments:
        inputs: RGB images (rank 3 or 4) or a dict with `"images"`.
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> x = np.random.rand(2, 4, 4, 3).astype("float32") * 255
    >>> bool(np.allclose(keras.layers.RandomColorDegeneration(0.0)(x), x))
    True
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = _value_range("RandomColorDegeneration", value_range)
        self._init_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = data["images"].shape[0]
        return {"factor": self._uniform((n, 1, 1, 1), self.factor[0], self.factor[1])}

    def transform_images(self, images, transformation, training=True):
        images = images.astype(self.compute_dtype)
        factor = transformation["factor"].astype(self.compute_dtype)
        gray = image_ops.rgb_to_grayscale(images, data_format=self.data_format)
        images = images + factor * (gray - images)
        return jnp.clip(images, *self.value_range).astype(self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config


class RandomPosterization(BaseImagePreprocessingLayer):
    """Keeps only the top `b` bits of each 8-bit channel value, `b` drawn from `factor`
    (in [1, 8]).

    Args:
        factor: the number of bits kept, an int in [1, 8] or a pair.
        value_range: `(min, max)` of the pixel values.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.

    Call arguments:
        inputs: images (rank 3 or 4) or a dict with `"images"`.
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> float(keras.layers.RandomPosterization(factor=(1, 1))(np.full((1, 1, 1, 3), 200.0))[0, 0, 0, 0])
    128.0
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (1, 8)
    _MAX_FACTOR = 8

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = _value_range("RandomPosterization", value_range)
        self._init_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = data["images"].shape[0]
        if self.factor[0] != self.factor[1]:
            key = jax.random.wrap_key_data(self._key())
            bits = jax.random.randint(
                key, (n,), minval=self.factor[0], maxval=self.factor[1], dtype="uint8"
            )
        else:
            bits = jnp.ones((n,), dtype="uint8") * self.factor[0]
        return {"shift_factor": self._MAX_FACTOR - bits}

    def transform_images(self, images, transformation, training=True):
        shift = transformation["shift_factor"].reshape(-1, 1, 1, 1)
        x = _transform_value_range(images, self.value_range, (0, 255), self.compute_dtype)
        x = x.astype("uint8")
        x = jnp.left_shift(jnp.right_shift(x, shift.astype(x.dtype)), shift.astype(x.dtype))
        x = x.astype(self.compute_dtype)
        return _transform_value_range(x, (0, 255), self.value_range, self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config


class RandomSharpness(BaseImagePreprocessingLayer):
    """Sharpens (or blurs) each image by a random amount: blends it with a 3x3 smoothed copy,
    `factor` 0.5 leaving it unchanged, 0 blurring and 1 sharpening.

    Args:
        factor: a number in [0, 1] or a pair `(lower, upper)`.
        value_range: `(min, max)` of the pixel values.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.

    Call arguments:
        inputs: images (rank 3 or 4) or a dict with `"images"`.
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> x = np.random.rand(2, 5, 5, 3).astype("float32") * 255
    >>> bool(np.allclose(keras.layers.RandomSharpness((0.5, 0.5))(x), x, atol=1e-3))
    True
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = _value_range("RandomSharpness", value_range)
        self._init_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = data["images"].shape[0]
        return {"factor": self._uniform((n,), self.factor[0], self.factor[1])}

    def transform_images(self, images, transformation, training=True):
        images = images.astype(self.compute_dtype)
        if self.data_format == "channels_first":
            images = jnp.swapaxes(images, -3, -1)
        amount = (transformation["factor"] * 2).astype(self.compute_dtype).reshape(-1, 1, 1, 1)
        a, b = 1.0 / 13.0, 5.0 / 13.0
        kernel = jnp.asarray([[a, a, a], [a, b, a], [a, a, a]], dtype=self.compute_dtype)
        c = images.shape[-1]
        smooth = jax.lax.conv_general_dilated(
            images,
            jnp.tile(kernel[:, :, None, None], (1, 1, 1, c)),
            (1, 1),
            "SAME",
            dimension_numbers=("NHWC", "HWIO", "NHWC"),
            feature_group_count=c,
        )
        images = images + (1.0 - amount) * (smooth - images)
        images = jnp.clip(images, *self.value_range)
        if self.data_format == "channels_first":
            images = jnp.swapaxes(images, -3, -1)
        return images

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range, "seed": self.seed})
        return config


class RandomGaussianBlur(BaseImagePreprocessingLayer):
    """Blurs each image with probability drawn from `factor`, with a Gaussian kernel of
    `kernel_size` and a standard deviation drawn from `sigma` (one draw per batch).

    Args:
        factor: the probability, a number in [0, 1] or a pair.
        kernel_size: an odd int or a pair of odd ints.
        sigma: a number in [0, 1] or a pair: the range of the standard deviation.
        value_range: `(min, max)` of the pixel values.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.

    Call arguments:
        inputs: images (rank 3 or 4) or a dict with `"images"`.
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> keras.layers.RandomGaussianBlur(seed=1)(np.random.rand(2, 6, 6, 3) * 255).shape
    (2, 6, 6, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        factor=1.0,
        kernel_size=3,
        sigma=1.0,
        value_range=(0, 255),
        data_format=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        msg = f"RandomGaussianBlur: kernel_size must be an odd number. Received: {kernel_size}"
        if isinstance(kernel_size, (tuple, list)):
            if len(kernel_size) != 2 or kernel_size[0] % 2 == 0 or kernel_size[1] % 2 == 0:
                raise ValueError(msg)
            self.kernel_size = tuple(kernel_size)
        elif isinstance(kernel_size, (int, float)):
            if kernel_size % 2 == 0:
                raise ValueError(msg)
            self.kernel_size = (kernel_size, kernel_size)
        else:
            raise ValueError(msg)
        self.sigma = _range_arg("RandomGaussianBlur", "sigma", sigma, self._FACTOR_BOUNDS)
        self.value_range = value_range
        self._init_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = data["images"].shape[0]
        p = self._uniform((n,), self.factor[0], self.factor[1])
        threshold = self._uniform((n,))
        sigma = self._uniform((2,), self.sigma[0], self.sigma[1], dtype=self.compute_dtype)
        return {"should_apply_blur": threshold < p, "blur_factor": sigma + 1e-6}

    def transform_images(self, images, transformation, training=True):
        images = images.astype(self.compute_dtype)
        blurred = image_ops._blur(
            images,
            tuple(int(k) for k in self.kernel_size),
            transformation["blur_factor"],
            self.data_format,
        )
        apply = transformation["should_apply_blur"][:, None, None, None]
        images = jnp.where(apply, blurred, images)
        return jnp.clip(images, self.value_range[0], self.value_range[1]).astype(self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "factor": self.factor,
                "kernel_size": self.kernel_size,
                "sigma": self.sigma,
                "value_range": self.value_range,
                "seed": self.seed,
            }
        )
        return config


class RandomColorJitter(BaseImagePreprocessingLayer):
    """Random brightness, contrast, saturation and hue changes, in that order (each only when
    its factor is given), drawn from this layer's own seed.

    Args:
        value_range: `(min, max)` of the pixel values.
        brightness_factor: as `RandomBrightness`'s `factor` (None: no change).
        contrast_factor: as `RandomContrast`'s `factor`.
        saturation_factor: as `RandomSaturation`'s `factor`.
        hue_factor: as `RandomHue`'s `factor`.
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.

    Call arguments:
        inputs: RGB images (rank 3 or 4) or a dict with `"images"`.
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> jitter = keras.layers.RandomColorJitter(brightness_factor=0.2, hue_factor=0.1, seed=3)
    >>> jitter(np.random.rand(2, 4, 4, 3) * 255).shape
    (2, 4, 4, 3)
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        value_range=(0, 255),
        brightness_factor=None,
        contrast_factor=None,
        saturation_factor=None,
        hue_factor=None,
        seed=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        self._init_seed(seed)
        vr, sd = value_range, seed
        self._parts = []
        if brightness_factor is not None:
            self._parts.append(RandomBrightness(brightness_factor, value_range=vr, seed=sd))
        if contrast_factor is not None:
            self._parts.append(RandomContrast(contrast_factor, value_range=vr, seed=sd))
        if saturation_factor is not None:
            self._parts.append(RandomSaturation(saturation_factor, value_range=vr, seed=sd))
        if hue_factor is not None:
            self._parts.append(RandomHue(hue_factor, value_range=vr, seed=sd))

    def transform_images(self, images, transformation, training=True):
        images = images.astype(self.compute_dtype)
        for part in self._parts:
            # Each part draws from this layer's generator, as Keras passes it as the seed.
            part.__dict__["_draw_generator"] = self.generator
            t = part.get_random_transformation({"images": images}, training=True)
            images = part.transform_images(images, t)
        return images.astype(self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "value_range": self.value_range,
                "brightness_factor": self.brightness_factor,
                "contrast_factor": self.contrast_factor,
                "saturation_factor": self.saturation_factor,
                "hue_factor": self.hue_factor,
                "seed": self.seed,
            }
        )
        return config


class Solarization(BaseImagePreprocessingLayer):
    """Inverts the pixels above a random threshold after adding a random offset (both drawn
    as fractions of 255 from `threshold_factor` and `addition_factor`).

    Args:
        addition_factor: a number in [0, 1] or a pair: the offset added (times 255).
        threshold_factor: a number in [0, 1] or a pair: the threshold (times 255).
        value_range: `(min, max)` of the pixel values.
        seed: an int for reproducible draws.

    Call arguments:
        inputs: images (rank 3 or 4) or a dict with `"images"`.
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> float(keras.layers.Solarization()(np.full((1, 1, 1, 1), 55.0))[0, 0, 0, 0])
    200.0
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed=None, **kwargs
    ):
        super().__init__(**kwargs)
        self._init_seed(seed)
        self.addition_factor = self._factor(addition_factor, "addition_factor")
        self.threshold_factor = self._factor(threshold_factor, "threshold_factor")
        self.value_range = _value_range("Solarization", value_range)

    @staticmethod
    def _factor(factor, name):
        msg = (
            f"Solarization: the `{name}` argument should be a number (or a list of two "
            f"numbers) in the range [0, 1]. Received: {name}={factor}"
        )
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or not all(0 <= f <= 1 for f in factor):
                raise ValueError(msg)
            return tuple(sorted(factor))
        if isinstance(factor, (int, float)) and 0 <= factor <= 1:
            return (0, factor)
        raise ValueError(msg)

    def get_random_transformation(self, data, training=True, seed=None):
        n = data["images"].shape[0]
        dt = self.compute_dtype
        add = self._uniform(
            (n, 1, 1, 1), self.addition_factor[0], self.addition_factor[1] * 255, dtype=dt
        )
        thr = self._uniform(
            (n, 1, 1, 1), self.threshold_factor[0], self.threshold_factor[1] * 255, dtype=dt
        )
        return {"additions": add, "thresholds": thr}

    def transform_images(self, images, transformation, training=True):
        images = images.astype(self.compute_dtype)
        x = _transform_value_range(images, self.value_range, (0, 255), self.compute_dtype)
        x = jnp.clip(x + transformation["additions"], 0, 255)
        x = jnp.where(x < transformation["thresholds"], x, 255 - x)
        return _transform_value_range(x, (0, 255), self.value_range, self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "value_range": self.value_range,
                "addition_factor": self.addition_factor,
                "threshold_factor": self.threshold_factor,
                "seed": self.seed,
            }
        )
        return config


class AutoContrast(BaseImagePreprocessingLayer):
    """Stretches each image's channels so their minimum maps to the bottom of `value_range`
    and their maximum to the top (applied in training and inference, as in Keras).

    Args:
        value_range: `(min, max)` of the pixel values.

    Call arguments:
        inputs: images (rank 3 or 4) or a dict with `"images"`.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> x = np.array([[[[50.0], [100.0]]]])
    >>> np.asarray(keras.layers.AutoContrast()(x)).ravel().tolist()
    [0.0, 255.0]
    """

    _USE_BASE_FACTOR = False
    _APPLY_IN_INFERENCE = True

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = _value_range("AutoContrast", value_range)

    def transform_images(self, images, transformation=None, training=True):
        original = images
        x = _transform_value_range(images, self.value_range, (0, 255), self.compute_dtype)
        x = x.astype(self.compute_dtype)
        low = jnp.min(x, axis=(1, 2), keepdims=True)
        high = jnp.max(x, axis=(1, 2), keepdims=True)
        scale = 255.0 / (high - low)
        x = jnp.clip(x * scale - low * scale, 0.0, 255.0)
        x = _transform_value_range(x, (0, 255), self.value_range, self.compute_dtype)
        return jnp.where(jnp.isnan(x), original, x)

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range})
        return config


class Equalization(BaseImagePreprocessingLayer):
    """Histogram equalization of each channel (the histogram of a channel is taken over the
    whole batch, as Keras does).

    Args:
        value_range: `(min, max)` of the pixel values.
        bins: the number of histogram bins.
        data_format: `"channels_last"` or `"channels_first"`.

    Call arguments:
        inputs: images (rank 3 or 4) or a dict with `"images"`.
        training: equalize when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> keras.layers.Equalization()(np.random.randint(0, 255, (2, 4, 4, 3))).shape
    (2, 4, 4, 3)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.bins = bins
        self.value_range = _value_range("Equalization", value_range)

    def _equalize(self, channel):
        vr = tuple(self.value_range)
        if vr != (0, 255):
            channel = (channel - vr[0]) * (255.0 / (vr[1] - vr[0]))
        idx = jnp.clip(
            ((channel.astype("float32") - 0.0) * (self.bins - 1) / 255.0).astype("int32"),
            0,
            self.bins - 1,
        )
        hist = jnp.bincount(idx.ravel(), length=self.bins).astype("int32")
        cdf = jnp.cumsum(hist)
        cdf_min = jnp.take(cdf, jnp.argmax(cdf > 0))
        denom = cdf[-1] - cdf_min
        denom = jnp.where(denom == 0, jnp.ones_like(denom), denom)
        table = jnp.clip(jnp.round((cdf - cdf_min) * 255 / denom), 0, 255)
        lookup = jnp.clip(channel / 255.0 * (self.bins - 1), 0, self.bins - 1).astype("int32")
        equalized = jnp.where(jnp.count_nonzero(hist) <= 1, channel, jnp.take(table, lookup))
        if vr != (0, 255):
            equalized = equalized * ((vr[1] - vr[0]) / 255.0) + vr[0]
        return equalized

    def transform_images(self, images, transformation=None, training=True):
        images = images.astype(self.compute_dtype)
        axis = -3 if self.data_format == "channels_first" else -1
        channels = [
            self._equalize(jnp.take(images, i, axis=axis)) for i in range(images.shape[axis])
        ]
        return jnp.stack(channels, axis=axis).astype(self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"bins": self.bins, "value_range": self.value_range})
        return config


class ContrastLimitedAdaptiveHistogramEqualization(BaseImagePreprocessingLayer):
    """Contrast Limited Adaptive Histogram Equalization (CLAHE): equalizes each channel
    separately in every tile of a `tile_grid_size` grid, with each tile's histogram clipped at
    `clip_limit` times its mean bin count (the excess spread evenly over all bins), then blends
    the four nearest tiles' mappings bilinearly so no tile edges show. Applied in training and
    inference, as in Keras; the output keeps the input's dtype.

    Images whose size is not a multiple of the grid are padded (mirrored) for the histograms.

    Args:
        value_range: `(min, max)` of the pixel values (default `(0, 255)`).
        clip_limit: the histogram clip as a multiple of a tile's mean bin count; 0 or less
            turns clipping off (plain adaptive equalization). Defaults to 4.0.
        tile_grid_size: `(rows, columns)` of tiles (default `(8, 8)`).
        data_format: `"channels_last"` or `"channels_first"`.

    Call arguments:
        inputs: images (rank 3 or 4) or a dict with `"images"`.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> clahe = keras.layers.ContrastLimitedAdaptiveHistogramEqualization(
    ...     value_range=(0.0, 1.0), tile_grid_size=(2, 2))
    >>> x = np.linspace(0.4, 0.6, 64, dtype="float32").reshape(1, 8, 8, 1)
    >>> y = np.asarray(clahe(x))
    >>> y.shape, bool(y.max() - y.min() > x.max() - x.min())
    ((1, 8, 8, 1), True)
    """

    _USE_BASE_FACTOR = False
    _APPLY_IN_INFERENCE = True

    def __init__(
        self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8), data_format=None,
        **kwargs,
    ):  # fmt: skip
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.clip_limit = clip_limit
        if (
            not isinstance(tile_grid_size, (tuple, list))
            or len(tile_grid_size) != 2
            or not all(isinstance(v, int) and v > 0 for v in tile_grid_size)
        ):
            raise ValueError(
                "ContrastLimitedAdaptiveHistogramEqualization: `tile_grid_size` must be a pair "
                f"of positive integers (rows, columns). Received: tile_grid_size={tile_grid_size}"
            )
        self.tile_grid_size = tile_grid_size

    def transform_images(self, images, transformation=None, training=True):
        if self.data_format == "channels_first":
            images = jnp.transpose(images, (0, 2, 3, 1))
        dtype = images.dtype
        vr = tuple(self.value_range)
        x = _transform_value_range(images, vr, (0, 255), "float32")
        x = self._clahe(x)
        x = _transform_value_range(x, (0, 255), vr, "float32").astype(dtype)
        if self.data_format == "channels_first":
            x = jnp.transpose(x, (0, 3, 1, 2))
        return x

    def _clahe(self, images):
        n, height, width, channels = images.shape
        gh, gw = self.tile_grid_size
        th, tw = -(-height // gh), -(-width // gw)
        pad_h, pad_w = th * gh - height, tw * gw - width
        padded = images
        if pad_h or pad_w:
            padded = jnp.pad(images, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="symmetric")
        # Histograms per (image, tile row, tile column, channel), by scatter-add.
        tiles = padded.reshape(n, gh, th, gw, tw, channels).transpose(0, 1, 3, 5, 2, 4)
        tiles = jnp.clip(tiles.reshape(n * gh * gw * channels, th * tw).astype("int32"), 0, 255)
        rows = jnp.arange(tiles.shape[0], dtype="int32")[:, None]
        hists = jnp.zeros((tiles.shape[0], 256), "float32").at[rows, tiles].add(1.0)
        hists = hists.reshape(n, gh, gw, channels, 256)
        if self.clip_limit > 0:
            limit = jnp.asarray(self.clip_limit * (th * tw) / 256.0, hists.dtype)
            clipped = jnp.clip(hists, 0, limit)
            excess = jnp.sum(hists - clipped, axis=-1, keepdims=True)
            hists = clipped + excess / 256.0
        cdf = jnp.cumsum(hists, axis=-1)
        cdf_min = jnp.min(cdf, axis=-1, keepdims=True)
        denom = jnp.asarray(th * tw, cdf.dtype) - cdf_min
        denom = jnp.where(denom == 0, jnp.ones_like(denom), denom)
        mapping = jnp.clip((cdf - cdf_min) * 255.0 / denom, 0, 255)
        # Edge tiles repeated once on each side, so border pixels blend with themselves.
        mapping = jnp.pad(mapping, ((0, 0), (1, 1), (1, 1), (0, 0), (0, 0)), mode="edge")

        def axis_weights(size, tile, grid):
            pos = (jnp.arange(size, dtype="float32") - (tile / 2.0)) / tile + 1.0
            lo = jnp.floor(pos)
            frac = pos - lo
            lo_i = jnp.clip(lo, 0, grid + 1).astype("int32")
            hi_i = jnp.clip(lo + 1.0, 0, grid + 1).astype("int32")
            return lo_i, hi_i, frac

        y0, y1, wy = axis_weights(th * gh, th, gh)
        x0, x1, wx = axis_weights(tw * gw, tw, gw)
        pixels = jnp.clip(padded, 0, 255).astype("int32")
        b = jnp.arange(n)[:, None, None, None]
        c = jnp.arange(channels)[None, None, None, :]

        def at(ys, xs):
            return mapping[b, ys[None, :, None, None], xs[None, None, :, None], c, pixels]

        wy, wx = wy[None, :, None, None], wx[None, None, :, None]
        top = at(y0, x0) * (1.0 - wx) + at(y0, x1) * wx
        bottom = at(y1, x0) * (1.0 - wx) + at(y1, x1) * wx
        out = top * (1.0 - wy) + bottom * wy
        return out[:, :height, :width, :]

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "value_range": self.value_range,
                "clip_limit": self.clip_limit,
                "tile_grid_size": self.tile_grid_size,
                "data_format": self.data_format,
            }
        )
        return config


# ------------------------------------------------------------------------- geometric layers


class RandomCrop(BaseImagePreprocessingLayer):
    """Crops a random `height` x `width` box (the same box for the whole batch) when training;
    images smaller than the box are centre-cropped to its aspect ratio and resized. As in
    Keras 3.15, the images pass through unchanged when not training.

    Args:
        height: the output height.
        width: the output width.
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.
        bounding_box_format: the format of the boxes in dict inputs (e.g. `"xyxy"`).

    Call arguments:
        inputs: images (rank 3 or 4) or a dict with `"images"` and optionally `"labels"`,
            `"segmentation_masks"` and `"bounding_boxes"` (moved with the images and clipped).
        training: crop when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> keras.layers.RandomCrop(4, 5, seed=0)(np.random.rand(2, 8, 8, 3)).shape
    (2, 4, 5, 3)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        from lamina.core.random import make_default_seed

        super().__init__(data_format=data_format, name=name, **kwargs)
        self.height = height
        self.width = width
        self.generator = SeedGenerator(seed)
        self.seed = seed if seed is not None else make_default_seed()
        self.height_axis, self.width_axis = (
            (-2, -1) if self.data_format == "channels_first" else (-3, -2)
        )

    def get_random_transformation(self, data, training=True, seed=None):
        shape = data["images"].shape
        in_h, in_w = shape[self.height_axis], shape[self.width_axis]
        if training and in_h > self.height and in_w > self.width:
            h0 = self._uniform((), 0, float(in_h - self.height + 1)).astype("int32")
            w0 = self._uniform((), 0, float(in_w - self.width + 1)).astype("int32")
            return (h0, w0)
        crop_h = max(min(in_h, int(float(in_w * self.height) / self.width)), 1)
        crop_w = max(min(in_w, int(float(in_h * self.width) / self.height)), 1)
        return (int(float(in_h - crop_h) / 2), int(float(in_w - crop_w) / 2))

    def _crop(self, images, transformation):
        h0, w0 = transformation
        ha = images.ndim + self.height_axis
        size = list(images.shape)
        size[ha] = min(self.height, images.shape[ha])
        size[ha + 1] = min(self.width, images.shape[ha + 1])
        start = [0] * images.ndim
        start[ha], start[ha + 1] = h0, w0
        out = jax.lax.dynamic_slice(images, [jnp.asarray(s, "int32") for s in start], size)
        if size[ha] != self.height or size[ha + 1] != self.width:
            out = image_ops.resize(out, (self.height, self.width), data_format=self.data_format)
        return out

    def transform_images(self, images, transformation, training=True):
        return self._crop(images.astype(self.compute_dtype), transformation).astype(
            self.compute_dtype
        )

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training:
            return segmentation_masks
        return self.transform_images(jnp.asarray(segmentation_masks), transformation)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        in_h, in_w = self._input_hw
        h0, w0 = transformation
        # The rows and columns the images were sliced to (then resized when smaller).
        slice_h, slice_w = self.height, self.width
        if isinstance(h0, int):
            slice_h, slice_w = min(self.height, in_h - h0), min(self.width, in_w - w0)
        out = self._boxes_to(bounding_boxes, self.bounding_box_format, "xyxy")
        x1, y1, x2, y2 = jnp.split(out["boxes"], 4, axis=-1)
        h0 = jnp.asarray(h0, "float32")
        w0 = jnp.asarray(w0, "float32")
        sx, sy = self.width / slice_w, self.height / slice_h
        out["boxes"] = jnp.concatenate(
            [(x1 - w0) * sx, (y1 - h0) * sy, (x2 - w0) * sx, (y2 - h0) * sy], axis=-1
        )
        out = bb.clip_to_image_size(out, self.height, self.width, "xyxy")
        return bb.convert_format(
            out, "xyxy", self.bounding_box_format, height=self.height, width=self.width
        )

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[self.height_axis] = self.height
        shape[self.width_axis] = self.width
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "height": self.height,
                "width": self.width,
                "seed": self.seed,
                "data_format": self.data_format,
            }
        )
        return config


class RandomShear(_GeometricLayer):
    """Shears each image by random amounts along x and y (`x_factor`, `y_factor` in [0, 1]
    as fractions of the shear angle's tangent; the sign is random).

    Args:
        x_factor: a number in [0, 1] or a pair.
        y_factor: a number in [0, 1] or a pair.
        interpolation: `"nearest"` or `"bilinear"`.
        fill_mode: `"reflect"`, `"wrap"`, `"constant"` or `"nearest"`.
        fill_value: the value outside the image for `"constant"`.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.
        bounding_box_format: the format of the boxes in dict inputs (e.g. `"xyxy"`).

    Call arguments:
        inputs: images (rank 3 or 4) or a dict with `"images"` and optionally `"labels"`,
            `"segmentation_masks"` and `"bounding_boxes"` (moved with the images and clipped).
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> keras.layers.RandomShear(x_factor=0.3, seed=1)(np.random.rand(2, 6, 6, 3)).shape
    (2, 6, 6, 3)
    """

    _USE_BASE_FACTOR = False
    _FILL_MODES = ("reflect", "wrap", "constant", "nearest")

    def __init__(
        self,
        x_factor=0.0,
        y_factor=0.0,
        interpolation="bilinear",
        fill_mode="reflect",
        fill_value=0.0,
        data_format=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self.x_factor = self._shear_factor(x_factor, "x_factor")
        self.y_factor = self._shear_factor(y_factor, "y_factor")
        if fill_mode not in self._FILL_MODES:
            raise NotImplementedError(
                f"RandomShear: unknown `fill_mode` {fill_mode}. Expected one of {self._FILL_MODES}."
            )
        if interpolation not in ("nearest", "bilinear"):
            raise NotImplementedError(
                f"RandomShear: unknown `interpolation` {interpolation}. Expected one of "
                "('nearest', 'bilinear')."
            )
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation
        self._init_seed(seed)

    @staticmethod
    def _shear_factor(factor, name):
        msg = (
            f"RandomShear: the `{name}` argument should be a number (or a list of two numbers) "
            f"in the range [0, 1.0]. Received: {name}={factor}"
        )
        if isinstance(factor, (tuple, list)):
            # Keras only accepts [0, 1] here, so its own configs (which store (-f, f)) fail to
            # load there; lamina accepts [-1, 1] so saved layers round-trip.
            if len(factor) != 2 or not all(-1 <= f <= 1 for f in factor):
                raise ValueError(msg)
            return tuple(sorted(factor))
        if isinstance(factor, (int, float)) and 0 <= factor <= 1:
            return (-abs(factor), abs(factor))
        raise ValueError(msg)

    def get_random_transformation(self, data, training=True, seed=None):
        n = data["images"].shape[0]
        dt = self.compute_dtype
        invert = self._uniform((n, 1), 0, 1, dtype=dt)
        invert = jnp.where(invert > 0.5, -jnp.ones_like(invert), jnp.ones_like(invert))
        sy = self._uniform((n, 1), self.y_factor[0], self.y_factor[1], dtype=dt)
        sx = self._uniform((n, 1), self.x_factor[0], self.x_factor[1], dtype=dt)
        return {"shear_factor": jnp.concatenate([sx, sy], axis=1).astype(dt) * invert}

    def _warp(self, images, transformation, interpolation):
        s = transformation["shear_factor"]
        ones, zeros = jnp.ones((s.shape[0],)), jnp.zeros((s.shape[0],))
        matrix = jnp.stack([ones, s[:, 0], zeros, s[:, 1], ones, zeros, zeros, zeros], axis=1)
        return image_ops.affine_transform(
            images,
            matrix,
            interpolation=interpolation,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        # Keras 3.15's box shear: the corners are sheared in relative coordinates (exact for
        # square images), then clipped to the image.
        if not training or transformation is None:
            return bounding_boxes
        dt = self.compute_dtype
        h, w = self._input_hw
        fmt = self.bounding_box_format
        out = bb.convert_format(bounding_boxes, fmt, "rel_xyxy", height=h, width=w, dtype=dt)
        shear = transformation["shear_factor"].astype(dt)
        sx, sy = shear[:, 0:1], shear[:, 1:2]
        x1, y1, x2, y2 = (out["boxes"][..., i] for i in range(4))
        x1 = jnp.where(sx < 0, x1 - sx * y1, x1 - sx * y2)
        x2 = jnp.where(sx < 0, x2 - sx * y2, x2 - sx * y1)
        y1 = jnp.where(sy > 0, y1 - sy * x2, y1 - sy * x1)
        y2 = jnp.where(sy > 0, y2 - sy * x1, y2 - sy * x2)
        out["boxes"] = jnp.stack([x1, y1, x2, y2], axis=-1)
        out = bb.clip_to_image_size(out, h, w, "rel_xyxy")
        return bb.convert_format(out, "rel_xyxy", fmt, height=h, width=w, dtype=dt)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "x_factor": self.x_factor,
                "y_factor": self.y_factor,
                "fill_mode": self.fill_mode,
                "interpolation": self.interpolation,
                "seed": self.seed,
                "fill_value": self.fill_value,
                "data_format": self.data_format,
            }
        )
        return config


class RandomPerspective(_GeometricLayer):
    """Warps each image (with probability drawn from `factor`) by moving its corners by random
    fractions (up to `scale / 2`) of the image size.

    Args:
        factor: the probability, a number in [0, 1] or a pair.
        scale: the distortion strength, in [0, 1].
        interpolation: `"nearest"` or `"bilinear"`.
        fill_value: the value outside the image.
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.
        bounding_box_format: the format of the boxes in dict inputs (e.g. `"xyxy"`).

    Call arguments:
        inputs: images (rank 3 or 4) or a dict with `"images"` and optionally `"labels"`,
            `"segmentation_masks"` and `"bounding_boxes"` (moved with the images and clipped).
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> keras.layers.RandomPerspective(scale=0.5, seed=1)(np.random.rand(2, 6, 6, 3)).shape
    (2, 6, 6, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        factor=1.0,
        scale=1.0,
        interpolation="bilinear",
        fill_value=0.0,
        seed=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        if scale < 0.0 or scale > 1.0:
            raise ValueError(
                "RandomPerspective: the `scale` argument should be a number in the range "
                f"[0,1]. Received: scale={scale}"
            )
        if interpolation not in ("nearest", "bilinear"):
            raise NotImplementedError(
                f"RandomPerspective: unknown `interpolation` {interpolation}. Expected one of "
                "('nearest', 'bilinear')."
            )
        self.scale = scale
        self.fill_value = fill_value
        self.interpolation = interpolation
        self._init_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"]
        n = images.shape[0]
        h, w = images.shape[-2:] if self.data_format == "channels_first" else images.shape[1:3]
        p = self._uniform((n,), self.factor[0], self.factor[1])
        threshold = self._uniform((n,))
        dt = self.compute_dtype
        move = self._uniform((n, 4, 2), -0.5 * self.scale, 0.5 * self.scale, dtype=dt)
        start = jnp.asarray(
            [[[0.0, 0.0], [w - 1, 0.0], [0.0, h - 1], [w - 1, h - 1]]], dtype=dt
        ).repeat(n, axis=0)
        return {
            "apply_perspective": threshold < p,
            "start_points": start,
            "end_points": start + start * move,
        }

    def _warp(self, images, transformation, interpolation):
        out = image_ops.perspective_transform(
            images,
            transformation["start_points"],
            transformation["end_points"],
            interpolation=interpolation,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )
        return jnp.where(transformation["apply_perspective"][:, None, None, None], out, images)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        # Each box becomes the smallest box around its four moved corners.
        if not training or transformation is None:
            return bounding_boxes
        h, w = self._input_hw
        fmt = self.bounding_box_format
        out = self._boxes_to(bounding_boxes, fmt, "xyxy")
        boxes = out["boxes"]
        x0, y0, x1, y1 = jnp.split(boxes, 4, axis=-1)
        coeffs = image_ops._homography(
            transformation["start_points"], transformation["end_points"]
        ).astype(self.compute_dtype)
        n = coeffs.shape[0]
        matrix = jnp.concatenate([coeffs, jnp.ones((n, 1), coeffs.dtype)], -1).reshape(n, 3, 3)
        inverse = jnp.linalg.inv(matrix)[:, None]  # output point -> input point is `matrix`
        xs, ys = [], []
        for cx, cy in ((x0, y0), (x1, y1), (x0, y1), (x1, y0)):
            p = jnp.concatenate([cx, cy, jnp.ones_like(cx)], axis=-1)[..., None]
            q = jnp.matmul(inverse, p)[..., 0]
            xs.append(q[..., 0] / q[..., 2])
            ys.append(q[..., 1] / q[..., 2])
        xs, ys = jnp.stack(xs, -1), jnp.stack(ys, -1)
        moved = jnp.stack([xs.min(-1), ys.min(-1), xs.max(-1), ys.max(-1)], axis=-1)
        apply = transformation["apply_perspective"][:, None, None]
        out["boxes"] = jnp.where(apply, moved, boxes)
        out = bb.clip_to_image_size(out, h, w, "xyxy")
        return bb.convert_format(out, "xyxy", fmt, height=h, width=w)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "factor": self.factor,
                "scale": self.scale,
                "interpolation": self.interpolation,
                "fill_value": self.fill_value,
                "seed": self.seed,
            }
        )
        return config


class RandomElasticTransform(_GeometricLayer):
    """Distorts each image (with probability drawn from `factor`) by a smooth random
    displacement field whose strength is drawn from `scale`.

    Args:
        factor: the probability, a number in [0, 1] or a pair.
        scale: a number in [0, 1] or a pair: the distortion strength.
        interpolation: `"nearest"` or `"bilinear"`.
        fill_mode: `"constant"`, `"nearest"`, `"wrap"`, `"mirror"` or `"reflect"`.
        fill_value: the value outside the image for `"constant"`.
        value_range: `(min, max)` of the pixel values.
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.

    Call arguments:
        inputs: images (rank 3 or 4) or a dict with `"images"` (and `"segmentation_masks"`).
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> keras.layers.RandomElasticTransform(seed=1)(np.random.rand(2, 8, 8, 3) * 255).shape
    (2, 8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        factor=1.0,
        scale=1.0,
        interpolation="bilinear",
        fill_mode="reflect",
        fill_value=0.0,
        value_range=(0, 255),
        seed=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = _range_arg("RandomElasticTransform", "scale", scale, self._FACTOR_BOUNDS)
        if interpolation not in ("nearest", "bilinear"):
            raise NotImplementedError(
                f"RandomElasticTransform: unknown `interpolation` {interpolation}. Expected "
                "one of ('nearest', 'bilinear')."
            )
        if fill_mode not in image_ops.FILL_MODES:
            raise NotImplementedError(
                f"RandomElasticTransform: unknown `fill_mode` {fill_mode}. Expected one of "
                f"{image_ops.FILL_MODES}."
            )
        self.interpolation = interpolation
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.value_range = value_range
        self._init_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if self.scale[1] == 0 or self.factor[1] == 0:
            return None
        n = data["images"].shape[0]
        p = self._uniform((n,), self.factor[0], self.factor[1])
        threshold = self._uniform((n,))
        strength = self._uniform((), self.scale[0], self.scale[1], dtype=self.compute_dtype)
        # Keras hands its generator to the op, which draws the field's key after these.
        return {"apply_transform": threshold < p, "distortion_factor": strength}

    def _warp(self, images, transformation, interpolation):
        h, w = images.shape[-2:] if self.data_format == "channels_first" else images.shape[1:3]
        strength = transformation["distortion_factor"]
        if self.scale[0] == self.scale[1]:
            strength = float(self.scale[0])  # a fixed scale keeps the blur kernel static
        alpha = max(h, w) * (0.1 * strength)
        sigma = min(h, w) * (0.05 * strength)
        out = _elastic(
            images, alpha, sigma, interpolation, self.fill_mode, self.fill_value,
            self._key(), self.data_format,
        )  # fmt: skip
        out = jnp.where(transformation["apply_transform"][:, None, None, None], out, images)
        return jnp.clip(out, self.value_range[0], self.value_range[1]).astype(self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "factor": self.factor,
                "scale": self.scale,
                "interpolation": self.interpolation,
                "fill_mode": self.fill_mode,
                "fill_value": self.fill_value,
                "value_range": self.value_range,
                "seed": self.seed,
            }
        )
        return config


def _elastic(images, alpha, sigma, interpolation, fill_mode, fill_value, key_data, data_format):
    """`ops.image.elastic_transform` for the layer: the blur kernel size depends on `sigma`, so
    `sigma` must be concrete (a fixed `scale`, or an eager call)."""
    try:
        sigma_value = float(sigma)
    except (TypeError, jax.errors.ConcretizationTypeError):
        sigma_value = None
    if sigma_value is not None:
        return image_ops.elastic_transform(
            images,
            alpha=alpha,
            sigma=sigma_value,
            interpolation=interpolation,
            fill_mode=fill_mode,
            fill_value=fill_value,
            seed=key_data,
            data_format=data_format,
        )
    raise NotImplementedError(
        "RandomElasticTransform with a random `scale` range cannot run inside a compiled step "
        "(the blur kernel size depends on the drawn value). Pass `scale=(s, s)` to fix it."
    )


class RandomErasing(BaseImagePreprocessingLayer):
    """Replaces a random rectangle of each image (with probability drawn from `factor`) by
    `fill_value`, or by clipped Gaussian noise when `fill_value` is None.

    Args:
        factor: the probability, a number in [0, 1] or a pair.
        scale: the range of the rectangle's side as a fraction of the image (squared).
        fill_value: a number, three numbers (per channel) or None (noise).
        value_range: `(min, max)` of the pixel values.
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.

    Call arguments:
        inputs: images (rank 3 or 4) or a dict with `"images"`.
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> keras.layers.RandomErasing(fill_value=0.0, seed=1)(np.ones((2, 8, 8, 3))).shape
    (2, 8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        factor=1.0,
        scale=(0.02, 0.33),
        fill_value=None,
        value_range=(0, 255),
        seed=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = _range_arg("RandomErasing", "scale", scale, self._FACTOR_BOUNDS)
        if fill_value is not None and not (
            isinstance(fill_value, (int, float))
            or (isinstance(fill_value, (tuple, list)) and len(fill_value) == 3)
        ):
            raise ValueError(
                "RandomErasing: the `fill_value` argument should be a number (or a list of "
                f"three numbers). Received: fill_value={fill_value}"
            )
        self.fill_value = fill_value
        self.value_range = value_range
        self._init_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"]
        n = images.shape[0]
        cf = self.data_format == "channels_first"
        h, w = images.shape[-2:] if cf else images.shape[1:3]
        dt = self.compute_dtype
        side = jnp.sqrt(self._uniform((n, 2), self.scale[0], self.scale[1], dtype=dt))

        def bounds(length, ratio):
            crop = (ratio * length).astype(dt)
            start = self._uniform((n,), 0, 1, dtype=dt) * (length - crop)
            return start, start + crop

        x0, x1 = bounds(w, side[:, 0])
        y0, y1 = bounds(h, side[:, 1])
        gy, gx = jnp.meshgrid(jnp.arange(h, dtype=dt), jnp.arange(w, dtype=dt), indexing="ij")
        gx, gy = (g[None, None] if cf else g[None, :, :, None] for g in (gx, gy))
        x0, x1, y0, y1 = (v[:, None, None, None] for v in (x0, x1, y0, y1))
        masks = (gx >= x0) & (gx < x1) & (gy >= y0) & (gy < y1)
        masks = jnp.repeat(masks, images.shape[1 if cf else -1], axis=1 if cf else -1)
        p = self._uniform((n,), self.factor[0], self.factor[1])
        threshold = self._uniform((n,))
        if self.fill_value is None:
            fill = self._normal(images.shape, dtype=dt) * self.value_range[1]
        else:
            fill = jnp.broadcast_to(jnp.asarray(self.fill_value, dt), images.shape)
        fill = jnp.clip(fill, self.value_range[0], self.value_range[1])
        return {"apply_erasing": threshold < p, "batch_masks": masks, "fill_value": fill}

    def transform_images(self, images, transformation, training=True):
        images = images.astype(self.compute_dtype)
        erased = jnp.where(transformation["batch_masks"], transformation["fill_value"], images)
        return jnp.where(transformation["apply_erasing"][:, None, None, None], erased, images)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "factor": self.factor,
                "scale": self.scale,
                "fill_value": self.fill_value,
                "value_range": self.value_range,
                "seed": self.seed,
            }
        )
        return config


# ------------------------------------------------------------------------------ mixing layers


class MixUp(BaseImagePreprocessingLayer):
    """Mixes each image (and its label, in a dict input) with another image of the batch:
    `w * x + (1 - w) * x[perm]`, `w ~ Beta(alpha, alpha)`.

    Args:
        alpha: the Beta distribution's parameter.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.

    Call arguments:
        inputs: images or a dict with `"images"` and `"labels"` (one-hot or soft).
        training: mix when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> out = keras.layers.MixUp(seed=0)({"images": np.random.rand(4, 4, 4, 3),
    ...                                   "labels": np.eye(4)})
    >>> bool(np.allclose(np.asarray(out["labels"]).sum(axis=1), 1.0))
    True
    """

    _USE_BASE_FACTOR = False

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.alpha = alpha
        self._init_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        n = data["images"].shape[0]
        order = self._shuffle(jnp.arange(0, n, dtype="int32"))
        weight = self._beta((n,), self.alpha, self.alpha)
        return {"mix_weight": weight, "permutation_order": order}

    def transform_images(self, images, transformation, training=True):
        images = images.astype(self.compute_dtype)
        w = transformation["mix_weight"].reshape(-1, 1, 1, 1).astype(self.compute_dtype)
        other = jnp.take(images, transformation["permutation_order"], axis=0)
        return w * images + (1.0 - w) * other

    def transform_labels(self, labels, transformation, training=True):
        if not training:
            return labels
        w = transformation["mix_weight"].reshape(-1, 1)
        other = jnp.take(labels, transformation["permutation_order"], axis=0)
        return w * labels + (1.0 - w) * other

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        # Each image keeps its boxes and gains those of the image mixed into it.
        if not training or transformation is None:
            return bounding_boxes
        perm = transformation["permutation_order"]
        out = dict(bounding_boxes)
        for key in ("boxes", "labels"):
            value = bounding_boxes[key]
            out[key] = jnp.concatenate([value, jnp.take(value, perm, axis=0)], axis=1)
        return out

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        # Mixed like the images (Keras 3.15 takes the masks without an axis, which scrambles
        # them; see docs/differences.md).
        if not training:
            return segmentation_masks
        masks = jnp.asarray(segmentation_masks)
        w = transformation["mix_weight"].reshape(-1, 1, 1, 1).astype(self.compute_dtype)
        other = jnp.take(masks, transformation["permutation_order"], axis=0)
        return w * masks + (1.0 - w) * other

    def get_config(self):
        config = super().get_config()
        config.update({"alpha": self.alpha, "seed": self.seed})
        return config


class CutMix(BaseImagePreprocessingLayer):
    """Pastes a random box from another image of the batch into each image; labels (in a dict
    input) are mixed by the pasted area.

    Args:
        factor: the range of the Beta parameter, a number in [0, 1] or a pair.
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.

    Call arguments:
        inputs: a batch of images or a dict with `"images"` and `"labels"`.
        training: mix when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> keras.layers.CutMix(seed=0)(np.random.rand(4, 8, 8, 3)).shape
    (4, 8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self._init_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"]
        n = images.shape[0]
        cf = self.data_format == "channels_first"
        h, w = images.shape[-2:] if cf else images.shape[1:3]
        dt = self.compute_dtype
        alpha = self._uniform((), self.factor[0], self.factor[1], dtype=dt) + 1e-6
        weight = self._beta((n,), alpha, alpha, dtype=dt)
        ratio = jnp.sqrt(1.0 - weight)

        def bounds(length):
            crop = (ratio * length).astype(dt)
            start = self._uniform((n,), 0, 1, dtype=dt) * (length - crop)
            return start, start + crop

        x0, x1 = bounds(w)
        y0, y1 = bounds(h)
        gy, gx = jnp.meshgrid(jnp.arange(h, dtype=dt), jnp.arange(w, dtype=dt), indexing="ij")
        gx, gy = (g[None, None] if cf else g[None, :, :, None] for g in (gx, gy))
        x0, x1, y0, y1 = (v[:, None, None, None] for v in (x0, x1, y0, y1))
        masks = (gx >= x0) & (gx < x1) & (gy >= y0) & (gy < y1)
        masks = jnp.repeat(masks, images.shape[1 if cf else -1], axis=1 if cf else -1)
        mix_weight = 1.0 - (x1 - x0) * (y1 - y0) / (w * h)
        order = self._shuffle(jnp.arange(0, n, dtype="int32"))
        return {"permutation_order": order, "batch_masks": masks, "mix_weight": mix_weight}

    def transform_images(self, images, transformation, training=True):
        images = images.astype(self.compute_dtype)
        other = jnp.take(images, transformation["permutation_order"], axis=0)
        return jnp.where(transformation["batch_masks"], other, images)

    def transform_labels(self, labels, transformation, training=True):
        if not training:
            return labels
        w = transformation["mix_weight"].reshape(-1, 1)
        other = jnp.take(labels, transformation["permutation_order"], axis=0)
        return w * labels + (1.0 - w) * other

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        raise NotImplementedError(
            "CutMix does not transform bounding boxes (Keras 3.15 does not either). Drop the "
            "'bounding_boxes' key or apply the layer to images only."
        )

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        # The same box is pasted into the masks, keeping their channel count (Keras 3.15 uses
        # the images' box mask, which broadcasts one-channel masks to the image channels).
        if not training:
            return segmentation_masks
        masks = jnp.asarray(segmentation_masks)
        box = transformation["batch_masks"]
        box = box[:, :1] if self.data_format == "channels_first" else box[..., :1]
        other = jnp.take(masks, transformation["permutation_order"], axis=0)
        return jnp.where(box, other, masks)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "seed": self.seed})
        return config


class RandAugment(BaseImagePreprocessingLayer):
    """RandAugment: applies `num_ops` operations, each picked at random (the same pick for the
    whole batch) among shear, translation, rotation, brightness, colour degeneration,
    contrast, sharpness, posterization, solarization, auto-contrast and equalization, all with
    strength `factor`.

    Args:
        value_range: `(min, max)` of the pixel values.
        num_ops: how many operations are applied in turn.
        factor: the strength, a number in [0, 1] or a pair.
        interpolation: `"nearest"` or `"bilinear"` (geometric operations).
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.

    Call arguments:
        inputs: RGB images (rank 3 or 4) or a dict with `"images"`.
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> keras.layers.RandAugment(seed=1)(np.random.rand(2, 8, 8, 3) * 255).shape
    (2, 8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _AUGMENT_LAYERS = [
        "random_shear",
        "random_translation",
        "random_rotation",
        "random_brightness",
        "random_color_degeneration",
        "random_contrast",
        "random_sharpness",
        "random_posterization",
        "solarization",
        "auto_contrast",
        "equalization",
    ]

    def __init__(
        self,
        value_range=(0, 255),
        num_ops=2,
        factor=0.5,
        interpolation="bilinear",
        seed=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.num_ops = num_ops
        self._set_factor(factor)
        self.interpolation = interpolation
        self._init_seed(seed)
        f, vr, sd, df = self.factor, value_range, seed, data_format
        self.random_shear = RandomShear(
            x_factor=f, y_factor=f, interpolation=interpolation, seed=sd, data_format=df
        )
        from lamina.layers.preprocessing.image_augmentation import (
            RandomRotation,
            RandomTranslation,
        )

        box_kw = {"bounding_box_format": self.bounding_box_format}
        self.random_shear.bounding_box_format = self.bounding_box_format
        self.random_translation = RandomTranslation(
            f, f, interpolation=interpolation, seed=sd, data_format=df, **box_kw
        )
        self.random_rotation = RandomRotation(
            f, interpolation=interpolation, seed=sd, data_format=df, **box_kw
        )
        self.random_brightness = RandomBrightness(f, value_range=vr, seed=sd, data_format=df)
        self.random_color_degeneration = RandomColorDegeneration(
            f, value_range=vr, seed=sd, data_format=df
        )
        self.random_contrast = RandomContrast(f, value_range=vr, seed=sd, data_format=df)
        self.random_sharpness = RandomSharpness(f, value_range=vr, seed=sd, data_format=df)
        self.random_posterization = RandomPosterization(
            max(1, int(8 * f[1])), value_range=vr, seed=sd, data_format=df
        )
        self.solarization = Solarization(
            addition_factor=f, threshold_factor=f, value_range=vr, seed=sd, data_format=df
        )
        self.auto_contrast = AutoContrast(value_range=vr, data_format=df)
        self.equalization = Equalization(value_range=vr, data_format=df)
        for name in self._AUGMENT_LAYERS:
            # The operations draw from this layer's generator, as in Keras.
            getattr(self, name).__dict__["_draw_generator"] = self.generator

    def get_random_transformation(self, data, training=True, seed=None):
        key = jax.random.wrap_key_data(self._key())
        idx = jax.random.randint(key, (self.num_ops,), 0, len(self._AUGMENT_LAYERS), "int32")
        transforms = {
            name: getattr(self, name).get_random_transformation(data, training=True)
            for name in self._AUGMENT_LAYERS
        }
        return {"transforms": transforms, "layer_idxes": idx}

    def transform_images(self, images, transformation, training=True):
        images = images.astype(self.compute_dtype)
        idx = transformation["layer_idxes"]
        for i in range(self.num_ops):
            for j, (name, t) in enumerate(transformation["transforms"].items()):
                out = getattr(self, name).transform_images(images, t)
                images = jnp.where(idx[i] == j, out.astype(images.dtype), images)
        return images.astype(self.compute_dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        # As Keras 3.15: each operation's box transform is applied (in the operations' order)
        # to the boxes of the images it was picked for; colour operations leave boxes as is.
        if not training or transformation is None:
            return bounding_boxes
        idx = transformation["layer_idxes"]
        out = dict(bounding_boxes)
        for j, (name, t) in enumerate(transformation["transforms"].items()):
            layer = getattr(self, name)
            layer.__dict__["_input_hw"] = self._input_hw
            moved = layer.transform_bounding_boxes(dict(out), t, training=True)
            for i in range(self.num_ops):
                for key in ("boxes", "labels"):
                    out[key] = jnp.where(idx[i] == j, moved[key], out[key])
        return out

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "value_range": self.value_range,
                "num_ops": self.num_ops,
                "factor": self.factor,
                "interpolation": self.interpolation,
                "seed": self.seed,
            }
        )
        return config


class AugMix(BaseImagePreprocessingLayer):
    """AugMix: mixes `num_chains` chains of up to `chain_depth` random operations (Dirichlet
    weights), then blends the mix with the original image (Beta weight).

    As in Keras, each chain step's operation is picked with Python's `random` module when the
    layer runs (inside a compiled `fit` step: when the step is traced), and the operations'
    parameters are drawn from the layer's seed.

    Args:
        value_range: `(min, max)` of the pixel values.
        num_chains: the number of chains mixed.
        chain_depth: the maximum number of operations per chain.
        factor: the operations' strength, a number in [0, 1] or a pair.
        alpha: the Dirichlet and Beta parameter.
        all_ops: also use brightness, colour degeneration, contrast and sharpness.
        interpolation: `"nearest"` or `"bilinear"` (geometric operations).
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.

    Call arguments:
        inputs: RGB images (rank 3 or 4) or a dict with `"images"`.
        training: augment when True (the default), pass through when False.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> keras.layers.AugMix(seed=1)(np.random.rand(2, 8, 8, 3) * 255).shape
    (2, 8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _OPS = [
        "random_shear",
        "random_translation",
        "random_rotation",
        "random_posterization",
        "solarization",
        "auto_contrast",
        "equalization",
    ]
    _OPS_ALL = _OPS + [
        "random_brightness",
        "random_color_degeneration",
        "random_contrast",
        "random_sharpness",
    ]

    def __init__(
        self,
        value_range=(0, 255),
        num_chains=3,
        chain_depth=3,
        factor=0.3,
        alpha=1.0,
        all_ops=True,
        interpolation="bilinear",
        seed=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.num_chains = num_chains
        self.chain_depth = chain_depth
        self._set_factor(factor)
        self.alpha = alpha
        self.all_ops = all_ops
        self.interpolation = interpolation
        self._init_seed(seed)
        self._augment_layers = list(self._OPS_ALL if all_ops else self._OPS)
        f, vr, sd, df = self.factor, value_range, seed, data_format
        self.random_shear = RandomShear(
            x_factor=f, y_factor=f, interpolation=interpolation, seed=sd, data_format=df
        )
        from lamina.layers.preprocessing.image_augmentation import (
            RandomRotation,
            RandomTranslation,
        )

        box_kw = {"bounding_box_format": self.bounding_box_format}
        self.random_shear.bounding_box_format = self.bounding_box_format
        self.random_translation = RandomTranslation(
            f, f, interpolation=interpolation, seed=sd, data_format=df, **box_kw
        )
        self.random_rotation = RandomRotation(
            f, interpolation=interpolation, seed=sd, data_format=df, **box_kw
        )
        self.solarization = Solarization(
            addition_factor=f, threshold_factor=f, value_range=vr, seed=sd, data_format=df
        )
        self.random_posterization = RandomPosterization(
            max(1, int(8 * f[1])), value_range=vr, seed=sd, data_format=df
        )
        self.auto_contrast = AutoContrast(value_range=vr, data_format=df)
        self.equalization = Equalization(value_range=vr, data_format=df)
        if all_ops:
            self.random_brightness = RandomBrightness(f, value_range=vr, seed=sd, data_format=df)
            self.random_color_degeneration = RandomColorDegeneration(
                f, value_range=vr, seed=sd, data_format=df
            )
            self.random_contrast = RandomContrast(f, value_range=vr, seed=sd, data_format=df)
            self.random_sharpness = RandomSharpness(f, value_range=vr, seed=sd, data_format=df)
        for name in self._augment_layers:
            getattr(self, name).__dict__["_draw_generator"] = self.generator

    def get_random_transformation(self, data, training=True, seed=None):
        import random as py_random

        key = jax.random.wrap_key_data(self._key())
        gamma = jax.random.gamma(key, self.alpha, shape=(self.num_chains,), dtype="float32")
        chain_weights = gamma / jnp.sum(gamma, axis=-1, keepdims=True)
        key = jax.random.wrap_key_data(self._key())
        weight = jax.random.beta(
            key, jnp.asarray(self.alpha), jnp.asarray(self.alpha), (), dtype="float32"
        )
        chains = []
        for _ in range(self.num_chains):
            steps = []
            for _ in range(self.chain_depth):
                name = py_random.choice(self._augment_layers + [None])
                if name is None:
                    continue
                t = getattr(self, name).get_random_transformation(data, training=True)
                steps.append({"layer_name": name, "transformation": t})
            chains.append(steps)
        return {
            "chain_mixing_weights": chain_weights,
            "weight_sample": weight,
            "chain_transforms": chains,
        }

    def transform_images(self, images, transformation, training=True):
        images = images.astype(self.compute_dtype)
        weights = transformation["chain_mixing_weights"].astype(self.compute_dtype)
        w = transformation["weight_sample"].astype(self.compute_dtype)
        mixed = jnp.zeros_like(images)
        for i, chain in enumerate(transformation["chain_transforms"]):
            x = images
            for step in chain:
                x = getattr(self, step["layer_name"]).transform_images(x, step["transformation"])
            mixed = mixed + x * weights[i]
        images = w * images + (1 - w) * mixed
        images = jnp.clip(images, self.value_range[0], self.value_range[1])
        return images.astype(self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "value_range": self.value_range,
                "num_chains": self.num_chains,
                "chain_depth": self.chain_depth,
                "factor": self.factor,
                "alpha": self.alpha,
                "all_ops": self.all_ops,
                "interpolation": self.interpolation,
                "seed": self.seed,
            }
        )
        return config


class MaxNumBoundingBoxes(BaseImagePreprocessingLayer):
    """Pads (with `fill_value`) or truncates the boxes of a dict input to `max_number` per
    image, so batches of boxes have a fixed shape; images pass through.

    Args:
        max_number: the number of boxes kept per image.
        fill_value: the value of padding boxes and labels.

    Call arguments:
        inputs: a dict with `"images"` and `"bounding_boxes"` (`{"boxes": (N, B, 4),
            "labels": (N, B)}`).

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> layer = keras.layers.MaxNumBoundingBoxes(max_number=3, bounding_box_format="xyxy")
    >>> out = layer({"images": np.zeros((1, 4, 4, 3)), "bounding_boxes": {
    ...     "boxes": np.ones((1, 1, 4)), "labels": np.ones((1, 1))}})
    >>> out["bounding_boxes"]["boxes"].shape, np.asarray(out["bounding_boxes"]["labels"]).tolist()
    ((1, 3, 4), [[1.0, -1.0, -1.0]])
    """

    _USE_BASE_FACTOR = False
    _APPLY_IN_INFERENCE = True

    def __init__(self, max_number, fill_value=-1, **kwargs):
        super().__init__(**kwargs)
        self.max_number = int(max_number)
        self.fill_value = int(fill_value)

    def transform_images(self, images, transformation=None, training=True):
        return images

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        boxes = jnp.asarray(bounding_boxes["boxes"])
        labels = jnp.asarray(bounding_boxes["labels"])
        batched = boxes.ndim == 3
        if not batched:
            boxes, labels = boxes[None], labels[None]
        count = boxes.shape[1]
        if count >= self.max_number:
            boxes, labels = boxes[:, : self.max_number], labels[:, : self.max_number]
        else:
            pad = self.max_number - count
            boxes = jnp.pad(boxes, ((0, 0), (0, pad), (0, 0)), constant_values=self.fill_value)
            labels = jnp.pad(labels, ((0, 0), (0, pad)), constant_values=self.fill_value)
        if not batched:
            boxes, labels = boxes[0], labels[0]
        return {**bounding_boxes, "boxes": boxes, "labels": labels}

    def get_config(self):
        config = super().get_config()
        config.update({"max_number": self.max_number})
        return config


class Pipeline(Layer):
    """Applies a list of layers in order, as one layer (not a model): the usual way to chain
    augmentation layers, e.g. in a dataset's `map`.

    Args:
        layers: the layers, applied first to last.
        name: the layer's name.

    Call arguments:
        inputs: what the first layer takes (images or a dict).
        training: passed to every layer (default True).

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> pipe = keras.layers.Pipeline([keras.layers.AutoContrast(), keras.layers.RandomCrop(4, 4)])
    >>> pipe(np.random.rand(2, 6, 6, 3) * 255).shape
    (2, 4, 4, 3)
    """

    _shape_only_symbolic = True

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        self._pipeline_layers = list(layers)
        self.built = True

    @property
    def layers(self):
        return self._pipeline_layers

    def call(self, inputs, training=True):
        for layer in self._pipeline_layers:
            if getattr(layer, "_call_has_training", False) and training is not None:
                inputs = layer(inputs, training=training)
            else:
                inputs = layer(inputs)
        return inputs

    def compute_output_shape(self, input_shape):
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    def get_config(self):
        from lamina.core.serialization import serialize_keras_object

        return {
            "layers": [serialize_keras_object(layer) for layer in self._pipeline_layers],
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        from lamina.core.serialization import deserialize_keras_object

        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(
                "`Pipeline` config must contain a `layers` key mapping to a list of serialized "
                f"layers. Received config with layers={layers}."
            )
        return cls([deserialize_keras_object(x) for x in layers], name=config.get("name"))


__all__ = [
    "AugMix",
    "AutoContrast",
    "BaseImagePreprocessingLayer",
    "ContrastLimitedAdaptiveHistogramEqualization",
    "CutMix",
    "Equalization",
    "MaxNumBoundingBoxes",
    "MixUp",
    "Pipeline",
    "RandAugment",
    "RandomBrightness",
    "RandomColorDegeneration",
    "RandomColorJitter",
    "RandomContrast",
    "RandomCrop",
    "RandomElasticTransform",
    "RandomErasing",
    "RandomGaussianBlur",
    "RandomGrayscale",
    "RandomHue",
    "RandomInvert",
    "RandomPerspective",
    "RandomPosterization",
    "RandomSaturation",
    "RandomSharpness",
    "RandomShear",
]

_ = np  # NumPy is used in doctest examples only
