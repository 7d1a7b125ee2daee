"""`Conv1D`, `Conv2D`, `Conv3D` (and their `Convolution*D` aliases)."""

from __future__ import annotations

from lamina.layers.convolutional.base_conv import BaseConv


class Conv1D(BaseConv):
    """A 1D (temporal) convolution over inputs `(batch, steps, channels)`.

    `padding='causal'` pads the start of the sequence only, so step `t` sees no later step.

    Args:
        filters: the number of output channels.
        kernel_size: the window size: an int, or one int per spatial axis.
        strides: the step between windows: an int, or one per spatial axis.
        padding: `"valid"` (no padding), `"same"` (the output keeps `ceil(input / strides)`
            positions), or `"causal"` (pad the start only).
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
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 3 (channels last or first, by `data_format`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.Conv1D(4, 3)
        >>> layer(np.zeros((2, 10, 3))).shape
        (2, 8, 4)
        >>> layer.kernel.shape
        (3, 3, 4)
    """

    def __init__(
        self,
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
        **kwargs,
    ):
        super().__init__(
            1,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            groups=groups,
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


class Conv2D(BaseConv):
    """A 2D (spatial) convolution over images `(batch, height, width, channels)`.

    The kernel has shape `(kh, kw, in_channels // groups, filters)`.

    Args:
        filters: the number of output channels.
        kernel_size: the window size: an int, or one int per spatial axis.
        strides: the step between windows: an int, or one per spatial axis.
        padding: `"valid"` (no padding), `"same"` (the output keeps `ceil(input / strides)`
            positions).
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
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 4 (channels last or first, by `data_format`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.Conv2D(4, 3)
        >>> layer(np.zeros((2, 8, 8, 3))).shape
        (2, 6, 6, 4)
        >>> layer.kernel.shape
        (3, 3, 3, 4)
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=(1, 1),
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
        **kwargs,
    ):
        super().__init__(
            2,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            groups=groups,
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


class Conv3D(BaseConv):
    """A 3D convolution over volumes `(batch, dim1, dim2, dim3, channels)`.

    Args:
        filters: the number of output channels.
        kernel_size: the window size: an int, or one int per spatial axis.
        strides: the step between windows: an int, or one per spatial axis.
        padding: `"valid"` (no padding), `"same"` (the output keeps `ceil(input / strides)`
            positions).
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
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 5 (channels last or first, by `data_format`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.Conv3D(4, 3)
        >>> layer(np.zeros((1, 6, 6, 6, 2))).shape
        (1, 4, 4, 4, 4)
        >>> layer.kernel.shape
        (3, 3, 3, 2, 4)
    """

    def __init__(
        self,
        filters: int,
        kernel_size,
        strides=(1, 1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate=(1, 1, 1),
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
        **kwargs,
    ):
        super().__init__(
            3,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            groups=groups,
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


Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
