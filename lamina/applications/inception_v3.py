"""Inception v3 (Szegedy et al., 2015): factorized inception modules on a 299x299 input."""

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
)
from lamina.core.config import image_data_format

WEIGHTS_PATH = (
    f"{KERAS_APPLICATIONS}inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
)
WEIGHTS_PATH_NO_TOP = (
    f"{KERAS_APPLICATIONS}inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
)


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """Conv2D (no bias) + BatchNormalization (no scale) + ReLU.

    Args:
        x: the input tensor.
        filters: the output channels.
        num_row: the kernel height.
        num_col: the kernel width.
        padding: `"same"` or `"valid"`.
        strides: the convolution strides.
        name: None, or the name of the ReLU (the conv and BN get `_conv` and `_bn` suffixes).

    Returns:
        The output tensor.

    Example:
    >>> import lamina as keras
    >>> conv2d_bn(keras.Input((8, 8, 3)), 4, 3, 3).shape
    (None, 8, 8, 4)
    """
    conv_name = f"{name}_conv" if name is not None else None
    bn_name = f"{name}_bn" if name is not None else None
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding,
                      use_bias=False, name=conv_name)(x)  # fmt: skip
    x = layers.BatchNormalization(axis=channel_axis(), scale=False, name=bn_name)(x)
    return layers.Activation("relu", name=name)(x)


def _avg_branch(x, filters):
    pool = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(pool, filters, 1, 1)


def _module_a(x, pool_filters, name):
    b1 = conv2d_bn(x, 64, 1, 1)
    b5 = conv2d_bn(x, 48, 1, 1)
    b5 = conv2d_bn(b5, 64, 5, 5)
    b3 = conv2d_bn(x, 64, 1, 1)
    b3 = conv2d_bn(b3, 96, 3, 3)
    b3 = conv2d_bn(b3, 96, 3, 3)
    bp = _avg_branch(x, pool_filters)
    return layers.concatenate([b1, b5, b3, bp], axis=channel_axis(), name=name)


def _module_c(x, width, name):
    b1 = conv2d_bn(x, 192, 1, 1)
    b7 = conv2d_bn(x, width, 1, 1)
    b7 = conv2d_bn(b7, width, 1, 7)
    b7 = conv2d_bn(b7, 192, 7, 1)
    bd = conv2d_bn(x, width, 1, 1)
    bd = conv2d_bn(bd, width, 7, 1)
    bd = conv2d_bn(bd, width, 1, 7)
    bd = conv2d_bn(bd, width, 7, 1)
    bd = conv2d_bn(bd, 192, 1, 7)
    bp = _avg_branch(x, 192)
    return layers.concatenate([b1, b7, bd, bp], axis=channel_axis(), name=name)


def InceptionV3(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="inception_v3",
):
    if not (weights in {"imagenet", None} or _exists(weights)):
        raise ValueError(
            "The `weights` argument should be either `None` (random initialization), "
            "`imagenet` (pre-training on ImageNet), or the path to the weights file to be "
            f"loaded; Received: weights={weights}"
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
    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)

    x = _module_a(x, 32, "mixed0")
    x = _module_a(x, 64, "mixed1")
    x = _module_a(x, 64, "mixed2")

    b3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    bd = conv2d_bn(x, 64, 1, 1)
    bd = conv2d_bn(bd, 96, 3, 3)
    bd = conv2d_bn(bd, 96, 3, 3, strides=(2, 2), padding="valid")
    bp = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([b3, bd, bp], axis=axis, name="mixed3")

    x = _module_c(x, 128, "mixed4")
    x = _module_c(x, 160, "mixed5")
    x = _module_c(x, 160, "mixed6")
    x = _module_c(x, 192, "mixed7")

    b3 = conv2d_bn(x, 192, 1, 1)
    b3 = conv2d_bn(b3, 320, 3, 3, strides=(2, 2), padding="valid")
    b7 = conv2d_bn(x, 192, 1, 1)
    b7 = conv2d_bn(b7, 192, 1, 7)
    b7 = conv2d_bn(b7, 192, 7, 1)
    b7 = conv2d_bn(b7, 192, 3, 3, strides=(2, 2), padding="valid")
    bp = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([b3, b7, bp], axis=axis, name="mixed8")

    for i in range(2):
        b1 = conv2d_bn(x, 320, 1, 1)
        b3 = conv2d_bn(x, 384, 1, 1)
        b3 = layers.concatenate([conv2d_bn(b3, 384, 1, 3), conv2d_bn(b3, 384, 3, 1)],
                                axis=axis, name=f"mixed9_{i}")  # fmt: skip
        bd = conv2d_bn(x, 448, 1, 1)
        bd = conv2d_bn(bd, 384, 3, 3)
        bd = layers.concatenate([conv2d_bn(bd, 384, 1, 3), conv2d_bn(bd, 384, 3, 1)],
                                axis=axis)  # fmt: skip
        bp = _avg_branch(x, 192)
        x = layers.concatenate([b1, b3, bd, bp], axis=axis, name=f"mixed{9 + i}")

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
            path = fetch_weights("inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
                                 WEIGHTS_PATH, "9a0d58056eeedaa3f26cb7ebd46da564")  # fmt: skip
        else:
            path = fetch_weights("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                 WEIGHTS_PATH_NO_TOP, "bcbd6486424b2319ff4ef7d526e38f63")  # fmt: skip
    load_weights(model, weights, path)
    return model


InceptionV3.__doc__ = app_doc(
    "InceptionV3: a convolutional stem and 11 inception modules (mixed0..mixed10).",
    75,
    "keras.applications.inception_v3.preprocess_input",
    """
>>> model = InceptionV3(weights=None, include_top=False, input_shape=(75, 75, 3))
>>> model.output_shape
(None, 1, 1, 2048)
""",
)

preprocess_input = preprocess_for("tf", "inception_v3")
decode_predictions = decode_for("inception_v3")
