"""Transposed convolutions: `Conv1DTranspose`, `Conv2DTranspose`, `Conv3DTranspose`."""

from __future__ import annotations

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
from lamina.layers.convolutional.base_conv import check_strides_and_dilation, input_channels
from lamina.ops import conv_ops


class BaseConvTranspose(Layer):
    """An N-D transposed convolution (the gradient of a convolution with respect to its input),
    often used to upsample.

    The kernel has shape `(*kernel_size, filters, in_channels)`. Each spatial size becomes
    `n * strides` with 'same' padding and `(n - 1) * strides + max(kernel, strides)` with
    'valid'; `output_padding` (each value < its stride) fixes the size explicitly instead.

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        filters: the number of output channels.
        kernel_size: the window size: an int, or one int per spatial axis.
        strides: the step between windows: an int, or one per spatial axis.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has `ceil(input /
            strides)` positions).
        output_padding: extra rows/columns added to one side of the output (an int or one per
            spatial axis, each below the stride); None: inferred.
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        dilation_rate: the spacing between kernel taps (an int, or one per spatial axis).
        activation: the activation applied to the output (a name or a function); None: none.
        use_bias: whether to add a bias vector.
        kernel_initializer: the initializer of the kernel.
        bias_initializer: the initializer of the bias.
        kernel_regularizer: a regularizer applied to the kernel.
        bias_regularizer: a regularizer applied to the bias.
        activity_regularizer: a regularizer applied to the output.
        kernel_constraint: a constraint applied to the kernel after each update.
        bias_constraint: a constraint applied to the bias after each update.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank `rank + 2`.

    Example:
        >>> import numpy as np
        >>> from lamina.layers.convolutional.conv_transpose import BaseConvTranspose
        >>> BaseConvTranspose(1, 4, 2, strides=2)(np.zeros((2, 5, 3))).shape
        (2, 10, 4)
    """

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        output_padding=None,
        data_format: str | None = None,
        dilation_rate=1,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        self.rank = rank
        self.filters = positive_int(filters, "filters", owner)
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = standardize_tuple(strides, rank, "strides", owner)
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate", owner)
        check_strides_and_dilation(owner, self.strides, self.dilation_rate)
        self.padding = standardize_padding(padding, owner)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = standardize_tuple(
                output_padding, rank, "output_padding", owner, allow_zero=True
            )
            for i, (extra, stride) in enumerate(zip(self.output_padding, self.strides)):
                if extra >= stride:
                    raise ValueError(
                        f"{owner}: each value of `output_padding` must be smaller than the "
                        f"matching stride; at axis {i} received output_padding="
                        f"{self.output_padding} and strides={self.strides}."
                    )
        self.data_format = standardize_data_format(data_format, owner)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape):
        check_build_shape(self, input_shape)
        channels = input_channels(self, input_shape)
        self.input_spec = InputSpec(
            ndim=self.rank + 2, axes={channel_axis(self.data_format): channels}
        )
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (self.filters, channels),
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

    def call(self, inputs):
        x = conv_ops.conv_transpose(
            inputs,
            self.kernel.value,
            self.strides,
            self.padding,
            self.output_padding,
            self.dilation_rate,
            self.data_format,
        )
        if self.bias is not None:
            x = conv_ops.add_bias(x, self.bias.value, self.data_format)
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        return conv_ops.conv_transpose_output_shape(
            input_shape,
            self.filters,
            self.kernel_size,
            self.strides,
            self.padding,
            self.output_padding,
            self.data_format,
            self.dilation_rate,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "output_padding": self.output_padding,
                "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
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


class Conv1DTranspose(BaseConvTranspose):
    """A 1D transposed convolution over `(batch, steps, channels)`.

    Args:
        filters: the number of output channels.
        kernel_size: the window size: an int, or one int per spatial axis.
        strides: the step between windows: an int, or one per spatial axis.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has `ceil(input /
            strides)` positions).
        output_padding: extra rows/columns added to one side of the output (an int or one per
            spatial axis, each below the stride); None: inferred.
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        dilation_rate: the spacing between kernel taps (an int, or one per spatial axis).
        activation: the activation applied to the output (a name or a function); None: none.
        use_bias: whether to add a bias vector.
        kernel_initializer: the initializer of the kernel.
        bias_initializer: the initializer of the bias.
        kernel_regularizer: a regularizer applied to the kernel.
        bias_regularizer: a regularizer applied to the bias.
        activity_regularizer: a regularizer applied to the output.
        kernel_constraint: a constraint applied to the kernel after each update.
        bias_constraint: a constraint applied to the bias after each update.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 3.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.Conv1DTranspose(4, 2, strides=2)  # doubles each axis
        >>> layer(np.zeros((2, 5, 3))).shape
        (2, 10, 4)
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        output_padding=None,
        data_format: str | None = None,
        dilation_rate=1,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            1,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            output_padding=output_padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )


class Conv2DTranspose(BaseConvTranspose):
    """A 2D transposed convolution; the kernel is `(kh, kw, filters, in_channels)`.

    Args:
        filters: the number of output channels.
        kernel_size: the window size: an int, or one int per spatial axis.
        strides: the step between windows: an int, or one per spatial axis.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has `ceil(input /
            strides)` positions).
        output_padding: extra rows/columns added to one side of the output (an int or one per
            spatial axis, each below the stride); None: inferred.
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        dilation_rate: the spacing between kernel taps (an int, or one per spatial axis).
        activation: the activation applied to the output (a name or a function); None: none.
        use_bias: whether to add a bias vector.
        kernel_initializer: the initializer of the kernel.
        bias_initializer: the initializer of the bias.
        kernel_regularizer: a regularizer applied to the kernel.
        bias_regularizer: a regularizer applied to the bias.
        activity_regularizer: a regularizer applied to the output.
        kernel_constraint: a constraint applied to the kernel after each update.
        bias_constraint: a constraint applied to the bias after each update.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 4.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.Conv2DTranspose(4, 2, strides=2)  # doubles each axis
        >>> layer(np.zeros((2, 4, 4, 3))).shape
        (2, 8, 8, 4)
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1),
        padding: str = "valid",
        output_padding=None,
        data_format: str | None = None,
        dilation_rate=(1, 1),
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            2,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            output_padding=output_padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )


class Conv3DTranspose(BaseConvTranspose):
    """A 3D transposed convolution. As in Keras, `data_format` comes before
    `output_padding` in the positional order.

    Args:
        filters: the number of output channels.
        kernel_size: the window size: an int, or one int per spatial axis.
        strides: the step between windows: an int, or one per spatial axis.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has `ceil(input /
            strides)` positions).
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        output_padding: extra rows/columns added to one side of the output (an int or one per
            spatial axis, each below the stride); None: inferred.
        dilation_rate: the spacing between kernel taps (an int, or one per spatial axis).
        activation: the activation applied to the output (a name or a function); None: none.
        use_bias: whether to add a bias vector.
        kernel_initializer: the initializer of the kernel.
        bias_initializer: the initializer of the bias.
        kernel_regularizer: a regularizer applied to the kernel.
        bias_regularizer: a regularizer applied to the bias.
        activity_regularizer: a regularizer applied to the output.
        kernel_constraint: a constraint applied to the kernel after each update.
        bias_constraint: a constraint applied to the bias after each update.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 5.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.Conv3DTranspose(4, 2, strides=2)  # doubles each axis
        >>> layer(np.zeros((1, 2, 2, 2, 3))).shape
        (1, 4, 4, 4, 4)
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        output_padding=None,
        dilation_rate=(1, 1, 1),
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            3,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            output_padding=output_padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )


Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
