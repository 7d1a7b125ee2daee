"""Depthwise and separable convolutions: `DepthwiseConv1D/2D`, `SeparableConv1D/2D`."""

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
from lamina.layers.convolutional.base_conv import input_channels
from lamina.ops import conv_ops


class _SpatialConv(Layer):
    """Argument handling shared by the depthwise and separable layers."""

    def _setup(self, rank, kernel_size, strides, padding, data_format, dilation_rate):
        owner = type(self).__name__
        self.rank = rank
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = standardize_tuple(strides, rank, "strides", owner)
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate", owner)
        self.padding = standardize_padding(padding, owner)
        self.data_format = standardize_data_format(data_format, owner)
        self.input_spec = InputSpec(ndim=rank + 2)

    def _lock_channels(self, channels: int) -> None:
        self.input_spec = InputSpec(
            ndim=self.rank + 2, axes={channel_axis(self.data_format): channels}
        )

    def _output_shape(self, input_shape, filters: int):
        return conv_ops.conv_output_shape(
            input_shape,
            filters,
            self.kernel_size,
            self.strides,
            self.padding,
            self.data_format,
            self.dilation_rate,
            owner=f"{type(self).__name__} '{self.name}'",
        )

    def _finish(self, x):
        if self.bias is not None:
            x = conv_ops.add_bias(x, self.bias.value, self.data_format)
        return self.activation(x) if self.activation is not None else x


class BaseDepthwiseConv(_SpatialConv):
    """Convolves each input channel separately with `depth_multiplier` filters.

    The kernel (named 'kernel', as in Keras 3) has shape `(*kernel_size, in_channels,
    depth_multiplier)`; there are `in_channels * depth_multiplier` outputs, and a bias of that
    size.

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        depth_multiplier: the number of output channels per input channel of the depthwise step.
        kernel_size: the window size: an int, or one int per spatial axis.
        strides: the step between windows: an int, or one per spatial axis.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has `ceil(input /
            strides)` positions).
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        dilation_rate: the spacing between kernel taps (an int, or one per spatial axis).
        activation: the activation applied to the output (a name or a function); None: none.
        use_bias: whether to add a bias vector.
        depthwise_initializer: the initializer of the depthwise kernel.
        bias_initializer: the initializer of the bias.
        depthwise_regularizer: a regularizer applied to the depthwise kernel.
        bias_regularizer: a regularizer applied to the bias.
        activity_regularizer: a regularizer applied to the output.
        depthwise_constraint: a constraint applied to the depthwise kernel.
        bias_constraint: a constraint applied to the bias after each update.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank `rank + 2`.

    Example:
        >>> import numpy as np
        >>> from lamina.layers.convolutional.separable_depthwise import BaseDepthwiseConv
        >>> BaseDepthwiseConv(1, 2, 3)(np.zeros((2, 10, 3))).shape
        (2, 8, 6)
    """

    def __init__(
        self,
        rank: int,
        depth_multiplier: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier", owner)
        self._setup(rank, kernel_size, strides, padding, data_format, dilation_rate)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        check_build_shape(self, input_shape)
        channels = input_channels(self, input_shape)
        self._lock_channels(channels)
        self.compute_output_shape(input_shape)  # fails early when the input is too small
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(channels * self.depth_multiplier,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def call(self, inputs):
        x = conv_ops.depthwise_conv(
            inputs,
            self.kernel.value,
            self.strides,
            self.padding,
            self.dilation_rate,
            self.data_format,
        )
        return self._finish(x)

    def compute_output_shape(self, input_shape):
        channels = input_shape[channel_axis(self.data_format)]
        filters = None if channels is None else channels * self.depth_multiplier
        return self._output_shape(input_shape, filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "depth_multiplier": self.depth_multiplier,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
            }
        )
        return config


class BaseSeparableConv(_SpatialConv):
    """A depthwise convolution followed by a 1x1 (pointwise) convolution to `filters` channels.

    Weights, in order: 'depthwise_kernel' `(*kernel_size, in_channels, depth_multiplier)`,
    'pointwise_kernel' `(*(1,) * rank, in_channels * depth_multiplier, filters)`, 'bias'
    `(filters,)`.

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        depth_multiplier: the number of output channels per input channel of the depthwise step.
        filters: the number of output channels.
        kernel_size: the window size: an int, or one int per spatial axis.
        strides: the step between windows: an int, or one per spatial axis.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has `ceil(input /
            strides)` positions).
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        dilation_rate: the spacing between kernel taps (an int, or one per spatial axis).
        activation: the activation applied to the output (a name or a function); None: none.
        use_bias: whether to add a bias vector.
        depthwise_initializer: the initializer of the depthwise kernel.
        pointwise_initializer: the initializer of the pointwise (1x1) kernel.
        bias_initializer: the initializer of the bias.
        depthwise_regularizer: a regularizer applied to the depthwise kernel.
        pointwise_regularizer: a regularizer applied to the pointwise kernel.
        bias_regularizer: a regularizer applied to the bias.
        activity_regularizer: a regularizer applied to the output.
        depthwise_constraint: a constraint applied to the depthwise kernel.
        pointwise_constraint: a constraint applied to the pointwise kernel.
        bias_constraint: a constraint applied to the bias after each update.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank `rank + 2`.

    Example:
        >>> import numpy as np
        >>> from lamina.layers.convolutional.separable_depthwise import BaseSeparableConv
        >>> BaseSeparableConv(1, 1, 5, 3)(np.zeros((2, 10, 3))).shape
        (2, 8, 5)
    """

    def __init__(
        self,
        rank: int,
        depth_multiplier: int,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = type(self).__name__
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier", owner)
        self.filters = positive_int(filters, "filters", owner)
        self._setup(rank, kernel_size, strides, padding, data_format, dilation_rate)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        check_build_shape(self, input_shape)
        channels = input_channels(self, input_shape)
        self._lock_channels(channels)
        self.compute_output_shape(input_shape)  # fails early when the input is too small
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel",
            shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
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
        x = conv_ops.depthwise_conv(
            inputs,
            self.depthwise_kernel.value,
            self.strides,
            self.padding,
            self.dilation_rate,
            self.data_format,
        )
        ones = (1,) * self.rank
        x = conv_ops.conv(x, self.pointwise_kernel.value, ones, "valid", ones, self.data_format)
        return self._finish(x)

    def compute_output_shape(self, input_shape):
        return self._output_shape(input_shape, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "depth_multiplier": self.depth_multiplier,
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
                "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
            }
        )
        return config


class DepthwiseConv1D(BaseDepthwiseConv):
    """A depthwise 1D convolution over `(batch, steps, channels)`.

    Args:
        kernel_size: the window size: an int, or one int per spatial axis.
        strides: the step between windows: an int, or one per spatial axis.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has `ceil(input /
            strides)` positions).
        depth_multiplier: the number of output channels per input channel of the depthwise step.
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        dilation_rate: the spacing between kernel taps (an int, or one per spatial axis).
        activation: the activation applied to the output (a name or a function); None: none.
        use_bias: whether to add a bias vector.
        depthwise_initializer: the initializer of the depthwise kernel.
        bias_initializer: the initializer of the bias.
        depthwise_regularizer: a regularizer applied to the depthwise kernel.
        bias_regularizer: a regularizer applied to the bias.
        activity_regularizer: a regularizer applied to the output.
        depthwise_constraint: a constraint applied to the depthwise kernel.
        bias_constraint: a constraint applied to the bias after each update.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 3.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.DepthwiseConv1D(3, depth_multiplier=2)(np.zeros((2, 10, 3))).shape
        (2, 8, 6)
    """

    def __init__(
        self,
        kernel_size,
        strides=1,
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate=1,
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            1,
            depth_multiplier,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )


class DepthwiseConv2D(BaseDepthwiseConv):
    """A depthwise 2D convolution; the kernel is `(kh, kw, in_channels, depth_multiplier)`.

    Args:
        kernel_size: the window size: an int, or one int per spatial axis.
        strides: the step between windows: an int, or one per spatial axis.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has `ceil(input /
            strides)` positions).
        depth_multiplier: the number of output channels per input channel of the depthwise step.
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        dilation_rate: the spacing between kernel taps (an int, or one per spatial axis).
        activation: the activation applied to the output (a name or a function); None: none.
        use_bias: whether to add a bias vector.
        depthwise_initializer: the initializer of the depthwise kernel.
        bias_initializer: the initializer of the bias.
        depthwise_regularizer: a regularizer applied to the depthwise kernel.
        bias_regularizer: a regularizer applied to the bias.
        activity_regularizer: a regularizer applied to the output.
        depthwise_constraint: a constraint applied to the depthwise kernel.
        bias_constraint: a constraint applied to the bias after each update.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 4.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.DepthwiseConv2D(3, depth_multiplier=2)(np.zeros((2, 8, 8, 3))).shape
        (2, 6, 6, 6)
    """

    def __init__(
        self,
        kernel_size,
        strides=(1, 1),
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate=(1, 1),
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            2,
            depth_multiplier,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )


class SeparableConv1D(BaseSeparableConv):
    """A depthwise-separable 1D convolution over `(batch, steps, channels)`.

    Args:
        filters: the number of output channels.
        kernel_size: the window size: an int, or one int per spatial axis.
        strides: the step between windows: an int, or one per spatial axis.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has `ceil(input /
            strides)` positions).
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        dilation_rate: the spacing between kernel taps (an int, or one per spatial axis).
        depth_multiplier: the number of output channels per input channel of the depthwise step.
        activation: the activation applied to the output (a name or a function); None: none.
        use_bias: whether to add a bias vector.
        depthwise_initializer: the initializer of the depthwise kernel.
        pointwise_initializer: the initializer of the pointwise (1x1) kernel.
        bias_initializer: the initializer of the bias.
        depthwise_regularizer: a regularizer applied to the depthwise kernel.
        pointwise_regularizer: a regularizer applied to the pointwise kernel.
        bias_regularizer: a regularizer applied to the bias.
        activity_regularizer: a regularizer applied to the output.
        depthwise_constraint: a constraint applied to the depthwise kernel.
        pointwise_constraint: a constraint applied to the pointwise kernel.
        bias_constraint: a constraint applied to the bias after each update.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 3.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.SeparableConv1D(5, 3)
        >>> layer(np.zeros((2, 10, 3))).shape
        (2, 8, 5)
        >>> layer.depthwise_kernel.shape[-2:], layer.pointwise_kernel.shape[-2:]
        ((3, 1), (3, 5))
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=1,
        depth_multiplier: int = 1,
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            1,
            depth_multiplier,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer,
            bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )


class SeparableConv2D(BaseSeparableConv):
    """A depthwise-separable 2D convolution (depthwise, then a 1x1 convolution).

    Args:
        filters: the number of output channels.
        kernel_size: the window size: an int, or one int per spatial axis.
        strides: the step between windows: an int, or one per spatial axis.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has `ceil(input /
            strides)` positions).
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        dilation_rate: the spacing between kernel taps (an int, or one per spatial axis).
        depth_multiplier: the number of output channels per input channel of the depthwise step.
        activation: the activation applied to the output (a name or a function); None: none.
        use_bias: whether to add a bias vector.
        depthwise_initializer: the initializer of the depthwise kernel.
        pointwise_initializer: the initializer of the pointwise (1x1) kernel.
        bias_initializer: the initializer of the bias.
        depthwise_regularizer: a regularizer applied to the depthwise kernel.
        pointwise_regularizer: a regularizer applied to the pointwise kernel.
        bias_regularizer: a regularizer applied to the bias.
        activity_regularizer: a regularizer applied to the output.
        depthwise_constraint: a constraint applied to the depthwise kernel.
        pointwise_constraint: a constraint applied to the pointwise kernel.
        bias_constraint: a constraint applied to the bias after each update.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 4.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.SeparableConv2D(5, 3)
        >>> layer(np.zeros((2, 8, 8, 3))).shape
        (2, 6, 6, 5)
        >>> layer.depthwise_kernel.shape[-2:], layer.pointwise_kernel.shape[-2:]
        ((3, 1), (3, 5))
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=(1, 1),
        depth_multiplier: int = 1,
        activation=None,
        use_bias: bool = True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            2,
            depth_multiplier,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer,
            bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )


SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
