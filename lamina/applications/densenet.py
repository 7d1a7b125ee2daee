"""DenseNet (Huang et al., 2016): dense blocks that concatenate every layer's features."""

from __future__ import annotations

from lamina import layers
from lamina.applications import imagenet_utils
from lamina.applications._common import (
    KERAS_APPLICATIONS,
    app_doc,
    channel_axis,
    classifier_top,
    decode_for,
    fetch_weights,
    image_input,
    load_weights,
    make_model,
    preprocess_for,
    refusal_example,
)
from lamina.core.config import image_data_format

BASE_WEIGHTS_PATH = f"{KERAS_APPLICATIONS}densenet/"
# blocks -> (file stem, md5 with top, md5 without top)
_FILES = {
    (6, 12, 24, 16): (
        "densenet121",
        "9d60b8095a5708f2dcce2bca79d332c7",
        "30ee3e1110167f948a6b9946edeeb738",
    ),
    (6, 12, 32, 32): (
        "densenet169",
        "d699b8f76981ab1b30698df4c175e90b",
        "b8c4d4c20dd625c148057b9ff1c1176b",
    ),
    (6, 12, 48, 32): (
        "densenet201",
        "1ceb130c1ea1b78c3bf6114dbdfd8807",
        "c13680b51ded0fb44dff2d8f86ac8bb1",
    ),
}
_EPS = 1.001e-5


def _bn(name):
    return layers.BatchNormalization(axis=channel_axis(), epsilon=_EPS, name=name)


def conv_block(x, growth_rate, name):
    """One dense layer: BN-ReLU-1x1 conv, BN-ReLU-3x3 conv, concatenated onto its input.

    Args:
        x: the input tensor.
        growth_rate: how many channels the layer adds.
        name: the prefix of its layer names.

    Returns:
        The input with `growth_rate` more channels.

    Example:
    >>> import lamina as keras
    >>> conv_block(keras.Input((8, 8, 16)), 32, name="c").shape
    (None, 8, 8, 48)
    """
    y = _bn(f"{name}_0_bn")(x)
    y = layers.Activation("relu", name=f"{name}_0_relu")(y)
    y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(y)
    y = _bn(f"{name}_1_bn")(y)
    y = layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(y)
    return layers.Concatenate(axis=channel_axis(), name=f"{name}_concat")([x, y])


def dense_block(x, blocks, name):
    """`blocks` dense layers of growth rate 32.

    Args:
        x: the input tensor.
        blocks: how many `conv_block`s.
        name: the block's name prefix.

    Returns:
        The output tensor (`32 * blocks` more channels).

    Example:
    >>> import lamina as keras
    >>> dense_block(keras.Input((8, 8, 16)), 2, name="d").shape
    (None, 8, 8, 80)
    """
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x, reduction, name):
    """BN-ReLU, a 1x1 conv keeping `reduction` of the channels, then 2x2 average pooling.

    Args:
        x: the input tensor.
        reduction: the fraction of channels kept.
        name: the block's name prefix.

    Returns:
        The output tensor.

    Example:
    >>> import lamina as keras
    >>> transition_block(keras.Input((8, 8, 16)), 0.5, name="t").shape
    (None, 4, 4, 8)
    """
    axis = channel_axis()
    x = _bn(f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[axis] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def DenseNet(
    blocks,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="densenet",
):
    """Builds a DenseNet with four dense blocks of the given sizes.

    Args:
        blocks: the number of dense layers in each of the four blocks.
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as for `DenseNet121`.

    Returns:
        A `Functional` model.

    Example:
    >>> DenseNet([1, 1, 1, 1], weights="imagenet", classes=10)
    Traceback (most recent call last):
    ...
    ValueError: If using ...should be 1000...
    """
    if image_data_format() == "channels_first":
        raise ValueError(
            "DenseNet does not support the `channels_first` image data format. Switch to "
            "`channels_last` with `keras.config.set_image_data_format('channels_last')`."
        )
    if not (weights in {"imagenet", None} or _is_file(weights)):
        raise ValueError(
            "The `weights` argument should be either `None` (random initialization), "
            "`imagenet` (pre-training on ImageNet), or the path to the weights file to be "
            f"loaded. Received: weights={weights}"
        )
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(
            'If using `weights` as `"imagenet"` with `include_top` as true, `classes` should '
            f"be 1000. Received: classes={classes}"
        )
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape,
        default_size=224,
        min_size=32,
        data_format=image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )
    img_input = image_input(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = _bn("conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, size in enumerate(blocks):
        x = dense_block(x, size, name=f"conv{stage + 2}")
        if stage < 3:
            x = transition_block(x, 0.5, name=f"pool{stage + 2}")
    x = _bn("bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = classifier_top(x, include_top, pooling, classes, classifier_activation, weights)
    model = make_model(img_input, input_tensor, x, name)
    path = None
    if weights == "imagenet":
        if tuple(blocks) not in _FILES:
            raise ValueError("weights_path undefined")
        stem, top_hash, notop_hash = _FILES[tuple(blocks)]
        suffix = "" if include_top else "_notop"
        file_name = f"{stem}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
        digest = top_hash if include_top else notop_hash
        path = fetch_weights(file_name, f"{BASE_WEIGHTS_PATH}{file_name}", digest)
    load_weights(model, weights, path)
    return model


def _is_file(path) -> bool:
    from lamina.applications._common import _exists

    return _exists(path)


def DenseNet121(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="densenet121",
):
    return DenseNet([6, 12, 24, 16], include_top, weights, input_tensor, input_shape, pooling,
                    classes, classifier_activation, name=name)  # fmt: skip


def DenseNet169(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="densenet169",
):
    return DenseNet([6, 12, 32, 32], include_top, weights, input_tensor, input_shape, pooling,
                    classes, classifier_activation, name=name)  # fmt: skip


def DenseNet201(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="densenet201",
):
    return DenseNet([6, 12, 48, 32], include_top, weights, input_tensor, input_shape, pooling,
                    classes, classifier_activation, name=name)  # fmt: skip


for _fn, _depth, _ch in ((DenseNet121, 121, 1024), (DenseNet169, 169, 1664),
                         (DenseNet201, 201, 1920)):  # fmt: skip
    _fn.__doc__ = app_doc(
        f"DenseNet{_depth}: four dense blocks joined by transition layers, then the top.",
        32,
        "keras.applications.densenet.preprocess_input",
        f"""
>>> model = DenseNet{_depth}(weights=None, include_top=False, input_shape=(32, 32, 3))
>>> model.output_shape
(None, 1, 1, {_ch})
"""
        if _depth == 121
        else refusal_example(f"DenseNet{_depth}"),
    )

preprocess_input = preprocess_for("torch", "densenet")
decode_predictions = decode_for("densenet")
