"""MobileNetV2 (Sandler et al., 2018): inverted residual blocks with linear bottlenecks."""

from __future__ import annotations

import warnings

from lamina import layers
from lamina.applications import imagenet_utils
from lamina.applications._common import (
    KERAS_APPLICATIONS,
    app_doc,
    decode_for,
    fetch_weights,
    image_input,
    load_weights,
    make_model,
    preprocess_for,
)
from lamina.core.config import image_data_format
from lamina.core.symbolic import KerasTensor

BASE_WEIGHT_PATH = f"{KERAS_APPLICATIONS}mobilenet_v2/"
_SIZES = (96, 128, 160, 192, 224)


def _make_divisible(v, divisor, min_value=None):
    """`v` rounded to the nearest multiple of `divisor`, never below 90% of `v`."""
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * v else rounded


def _spatial(shape):
    if image_data_format() == "channels_first":
        return shape[-2], shape[-1]
    return shape[-3], shape[-2]


def _bn(name):
    axis = 1 if image_data_format() == "channels_first" else -1
    return layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name=name)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    axis = 1 if image_data_format() == "channels_first" else -1
    in_channels = inputs.shape[axis]
    out_channels = _make_divisible(int(filters * alpha), 8)
    x = inputs
    if block_id:
        prefix = f"block_{block_id}_"
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same",
                          use_bias=False, activation=None, name=f"{prefix}expand")(x)  # fmt: skip
        x = _bn(f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        pad = imagenet_utils.correct_pad(x, 3)
        x = layers.ZeroPadding2D(padding=pad, name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)  # fmt: skip
    x = _bn(f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(out_channels, kernel_size=1, padding="same", use_bias=False,
                      activation=None, name=f"{prefix}project")(x)  # fmt: skip
    x = _bn(f"{prefix}project_BN")(x)
    if in_channels == out_channels and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


# (filters, stride, expansion) of blocks 0..16
_BLOCKS = (
    (16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6),
    (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6),
    (160, 1, 6), (160, 1, 6), (320, 1, 6),
)  # fmt: skip


def MobileNetV2(
    input_shape=None,
    alpha=1.0,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
):
    if not (weights in {"imagenet", None} or _exists(weights)):
        raise ValueError(
            "The `weights` argument should be either `None` (random initialization), "
            "`imagenet` (pre-training on ImageNet), or the path to the weights file to be "
            f"loaded.  Received `weights={weights}`"
        )
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(
            'If using `weights="imagenet"` with `include_top` as true, `classes` should be '
            f"1000. Received `classes={classes}`"
        )
    default_size = 224
    if input_shape is not None:
        rows, cols = _spatial(input_shape)
        if input_tensor is not None and isinstance(input_tensor, KerasTensor):
            if _spatial(input_tensor.shape)[1] != cols:
                raise ValueError(
                    "input_tensor.shape[2] must equal input_shape[1]; Received "
                    f"`input_tensor.shape={input_tensor.shape}`, `input_shape={input_shape}`"
                )
    elif isinstance(input_tensor, KerasTensor):
        rows, cols = _spatial(input_tensor.shape)
    else:
        rows = cols = None
    if rows is not None and rows == cols and rows in _SIZES:
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
        if alpha not in [0.35, 0.5, 0.75, 1.0, 1.3, 1.4]:
            raise ValueError(
                "If imagenet weights are being loaded, alpha must be one of `0.35`, `0.50`, "
                f"`0.75`, `1.0`, `1.3` or `1.4` only; Received `alpha={alpha}`"
            )
        if rows != cols or rows not in _SIZES:
            rows = 224
            warnings.warn(
                "`input_shape` is undefined or non-square, or `rows` is not in "
                "[96, 128, 160, 192, 224]. Weights for input shape (224, 224) will be loaded "
                "as the default.",
                stacklevel=2,
            )
    img_input = image_input(input_tensor, input_shape)
    axis = 1 if image_data_format() == "channels_first" else -1
    x = layers.Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2),
                      padding="same", use_bias=False, name="Conv1")(img_input)  # fmt: skip
    x = _bn("bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, expansion=expansion, stride=stride, alpha=alpha,
                                filters=filters, block_id=block_id)  # fmt: skip
    last = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = _bn("Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    del axis
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    if name is None:
        name = f"mobilenetv2_{alpha:0.2f}_{rows}"
    model = make_model(img_input, input_tensor, x, name)
    path = None
    if weights == "imagenet":
        tail = ".h5" if include_top else "_no_top.h5"
        file_name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{tail}"
        path = fetch_weights(file_name, BASE_WEIGHT_PATH + file_name, None)
    load_weights(model, weights, path)
    return model


def _exists(path):
    from lamina.applications._common import _exists as exists

    return exists(path)


MobileNetV2.__doc__ = app_doc(
    "MobileNetV2: 17 inverted residual blocks (expand, depthwise, linear project).",
    32,
    "keras.applications.mobilenet_v2.preprocess_input",
    """
>>> model = MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3), alpha=0.35)
>>> model.output_shape
(None, 1, 1, 1280)
""",
    extra="""
        alpha: the width multiplier (0.35, 0.5, 0.75, 1.0, 1.3 or 1.4 with ImageNet weights).""",
)

preprocess_input = preprocess_for("tf", "mobilenet_v2")
decode_predictions = decode_for("mobilenet_v2")
