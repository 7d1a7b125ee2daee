"""`draw_bounding_boxes`: boxes (and optional class labels) drawn onto a batch of images."""

from __future__ import annotations

import numpy as np

from lamina.visualization._common import batched_images, boxes_to_xyxy, data_format_or_default


def _cv2():
    try:
        import cv2
    except ImportError as err:
        raise ImportError(
            "draw_bounding_boxes needs OpenCV (`cv2`), which is not installed. Install it with "
            '`pip install "lamina[visualization]"` (or `pip install opencv-python-headless`).'
        ) from err
    return cv2


def _label_origin(x, y, font_scale, thickness):
    """Where a label's text starts: above the box when it fits, else just inside it."""
    font_height = int(font_scale * 12)
    if y - 8 - 2 * font_height > 0:
        return x, y - 8
    return x + 3, y + 2 * font_height + thickness + 3


def draw_bounding_boxes(
    images,
    bounding_boxes,
    bounding_box_format,
    class_mapping=None,
    color=(128, 128, 128),
    line_thickness=2,
    text_thickness=1,
    font_scale=1.0,
    data_format=None,
):
    """Draws bounding boxes, and optionally their class names, onto a batch of images.

    Images are converted to `uint8` first: float images whose largest value is at most 1 are
    taken as `[0, 1]` and scaled to `[0, 255]`, other values are clipped to `[0, 255]`. Boxes
    whose label is `-1` (padding) are skipped. The drawing uses OpenCV (`cv2`), which must be
    installed (`pip install "lamina[visualization]"`).

    Args:
        images: a batch of images, `(batch, height, width, channels)` (or channels first with
            `data_format="channels_first"`).
        bounding_boxes: a dict with `"boxes"`, `(batch, num_boxes, 4)`, `"labels"`,
            `(batch, num_boxes)` integer class ids, and optionally `"confidences"`,
            `(batch, num_boxes)`, printed after the class name.
        bounding_box_format: the format of `"boxes"`: `"xyxy"`, `"yxyx"`, `"xywh"`,
            `"center_xywh"`, `"center_yxhw"` or a relative `"rel_..."` variant.
        class_mapping: dict from class id to the name written next to the box; boxes of other
            classes get no text. Defaults to no text.
        color: RGB color of the boxes and text. Defaults to `(128, 128, 128)`.
        line_thickness: box line thickness in pixels. Defaults to `2`.
        text_thickness: text stroke thickness; `None` or `0` uses `line_thickness`. Defaults
            to `1`.
        font_scale: size of the text. Defaults to `1.0`.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.

    Returns:
        A `uint8` NumPy array with the shape of `images`, the boxes drawn.

    Example:
        >>> import numpy as np
        >>> from lamina.visualization import draw_bounding_boxes
        >>> images = np.zeros((1, 16, 16, 3), dtype="uint8")
        >>> boxes = {"boxes": np.array([[[2, 2, 12, 10]]]), "labels": np.array([[0]])}
        >>> out = draw_bounding_boxes(images, boxes, "xyxy", color=(255, 0, 0), line_thickness=1)
        >>> out.shape, out.dtype
        ((1, 16, 16, 3), dtype('uint8'))
        >>> out[0, 2, 2:13, 0].tolist() == [255] * 11  # the top edge, in red
        True
    """
    owner = "draw_bounding_boxes"
    cv2 = _cv2()
    class_mapping = class_mapping or {}
    text_thickness = text_thickness or line_thickness
    data_format = data_format_or_default(data_format, owner)
    images = batched_images(images, owner)
    if not isinstance(bounding_boxes, dict):
        raise TypeError(
            f"{owner}: `bounding_boxes` must be a dict with 'boxes' and 'labels' (and "
            f"optionally 'confidences'); received {type(bounding_boxes).__name__}."
        )
    if "boxes" not in bounding_boxes or "labels" not in bounding_boxes:
        raise ValueError(
            f"{owner}: `bounding_boxes` must contain the keys 'boxes' and 'labels'; received "
            f"keys {sorted(bounding_boxes)}."
        )
    if data_format == "channels_first":
        images = np.transpose(images, (0, 2, 3, 1))
    height, width = images.shape[1], images.shape[2]
    boxes = boxes_to_xyxy(bounding_boxes["boxes"], bounding_box_format, height, width)
    labels = np.asarray(bounding_boxes["labels"])
    confidences = bounding_boxes.get("confidences")
    if confidences is not None:
        confidences = np.asarray(confidences)

    if images.dtype.kind == "f" and images.size > 0:
        images = np.clip(images, 0, 1) * 255 if images.max() <= 1.0 else np.clip(images, 0, 255)
    canvas = np.ascontiguousarray(images.astype("uint8"))
    for i in range(canvas.shape[0]):
        image = canvas[i]
        for j in range(boxes.shape[1]):
            x1, y1, x2, y2 = (int(v) for v in boxes[i, j].astype("int32"))
            label = int(labels[i, j].astype("int32"))
            if label == -1:
                continue
            cv2.rectangle(image, (x1, y1), (x2, y2), color, line_thickness)
            if label not in class_mapping:
                continue
            text = class_mapping[label]
            if confidences is not None:
                text = f"{text} | {confidences[i][j]:.2f}"
            cv2.putText(
                img=image,
                text=text,
                org=_label_origin(x1, y1, font_scale, text_thickness),
                fontFace=cv2.FONT_HERSHEY_SIMPLEX,
                fontScale=font_scale,
                color=color,
                thickness=text_thickness,
            )
    if data_format == "channels_first":
        canvas = np.transpose(canvas, (0, 3, 1, 2))
    return canvas
