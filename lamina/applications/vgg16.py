"""VGG16 (Simonyan & Zisserman, 2014): 13 convolutions in 5 blocks, then 3 dense layers."""

from __future__ import annotations

from lamina import layers
from lamina.applications import imagenet_utils
from lamina.applications._common import (
    KERAS_APPLICATIONS,
    app_doc,
    check_weights_arg,
    decode_for,
    fetch_weights,
    image_input,
    load_weights,
    make_model,
    preprocess_for,
)
from lamina.core.config import image_data_format

WEIGHTS_PATH = f"{KERAS_APPLICATIONS}vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = f"{KERAS_APPLICATIONS}vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
_HASHES = ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc")


def build_vgg(
    convs_per_block,
    family,
    hashes,
    include_top,
    weights,
    input_tensor,
    input_shape,
    pooling,
    classes,
    classifier_activation,
    name,
):
    """Builds a VGG with `convs_per_block` 3x3 convolutions in each of its 5 blocks.

    Args:
        convs_per_block: the number of convolutions of each block, 5 ints.
        family: "vgg16" or "vgg19", naming the weight files.
        hashes: the hashes of the weight files (with and without top).
        include_top: whether to end with the two 4096-unit layers and the classifier.
        weights: None, "imagenet", or the path of a weights file.
        input_tensor: an optional tensor to use as the image input.
        input_shape: an optional input shape.
        pooling: without the top: None, "avg" or "max".
        classes: the classifier's number of classes.
        classifier_activation: the classifier's activation.
        name: the model's name.

    Returns:
        A `Functional` model.

    Example:
        >>> from lamina.applications.vgg16 import build_vgg
        >>> model = build_vgg((1, 1, 1, 1, 1), "vgg", None, False, None, None, (32, 32, 3),
        ...                   "avg", 10, "softmax", "vgg_small")
        >>> model.output_shape
        (None, 512)
    """
    check_weights_arg(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape,
        default_size=224,
        min_size=32,
        data_format=image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )
    img_input = image_input(input_tensor, input_shape)
    x = img_input
    for block, (filters, convs) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), 1):
        for k in range(1, convs + 1):
            x = layers.Conv2D(
                filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv{k}"
            )(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = make_model(img_input, input_tensor, x, name)
    path = None
    if weights == "imagenet":
        suffix = "" if include_top else "_notop"
        file_name = f"{family}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
        origin = f"{KERAS_APPLICATIONS}{family}/{file_name}"
        path = fetch_weights(file_name, origin, hashes[0] if include_top else hashes[1])
    load_weights(model, weights, path)
    return model


def VGG16(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="vgg16",
):
    return build_vgg(
        (2, 2, 3, 3, 3),
        "vgg16",
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


VGG16.__doc__ = app_doc(
    "VGG16: 13 3x3 convolutions in five pooled blocks, then two 4096-unit dense layers.",
    32,
    "keras.applications.vgg16.preprocess_input",
    """
>>> model = VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
>>> model.output_shape
(None, 1, 1, 512)
""",
)


preprocess_input = preprocess_for("caffe", "vgg16")
decode_predictions = decode_for("vgg16")
