"""ResNet (He et al., 2015): bottleneck residual blocks, v1 (post-activation) and v2 helpers."""

from __future__ import annotations

from lamina import layers
from lamina.applications import imagenet_utils
from lamina.applications._common import (
    KERAS_APPLICATIONS,
    app_doc,
    channel_axis,
    check_weights_arg,
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

BASE_WEIGHTS_PATH = f"{KERAS_APPLICATIONS}resnet/"
# (with top, without top) md5 digests of the published weight files.
WEIGHTS_HASHES = {
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
    "resnext50": ("67a5b30d522ed92f75a1f16eef299d1a", "62527c363bdd9ec598bed41947b379fc"),
    "resnext101": ("34fb605428fcc7aa4d62f44404c11509", "0f678c91647380debd923963594981b3"),
}
_EPS = 1.001e-5


def _bn(name):
    return layers.BatchNormalization(axis=channel_axis(), epsilon=_EPS, name=name)


def ResNet(
    stack_fn,
    preact,
    use_bias,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet",
    weights_name=None,
):
    """Builds a ResNet: a 7x7 stem, `stack_fn`'s residual stages, then the top.

    Args:
        stack_fn: a function from the stem's output tensor to the last stage's output.
        preact: True for v2 (pre-activation: no BN after the stem, a final BN + ReLU).
        use_bias: whether the stem convolution has a bias.
        include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name: as for `ResNet50`.
        weights_name: the key of `WEIGHTS_HASHES` naming the ImageNet files, if any.

    Returns:
        A `Functional` model.

    Example:
    >>> ResNet(lambda x: x, False, True, weights="imagenet", classes=10)
    Traceback (most recent call last):
    ...
    ValueError: If using ...should be 1000...
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
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = _bn("conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = _bn("post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)
    x = classifier_top(x, include_top, pooling, classes, classifier_activation, weights)
    model = make_model(img_input, input_tensor, x, name)
    path = None
    if weights == "imagenet" and weights_name in WEIGHTS_HASHES:
        suffix = "" if include_top else "_notop"
        file_name = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
        digest = WEIGHTS_HASHES[weights_name][0 if include_top else 1]
        path = fetch_weights(file_name, f"{BASE_WEIGHTS_PATH}{file_name}", digest)
    load_weights(model, weights, path)
    return model


def residual_block_v1(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """A v1 bottleneck block: 1x1, kxk, 1x1 (x4 filters) convolutions, BN, added shortcut.

    Args:
        x: the input tensor.
        filters: the bottleneck width (the block outputs `4 * filters` channels).
        kernel_size: the middle convolution's kernel size.
        stride: the first convolution's stride.
        conv_shortcut: a 1x1 convolution on the shortcut (True) or the identity.
        name: the prefix of the block's layer names.

    Returns:
        The block's output tensor.

    Example:
    >>> import lamina as keras
    >>> residual_block_v1(keras.Input((8, 8, 16)), 4, name="b").shape
    (None, 8, 8, 16)
    """
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = _bn(f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = _bn(f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="SAME", name=f"{name}_2_conv")(x)
    x = _bn(f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = _bn(f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack_residual_blocks_v1(x, filters, blocks, stride1=2, name=None):
    """`blocks` v1 blocks; the first has a projection shortcut and stride `stride1`.

    Args:
        x: the input tensor.
        filters: the bottleneck width.
        blocks: how many blocks.
        stride1: the first block's stride.
        name: the stage's name prefix (blocks are `{name}_block1`, ...).

    Returns:
        The stage's output tensor.

    Example:
    >>> import lamina as keras
    >>> stack_residual_blocks_v1(keras.Input((8, 8, 16)), 4, 2, name="s").shape
    (None, 4, 4, 16)
    """
    x = residual_block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def residual_block_v2(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    """A v2 (pre-activation) bottleneck block: BN + ReLU first, stride on the middle conv.

    Args:
        x: the input tensor.
        filters: the bottleneck width (the block outputs `4 * filters` channels).
        kernel_size: the middle convolution's kernel size.
        stride: the middle convolution's stride.
        conv_shortcut: a 1x1 convolution on the shortcut (True) or the identity (pooled when
            strided).
        name: the prefix of the block's layer names.

    Returns:
        The block's output tensor.

    Example:
    >>> import lamina as keras
    >>> residual_block_v2(keras.Input((8, 8, 16)), 4, stride=2, name="b").shape
    (None, 4, 4, 16)
    """
    preact = _bn(f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(preact)
    elif stride > 1:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = _bn(f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False, name=f"{name}_2_conv")(
        x
    )
    x = _bn(f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_residual_blocks_v2(x, filters, blocks, stride1=2, name=None):
    """`blocks` v2 blocks; the first projects the shortcut, the last has stride `stride1`.

    Args:
        x: the input tensor.
        filters: the bottleneck width.
        blocks: how many blocks.
        stride1: the last block's stride.
        name: the stage's name prefix.

    Returns:
        The stage's output tensor.

    Example:
    >>> import lamina as keras
    >>> stack_residual_blocks_v2(keras.Input((8, 8, 16)), 4, 2, name="s").shape
    (None, 4, 4, 16)
    """
    x = residual_block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def _v1_stages(depths):
    def stack_fn(x):
        x = stack_residual_blocks_v1(x, 64, depths[0], stride1=1, name="conv2")
        x = stack_residual_blocks_v1(x, 128, depths[1], name="conv3")
        x = stack_residual_blocks_v1(x, 256, depths[2], name="conv4")
        return stack_residual_blocks_v1(x, 512, depths[3], name="conv5")

    return stack_fn


def _resnet_v1(depths, weights_name, include_top, weights, input_tensor, input_shape, pooling,
               classes, classifier_activation, name):  # fmt: skip
    return ResNet(
        _v1_stages(depths),
        preact=False,
        use_bias=True,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=classifier_activation,
        name=name,
        weights_name=weights_name,
    )


def ResNet50(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet50",
):
    return _resnet_v1((3, 4, 6, 3), "resnet50", include_top, weights, input_tensor,
                      input_shape, pooling, classes, classifier_activation, name)  # fmt: skip


def ResNet101(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet101",
):
    return _resnet_v1((3, 4, 23, 3), "resnet101", include_top, weights, input_tensor,
                      input_shape, pooling, classes, classifier_activation, name)  # fmt: skip


def ResNet152(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet152",
):
    return _resnet_v1((3, 8, 36, 3), "resnet152", include_top, weights, input_tensor,
                      input_shape, pooling, classes, classifier_activation, name)  # fmt: skip


for _fn, _depth in ((ResNet50, 50), (ResNet101, 101), (ResNet152, 152)):
    _fn.__doc__ = app_doc(
        f"ResNet{_depth} (v1): a 7x7 stem, then four stages of bottleneck residual blocks.",
        32,
        "keras.applications.resnet.preprocess_input",
        f"""
>>> model = ResNet{_depth}(weights=None, include_top=False, input_shape=(32, 32, 3))
>>> model.output_shape
(None, 1, 1, 2048)
"""
        if _depth == 50
        else refusal_example(f"ResNet{_depth}"),
    )

preprocess_input = preprocess_for("caffe", "resnet")
decode_predictions = decode_for("resnet")
