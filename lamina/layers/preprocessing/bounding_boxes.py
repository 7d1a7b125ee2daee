"""Bounding-box helpers (`keras.utils.bounding_boxes`): format conversion, clipping, cropping,
padding, affine transforms, anchor deltas and IoU/CIoU.

Boxes are arrays whose last axis holds 4 numbers, `(N, 4)` for one image or `(batch, N, 4)`.
The formats (case-insensitive) are:

- `"xyxy"`: `[left, top, right, bottom]`
- `"yxyx"`: `[top, left, bottom, right]`
- `"xywh"`: `[left, top, width, height]`
- `"center_xywh"`: `[center_x, center_y, width, height]`
- `"center_yxhw"`: `[center_y, center_x, height, width]`
- `"rel_xyxy"`, `"rel_yxyx"`, `"rel_xywh"`, `"rel_center_xywh"`: the same as fractions of the
  image's width and height (conversions to or from them need `height` and `width`).

Every conversion goes through `xyxy`, computing each coordinate with the same arithmetic as
Keras 3.15, so results are equal to Keras's.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from lamina.core.config import epsilon

SUPPORTED_FORMATS = (
    "xyxy",
    "yxyx",
    "xywh",
    "center_xywh",
    "center_yxhw",
    "rel_xyxy",
    "rel_yxyx",
    "rel_xywh",
    "rel_center_xywh",
)


def _split4(boxes):
    return jnp.split(boxes, 4, axis=-1)


def _cat(parts):
    return jnp.concatenate(parts, axis=-1)


# ----------------------------------------------------------------- conversions through xyxy
def _to_xyxy(boxes, fmt, height, width):
    a, b, c, d = _split4(boxes)
    if fmt == "xyxy":
        return boxes
    if fmt == "yxyx":
        return _cat([b, a, d, c])
    if fmt == "xywh":
        return _cat([a, b, a + c, b + d])
    if fmt == "center_xywh":
        hw, hh = c / 2.0, d / 2.0
        return _cat([a - hw, b - hh, a + hw, b + hh])
    if fmt == "center_yxhw":
        hw, hh = d / 2.0, c / 2.0
        return _cat([b - hw, a - hh, b + hw, a + hh])
    if fmt == "rel_xyxy":
        return _cat([a * width, b * height, c * width, d * height])
    if fmt == "rel_yxyx":
        return _cat([b * width, a * height, d * width, c * height])
    if fmt == "rel_xywh":
        return _cat([a * width, b * height, (a + c) * width, (b + d) * height])
    # rel_center_xywh
    hw, hh = c / 2.0, d / 2.0
    return _cat([(a - hw) * width, (b - hh) * height, (a + hw) * width, (b + hh) * height])


def _from_xyxy(boxes, fmt, height, width):
    x1, y1, x2, y2 = _split4(boxes)
    if fmt == "xyxy":
        return boxes
    if fmt == "yxyx":
        return _cat([y1, x1, y2, x2])
    if fmt == "xywh":
        return _cat([x1, y1, x2 - x1, y2 - y1])
    if fmt in ("center_xywh", "center_yxhw"):
        cx, cy = x1 + ((x2 - x1) / 2.0), y1 + ((y2 - y1) / 2.0)
        w, h = x2 - x1, y2 - y1
        return _cat([cx, cy, w, h] if fmt == "center_xywh" else [cy, cx, h, w])
    if fmt in ("rel_xyxy", "rel_yxyx"):
        rx1, ry1 = jnp.divide(x1, width), jnp.divide(y1, height)
        rx2, ry2 = jnp.divide(x2, width), jnp.divide(y2, height)
        return _cat([rx1, ry1, rx2, ry2] if fmt == "rel_xyxy" else [ry1, rx1, ry2, rx2])
    if fmt == "rel_xywh":
        return _cat([x1 / width, y1 / height, (x2 - x1) / width, (y2 - y1) / height])
    # rel_center_xywh
    return _cat(
        [
            (x1 + ((x2 - x1) / 2.0)) / width,
            (y1 + ((y2 - y1) / 2.0)) / height,
            (x2 - x1) / width,
            (y2 - y1) / height,
        ]
    )


def convert_format(boxes, source, target, height=None, width=None, dtype="float32"):
    """Converts bounding boxes from one format to another.

    Args:
        boxes: an array of boxes, `(..., 4)`, or a dict with a `"boxes"` key (a new dict with
            the converted boxes is returned).
        source: the format of `boxes` (see the module docstring; case-insensitive).
        target: the format to convert to.
        height: the image height, needed when `source` or `target` is relative (`rel_*`).
        width: the image width, needed when `source` or `target` is relative.
        dtype: the dtype of the result (the boxes are cast first).

    Returns:
        The converted boxes (or a dict with them under `"boxes"`).

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> boxes = np.array([[10, 20, 30, 40], [50, 60, 70, 80]])
    >>> np.asarray(keras.utils.bounding_boxes.convert_format(boxes, "xyxy", "xywh")).tolist()
    [[10.0, 20.0, 20.0, 20.0], [50.0, 60.0, 20.0, 20.0]]
    >>> rel = keras.utils.bounding_boxes.convert_format(
    ...     boxes, "xyxy", "rel_xyxy", height=200, width=100)
    >>> np.asarray(rel, "float64")[0].round(4).tolist()
    [0.1, 0.1, 0.3, 0.2]
    """
    if isinstance(boxes, dict):
        out = dict(boxes)
        out["boxes"] = convert_format(boxes["boxes"], source, target, height, width, dtype)
        return out
    boxes = jnp.asarray(boxes)
    if boxes.ndim == 0 or boxes.shape[-1] != 4:
        raise ValueError(
            "convert_format: `boxes` must be a tensor with the last dimension of 4. "
            f"Received: boxes.shape={tuple(boxes.shape)}"
        )
    source, target = str(source).lower(), str(target).lower()
    if source not in SUPPORTED_FORMATS or target not in SUPPORTED_FORMATS:
        raise ValueError(
            f"convert_format: invalid source or target format (source={source!r}, "
            f"target={target!r}). Supported formats: {SUPPORTED_FORMATS}"
        )
    if (source.startswith("rel_") or target.startswith("rel_")) and (
        width is None or height is None
    ):
        raise ValueError(
            "convert_format() must receive `height` and `width` when transforming between "
            f"relative and absolute formats. Received source={source!r}, target={target!r}, "
            f"height={height} and width={width}."
        )
    boxes = boxes.astype(dtype)
    if source == target:
        return boxes
    if width is not None:
        width = jnp.asarray(width).astype(dtype)
    if height is not None:
        height = jnp.asarray(height).astype(dtype)
    if source.startswith("rel_") and target.startswith("rel_"):
        source, target = source[4:], target[4:]
    return _from_xyxy(_to_xyxy(boxes, source, height, width), target, height, width)


def _area_xyxy(boxes):
    x1, y1, x2, y2 = _split4(boxes)
    return (x2 - x1) * (y2 - y1)


def clip_to_image_size(bounding_boxes, height=None, width=None, bounding_box_format="xyxy"):
    """Clips boxes to the image; boxes left with no area get the label -1.

    Args:
        bounding_boxes: a dict with `"boxes"`, `(N, 4)` or `(batch, N, 4)`, and optionally
            `"labels"`, `(N,)` or `(batch, N)`.
        height: the image height (needed for `"xyxy"`).
        width: the image width (needed for `"xyxy"`).
        bounding_box_format: `"xyxy"` (clipped to `[0, width] x [0, height]`) or `"rel_xyxy"`
            (clipped to `[0, 1]`); other formats raise `NotImplementedError`, as in Keras.

    Returns:
        A new dict with the clipped boxes (and labels).

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> out = keras.utils.bounding_boxes.clip_to_image_size(
    ...     {"boxes": np.array([[-10.0, -20, 150, 160], [130, 40, 170, 80]]),
    ...      "labels": np.array([0, 1])}, height=100, width=120)
    >>> np.asarray(out["boxes"]).tolist(), np.asarray(out["labels"]).tolist()
    ([[0.0, 0.0, 120.0, 100.0], [120.0, 40.0, 120.0, 80.0]], [0, -1])
    """
    if bounding_box_format not in ("xyxy", "rel_xyxy"):
        raise NotImplementedError(
            "clip_to_image_size: only bounding_box_format='xyxy' or 'rel_xyxy' is supported. "
            f"Received: bounding_box_format={bounding_box_format!r}"
        )
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError(
            "clip_to_image_size: `height` and `width` must be set if bounding_box_format='xyxy'."
        )
    boxes = jnp.asarray(bounding_boxes["boxes"])
    labels = bounding_boxes.get("labels", None)
    x1, y1, x2, y2 = _split4(boxes)
    if bounding_box_format == "xyxy":
        width = jnp.asarray(width).astype(boxes.dtype)
        height = jnp.asarray(height).astype(boxes.dtype)
        hi_x, hi_y, lo = width, height, 0
    else:
        hi_x, hi_y, lo = 1.0, 1.0, 0.0
    boxes = _cat(
        [jnp.clip(x1, lo, hi_x), jnp.clip(y1, lo, hi_y), jnp.clip(x2, lo, hi_x)]
        + [jnp.clip(y2, lo, hi_y)]
    )
    result = dict(bounding_boxes)
    result["boxes"] = boxes
    if labels is not None:
        areas = jnp.squeeze(_area_xyxy(boxes), axis=-1)
        result["labels"] = jnp.where(areas > 0, jnp.asarray(labels), -1)
    return result


def _inverse_affine_matrix(
    center_x, center_y, angle, translate_x, translate_y, scale, shear_x, shear_y, height, width
):
    """The inverse of the rotate/scale/shear/translate map, `(batch, 3, 3)` (TensorFlow
    Addons' `_get_inverse_affine_matrix`, as Keras computes it)."""
    n = angle.shape[0]
    dtype = angle.dtype
    angle, shear_x, shear_y = -angle, -shear_x, -shear_y
    cx = jnp.multiply(center_x, (width - 1))
    cy = jnp.multiply(center_y, (height - 1))
    rot = jnp.multiply(angle, 1.0 / 180.0 * math.pi)
    tx = jnp.multiply(-translate_x, (width - 1))
    ty = jnp.multiply(-translate_y, (height - 1))
    sx = jnp.multiply(shear_x, 1.0 / 180.0 * math.pi)
    sy = jnp.multiply(shear_y, 1.0 / 180.0 * math.pi)
    cos_sy, tan_sx = jnp.cos(sy), jnp.tan(sx)
    rot_minus_sy = rot - sy
    cx_plus_tx, cy_plus_ty = cx + tx, cy + ty
    a = jnp.cos(rot_minus_sy) / cos_sy
    b = a * tan_sx + jnp.sin(rot)
    c = -jnp.sin(rot_minus_sy) / cos_sy
    d = jnp.cos(rot) - c * tan_sx
    a0, a1 = jnp.multiply(d, scale), jnp.multiply(-b, scale)
    b0, b1 = jnp.multiply(-c, scale), jnp.multiply(a, scale)
    a2 = cx - a0 * cx_plus_tx - a1 * cy_plus_ty
    b2 = cy - b0 * cx_plus_tx - b1 * cy_plus_ty
    zeros, ones = jnp.zeros([n], dtype), jnp.ones([n], dtype)
    matrix = jnp.stack([a0, a1, a2, b0, b1, b2, zeros, zeros, ones], axis=-1)
    return jnp.reshape(matrix, [n, 3, 3])


def affine_transform(
    boxes,
    angle,
    translate_x,
    translate_y,
    scale,
    shear_x,
    shear_y,
    height,
    width,
    center_x=None,
    center_y=None,
    bounding_box_format="xyxy",
):
    """Moves boxes by a rotation, translation, scaling and shear (one per image) and returns
    the axis-aligned boxes around the moved corners.

    Args:
        boxes: batched boxes, `(batch, N, 4)`, in `"xyxy"` format.
        angle: the rotation in degrees, `(batch,)`.
        translate_x: the horizontal shift as a fraction of the width, `(batch,)`.
        translate_y: the vertical shift as a fraction of the height, `(batch,)`.
        scale: the scaling factor, `(batch,)`.
        shear_x: the shear angle along x in degrees, `(batch,)`.
        shear_y: the shear angle along y in degrees, `(batch,)`.
        height: the image height.
        width: the image width.
        center_x: the centre of the transform as a fraction of the width (default 0.5).
        center_y: the centre of the transform as a fraction of the height (default 0.5).
        bounding_box_format: must be `"xyxy"` (other formats raise `NotImplementedError`, as
            in Keras).

    Returns:
        The transformed boxes, `(batch, N, 4)`.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> boxes = np.array([[[2.0, 2.0, 4.0, 6.0]]])
    >>> one, zero = np.ones(1, "float32"), np.zeros(1, "float32")
    >>> out = keras.utils.bounding_boxes.affine_transform(
    ...     boxes, zero, 0.5 * one, zero, one, zero, zero, height=9, width=9)
    >>> np.asarray(out, "float64").round(4).tolist()
    [[[6.0, 2.0, 8.0, 6.0]]]
    """
    if bounding_box_format != "xyxy":
        raise NotImplementedError(
            "affine_transform: only bounding_box_format='xyxy' is supported. "
            f"Received: bounding_box_format={bounding_box_format!r}"
        )
    boxes = jnp.asarray(boxes)
    if boxes.ndim != 3:
        raise ValueError(
            "affine_transform: `boxes` must be batched, with shape (batch, num_boxes, 4). "
            f"Received: boxes.shape={tuple(boxes.shape)}"
        )
    n, n_boxes = boxes.shape[0], boxes.shape[1]
    angle = jnp.asarray(angle)
    center_x = 0.5 if center_x is None else center_x
    center_y = 0.5 if center_y is None else center_y
    matrix = _inverse_affine_matrix(
        center_x,
        center_y,
        angle,
        jnp.asarray(translate_x),
        jnp.asarray(translate_y),
        jnp.asarray(scale),
        jnp.asarray(shear_x),
        jnp.asarray(shear_y),
        height,
        width,
    )
    boxes = boxes.astype(matrix.dtype)
    transposed = jnp.transpose(matrix[:, :2, :], [0, 2, 1])
    p = boxes
    corners = jnp.stack(
        [p[..., 0], p[..., 1], p[..., 2], p[..., 1], p[..., 2], p[..., 3], p[..., 0], p[..., 3]],
        axis=-1,
    )
    corners = jnp.reshape(corners, [n, n_boxes, 4, 2])
    corners = jnp.concatenate([corners, jnp.ones([n, n_boxes, 4, 1], corners.dtype)], axis=-1)
    moved = jnp.einsum("bnxy,byz->bnxz", corners, transposed)
    return jnp.concatenate([jnp.min(moved, axis=2), jnp.max(moved, axis=2)], axis=-1)


def crop(boxes, top, left, height, width, bounding_box_format="xyxy"):
    """Moves boxes into a crop's coordinates: shifts them by `(left, top)` and clips them to
    `[0, width] x [0, height]`.

    Args:
        boxes: boxes in `"xyxy"` format, `(N, 4)` or `(batch, N, 4)`.
        top: the crop's top offset.
        left: the crop's left offset.
        height: the crop's height (`None`: no upper clip).
        width: the crop's width (`None`: no upper clip).
        bounding_box_format: must be `"xyxy"` (other formats raise `NotImplementedError`, as
            in Keras).

    Returns:
        The cropped boxes.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> boxes = np.array([[10.0, 20, 50, 60], [70, 80, 100, 120]])
    >>> out = keras.utils.bounding_boxes.crop(boxes, top=10, left=20, height=40, width=30)
    >>> np.asarray(out).tolist()
    [[0.0, 10.0, 30.0, 40.0], [30.0, 40.0, 30.0, 40.0]]
    """
    if bounding_box_format != "xyxy":
        raise NotImplementedError(
            "crop: only bounding_box_format='xyxy' is supported. "
            f"Received: bounding_box_format={bounding_box_format!r}"
        )
    x1, y1, x2, y2 = _split4(jnp.asarray(boxes))
    x1, y1, x2, y2 = x1 - left, y1 - top, x2 - left, y2 - top
    return _cat(
        [jnp.clip(x1, 0, width), jnp.clip(y1, 0, height), jnp.clip(x2, 0, width)]
        + [jnp.clip(y2, 0, height)]
    )


def pad(boxes, top, left, height=None, width=None, bounding_box_format="xyxy"):
    """Moves boxes into a padded image's coordinates (adds `left` to x and `top` to y).

    Args:
        boxes: boxes in `"xyxy"` format, `(N, 4)` or `(batch, N, 4)`.
        top: the padding added above the image.
        left: the padding added left of the image.
        height: unused (Keras's signature).
        width: unused (Keras's signature).
        bounding_box_format: must be `"xyxy"` (other formats raise `NotImplementedError`, as
            in Keras).

    Returns:
        The shifted boxes.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> out = keras.utils.bounding_boxes.pad(np.array([[1.0, 2, 3, 4]]), top=10, left=5)
    >>> np.asarray(out).tolist()
    [[6.0, 12.0, 8.0, 14.0]]
    """
    if bounding_box_format != "xyxy":
        raise NotImplementedError(
            "pad: only bounding_box_format='xyxy' is supported. "
            f"Received: bounding_box_format={bounding_box_format!r}"
        )
    x1, y1, x2, y2 = _split4(jnp.asarray(boxes))
    return _cat([x1 + left, y1 + top, x2 + left, y2 + top])


def _variance(variance):
    if variance is None:
        return None
    variance = jnp.asarray(variance, "float32")
    if variance.shape[-1] != 4:
        raise ValueError(f"`variance` must be length 4, got {variance}")
    return variance


def _hw(image_shape):
    if image_shape is None:
        return None, None
    height, width, _ = image_shape
    return height, width


def encode_box_to_deltas(
    anchors,
    boxes,
    anchor_format,
    box_format,
    encoding_format="center_yxhw",
    variance=None,
    image_shape=None,
):
    """Encodes boxes as offsets from anchors: centre shifts divided by the anchor size, then
    the logs of the size ratios (divided by `variance` when given).

    Args:
        anchors: the anchors, `(N, 4)`.
        boxes: the boxes, `(N, 4)` or `(batch, N, 4)`.
        anchor_format: the format of `anchors`.
        box_format: the format of `boxes`.
        encoding_format: `"center_yxhw"` (default) or `"center_xywh"`: the order of the deltas.
        variance: 4 numbers dividing the deltas (optional).
        image_shape: `(height, width, channels)`, needed for relative formats.

    Returns:
        The deltas, shaped like `boxes`.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> anchors = np.array([[0.0, 0.0, 10.0, 10.0]])
    >>> deltas = keras.utils.bounding_boxes.encode_box_to_deltas(
    ...     anchors, np.array([[1.0, 2.0, 11.0, 12.0]]), "xyxy", "xyxy")
    >>> np.asarray(deltas, "float64").round(4).tolist()
    [[0.2, 0.1, 0.0, 0.0]]
    """
    variance = _variance(variance)
    if encoding_format not in ("center_xywh", "center_yxhw"):
        raise ValueError(
            "`encoding_format` should be one of 'center_xywh' or 'center_yxhw', got "
            f"{encoding_format}"
        )
    height, width = _hw(image_shape)
    enc_anchors = convert_format(anchors, anchor_format, encoding_format, height, width)
    boxes = convert_format(boxes, box_format, encoding_format, height, width)
    anchor_dims = jnp.maximum(enc_anchors[..., 2:], epsilon())
    box_dims = jnp.maximum(boxes[..., 2:], epsilon())
    deltas = jnp.concatenate(
        [(boxes[..., :2] - enc_anchors[..., :2]) / anchor_dims, jnp.log(box_dims / anchor_dims)],
        axis=-1,
    )
    if variance is not None:
        deltas = deltas / variance
    return deltas


def decode_deltas_to_boxes(
    anchors,
    boxes_delta,
    anchor_format,
    box_format,
    encoded_format="center_yxhw",
    variance=None,
    image_shape=None,
):
    """Decodes deltas (as `encode_box_to_deltas` makes them) back into boxes.

    Args:
        anchors: the anchors, `(N, 4)`, or a dict of them per feature level.
        boxes_delta: the deltas, `(N, 4)` or `(batch, N, 4)`, or a dict with the same keys as
            `anchors`.
        anchor_format: the format of `anchors`.
        box_format: the format of the returned boxes.
        encoded_format: `"center_yxhw"` (default) or `"center_xywh"`: the order of the deltas.
        variance: 4 numbers multiplying the deltas (optional).
        image_shape: `(height, width, channels)`, needed for relative formats.

    Returns:
        The boxes in `box_format` (a dict per level when `anchors` is a dict).

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> anchors = np.array([[0.0, 0.0, 10.0, 10.0]])
    >>> boxes = keras.utils.bounding_boxes.decode_deltas_to_boxes(
    ...     anchors, np.array([[0.2, 0.1, 0.0, 0.0]]), "xyxy", "xyxy")
    >>> np.asarray(boxes, "float64").round(4).tolist()
    [[1.0, 2.0, 11.0, 12.0]]
    """
    variance = _variance(variance)
    if encoded_format not in ("center_xywh", "center_yxhw"):
        raise ValueError(
            "`encoded_format` should be 'center_xywh' or 'center_yxhw', but got "
            f"'{encoded_format}'."
        )
    height, width = _hw(image_shape)

    def decode(anchor, delta):
        enc_anchor = convert_format(anchor, anchor_format, encoded_format, height, width)
        delta = jnp.asarray(delta)
        if variance is not None:
            delta = delta * variance
        box = jnp.concatenate(
            [
                delta[..., :2] * enc_anchor[..., 2:] + enc_anchor[..., :2],
                jnp.exp(delta[..., 2:]) * enc_anchor[..., 2:],
            ],
            axis=-1,
        )
        return convert_format(box, encoded_format, box_format, height, width)

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {level: decode(a, boxes_delta[level]) for level, a in anchors.items()}
    return decode(anchors, boxes_delta)


def _check_rank(name, rank, r1, r2):
    if rank not in (2, 3):
        raise ValueError(
            f"compute_iou() expects {name} to be batched, or to be unbatched. Received "
            f"len(boxes1.shape)={r1}, len(boxes2.shape)={r2}. Expected either "
            f"len({name}.shape)=2 or len({name}.shape)=3."
        )


def compute_iou(
    boxes1, boxes2, bounding_box_format, use_masking=False, mask_val=-1, image_shape=None
):
    """The pairwise intersection over union of two sets of boxes.

    `(M, 4)` and `(N, 4)` give `(M, N)`; when either is batched, `(batch, M, N)`.

    Args:
        boxes1: the first boxes, `(M, 4)` or `(batch, M, 4)`.
        boxes2: the second boxes, `(N, 4)` or `(batch, N, 4)`.
        bounding_box_format: the format of both sets.
        use_masking: when True, pairs where either box has all its coordinates negative (a
            padding box) get `mask_val` (also when one set is batched and the other is not,
            which Keras 3.15 rejects).
        mask_val: the value of masked pairs (default -1).
        image_shape: `(height, width, channels)`, needed for relative formats.

    Returns:
        The IoU table.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> a = np.array([[0.0, 0.0, 2.0, 2.0]])
    >>> b = np.array([[1.0, 1.0, 3.0, 3.0], [0.0, 0.0, 2.0, 2.0]])
    >>> out = keras.utils.bounding_boxes.compute_iou(a, b, "xyxy")
    >>> np.asarray(out, "float64").round(4).tolist()
    [[0.1429, 1.0]]
    """
    r1, r2 = jnp.ndim(boxes1), jnp.ndim(boxes2)
    _check_rank("boxes1", r1, r1, r2)
    _check_rank("boxes2", r2, r1, r2)
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError(
            "When using relative bounding box formats (e.g. `rel_yxyx`) the `image_shape` "
            f"argument must be provided. Received `image_shape`: {image_shape}"
        )
    height, width = _hw(image_shape)
    boxes1 = convert_format(boxes1, bounding_box_format, "yxyx", height, width)
    boxes2 = convert_format(boxes2, bounding_box_format, "yxyx", height, width)
    ymin1, xmin1, ymax1, xmax1 = _split4(boxes1)
    ymin2, xmin2, ymax2, xmax2 = _split4(boxes2)
    perm = [1, 0] if r2 == 2 else [0, 2, 1]
    ih = jnp.minimum(ymax1, jnp.transpose(ymax2, perm)) - jnp.maximum(
        ymin1, jnp.transpose(ymin2, perm)
    )
    iw = jnp.minimum(xmax1, jnp.transpose(xmax2, perm)) - jnp.maximum(
        xmin1, jnp.transpose(xmin2, perm)
    )
    zero = jnp.asarray(0, ih.dtype)
    intersect = jnp.maximum(zero, ih) * jnp.maximum(zero, iw)
    area1 = jnp.squeeze((ymax1 - ymin1) * (xmax1 - xmin1), axis=-1)
    area2 = jnp.squeeze((ymax2 - ymin2) * (xmax2 - xmin2), axis=-1)
    area1 = jnp.expand_dims(area1, axis=-1)
    area2 = jnp.expand_dims(area2, axis=1 if area2.ndim == 2 else 0)
    union = area1 + area2 - intersect
    res = jnp.divide(intersect, union + epsilon())
    if not use_masking:
        return res
    mask_t = jnp.asarray(mask_val).astype(res.dtype) * jnp.ones_like(res)
    mask1 = jnp.max(boxes1, axis=-1, keepdims=True) < 0.0
    mask2 = jnp.max(boxes2, axis=-1, keepdims=True) < 0.0
    return jnp.where(jnp.logical_or(mask1, jnp.swapaxes(mask2, -1, -2)), mask_t, res)


def compute_ciou(boxes1, boxes2, bounding_box_format, image_shape=None):
    """The Complete IoU of matching boxes: the IoU minus a centre-distance term and an
    aspect-ratio term (CIoU, as used by CIoU losses).

    Args:
        boxes1: the first boxes, `(..., 4)`.
        boxes2: the second boxes, broadcastable against `boxes1`.
        bounding_box_format: the format of both sets (relative formats are refused, as in
            Keras 3.15).
        image_shape: `(height, width, channels)` (Keras's signature).

    Returns:
        The CIoU per box pair, shaped like the boxes without their last axis.

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> a = np.array([[0.0, 0.0, 2.0, 2.0]])
    >>> b = np.array([[1.0, 1.0, 3.0, 3.0]])
    >>> out = keras.utils.bounding_boxes.compute_ciou(a, b, "xyxy")
    >>> np.asarray(out, "float64").round(4).tolist()
    [0.0317]
    """
    if "rel" in bounding_box_format:
        raise ValueError(
            "When using relative bounding box formats (e.g. `rel_yxyx`) the `image_shape` "
            f"argument must be provided. Received `image_shape`: {image_shape}"
        )
    height, width = _hw(image_shape)
    boxes1 = convert_format(boxes1, bounding_box_format, "xyxy", height, width)
    boxes2 = convert_format(boxes2, bounding_box_format, "xyxy", height, width)
    x_min1, y_min1, x_max1, y_max1 = _split4(boxes1[..., :4])
    x_min2, y_min2, x_max2, y_max2 = _split4(boxes2[..., :4])
    eps = epsilon()
    width_1 = x_max1 - x_min1
    height_1 = y_max1 - y_min1 + eps
    width_2 = x_max2 - x_min2
    height_2 = y_max2 - y_min2 + eps
    intersection = jnp.maximum(
        jnp.minimum(x_max1, x_max2) - jnp.maximum(x_min1, x_min2), 0
    ) * jnp.maximum(jnp.minimum(y_max1, y_max2) - jnp.maximum(y_min1, y_min2), 0)
    union = width_1 * height_1 + width_2 * height_2 - intersection + eps
    iou = jnp.squeeze(jnp.divide(intersection, union + eps), axis=-1)
    convex_w = jnp.maximum(x_max1, x_max2) - jnp.minimum(x_min1, x_min2)
    convex_h = jnp.maximum(y_max1, y_max2) - jnp.minimum(y_min1, y_min2)
    diagonal2 = jnp.squeeze(convex_w**2 + convex_h**2 + eps, axis=-1)
    centers2 = jnp.squeeze(
        ((x_min1 + x_max1) / 2 - (x_min2 + x_max2) / 2) ** 2
        + ((y_min1 + y_max1) / 2 - (y_min2 + y_max2) / 2) ** 2,
        axis=-1,
    )
    v = jnp.squeeze(
        (4 / math.pi**2)
        * jnp.power(jnp.arctan(width_2 / height_2) - jnp.arctan(width_1 / height_1), 2),
        axis=-1,
    )
    alpha = v / (v - iou + (1 + eps))
    return iou - (centers2 / diagonal2 + v * alpha)


__all__ = [
    "affine_transform",
    "clip_to_image_size",
    "compute_ciou",
    "compute_iou",
    "convert_format",
    "crop",
    "decode_deltas_to_boxes",
    "encode_box_to_deltas",
    "pad",
]
