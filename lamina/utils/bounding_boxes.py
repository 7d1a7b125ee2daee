"""`keras.utils.bounding_boxes`: bounding-box format conversion, clipping, cropping, padding,
affine transforms, anchor deltas and IoU/CIoU (see
`lamina.layers.preprocessing.bounding_boxes`)."""

from lamina.layers.preprocessing.bounding_boxes import affine_transform as affine_transform
from lamina.layers.preprocessing.bounding_boxes import clip_to_image_size as clip_to_image_size
from lamina.layers.preprocessing.bounding_boxes import compute_ciou as compute_ciou
from lamina.layers.preprocessing.bounding_boxes import compute_iou as compute_iou
from lamina.layers.preprocessing.bounding_boxes import convert_format as convert_format
from lamina.layers.preprocessing.bounding_boxes import crop as crop
from lamina.layers.preprocessing.bounding_boxes import (
    decode_deltas_to_boxes as decode_deltas_to_boxes,
)
from lamina.layers.preprocessing.bounding_boxes import (
    encode_box_to_deltas as encode_box_to_deltas,
)
from lamina.layers.preprocessing.bounding_boxes import pad as pad

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
