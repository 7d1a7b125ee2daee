"""`BaseConv`: the N-D convolution layer behind `Conv1D`, `Conv2D` and `Conv3D`."""

from __future__ import annotations

import jax.numpy as jnp

from lamina import activations, constraints, initializers, regularizers
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.arg_utils import (
    channel_axis,
    check_build_shape,
    positive_int,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
)
from lamina.ops import conv_ops


def check_strides_and_dilation(owner: str, strides, dilation_rate) -> None:
    """Raises a ValueError naming the layer when strides and dilation are both above 1 (Keras
    refuses the combination too).

    Args:
        owner: the layer's class name.
        strides: the strides, one per spatial axis.
        dilation_rate: the dilations, one per spatial axis.

    Raises:
        ValueError: both are above 1.

    Example:
        >>> from lamina.layers.convolutional.base_conv import check_strides_and_dilation
        >>> check_strides_and_dilation("Conv2D", (1, 1), (2, 2))  # fine
        >>> check_strides_and_dilation("Conv2D", (2, 2), (2, 2))
        Traceback (most recent call last):
        ...
        ValueError: Conv2D: `strides` > 1 cannot be combined with `dilation_rate` > 1, ...
    """
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(
            f"{owner}: `strides` > 1 cannot be combined with `dilation_rate` > 1, received "
            f"strides={strides} and dilation_rate={dilation_rate}."
        )


def input_channels(layer: Layer, input_shape) -> int:
    """The (known) channel count of `input_shape`, or a ValueError naming the layer.

    Args:
        layer: the convolution layer (its `data_format` says where the channels are).
        input_shape: the input shape given to `build`.

    Returns:
        The number of input channels.

    Raises:
        ValueError: the channel axis is unknown (None).

    Example:
        >>> import lamina as keras
        >>> from lamina.layers.convolutional.base_conv import input_channels
        >>> input_channels(keras.layers.Conv2D(4, 3), (None, 8, 8, 3))
        3
    """
    channels = input_shape[channel_axis(layer.data_format)]
    if channels is None:
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}': the channel axis of the input must be known "
            f"to build the kernel, received input shape {tuple(input_shape)} "
            f"(data_format='{layer.data_format}')."
        )
    return int(channels)


class BaseConv(Layer):
    """An N-D convolution: `activation(conv(inputs, kernel) + bias)`.

    The kernel has shape `(*kernel_size, in_channels // groups, filters)` and the bias
    `(filters,)`. With `groups > 1` the channels are split into groups convolved separately.

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        filters: the number of output channels.
        kernel_size: the window size: an int, or one int per spatial axis.
        strides: the step between windows: an int, or one per spatial axis.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has `ceil(input /
            strides)` positions).
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        dilation_rate: the spacing between kernel taps (an int, or one per spatial axis).
        groups: split the input channels into this many groups, each convolved separately.
        activation: the activation applied to the output (a name or a function); None: none.
        use_bias: whether to add a bias vector.
        kernel_initializer: the initializer of the kernel.
        bias_initializer: the initializer of the bias.
        kernel_regularizer: a regularizer applied to the kernel.
        bias_regularizer: a regularizer applied to the bias.
        activity_regularizer: a regularizer applied to the output.
        kernel_constraint: a constraint applied to the kernel after each update.
        bias_constraint: a constraint applied to the bias after each update.
        lora_rank: not supported by lamina yet (must be None).
        lora_alpha: kept for Keras compatibility (used with `lora_rank`).
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank `rank + 2`.

    Example:
        >>> import numpy as np
        >>> from lamina.layers.convolutional.base_conv import BaseConv
        >>> BaseConv(1, 4, 3)(np.zeros((2, 10, 3))).shape  # what Conv1D(4, 3) is
        (2, 8, 4)
    """

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        groups: int = 1,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        self.rank = rank
        self.filters = positive_int(filters, "filters", owner)
        self.groups = positive_int(groups, "groups", owner)
        if self.filters % self.groups:
            raise ValueError(
                f"{owner}: `filters` must be divisible by `groups`, received filters={filters} "
                f"and groups={groups}."
            )
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = standardize_tuple(strides, rank, "strides", owner)
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate", owner)
        check_strides_and_dilation(owner, self.strides, self.dilation_rate)
        self.padding = standardize_padding(padding, owner, allow_causal=rank == 1)
        self.data_format = standardize_data_format(data_format, owner)
        if lora_rank:
            raise NotImplementedError(f"{owner}: `lora_rank` is not supported by lamina yet.")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = None
        self.lora_alpha = None
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape):
        check_build_shape(self, input_shape)
        channels = input_channels(self, input_shape)
        if channels % self.groups:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': the number of input channels must be "
                f"divisible by `groups`, received groups={self.groups} and input shape "
                f"{tuple(input_shape)} ({channels} channels)."
            )
        self.input_spec = InputSpec(
            ndim=self.rank + 2, axes={channel_axis(self.data_format): channels}
        )
        self.compute_output_shape(input_shape)  # fails early when the input is too small
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def _causal_pad(self, inputs):
        """Pads the time axis on the left only, so no output sees a later step."""
        left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
        widths = [(0, 0)] * 3
        widths[1 if self.data_format == "channels_last" else 2] = (left, 0)
        return jnp.pad(inputs, widths)

    def convolution_op(self, inputs, kernel):
        """The convolution of `inputs` with `kernel` (no bias, no activation).

        `call` computes its output through this method, so a subclass that overrides it
        (weight standardization, masked kernels) changes what the layer computes, as in Keras.

        Args:
            inputs: the input batch.
            kernel: the kernel, a variable or an array of the kernel's shape.

        Returns:
            The convolved batch.

        Example:

        >>> import numpy as np
        >>> import lamina as keras
        >>> class Doubled(keras.layers.Conv1D):
        ...     def convolution_op(self, inputs, kernel):
        ...         return super().convolution_op(inputs, kernel * 2.0)
        >>> layer = Doubled(1, 1, use_bias=False, kernel_initializer="ones")
        >>> np.asarray(layer(np.ones((1, 3, 1), "float32"))).ravel().tolist()
        [2.0, 2.0, 2.0]
        """
        return conv_ops.conv(
            inputs,
            getattr(kernel, "value", kernel),
            self.strides,
            self.padding,
            self.dilation_rate,
            self.data_format,
        )

    def call(self, inputs):
        if self.padding == "causal":
            # As in Keras, a causal convolution pads and convolves without `convolution_op`.
            x = conv_ops.conv(
                self._causal_pad(inputs),
                self.kernel.value,
                self.strides,
                "valid",
                self.dilation_rate,
                self.data_format,
            )
        else:
            x = self.convolution_op(inputs, self.kernel)
        if self.bias is not None:
            x = conv_ops.add_bias(x, self.bias.value, self.data_format)
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        return conv_ops.conv_output_shape(
            input_shape,
            self.filters,
            self.kernel_size,
            self.strides,
            self.padding,
            self.data_format,
            self.dilation_rate,
            owner=f"{type(self).__name__} '{self.name}'",
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "groups": self.groups,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
            }
        )
        return config
