"""EfficientNetV2 (Tan & Le, 2021): fused and regular MBConv stages, trained progressively."""

from __future__ import annotations

import copy
import math

from lamina import initializers, layers
from lamina.applications import imagenet_utils
from lamina.applications._common import (
    KERAS_APPLICATIONS,
    app_doc,
    channel_axis,
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

BASE_WEIGHTS_PATH = f"{KERAS_APPLICATIONS}efficientnet_v2/"
WEIGHTS_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}


def _stages(rows):
    keys = ("kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio",
            "se_ratio", "strides", "conv_type")  # fmt: skip
    return [dict(zip(keys, row)) for row in rows]


_B_SERIES = _stages([
    (3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1), (3, 2, 32, 48, 4, 0, 2, 1),
    (3, 3, 48, 96, 4, 0.25, 2, 0), (3, 5, 96, 112, 6, 0.25, 1, 0),
    (3, 8, 112, 192, 6, 0.25, 2, 0),
])  # fmt: skip
DEFAULT_BLOCKS_ARGS = {
    "efficientnetv2-s": _stages([
        (3, 2, 24, 24, 1, 0.0, 1, 1), (3, 4, 24, 48, 4, 0.0, 2, 1), (3, 4, 48, 64, 4, 0, 2, 1),
        (3, 6, 64, 128, 4, 0.25, 2, 0), (3, 9, 128, 160, 6, 0.25, 1, 0),
        (3, 15, 160, 256, 6, 0.25, 2, 0),
    ]),
    "efficientnetv2-m": _stages([
        (3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1), (3, 5, 48, 80, 4, 0, 2, 1),
        (3, 7, 80, 160, 4, 0.25, 2, 0), (3, 14, 160, 176, 6, 0.25, 1, 0),
        (3, 18, 176, 304, 6, 0.25, 2, 0), (3, 5, 304, 512, 6, 0.25, 1, 0),
    ]),
    "efficientnetv2-l": _stages([
        (3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1), (3, 7, 64, 96, 4, 0, 2, 1),
        (3, 10, 96, 192, 4, 0.25, 2, 0), (3, 19, 192, 224, 6, 0.25, 1, 0),
        (3, 25, 224, 384, 6, 0.25, 2, 0), (3, 7, 384, 640, 6, 0.25, 1, 0),
    ]),
    "efficientnetv2-b0": _B_SERIES,
    "efficientnetv2-b1": copy.deepcopy(_B_SERIES),
    "efficientnetv2-b2": copy.deepcopy(_B_SERIES),
    "efficientnetv2-b3": copy.deepcopy(_B_SERIES),
}  # fmt: skip
CONV_KERNEL_INITIALIZER = {
    "class_name": "VarianceScaling",
    "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"},
}
DENSE_KERNEL_INITIALIZER = {
    "class_name": "VarianceScaling",
    "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"},
}


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    """`filters * width_coefficient` rounded to a multiple of `depth_divisor`.

    Args:
        filters: the base channel count.
        width_coefficient: the multiplier.
        min_depth: the smallest result (None: `depth_divisor`).
        depth_divisor: the rounding step.

    Returns:
        The rounded channel count.

    Example:
    >>> round_filters(32, 1.1, 8, 8)
    32
    """
    filters *= width_coefficient
    minimum = min_depth or depth_divisor
    return int(max(minimum, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def round_repeats(repeats, depth_coefficient):
    """`repeats * depth_coefficient`, rounded up.

    Args:
        repeats: the base repeat count.
        depth_coefficient: the multiplier.

    Returns:
        The repeat count.

    Example:
    >>> round_repeats(3, 1.1)
    4
    """
    return int(math.ceil(depth_coefficient * repeats))


def _se(x, input_filters, filters, se_ratio, activation, name):
    squeeze = max(1, int(input_filters * se_ratio))
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    shape = (filters, 1, 1) if channel_axis() == 1 else (1, 1, filters)
    se = layers.Reshape(shape, name=f"{name}se_reshape")(se)
    se = layers.Conv2D(squeeze, 1, padding="same", activation=activation,
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_reduce")(se)  # fmt: skip
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_expand")(se)  # fmt: skip
    return layers.multiply([x, se], name=f"{name}se_excite")


def _skip(x, inputs, strides, input_filters, output_filters, survival_probability, name):
    if strides == 1 and input_filters == output_filters:
        if survival_probability:
            x = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1),
                               name=f"{name}drop")(x)  # fmt: skip
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def MBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1,
                se_ratio=0.0, bn_momentum=0.9, activation="swish", survival_probability=0.8,
                name=None):  # fmt: skip
    """An MBConv block (1x1 expand, depthwise, squeeze-excite, 1x1 project) as a function.

    Args:
        input_filters: input channels.
        output_filters: output channels.
        expand_ratio: the expansion factor.
        kernel_size: the depthwise kernel size.
        strides: the depthwise stride.
        se_ratio: the squeeze-excite ratio (0 for none).
        bn_momentum: the BatchNormalization momentum.
        activation: the activation.
        survival_probability: the residual-branch dropout rate.
        name: the prefix of the layer names.

    Returns:
        A function from the input tensor to the block's output.

    Example:
    >>> import lamina as keras
    >>> MBConvBlock(16, 16, 4, se_ratio=0.25, name="m_")(keras.Input((8, 8, 16))).shape
    (None, 8, 8, 16)
    """
    axis = channel_axis()
    if name is None:
        from lamina.backend import get_uid

        name = get_uid("block0")

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = layers.Conv2D(filters=filters, kernel_size=1, strides=1,
                              kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                              data_format=image_data_format(), use_bias=False,
                              name=f"{name}expand_conv")(x)  # fmt: skip
            x = layers.BatchNormalization(axis=axis, momentum=bn_momentum,
                                          name=f"{name}expand_bn")(x)  # fmt: skip
            x = layers.Activation(activation, name=f"{name}expand_activation")(x)
        x = layers.DepthwiseConv2D(kernel_size=kernel_size, strides=strides,
                                   depthwise_initializer=CONV_KERNEL_INITIALIZER,
                                   padding="same", data_format=image_data_format(),
                                   use_bias=False, name=f"{name}dwconv2")(x)  # fmt: skip
        x = layers.BatchNormalization(axis=axis, momentum=bn_momentum, name=f"{name}bn")(x)
        x = layers.Activation(activation, name=f"{name}activation")(x)
        if 0 < se_ratio <= 1:
            x = _se(x, input_filters, filters, se_ratio, activation, name)
        x = layers.Conv2D(filters=output_filters, kernel_size=1, strides=1,
                          kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                          data_format=image_data_format(), use_bias=False,
                          name=f"{name}project_conv")(x)  # fmt: skip
        x = layers.BatchNormalization(axis=axis, momentum=bn_momentum,
                                      name=f"{name}project_bn")(x)  # fmt: skip
        return _skip(x, inputs, strides, input_filters, output_filters, survival_probability,
                     name)  # fmt: skip

    return apply


def FusedMBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1,
                     se_ratio=0.0, bn_momentum=0.9, activation="swish",
                     survival_probability=0.8, name=None):  # fmt: skip
    """A fused MBConv block (one kxk expand convolution instead of 1x1 + depthwise).

    Args:
        input_filters: input channels.
        output_filters: output channels.
        expand_ratio: the expansion factor (1: a single kxk convolution).
        kernel_size: the kernel size.
        strides: the stride.
        se_ratio: the squeeze-excite ratio (0 for none).
        bn_momentum: the BatchNormalization momentum.
        activation: the activation.
        survival_probability: the residual-branch dropout rate.
        name: the prefix of the layer names.

    Returns:
        A function from the input tensor to the block's output.

    Example:
    >>> import lamina as keras
    >>> FusedMBConvBlock(16, 24, 4, strides=2, name="f_")(keras.Input((8, 8, 16))).shape
    (None, 4, 4, 24)
    """
    axis = channel_axis()
    if name is None:
        from lamina.backend import get_uid

        name = get_uid("block0")

    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = layers.Conv2D(filters, kernel_size=kernel_size, strides=strides,
                              kernel_initializer=CONV_KERNEL_INITIALIZER,
                              data_format=image_data_format(), padding="same", use_bias=False,
                              name=f"{name}expand_conv")(x)  # fmt: skip
            x = layers.BatchNormalization(axis=axis, momentum=bn_momentum,
                                          name=f"{name}expand_bn")(x)  # fmt: skip
            x = layers.Activation(activation=activation, name=f"{name}expand_activation")(x)
        if 0 < se_ratio <= 1:
            x = _se(x, input_filters, filters, se_ratio, activation, name)
        fused = expand_ratio == 1
        x = layers.Conv2D(output_filters, kernel_size=kernel_size if fused else 1,
                          strides=strides if fused else 1,
                          kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                          use_bias=False, name=f"{name}project_conv")(x)  # fmt: skip
        x = layers.BatchNormalization(axis=axis, momentum=bn_momentum,
                                      name=f"{name}project_bn")(x)  # fmt: skip
        if fused:
            x = layers.Activation(activation=activation, name=f"{name}project_activation")(x)
        return _skip(x, inputs, strides, input_filters, output_filters, survival_probability,
                     name)  # fmt: skip

    return apply


def EfficientNetV2(
    width_coefficient,
    depth_coefficient,
    default_size,
    dropout_rate=0.2,
    drop_connect_rate=0.2,
    depth_divisor=8,
    min_depth=8,
    bn_momentum=0.9,
    activation="swish",
    blocks_args="default",
    name="efficientnetv2",
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    include_preprocessing=True,
    weights_name=None,
):
    """Builds an EfficientNetV2 from its scaling coefficients and stage table.

    Args:
        width_coefficient: the channel multiplier.
        depth_coefficient: the repeat multiplier.
        default_size: the default input height and width.
        dropout_rate: the dropout before the classifier.
        drop_connect_rate: the largest residual dropout rate (grows over the blocks).
        depth_divisor: channel counts are rounded to multiples of this.
        min_depth: the smallest channel count.
        bn_momentum: the BatchNormalization momentum.
        activation: the activation of the network.
        blocks_args: `"default"` (the table for `name`) or a list of stage dicts.
        name, include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, include_preprocessing: as for `EfficientNetV2B0`.
        weights_name: the key of the ImageNet files (`"b0"`.. `"b3"`, `"-s"`, `"-m"`, `"-l"`).

    Returns:
        A `Functional` model.

    Example:
    >>> EfficientNetV2(1.0, 1.0, 224, name="efficientnetv2-b0", weights="imagenet",
    ...                classes=10)
    Traceback (most recent call last):
    ...
    ValueError: If using ...should be 1000...
    """
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS[name]
    check_weights_arg(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape,
        default_size=default_size,
        min_size=32,
        data_format=image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )
    img_input = image_input(input_tensor, input_shape)
    axis = channel_axis()

    def rf(filters):
        return round_filters(filters, width_coefficient, min_depth, depth_divisor)

    x = img_input
    if include_preprocessing:
        if name.split("-")[-1].startswith("b") and input_shape[axis - 1] == 3:
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(mean=[0.485, 0.456, 0.406],
                                     variance=[0.229**2, 0.224**2, 0.225**2], axis=axis)(x)  # fmt: skip
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)
    x = layers.Conv2D(filters=rf(blocks_args[0]["input_filters"]), kernel_size=3, strides=2,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                      use_bias=False, name="stem_conv")(x)  # fmt: skip
    x = layers.BatchNormalization(axis=axis, momentum=bn_momentum, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)

    blocks_args = copy.deepcopy(blocks_args)
    total = float(sum(args["num_repeat"] for args in blocks_args))
    b = 0
    for i, args in enumerate(blocks_args):
        if args["num_repeat"] <= 0:
            raise ValueError(
                "The number of repeats in `EfficientNetV2` must be > 0. Received: "
                f"num_repeat={args['num_repeat']}"
            )
        args["input_filters"] = rf(args["input_filters"])
        args["output_filters"] = rf(args["output_filters"])
        make = MBConvBlock if args.pop("conv_type") == 0 else FusedMBConvBlock
        for j in range(round_repeats(args.pop("num_repeat"), depth_coefficient)):
            if j > 0:
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = make(activation=activation, bn_momentum=bn_momentum,
                     survival_probability=drop_connect_rate * b / total,
                     name=f"block{i + 1}{chr(j + 97)}_", **args)(x)  # fmt: skip
            b += 1

    x = layers.Conv2D(filters=rf(1280), kernel_size=1, strides=1,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, padding="same",
                      data_format=image_data_format(), use_bias=False, name="top_conv")(x)  # fmt: skip
    x = layers.BatchNormalization(axis=axis, momentum=bn_momentum, name="top_bn")(x)
    x = layers.Activation(activation=activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation,
                         kernel_initializer=DENSE_KERNEL_INITIALIZER,
                         bias_initializer=initializers.Constant(0.0), name="predictions")(x)  # fmt: skip
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    model = make_model(img_input, input_tensor, x, name)
    path = None
    if weights == "imagenet":
        file_name = name + (".h5" if include_top else "_notop.h5")
        digest = WEIGHTS_HASHES[weights_name][0 if include_top else 1]
        path = fetch_weights(file_name, BASE_WEIGHTS_PATH + file_name, digest)
    load_weights(model, weights, path)
    return model


# variant -> (name suffix, width, depth, default size, top channels)
_VARIANTS = {
    "B0": ("b0", 1.0, 1.0, 224, 1280),
    "B1": ("b1", 1.0, 1.1, 240, 1280),
    "B2": ("b2", 1.1, 1.2, 260, 1408),
    "B3": ("b3", 1.2, 1.4, 300, 1536),
    "S": ("-s", 1.0, 1.0, 384, 1280),
    "M": ("-m", 1.0, 1.0, 480, 1280),
    "L": ("-l", 1.0, 1.0, 480, 1280),
}


def _variant(label):
    key, width, depth, size, top = _VARIANTS[label]
    default_name = f"efficientnetv2-{key.lstrip('-')}"

    def builder(
        include_top=True,
        weights="imagenet",
        input_tensor=None,
        input_shape=None,
        pooling=None,
        classes=1000,
        classifier_activation="softmax",
        include_preprocessing=True,
        name=default_name,
    ):
        return EfficientNetV2(
            width_coefficient=width,
            depth_coefficient=depth,
            default_size=size,
            name=name,
            include_top=include_top,
            weights=weights,
            input_tensor=input_tensor,
            input_shape=input_shape,
            pooling=pooling,
            classes=classes,
            classifier_activation=classifier_activation,
            include_preprocessing=include_preprocessing,
            weights_name=key,
        )

    title = f"EfficientNetV2{label}"
    builder.__name__ = builder.__qualname__ = title
    builder.__module__ = __name__
    builder.__doc__ = app_doc(
        f"{title}: EfficientNetV2 with default input size {size}; takes raw 0-255 pixels.",
        32,
        "keras.applications.efficientnet_v2.preprocess_input (the identity)",
        f"""
>>> model = {title}(weights=None, include_top=False, input_shape=(32, 32, 3))
>>> model.output_shape
(None, 1, 1, {top})
"""
        if label == "B0"
        else refusal_example(title),
        extra="""
        include_preprocessing: start with the layers that scale 0-255 pixels as the
            ImageNet weights expect.""",
    )
    return builder


EfficientNetV2B0 = _variant("B0")
EfficientNetV2B1 = _variant("B1")
EfficientNetV2B2 = _variant("B2")
EfficientNetV2B3 = _variant("B3")
EfficientNetV2S = _variant("S")
EfficientNetV2M = _variant("M")
EfficientNetV2L = _variant("L")

preprocess_input = preprocess_for(None, "efficientnet_v2")
decode_predictions = decode_for("efficientnet_v2")
