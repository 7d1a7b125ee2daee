"""Helpers shared by the `keras.visualization` functions."""

from __future__ import annotations

import numpy as np

from lamina.layers.preprocessing.bounding_boxes import SUPPORTED_FORMATS as BOX_FORMATS
from lamina.layers.preprocessing.bounding_boxes import convert_format


def data_format_or_default(data_format, owner: str) -> str:
    """The data format to use: `data_format`, or `keras.config.image_data_format()` when None.

    Args:
        data_format: `"channels_last"`, `"channels_first"` or None.
        owner: the calling function's name, for the message.

    Returns:
        The data format.

    Raises:
        ValueError: any other value.

    Example:
        >>> from lamina.visualization._common import data_format_or_default
        >>> data_format_or_default(None, "plot_image_gallery")
        'channels_last'
    """
    if data_format is None:
        from lamina.core.config import image_data_format

        data_format = image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{owner}: `data_format` must be 'channels_last' or 'channels_first'; received "
            f"{data_format!r}."
        )
    return data_format


def batched_images(images, owner: str) -> np.ndarray:
    """`images` as a NumPy batch `(batch, height, width, channels)`, checked.

    Args:
        images: the images (an array of rank 4).
        owner: the calling function's name, for the message.

    Returns:
        A NumPy array.

    Raises:
        ValueError: the array is not 4-D (the message suggests `images[None]`).

    Example:
        >>> import numpy as np
        >>> from lamina.visualization._common import batched_images
        >>> batched_images(np.zeros((2, 8, 8, 3)), "draw_bounding_boxes").shape
        (2, 8, 8, 3)
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(
            f"{owner}: `images` must be a batch of images, a 4-D array "
            f"(batch, height, width, channels); received shape {images.shape}. Add a batch "
            "axis with `images[None]` for a single image."
        )
    return images


def boxes_to_xyxy(boxes, source: str, height, width) -> np.ndarray:
    """Absolute `xyxy` float32 boxes from any of Keras's box formats.

    Args:
        boxes: boxes with 4 coordinates on the last axis.
        source: their format (`"xyxy"`, `"yxyx"`, `"xywh"`, `"center_xywh"`, `"center_yxhw"`,
            or a `"rel_"` form relative to the image size).
        height: the image height (for relative formats).
        width: the image width (for relative formats).

    Returns:
        A float32 array of `(x1, y1, x2, y2)` boxes.

    Example:
        >>> import numpy as np
        >>> from lamina.visualization._common import boxes_to_xyxy
        >>> boxes_to_xyxy(np.array([[10, 20, 30, 40]]), "xywh", 100, 100)
        array([[10., 20., 40., 60.]], dtype=float32)
        >>> boxes_to_xyxy(np.array([[0.25, 0.5, 0.75, 1.0]]), "rel_yxyx", 100, 200)
        array([[100.,  25., 200.,  75.]], dtype=float32)
    """
    boxes = np.asarray(boxes, dtype="float32")
    if boxes.shape[-1:] != (4,):
        raise ValueError(
            f"Bounding boxes must have 4 coordinates on their last axis; received shape "
            f"{boxes.shape}."
        )
    fmt = str(source).lower()
    if fmt not in BOX_FORMATS:
        raise ValueError(
            f"Unknown bounding box format {source!r}; expected one of {list(BOX_FORMATS)}."
        )
    xyxy = convert_format(boxes, fmt, "xyxy", height=height, width=width)
    return np.asarray(xyxy, dtype="float32")


def to_0_255(images, value_range) -> np.ndarray:
    """float32 images rescaled from `value_range` to `(0, 255)`.

    Args:
        images: the images.
        value_range: their `(low, high)` range.

    Returns:
        The rescaled images (unchanged for `(0, 255)`).

    Example:
        >>> import numpy as np
        >>> from lamina.visualization._common import to_0_255
        >>> to_0_255(np.array([0.0, 0.5, 1.0]), (0, 1))
        array([  0. , 127.5, 255. ], dtype=float32)
    """
    low, high = value_range
    if low == 0 and high == 255:
        return np.asarray(images)
    images = np.asarray(images, dtype="float32")
    low, high = np.float32(low), np.float32(high)
    return (images - low) / (high - low) * np.float32(255.0)


def pyplot(owner: str):
    """`matplotlib.pyplot`, or an ImportError saying how to install matplotlib (an optional
    dependency of the plotting functions).

    Args:
        owner: the calling function's name, for the message.

    Returns:
        The `matplotlib.pyplot` module.

    Raises:
        ImportError: matplotlib is not installed.

    Example:
        >>> from lamina.visualization._common import pyplot
        >>> pyplot("plot_image_gallery").__name__
        'matplotlib.pyplot'
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError(
            f"{owner} needs matplotlib, which is not installed. Install it with "
            '`pip install "lamina[visualization]"` (or `pip install matplotlib`).'
        ) from err
    return plt
