"""VGG19 (Simonyan & Zisserman, 2014): 16 convolutions in 5 blocks, then 3 dense layers."""

from __future__ import annotations

from lamina.applications._common import (
    KERAS_APPLICATIONS,
    app_doc,
    decode_for,
    preprocess_for,
    refusal_example,
)
from lamina.applications.vgg16 import build_vgg

WEIGHTS_PATH = f"{KERAS_APPLICATIONS}vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = f"{KERAS_APPLICATIONS}vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
_HASHES = ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6")


def VGG19(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="vgg19",
):
    return build_vgg(
        (2, 2, 4, 4, 4),
        "vgg19",
        _HASHES,
        include_top,
        weights,
        input_tensor,
        input_shape,
        pooling,
        classes,
        classifier_activation,
        name,
    )


VGG19.__doc__ = app_doc(
    "VGG19: 16 3x3 convolutions in five pooled blocks, then two 4096-unit dense layers.",
    32,
    "keras.applications.vgg19.preprocess_input",
    refusal_example("VGG19"),
)

preprocess_input = preprocess_for("caffe", "vgg19")
decode_predictions = decode_for("vgg19")
