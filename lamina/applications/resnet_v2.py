"""ResNet v2 (He et al., 2016): pre-activation bottleneck blocks."""

from __future__ import annotations

from lamina.applications._common import app_doc, decode_for, preprocess_for, refusal_example
from lamina.applications.resnet import ResNet, stack_residual_blocks_v2


def _v2_stages(depths):
    def stack_fn(x):
        x = stack_residual_blocks_v2(x, 64, depths[0], name="conv2")
        x = stack_residual_blocks_v2(x, 128, depths[1], name="conv3")
        x = stack_residual_blocks_v2(x, 256, depths[2], name="conv4")
        return stack_residual_blocks_v2(x, 512, depths[3], stride1=1, name="conv5")

    return stack_fn


def _resnet_v2(depths, weights_name, include_top, weights, input_tensor, input_shape, pooling,
               classes, classifier_activation, name):  # fmt: skip
    return ResNet(
        _v2_stages(depths),
        True,
        True,
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


def ResNet50V2(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet50v2",
):
    return _resnet_v2((3, 4, 6, 3), "resnet50v2", include_top, weights, input_tensor,
                      input_shape, pooling, classes, classifier_activation, name)  # fmt: skip


def ResNet101V2(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet101v2",
):
    return _resnet_v2((3, 4, 23, 3), "resnet101v2", include_top, weights, input_tensor,
                      input_shape, pooling, classes, classifier_activation, name)  # fmt: skip


def ResNet152V2(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet152v2",
):
    return _resnet_v2((3, 8, 36, 3), "resnet152v2", include_top, weights, input_tensor,
                      input_shape, pooling, classes, classifier_activation, name)  # fmt: skip


for _fn, _depth in ((ResNet50V2, 50), (ResNet101V2, 101), (ResNet152V2, 152)):
    _fn.__doc__ = app_doc(
        f"ResNet{_depth}V2: pre-activation residual stages, a final BN + ReLU, then the top.",
        32,
        "keras.applications.resnet_v2.preprocess_input",
        f"""
>>> model = ResNet{_depth}V2(weights=None, include_top=False, input_shape=(32, 32, 3))
>>> model.output_shape
(None, 1, 1, 2048)
"""
        if _depth == 50
        else refusal_example(f"ResNet{_depth}V2"),
    )

preprocess_input = preprocess_for("tf", "resnet_v2")
decode_predictions = decode_for("resnet_v2")
