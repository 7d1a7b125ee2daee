"""MobileNetV3 (Howard et al., 2019): searched inverted residual blocks, squeeze-excite, h-swish."""

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
    refusal_example,
)
from lamina.core.config import image_data_format
from lamina.core.symbolic import KerasTensor

BASE_WEIGHT_PATH = f"{KERAS_APPLICATIONS}mobilenet_v3/"
WEIGHTS_HASHES = {
    "large_224_0.75_float": (
        "765b44a33ad4005b3ac83185abf1d0eb",
        "40af19a13ebea4e2ee0c676887f69a2e",
    ),
    "large_224_1.0_float": (
        "59e551e166be033d707958cf9e29a6a7",
        "07fb09a5933dd0c8eaafa16978110389",
    ),
    "large_minimalistic_224_1.0_float": (
        "675e7b876c45c57e9e63e6d90a36599c",
        "ec5221f64a2f6d1ef965a614bdae7973",
    ),
    "small_224_0.75_float": (
        "cb65d4e5be93758266aa0a7f2c6708b7",
        "ebdb5cc8e0b497cd13a7c275d475c819",
    ),
    "small_224_1.0_float": (
        "8768d4c2e7dee89b9d02b2d03d65d862",
        "d3e8ec802a04aa4fc771ee12a9a9b836",
    ),
    "small_minimalistic_224_1.0_float": (
        "99cd97fb2fcdad2bf028eb838de69e37",
        "cde8136e733e811080d9fcd8a252f7e4",
    ),
}


def _axis():
    return 1 if image_data_format() == "channels_first" else -1


def _bn(name):
    return layers.BatchNormalization(axis=_axis(), epsilon=1e-3, momentum=0.999, name=name)


def relu(x):
    """Applies a new `ReLU` layer to `x` (the block activation of the minimalistic models).

    Args:
        x: a tensor.

    Returns:
        `max(x, 0)`.

    Example:
    >>> import numpy as np
    >>> relu(np.array([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    return layers.ReLU()(x)


def hard_sigmoid(x):
    """`relu6(x + 3) / 6`, the gate of the squeeze-excite blocks.

    Args:
        x: a tensor.

    Returns:
        The gate values, in [0, 1].

    Example:
    >>> import numpy as np
    >>> hard_sigmoid(np.array([-3.0, 0.0, 3.0])).tolist()
    [0.0, 0.5, 1.0]
    """
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def hard_swish(x):
    """Applies a new `Activation("hard_swish")` layer: `x * relu6(x + 3) / 6`.

    Args:
        x: a tensor.

    Returns:
        The activated tensor.

    Example:
    >>> import numpy as np
    >>> hard_swish(np.array([-3.0, 3.0])).tolist()
    [-0.0, 3.0]
    """
    return layers.Activation("hard_swish")(x)


def _depth(v, divisor=8, min_value=None):
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * v else rounded


def _se_block(inputs, filters, se_ratio, prefix):
    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(
        inputs
    )
    x = layers.Conv2D(_depth(filters * se_ratio), kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)  # fmt: skip
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv_1")(x)  # fmt: skip
    x = hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, activation,
                        block_id):  # fmt: skip
    shortcut = x
    infilters = x.shape[_axis()]
    prefix = "expanded_conv_"
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(_depth(infilters * expansion), kernel_size=1, padding="same",
                          use_bias=False, name=f"{prefix}expand")(x)  # fmt: skip
        x = _bn(f"{prefix}expand_bn")(x)
        x = activation(x)
    if stride == 2:
        pad = imagenet_utils.correct_pad(x, kernel_size)
        x = layers.ZeroPadding2D(padding=pad, name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride,
                               padding="same" if stride == 1 else "valid", use_bias=False,
                               name=f"{prefix}depthwise")(x)  # fmt: skip
    x = _bn(f"{prefix}depthwise_bn")(x)
    x = activation(x)
    if se_ratio:
        x = _se_block(x, _depth(infilters * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False,
                      name=f"{prefix}project")(x)  # fmt: skip
    x = _bn(f"{prefix}project_bn")(x)
    if stride == 1 and infilters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def MobileNetV3(
    stack_fn,
    last_point_ch,
    input_shape=None,
    alpha=1.0,
    model_type="large",
    minimalistic=False,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    classes=1000,
    pooling=None,
    dropout_rate=0.2,
    classifier_activation="softmax",
    include_preprocessing=True,
    name=None,
):
    """Builds a MobileNetV3 around `stack_fn`'s inverted residual blocks.

    Args:
        stack_fn: `(x, kernel, activation, se_ratio) -> x`, the blocks.
        last_point_ch: the width of the top's 1x1 convolution.
        model_type: `"large"` or `"small"` (names the ImageNet files).
        input_shape, alpha, minimalistic, include_top, weights, input_tensor, classes, pooling,
            dropout_rate, classifier_activation, include_preprocessing, name: as for
            `MobileNetV3Small`.

    Returns:
        A `Functional` model.

    Example:
    >>> MobileNetV3(lambda x, k, a, s: x, 1024, input_shape=(16, 16, 3), weights=None)
    Traceback (most recent call last):
    ...
    ValueError: Input size must be at least 32x32; Received `input_shape=(16, 16, 3)`
    """
    check_weights_arg(weights, include_top, classes)
    first = image_data_format() == "channels_first"
    if input_shape is not None and isinstance(input_tensor, KerasTensor):
        if input_tensor.shape[1 if first else 2] != input_shape[1]:
            raise ValueError(
                "input_shape[1] must equal input_tensor.shape[2].  Received "
                f"input_shape={input_shape}, input_tensor.shape={input_tensor.shape}"
            )
    if input_shape is None and isinstance(input_tensor, KerasTensor):
        if first:
            rows, cols = input_tensor.shape[2], input_tensor.shape[3]
            input_shape = (3, cols, rows)
        else:
            rows, cols = input_tensor.shape[1], input_tensor.shape[2]
            input_shape = (cols, rows, 3)
    if input_shape is None:
        input_shape = (3, None, None) if first else (None, None, 3)
    rows, cols = (input_shape[1], input_shape[2]) if first else (input_shape[0], input_shape[1])
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"Input size must be at least 32x32; Received `input_shape={input_shape}`")
    if weights == "imagenet":
        if (not minimalistic and alpha not in [0.75, 1.0]) or (minimalistic and alpha != 1.0):
            raise ValueError(
                "If imagenet weights are being loaded, alpha can be one of `0.75`, `1.0` for "
                "non minimalistic or `1.0` for minimalistic only."
            )
        if rows != cols or rows != 224:
            warnings.warn(
                "`input_shape` is undefined or non-square, or `rows` is not 224. Weights for "
                "input shape (224, 224) will be loaded as the default.",
                stacklevel=2,
            )
    img_input = image_input(input_tensor, input_shape)
    if minimalistic:
        kernel, activation, se_ratio = 3, relu, None
    else:
        kernel, activation, se_ratio = 5, hard_swish, 0.25
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False,
                      name="conv")(x)  # fmt: skip
    x = _bn("conv_bn")(x)
    x = activation(x)
    x = stack_fn(x, kernel, activation, se_ratio)
    last_conv_ch = _depth(x.shape[_axis()] * 6)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False,
                      name="conv_1")(x)  # fmt: skip
    x = _bn("conv_1_bn")(x)
    x = activation(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True,
                          name="conv_2")(x)  # fmt: skip
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    model = make_model(img_input, input_tensor, x, name)
    path = None
    if weights == "imagenet":
        key = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
        if include_top:
            file_name, digest = f"weights_mobilenet_v3_{key}.h5", WEIGHTS_HASHES[key][0]
        else:
            file_name = f"weights_mobilenet_v3_{key}_no_top_v2.h5"
            digest = WEIGHTS_HASHES[key][1]
        path = fetch_weights(file_name, BASE_WEIGHT_PATH + file_name, digest)
    load_weights(model, weights, path)
    return model


# (expansion, filters, kernel ("k": the family kernel), stride, se, activation ("a": family))
_SMALL = (
    (1, 16, 3, 2, True, "relu"), (72.0 / 16, 24, 3, 2, False, "relu"),
    (88.0 / 24, 24, 3, 1, False, "relu"), (4, 40, "k", 2, True, "a"), (6, 40, "k", 1, True, "a"),
    (6, 40, "k", 1, True, "a"), (3, 48, "k", 1, True, "a"), (3, 48, "k", 1, True, "a"),
    (6, 96, "k", 2, True, "a"), (6, 96, "k", 1, True, "a"), (6, 96, "k", 1, True, "a"),
)  # fmt: skip
_LARGE = (
    (1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"), (3, 24, 3, 1, False, "relu"),
    (3, 40, "k", 2, True, "relu"), (3, 40, "k", 1, True, "relu"),
    (3, 40, "k", 1, True, "relu"), (6, 80, 3, 2, False, "a"), (2.5, 80, 3, 1, False, "a"),
    (2.3, 80, 3, 1, False, "a"), (2.3, 80, 3, 1, False, "a"), (6, 112, 3, 1, True, "a"),
    (6, 112, 3, 1, True, "a"), (6, 160, "k", 2, True, "a"), (6, 160, "k", 1, True, "a"),
    (6, 160, "k", 1, True, "a"),
)  # fmt: skip


def _stack(table, alpha):
    def stack_fn(x, kernel, activation, se_ratio):
        for block_id, (expansion, filters, k, stride, se, act) in enumerate(table):
            x = _inverted_res_block(
                x,
                expansion,
                _depth(filters * alpha),
                kernel if k == "k" else k,
                stride,
                se_ratio if se else None,
                relu if act == "relu" else activation,
                block_id,
            )
        return x

    return stack_fn


def MobileNetV3Small(
    input_shape=None,
    alpha=1.0,
    minimalistic=False,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    classes=1000,
    pooling=None,
    dropout_rate=0.2,
    classifier_activation="softmax",
    include_preprocessing=True,
    name="MobileNetV3Small",
):
    return MobileNetV3(_stack(_SMALL, alpha), 1024, input_shape, alpha, "small", minimalistic,
                       include_top, weights, input_tensor, classes, pooling, dropout_rate,
                       classifier_activation, include_preprocessing, name=name)  # fmt: skip


def MobileNetV3Large(
    input_shape=None,
    alpha=1.0,
    minimalistic=False,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    classes=1000,
    pooling=None,
    dropout_rate=0.2,
    classifier_activation="softmax",
    include_preprocessing=True,
    name="MobileNetV3Large",
):
    return MobileNetV3(_stack(_LARGE, alpha), 1280, input_shape, alpha, "large", minimalistic,
                       include_top, weights, input_tensor, classes, pooling, dropout_rate,
                       classifier_activation, include_preprocessing, name=name)  # fmt: skip


_EXTRA = """
        alpha: the width multiplier (0.75 or 1.0 with ImageNet weights; 1.0 if minimalistic).
        minimalistic: 3x3 kernels, ReLU and no squeeze-excite (the "minimalistic" variant).
        dropout_rate: the dropout rate before the logits (0 for none).
        include_preprocessing: start with `Rescaling` of 0-255 pixels to [-1, 1]."""
for _fn, _size, _ch in ((MobileNetV3Small, "Small", 576), (MobileNetV3Large, "Large", 960)):
    _fn.__doc__ = app_doc(
        f"MobileNetV3{_size}: squeeze-excite inverted residuals; takes raw 0-255 pixels.",
        32,
        "keras.applications.mobilenet_v3.preprocess_input (the identity)",
        f"""
>>> model = MobileNetV3{_size}(weights=None, include_top=False, input_shape=(32, 32, 3))
>>> model.output_shape
(None, 1, 1, {_ch})
"""
        if _size == "Small"
        else refusal_example("MobileNetV3Large"),
        extra=_EXTRA,
    )

preprocess_input = preprocess_for(None, "mobilenet_v3")
decode_predictions = decode_for("mobilenet_v3")
