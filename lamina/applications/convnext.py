"""ConvNeXt (Liu et al., 2022): a ResNet modernized with 7x7 depthwise convs and LayerNorm."""

from __future__ import annotations

import numpy as np

from lamina import initializers, layers, ops, random
from lamina.applications import imagenet_utils
from lamina.applications._common import (
    KERAS_APPLICATIONS,
    app_doc,
    check_weights_arg,
    decode_for,
    fetch_weights,
    image_input,
    load_weights,
    refusal_example,
)
from lamina.applications._common import preprocess_for as _preprocess_for
from lamina.core.config import image_data_format
from lamina.core.layer import Layer
from lamina.models.functional import Functional
from lamina.models.sequential import Sequential
from lamina.utils.data_utils import get_source_inputs

BASE_WEIGHTS_PATH = f"{KERAS_APPLICATIONS}convnext/"
# sha256 digests (with top, without top)
WEIGHTS_HASHES = {
    "convnext_tiny": (
        "8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
        "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1",
    ),
    "convnext_small": (
        "ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
        "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab",
    ),
    "convnext_base": (
        "52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
        "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45",
    ),
    "convnext_large": (
        "070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
        "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd",
    ),
    "convnext_xlarge": (
        "c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05",
    ),
}
MODEL_CONFIGS = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768],
             "default_size": 224},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768],
              "default_size": 224},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024],
             "default_size": 224},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536],
              "default_size": 224},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048],
               "default_size": 224},
}  # fmt: skip


class StochasticDepth(Layer):
    """Drops a whole residual branch per sample with probability `drop_path_rate` in training.

    Kept samples are scaled by `1 / (1 - drop_path_rate)`; at inference the layer is the
    identity.

    Args:
        drop_path_rate: the probability of dropping the branch.
        **kwargs: base `Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        x: the branch output.
        training: whether to drop.

    Example:
    >>> import numpy as np
    >>> StochasticDepth(0.5)(np.ones((2, 3)), training=False).tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """

    def __init__(self, drop_path_rate, **kwargs):
        super().__init__(**kwargs)
        self.drop_path_rate = drop_path_rate

    def call(self, x, training=None):
        if not training:
            return x
        keep = 1 - self.drop_path_rate
        shape = (ops.shape(x)[0],) + (1,) * (len(ops.shape(x)) - 1)
        mask = ops.floor(keep + random.uniform(shape, 0, 1))
        return x / keep * mask

    def get_config(self):
        config = super().get_config()
        config.update({"drop_path_rate": self.drop_path_rate})
        return config


class LayerScale(Layer):
    """Multiplies its input by a learned per-channel vector `gamma` (starting at `init_values`).

    Args:
        init_values: the initial value of every entry of `gamma`.
        projection_dim: the number of channels (the length of `gamma`).
        **kwargs: base `Layer` arguments.

    Call arguments:
        x: a tensor whose last axis has `projection_dim` channels.

    Example:
    >>> import numpy as np
    >>> LayerScale(0.5, 2)(np.ones((1, 2))).tolist()
    [[0.5, 0.5]]
    """

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, _):
        self.gamma = self.add_weight(
            shape=(self.projection_dim,),
            initializer=initializers.Constant(self.init_values),
            trainable=True,
        )

    def call(self, x):
        return x * self.gamma

    def get_config(self):
        config = super().get_config()
        config.update({"init_values": self.init_values, "projection_dim": self.projection_dim})
        return config


def ConvNeXtBlock(projection_dim, drop_path_rate=0.0, layer_scale_init_value=1e-6, name=None):
    """A ConvNeXt block: 7x7 depthwise conv, LayerNorm, 4x MLP with GELU, scale, residual.

    Args:
        projection_dim: the channels.
        drop_path_rate: the stochastic-depth rate (0: an identity `Activation` instead).
        layer_scale_init_value: the initial `LayerScale` value (None: no scaling).
        name: the prefix of the layer names.

    Returns:
        A function from the input tensor to the block's output.

    Example:
    >>> import lamina as keras
    >>> ConvNeXtBlock(8, name="blk")(keras.Input((4, 4, 8))).shape
    (None, 4, 4, 8)
    """
    if name is None:
        from lamina.backend import get_uid

        name = f"prestem{get_uid('prestem')}"

    def apply(inputs):
        x = layers.Conv2D(filters=projection_dim, kernel_size=7, padding="same",
                          groups=projection_dim, name=f"{name}_depthwise_conv")(inputs)  # fmt: skip
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim, name=f"{name}_layer_scale")(x)
        if drop_path_rate:
            last = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
        else:
            last = layers.Activation("linear", name=f"{name}_identity")
        return inputs + last(x)

    return apply


def PreStem(name=None):
    """The ImageNet normalization of 0-255 pixels (a fixed `Normalization` layer).

    Args:
        name: the prefix of the layer name.

    Returns:
        A function from images to normalized images.

    Example:
    >>> import numpy as np
    >>> PreStem("p")(np.full((1, 1, 1, 3), 255 * 0.485)).shape
    (1, 1, 1, 3)
    """
    if name is None:
        from lamina.backend import get_uid

        name = f"prestem{get_uid('prestem')}"

    def apply(x):
        return layers.Normalization(
            mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
            variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2],
            name=f"{name}_prestem_normalization",
        )(x)

    return apply


def Head(num_classes=1000, classifier_activation=None, name=None):
    """The classifier: global average pooling, LayerNorm, `Dense(num_classes)`.

    Args:
        num_classes: the number of classes.
        classifier_activation: the activation of the last layer.
        name: the prefix of the layer names.

    Returns:
        A function from the feature map to the class scores.

    Example:
    >>> import lamina as keras
    >>> Head(10, name="h")(keras.Input((4, 4, 8))).shape
    (None, 10)
    """
    if name is None:
        from lamina.backend import get_uid

        name = str(get_uid("head"))

    def apply(x):
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        return layers.Dense(num_classes, activation=classifier_activation,
                            name=f"{name}_head_dense")(x)  # fmt: skip

    return apply


def ConvNeXt(
    depths,
    projection_dims,
    drop_path_rate=0.0,
    layer_scale_init_value=1e-6,
    default_size=224,
    name="convnext",
    include_preprocessing=True,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    weights_name=None,
):
    """Builds a ConvNeXt: a patchify stem, four stages of `ConvNeXtBlock`s, the head.

    Args:
        depths: the number of blocks per stage.
        projection_dims: the channels per stage.
        drop_path_rate: the largest stochastic-depth rate (grows linearly over blocks).
        layer_scale_init_value: the initial `LayerScale` value.
        default_size: the default input size.
        name, include_preprocessing, include_top, weights, input_tensor, input_shape, pooling,
            classes, classifier_activation: as for `ConvNeXtTiny`.
        weights_name: `"convnext_tiny"` ... `"convnext_xlarge"`, naming the ImageNet files.

    Returns:
        A `Functional` model.

    Example:
    >>> ConvNeXt([1, 1, 1, 1], [8, 8, 8, 8], weights="imagenet", classes=10)
    Traceback (most recent call last):
    ...
    ValueError: If using ...should be 1000...
    """
    if image_data_format() == "channels_first":
        raise ValueError(
            "ConvNeXt does not support the `channels_first` image data format. Switch to "
            "`channels_last` with `keras.config.set_image_data_format('channels_last')`."
        )
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
    if input_tensor is not None:
        inputs = get_source_inputs(input_tensor)[0]
        x = input_tensor
    else:
        inputs = x = img_input
    if include_preprocessing and input_shape[-1] == 3:
        x = PreStem(name=name)(x)
    stages = [
        Sequential(
            [
                layers.Conv2D(
                    projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"
                ),  # fmt: skip
                layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm"),
            ],
            name=f"{name}_stem",
        )
    ]
    for i in range(3):
        stages.append(
            Sequential(
                [
                    layers.LayerNormalization(
                        epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"
                    ),  # fmt: skip
                    layers.Conv2D(
                        projection_dims[i + 1],
                        kernel_size=2,
                        strides=2,
                        name=f"{name}_downsampling_conv_{i}",
                    ),  # fmt: skip
                ],
                name=f"{name}_downsampling_block_{i}",
            )
        )
    rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
    cur = 0
    for i in range(4):
        x = stages[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dim=projection_dims[i], drop_path_rate=rates[cur + j],
                              layer_scale_init_value=layer_scale_init_value,
                              name=f"{name}_stage_{i}_block_{j}")(x)  # fmt: skip
        cur += depths[i]
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = Head(num_classes=classes, classifier_activation=classifier_activation, name=name)(x)
    else:
        if pooling == "avg":
            x = layers.GlobalAveragePooling2D()(x)
        elif pooling == "max":
            x = layers.GlobalMaxPooling2D()(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    model = Functional(inputs=inputs, outputs=x, name=name)
    path = None
    if weights == "imagenet":
        expected = MODEL_CONFIGS[weights_name.split("convnext_")[-1]]
        if (
            list(depths) != expected["depths"]
            or list(projection_dims) != expected["projection_dims"]
        ):
            raise ValueError(
                f"Architecture configuration does not match {weights_name} variant. When "
                "using pre-trained weights, the model architecture must match the "
                f"pre-trained configuration exactly. Expected depths: {expected['depths']}, "
                f"got: {depths}. Expected projection_dims: {expected['projection_dims']}, "
                f"got: {projection_dims}."
            )
        if weights_name not in name:
            raise ValueError(
                f'Model name "{name}" does not match weights variant "{weights_name}". When '
                "using imagenet weights, model name must contain the weights variant (e.g., "
                f'"convnext_{weights_name.split("convnext_")[-1]}").'
            )
        file_name = name + (".h5" if include_top else "_notop.h5")
        digest = WEIGHTS_HASHES[weights_name][0 if include_top else 1]
        path = fetch_weights(file_name, BASE_WEIGHTS_PATH + file_name, digest)
    load_weights(model, weights, path)
    return model


_CHANNELS = {"tiny": 768, "small": 768, "base": 1024, "large": 1536, "xlarge": 2048}


def _variant(size):
    config = MODEL_CONFIGS[size]
    weights_name = f"convnext_{size}"

    def builder(
        include_top=True,
        include_preprocessing=True,
        weights="imagenet",
        input_tensor=None,
        input_shape=None,
        pooling=None,
        classes=1000,
        classifier_activation="softmax",
        name=weights_name,
    ):
        return ConvNeXt(
            weights_name=weights_name,
            depths=config["depths"],
            projection_dims=config["projection_dims"],
            drop_path_rate=0.0,
            layer_scale_init_value=1e-6,
            default_size=config["default_size"],
            name=name,
            include_top=include_top,
            include_preprocessing=include_preprocessing,
            weights=weights,
            input_tensor=input_tensor,
            input_shape=input_shape,
            pooling=pooling,
            classes=classes,
            classifier_activation=classifier_activation,
        )

    title = "ConvNeXt" + {"xlarge": "XLarge"}.get(size, size.capitalize())
    builder.__name__ = builder.__qualname__ = title
    builder.__module__ = __name__
    builder.__doc__ = app_doc(
        f"{title}: ConvNeXt with stage depths {config['depths']} and widths "
        f"{config['projection_dims']}; takes raw 0-255 pixels.",
        32,
        "keras.applications.convnext.preprocess_input (the identity)",
        f"""
>>> model = {title}(weights=None, include_top=False, input_shape=(32, 32, 3))
>>> model.output_shape
(None, 1, 1, {_CHANNELS[size]})
"""
        if size == "tiny"
        else refusal_example(title),
        extra="""
        include_preprocessing: start with the ImageNet normalization of 0-255 pixels.""",
    )
    return builder


ConvNeXtTiny = _variant("tiny")
ConvNeXtSmall = _variant("small")
ConvNeXtBase = _variant("base")
ConvNeXtLarge = _variant("large")
ConvNeXtXLarge = _variant("xlarge")

preprocess_input = _preprocess_for(None, "convnext")
decode_predictions = decode_for("convnext")
