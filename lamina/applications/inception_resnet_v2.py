"""Inception-ResNet v2 (Szegedy et al., 2016): inception modules with scaled residual sums."""

from __future__ import annotations

from lamina import layers
from lamina.applications import imagenet_utils
from lamina.applications._common import (
    KERAS_APPLICATIONS,
    _exists,
    app_doc,
    channel_axis,
    decode_for,
    fetch_weights,
    image_input,
    load_weights,
    make_model,
    preprocess_for,
    refusal_example,
)
from lamina.core.config import image_data_format
from lamina.core.layer import Layer

BASE_WEIGHT_URL = f"{KERAS_APPLICATIONS}inception_resnet_v2/"


def conv2d_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu",
              use_bias=False, name=None):  # fmt: skip
    """Conv2D, then (without bias) BatchNormalization without scale, then the activation.

    Args:
        x: the input tensor.
        filters: the output channels.
        kernel_size: the kernel size.
        strides: the strides.
        padding: `"same"` or `"valid"`.
        activation: the activation (None for none).
        use_bias: a biased conv with no BatchNormalization.
        name: the conv's name (BN and activation get `_bn` and `_ac` suffixes).

    Returns:
        The output tensor.

    Example:
    >>> import lamina as keras
    >>> conv2d_bn(keras.Input((8, 8, 3)), 4, 3, strides=2, padding="valid").shape
    (None, 3, 3, 4)
    """
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                      use_bias=use_bias, name=name)(x)  # fmt: skip
    if not use_bias:
        bn_name = None if name is None else f"{name}_bn"
        x = layers.BatchNormalization(axis=channel_axis(), scale=False, name=bn_name)(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else f"{name}_ac")(x)
    return x


class CustomScaleLayer(Layer):
    """Adds a scaled residual: `inputs[0] + inputs[1] * scale`.

    Args:
        scale: the factor on the residual branch.
        **kwargs: base `Layer` arguments.

    Call arguments:
        inputs: a list `[shortcut, residual]`.

    Example:
    >>> import numpy as np
    >>> CustomScaleLayer(0.5)([np.ones((1, 2)), np.ones((1, 2))]).tolist()
    [[1.5, 1.5]]
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale})
        return config

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale


def inception_resnet_block(x, scale, block_type, block_idx, activation="relu"):
    """One Inception-ResNet block (`"block35"`, `"block17"` or `"block8"`) with its residual.

    Args:
        x: the input tensor.
        scale: the factor on the residual branch.
        block_type: `"block35"`, `"block17"` or `"block8"`.
        block_idx: the block's index, in its layer names.
        activation: the activation after the sum (None for none).

    Returns:
        The output tensor (same shape as `x`).

    Example:
    >>> import lamina as keras
    >>> inception_resnet_block(keras.Input((8, 8, 16)), 0.1, "block35", 1).shape
    (None, 8, 8, 16)
    """
    if block_type == "block35":
        b0 = conv2d_bn(x, 32, 1)
        b1 = conv2d_bn(x, 32, 1)
        b1 = conv2d_bn(b1, 32, 3)
        b2 = conv2d_bn(x, 32, 1)
        b2 = conv2d_bn(b2, 48, 3)
        b2 = conv2d_bn(b2, 64, 3)
        branches = [b0, b1, b2]
    elif block_type in ("block17", "block8"):
        wide = block_type == "block17"
        b0 = conv2d_bn(x, 192, 1)
        b1 = conv2d_bn(x, 128 if wide else 192, 1)
        b1 = conv2d_bn(b1, 160 if wide else 224, [1, 7] if wide else [1, 3])
        b1 = conv2d_bn(b1, 192 if wide else 256, [7, 1] if wide else [3, 1])
        branches = [b0, b1]
    else:
        raise ValueError(
            'Unknown Inception-ResNet block type. Expects "block35", "block17" or "block8", '
            f"but got: {block_type}"
        )
    block_name = f"{block_type}_{block_idx}"
    axis = channel_axis()
    mixed = layers.Concatenate(axis=axis, name=f"{block_name}_mixed")(branches)
    up = conv2d_bn(mixed, x.shape[axis], 1, activation=None, use_bias=True,
                   name=f"{block_name}_conv")  # fmt: skip
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{block_name}_ac")(x)
    return x


def InceptionResNetV2(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="inception_resnet_v2",
):
    if not (weights in {"imagenet", None} or _exists(weights)):
        raise ValueError(
            "The `weights` argument should be either `None` (random initialization), "
            "`imagenet` (pre-training on ImageNet), or the path to the weights file to be "
            f"loaded. Received: weights={weights}"
        )
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(
            'If using `weights="imagenet"` with `include_top=True`, `classes` should be 1000. '
            f"Received classes={classes}"
        )
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape,
        default_size=299,
        min_size=75,
        data_format=image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )
    img_input = image_input(input_tensor, input_shape)
    axis = channel_axis()
    x = conv2d_bn(img_input, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)

    b0 = conv2d_bn(x, 96, 1)
    b1 = conv2d_bn(x, 48, 1)
    b1 = conv2d_bn(b1, 64, 5)
    b2 = conv2d_bn(x, 64, 1)
    b2 = conv2d_bn(b2, 96, 3)
    b2 = conv2d_bn(b2, 96, 3)
    bp = layers.AveragePooling2D(3, strides=1, padding="same")(x)
    bp = conv2d_bn(bp, 64, 1)
    x = layers.Concatenate(axis=axis, name="mixed_5b")([b0, b1, b2, bp])
    for idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=idx)

    b0 = conv2d_bn(x, 384, 3, strides=2, padding="valid")
    b1 = conv2d_bn(x, 256, 1)
    b1 = conv2d_bn(b1, 256, 3)
    b1 = conv2d_bn(b1, 384, 3, strides=2, padding="valid")
    bp = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = layers.Concatenate(axis=axis, name="mixed_6a")([b0, b1, bp])
    for idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=idx)

    b0 = conv2d_bn(x, 256, 1)
    b0 = conv2d_bn(b0, 384, 3, strides=2, padding="valid")
    b1 = conv2d_bn(x, 256, 1)
    b1 = conv2d_bn(b1, 288, 3, strides=2, padding="valid")
    b2 = conv2d_bn(x, 256, 1)
    b2 = conv2d_bn(b2, 288, 3)
    b2 = conv2d_bn(b2, 320, 3, strides=2, padding="valid")
    bp = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = layers.Concatenate(axis=axis, name="mixed_7a")([b0, b1, b2, bp])
    for idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=idx)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8", block_idx=10)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")

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
            fname = "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5"
            digest = "e693bd0210a403b3192acc6073ad2e96"
        else:
            fname = "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5"
            digest = "d19885ff4a710c122648d3b5c3b684e4"
        path = fetch_weights(fname, BASE_WEIGHT_URL + fname, digest)
    load_weights(model, weights, path)
    return model


InceptionResNetV2.__doc__ = app_doc(
    "InceptionResNetV2: inception stem, then 10 + 20 + 10 scaled residual inception blocks.",
    75,
    "keras.applications.inception_resnet_v2.preprocess_input",
    refusal_example("InceptionResNetV2"),
)

preprocess_input = preprocess_for("tf", "inception_resnet_v2")
decode_predictions = decode_for("inception_resnet_v2")
