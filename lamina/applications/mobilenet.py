"""MobileNet (Howard et al., 2017): depthwise-separable convolutions with a width multiplier."""

from __future__ import annotations

import warnings

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

BASE_WEIGHT_PATH = f"{KERAS_APPLICATIONS}mobilenet/"
_SIZES = (128, 160, 192, 224)
_ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}


def _spatial(input_shape):
    if image_data_format() == "channels_first":
        return input_shape[1], input_shape[2]
    return input_shape[0], input_shape[1]


def _bn_axis():
    return 1 if image_data_format() == "channels_first" else -1


def _conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    x = layers.Conv2D(int(filters * alpha), kernel, padding="same", use_bias=False,
                      strides=strides, name="conv1")(inputs)  # fmt: skip
    x = layers.BatchNormalization(axis=_bn_axis(), name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(inputs, filters, alpha, depth_multiplier=1, strides=(1, 1),
                          block_id=1):  # fmt: skip
    x = inputs
    if strides != (1, 1):
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D(
        (3, 3),
        padding="same" if strides == (1, 1) else "valid",
        depth_multiplier=depth_multiplier,
        strides=strides,
        use_bias=False,
        name=f"conv_dw_{block_id}",
    )(x)
    x = layers.BatchNormalization(axis=_bn_axis(), name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(filters * alpha), (1, 1), padding="same", use_bias=False,
                      strides=(1, 1), name=f"conv_pw_{block_id}")(x)  # fmt: skip
    x = layers.BatchNormalization(axis=_bn_axis(), name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


# (pointwise filters, stride) of depthwise blocks 1..13
_BLOCKS = (
    (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
    (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1),
)  # fmt: skip


def MobileNet(
    input_shape=None,
    alpha=1.0,
    depth_multiplier=1,
    dropout=1e-3,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
):
    check_weights_arg(weights, include_top, classes)
    default_size = 224
    if input_shape is not None:
        rows, cols = _spatial(input_shape)
        if rows == cols and rows in _SIZES:
            default_size = rows
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape,
        default_size=default_size,
        min_size=32,
        data_format=image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )
    rows, cols = _spatial(input_shape)
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError(
                "If imagenet weights are being loaded, depth multiplier must be 1.  "
                f"Received depth_multiplier={depth_multiplier}"
            )
        if alpha not in [0.25, 0.5, 0.75, 1.0]:
            raise ValueError(
                "If imagenet weights are being loaded, alpha can be one of`0.25`, `0.50`, "
                f"`0.75` or `1.0` only.  Received alpha={alpha}"
            )
        if rows != cols or rows not in _SIZES:
            rows = 224
            warnings.warn(
                "`input_shape` is undefined or non-square, or `rows` is not in "
                "[128, 160, 192, 224]. Weights for input shape (224, 224) will be loaded as "
                "the default.",
                stacklevel=2,
            )
    img_input = image_input(input_tensor, input_shape)
    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(_BLOCKS, 1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier,
                                  strides=(stride, stride), block_id=block_id)  # fmt: skip
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    if name is None:
        name = f"mobilenet_{alpha:0.2f}_{rows}"
    model = make_model(img_input, input_tensor, x, name)
    path = None
    if weights == "imagenet":
        tail = "tf.h5" if include_top else "tf_no_top.h5"
        file_name = f"mobilenet_{_ALPHA_TEXT[float(alpha)]}_{rows}_{tail}"
        path = fetch_weights(file_name, BASE_WEIGHT_PATH + file_name, None)
    load_weights(model, weights, path)
    return model


MobileNet.__doc__ = app_doc(
    "MobileNet (v1): a strided stem and 13 depthwise-separable blocks, width scaled by alpha.",
    32,
    "keras.applications.mobilenet.preprocess_input",
    """
>>> model = MobileNet(weights=None, include_top=False, input_shape=(32, 32, 3), alpha=0.25)
>>> model.output_shape
(None, 1, 1, 256)
""",
    extra="""
        alpha: the width multiplier (0.25, 0.5, 0.75 or 1.0 with ImageNet weights).
        depth_multiplier: the depthwise convolutions' depth multiplier (1 with ImageNet
            weights).
        dropout: the dropout rate before the classifier.""",
)

preprocess_input = preprocess_for("tf", "mobilenet")
decode_predictions = decode_for("mobilenet")
