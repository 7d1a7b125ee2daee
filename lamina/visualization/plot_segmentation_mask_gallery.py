"""`plot_segmentation_mask_gallery`: each image next to its true and predicted masks."""

from __future__ import annotations

import numpy as np

from lamina.visualization._common import (
    batched_images,
    data_format_or_default,
    pyplot,
    to_0_255,
)
from lamina.visualization.draw_segmentation_masks import draw_segmentation_masks
from lamina.visualization.plot_image_gallery import plot_image_gallery


def plot_segmentation_mask_gallery(
    images,
    num_classes,
    value_range=(0, 255),
    y_true=None,
    y_pred=None,
    color_mapping=None,
    blend=True,
    alpha=0.8,
    ignore_index=-1,
    data_format=None,
    **kwargs,
):
    """Plots each image in a row, followed by the image with its true mask and with its
    predicted mask (when given), painted by `draw_segmentation_masks`.

    Args:
        images: a batch of images, `(batch, height, width, channels)` (channels first with
            `data_format="channels_first"`).
        num_classes: the number of classes painted (ids `0 .. num_classes - 1`).
        value_range: the range of the image values, e.g. `(0, 1)`; they are rescaled to
            `(0, 255)` before the masks are painted. Defaults to `(0, 255)`.
        y_true: true masks, integer class ids `(batch, height, width[, 1])`. Defaults to
            `None`.
        y_pred: predicted masks, the same shape. Defaults to `None`.
        color_mapping: dict from class id to RGB color; defaults to a fixed palette.
        blend: mix the mask colors with the image. Defaults to `True`.
        alpha: opacity of the masks when blending. Defaults to `0.8`.
        ignore_index: mask value left unpainted. Defaults to `-1`.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.
        **kwargs: passed on to `plot_image_gallery` (`path`, `show`, `scale`, `dpi`, ...).

    Returns:
        What `plot_image_gallery` returns (`None`).

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> import numpy as np
        >>> from lamina.visualization import plot_segmentation_mask_gallery
        >>> images = np.full((2, 8, 8, 3), 128, dtype="uint8")
        >>> masks = np.random.default_rng(0).integers(0, 3, (2, 8, 8, 1))
        >>> plot_segmentation_mask_gallery(images, num_classes=3, y_true=masks, y_pred=masks,
        ...                                show=False)
        >>> len(plt.gcf().axes)  # 2 rows: image, true mask, predicted mask
        6
        >>> plt.close("all")
    """
    owner = "plot_segmentation_mask_gallery"
    pyplot(owner)  # matplotlib is needed: fail before drawing
    data_format = data_format_or_default(data_format, owner)
    images = batched_images(images, owner)

    def masks_last(masks):
        masks = np.asarray(masks)
        if data_format == "channels_first" and masks.ndim == 4:
            masks = np.transpose(masks, (0, 2, 3, 1))
        return masks.astype("int32")

    if data_format == "channels_first":
        images = np.transpose(images, (0, 2, 3, 1))
    images = np.asarray(to_0_255(images, value_range))
    options = dict(
        num_classes=num_classes,
        color_mapping=color_mapping,
        alpha=alpha,
        ignore_index=ignore_index,
        blend=blend,
        data_format="channels_last",
    )
    columns = [images]
    if y_true is not None:
        columns.append(draw_segmentation_masks(images, masks_last(y_true), **options))
    if y_pred is not None:
        columns.append(draw_segmentation_masks(images, masks_last(y_pred), **options))
    gallery = np.stack(
        [column[i].astype("float32") for i in range(images.shape[0]) for column in columns]
    )
    return plot_image_gallery(
        gallery,
        value_range=(0, 255),
        rows=images.shape[0],
        cols=len(columns),
        data_format="channels_last",
        **kwargs,
    )
