"""Xception (Chollet, 2017): depthwise-separable convolutions with residual connections."""

from __future__ import annotations

from lamina import layers
from lamina.applications import imagenet_utils
from lamina.applications._common import (
    KERAS_APPLICATIONS,
    _exists,
    app_doc,
    decode_for,
    fetch_weights,
    image_input,
    load_weights,
    make_model,
    preprocess_for,
)
from lamina.core.config import image_data_format

WEIGHTS_PATH = f"{KERAS_APPLICATIONS}xception/xception_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_PATH_NO_TOP = (
    f"{KERAS_APPLICATIONS}xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5"
)


def Xception(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="xception",
):
    if not (weights in {"imagenet", None} or _exists(weights)):
        raise ValueError(
            "The `weights` argument should be either `None` (random initialization), "
            "'imagenet' (pre-training on ImageNet), or the path to the weights file to be "
            f"loaded. Received: weights={weights}"
        )
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(
            "If using `weights='imagenet'` with `include_top=True`, `classes` should be "
            f"1000.  Received classes={classes}"
        )
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape,
        default_size=299,
        min_size=71,
        data_format=image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )
    img_input = image_input(input_tensor, input_shape)
    axis = 1 if image_data_format() == "channels_first" else -1

    def bn(name=None):
        return layers.BatchNormalization(axis=axis, name=name)

    def sep(filters, name):
        return layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)

    def shortcut(x, filters):
        r = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
        return bn()(r)

    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = bn("block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = bn("block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)

    # Entry flow: blocks 2-4 halve the resolution, with a strided 1x1 shortcut.
    for block, filters in ((2, 128), (3, 256), (4, 728)):
        residual = shortcut(x, filters)
        p = f"block{block}"
        if block != 2:
            x = layers.Activation("relu", name=f"{p}_sepconv1_act")(x)
        x = sep(filters, f"{p}_sepconv1")(x)
        x = bn(f"{p}_sepconv1_bn")(x)
        x = layers.Activation("relu", name=f"{p}_sepconv2_act")(x)
        x = sep(filters, f"{p}_sepconv2")(x)
        x = bn(f"{p}_sepconv2_bn")(x)
        x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"{p}_pool")(x)
        x = layers.add([x, residual])

    # Middle flow: eight identity-residual blocks of three separable convolutions.
    for i in range(8):
        residual = x
        p = f"block{i + 5}"
        for k in (1, 2, 3):
            x = layers.Activation("relu", name=f"{p}_sepconv{k}_act")(x)
            x = sep(728, f"{p}_sepconv{k}")(x)
            x = bn(f"{p}_sepconv{k}_bn")(x)
        x = layers.add([x, residual])

    # Exit flow.
    residual = shortcut(x, 1024)
    x = layers.Activation("relu", name="block13_sepconv1_act")(x)
    x = sep(728, "block13_sepconv1")(x)
    x = bn("block13_sepconv1_bn")(x)
    x = layers.Activation("relu", name="block13_sepconv2_act")(x)
    x = sep(1024, "block13_sepconv2")(x)
    x = bn("block13_sepconv2_bn")(x)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name="block13_pool")(x)
    x = layers.add([x, residual])
    x = sep(1536, "block14_sepconv1")(x)
    x = bn("block14_sepconv1_bn")(x)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = sep(2048, "block14_sepconv2")(x)
    x = bn("block14_sepconv2_bn")(x)
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = make_model(img_input, input_tensor, x, name)
    path = None
    if weights == "imagenet":
        if include_top:
            path = fetch_weights("xception_weights_tf_dim_ordering_tf_kernels.h5",
                                 WEIGHTS_PATH, "0a58e3b7378bc2990ea3b43d5981f1f6")  # fmt: skip
        else:
            path = fetch_weights("xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                 WEIGHTS_PATH_NO_TOP, "b0042744bf5b25fce3cb969f33bebb97")  # fmt: skip
    load_weights(model, weights, path)
    return model


Xception.__doc__ = app_doc(
    "Xception: entry, middle (8 residual blocks) and exit flows of separable convolutions.",
    71,
    "keras.applications.xception.preprocess_input",
    """
>>> model = Xception(weights=None, include_top=False, input_shape=(71, 71, 3))
>>> model.output_shape
(None, 3, 3, 2048)
""",
)

preprocess_input = preprocess_for("tf", "xception")
decode_predictions = decode_for("xception")
