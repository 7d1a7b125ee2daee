"""`draw_segmentation_masks`: class masks painted (and blended) onto a batch of images."""

from __future__ import annotations

import numpy as np

from lamina.visualization._common import batched_images, data_format_or_default


def _palette(num_classes):
    """One RGB color per class id (class 0 is black)."""
    step = np.array([2**25 - 1, 2**15 - 1, 2**21 - 1])
    return [((i * step) % 255).tolist() for i in range(num_classes)]


def draw_segmentation_masks(
    images,
    segmentation_masks,
    num_classes=None,
    color_mapping=None,
    alpha=0.8,
    blend=True,
    ignore_index=-1,
    data_format=None,
):
    """Paints segmentation masks onto a batch of images.

    Each pixel of class `c` (for `0 <= c < num_classes`) takes that class's color; with
    `blend=True` the color is mixed with the image, `alpha * color + (1 - alpha) * image`, and
    pixels equal to `ignore_index` keep the image.

    Args:
        images: a batch of images, `(batch, height, width, channels)` (channels first with
            `data_format="channels_first"`), values in `[0, 255]`.
        segmentation_masks: integer class ids, `(batch, height, width, 1)` or
            `(batch, height, width)`.
        num_classes: the number of classes painted (ids `0 .. num_classes - 1`). Defaults to
            the largest id in the masks.
        color_mapping: dict from class id (`0 .. num_classes - 1`) to an RGB color. Defaults
            to a fixed palette in which class 0 is black.
        alpha: opacity of the masks when blending, in `[0, 1]`. Defaults to `0.8`.
        blend: mix the colors with the image (`True`, a `uint8` result) or paint them as they
            are (`False`, a `float32` result). Defaults to `True`.
        ignore_index: mask value left unpainted. Defaults to `-1`.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.

    Returns:
        A NumPy array of shape `(batch, height, width, channels)`.

    Example:
        >>> import numpy as np
        >>> from lamina.visualization import draw_segmentation_masks
        >>> images = np.full((1, 2, 2, 3), 100, dtype="uint8")
        >>> masks = np.array([[[1, 0], [2, -1]]])[..., None]
        >>> out = draw_segmentation_masks(images, masks, num_classes=3,
        ...     color_mapping={0: (0, 0, 0), 1: (255, 0, 0), 2: (0, 0, 255)}, alpha=0.5)
        >>> out[0, :, :, 0].tolist(), out[0, :, :, 2].tolist()
        ([[177, 50], [50, 100]], [[50, 50], [177, 100]])
    """
    owner = "draw_segmentation_masks"
    data_format = data_format_or_default(data_format, owner)
    images = batched_images(images, owner)
    masks = np.asarray(segmentation_masks)
    if data_format == "channels_first":
        images = np.transpose(images, (0, 2, 3, 1))
        if masks.ndim == 4:
            masks = np.transpose(masks, (0, 2, 3, 1))
    if masks.dtype.kind not in "iu":
        raise TypeError(
            f"{owner}: `segmentation_masks` must hold integer class ids; received dtype "
            f"{masks.dtype}. Cast them, e.g. `masks.astype('int32')`."
        )
    if masks.ndim == 3:
        masks = masks[..., None]
    if masks.ndim != 4 or masks.shape[-1] != 1:
        raise ValueError(
            f"{owner}: `segmentation_masks` must have shape (batch, height, width) or "
            f"(batch, height, width, 1); received {masks.shape}."
        )
    images = images.astype("float32")
    if num_classes is None:
        num_classes = int(masks.max())
    if color_mapping is None:
        colors = _palette(num_classes)
    else:
        colors = [color_mapping[i] for i in range(num_classes)]
    masks = masks[..., 0]
    painted = images.copy()
    for class_id, color in enumerate(colors):
        painted[masks == class_id] = np.asarray(color, dtype="float32")
    if not blend:
        return painted
    mixed = images * np.float32(1 - alpha) + painted * np.float32(alpha)
    mixed = np.where((masks != ignore_index)[..., None], mixed, images)
    return mixed.astype("uint8")
