"""`ConvLSTM1D`, `ConvLSTM2D`, `ConvLSTM3D`: LSTMs whose gates are convolutions.

Each timestep is a `rank`-D feature map; the four gates (input, forget, candidate, output, in
Keras's order) come from a convolution of the input plus a 'same'-padded convolution of the
previous hidden map. Weights sit in the sublayer `conv_lstm_cell`: `kernel
(*kernel_size, in_channels, 4*filters)`, `recurrent_kernel (*kernel_size, filters, 4*filters)` and
`bias (4*filters,)`, laid out as in Keras, so weight files cross both ways.
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina import activations, constraints, initializers, regularizers
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.core.random import SeedGenerator
from lamina.layers.arg_utils import standardize_data_format, standardize_padding, standardize_tuple
from lamina.layers.rnn.cells import DropoutRNNCell
from lamina.layers.rnn.rnn import RNN
from lamina.layers.rnn.simple_rnn import apply_activation
from lamina.ops.conv_ops import conv


def _conv_length(size: int, kernel: int, stride: int, dilation: int, padding: str) -> int:
    if padding == "same":
        return -(-size // stride)
    span = (kernel - 1) * dilation + 1
    return (size - span) // stride + 1


class ConvLSTMCell(Layer, DropoutRNNCell):
    """One ConvLSTM step over a `rank`-D feature map; states `[h, c]`, both conv-output maps.

    The layer builds it for you (named `conv_lstm_cell`); its arguments are those of
    `ConvLSTM2D` (below) plus `rank`.

    Args:
        rank: the number of spatial axes of each step (1, 2 or 3).
        filters: the number of output channels (of the state maps).
        kernel_size: the window size: an int, or one int per spatial axis.
        strides: the step between windows: an int, or one per spatial axis.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        dilation_rate: the spacing between kernel taps (an int, or one per spatial axis).
        activation: the activation applied to the output (a name or a function); None: none.
        recurrent_activation: the activation of the gates.
        use_bias: whether to add a bias vector.
        kernel_initializer: the initializer of the kernel.
        recurrent_initializer: the initializer of the recurrent kernel.
        bias_initializer: the initializer of the bias.
        unit_forget_bias: add 1 to the forget gate's bias at initialization.
        kernel_regularizer: a regularizer applied to the kernel.
        recurrent_regularizer: a regularizer applied to the recurrent kernel.
        bias_regularizer: a regularizer applied to the bias.
        kernel_constraint: a constraint applied to the kernel after each update.
        recurrent_constraint: a constraint applied to the recurrent kernel.
        bias_constraint: a constraint applied to the bias after each update.
        dropout: the fraction of the inputs dropped during training.
        recurrent_dropout: the fraction of the recurrent state dropped during training.
        seed: an int seed for the random draws (None: drawn from Python's `random`).
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: one step's feature map.
        states: `[h, c]`.
        training: apply dropout when True.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.layers.rnn.conv_lstm import ConvLSTMCell
        >>> keras.layers.RNN(ConvLSTMCell(1, 2, 3))(np.zeros((1, 4, 8, 3))).shape
        (1, 6, 2)
    """

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        owner = f"ConvLSTM{rank}D"
        if rank not in (1, 2, 3):
            raise ValueError(f"ConvLSTM: `rank` must be 1, 2 or 3, received rank={rank!r}.")
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise ValueError(
                f"{owner}: `filters` must be a positive integer, received filters={filters!r}."
            )
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.rank = rank
        self.filters = filters
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = standardize_tuple(strides, rank, "strides", owner, allow_zero=True)
        self.padding = standardize_padding(padding, owner)
        self.data_format = standardize_data_format(data_format, owner)
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate", owner)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{owner}: `strides > 1` cannot be combined with `dilation_rate > 1`; received "
                f"strides={self.strides} and dilation_rate={self.dilation_rate}. Set one of "
                "them to 1."
            )
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = unit_forget_bias
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.dropout_mask_count = 4  # one mask per gate, as Keras
        self.input_spec = InputSpec(ndim=rank + 2)
        self.state_size = -1  # the states are feature maps; `get_initial_state` makes them

    # ------------------------------------------------------------------------ building
    def build(self, inputs_shape, states_shape=None):
        inputs_shape = tuple(inputs_shape)
        owner = f"ConvLSTM{self.rank}D"
        if self.data_format == "channels_first":
            spatial, channels = inputs_shape[2:], inputs_shape[1]
        else:
            spatial, channels = inputs_shape[1:-1], inputs_shape[-1]
        if None in spatial:
            raise ValueError(
                f"{owner}: the spatial dimensions of each timestep must be known, received "
                f"step shape {inputs_shape}. Give `keras.Input` a full `shape=`."
            )
        if channels is None:
            raise ValueError(
                f"{owner}: the channel dimension of the inputs must be known, received step "
                f"shape {inputs_shape}."
            )
        self.spatial_dims = tuple(spatial)
        self.input_dim = channels
        f = self.filters
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels, 4 * f),
            initializer=self.kernel_initializer,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (f, 4 * f),
            initializer=self.recurrent_initializer,
            name="recurrent_kernel",
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                base = self.bias_initializer

                def init(shape, dtype=None):
                    ones = initializers.get("ones")((f,), dtype=dtype)
                    return jnp.concatenate(
                        [base((f,), dtype=dtype), ones, base((2 * f,), dtype=dtype)]
                    )

            self.bias = self.add_weight(
                shape=(4 * f,),
                name="bias",
                initializer=init,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def state_shape(self, batch_size):
        """The shape of `h` and `c` for a batch: the input convolution's output shape."""
        dims = tuple(
            _conv_length(n, k, s, d, self.padding)
            for n, k, s, d in zip(
                self.spatial_dims, self.kernel_size, self.strides, self.dilation_rate
            )
        )
        if self.data_format == "channels_last":
            return (batch_size, *dims, self.filters)
        return (batch_size, self.filters, *dims)

    def get_initial_state(self, batch_size=None):
        shape = self.state_shape(batch_size)
        return [jnp.zeros(shape, self.compute_dtype), jnp.zeros(shape, self.compute_dtype)]

    # ------------------------------------------------------------------------ calling
    def _gates(self, x, mask, kernel, strides, padding, dilation):
        """The four gates' convolutions, stacked on the channel axis (i, f, c, o)."""
        if mask is None:
            return conv(x, kernel, strides, padding, dilation, self.data_format)
        axis = -1 if self.data_format == "channels_last" else 1
        blocks = jnp.split(kernel, 4, axis=-1)
        outs = [
            conv(x * mask[g], blocks[g], strides, padding, dilation, self.data_format)
            for g in range(4)
        ]
        return jnp.concatenate(outs, axis=axis)

    def call(self, inputs, states, training=False):
        h_prev, c_prev = states[0], states[1]
        use_dp = training and 0.0 < self.dropout < 1.0
        use_rdp = training and 0.0 < self.recurrent_dropout < 1.0
        dp = self.get_dropout_mask(inputs) if use_dp else None
        rdp = self.get_recurrent_dropout_mask(h_prev) if use_rdp else None
        ones = (1,) * self.rank
        z = self._gates(
            inputs, dp, self.kernel.value, self.strides, self.padding, self.dilation_rate
        )
        z = z + self._gates(h_prev, rdp, self.recurrent_kernel.value, ones, "same", ones)
        axis = -1 if self.data_format == "channels_last" else 1
        if self.bias is not None:
            shape = [1] * z.ndim
            shape[axis] = 4 * self.filters
            z = z + jnp.reshape(self.bias.value, shape)
        z_i, z_f, z_c, z_o = jnp.split(z, 4, axis=axis)
        i = apply_activation(self.recurrent_activation, z_i)
        f = apply_activation(self.recurrent_activation, z_f)
        c = f * c_prev + i * apply_activation(self.activation, z_c)
        o = apply_activation(self.recurrent_activation, z_o)
        h = o * apply_activation(self.activation, c)
        return h, [h, c]

    # ------------------------------------------------------------------------ config
    def get_config(self):
        config = super().get_config()
        config.update(_cell_config(self))
        return config


def _cell_config(cell) -> dict:
    return {
        "filters": cell.filters,
        "kernel_size": cell.kernel_size,
        "strides": cell.strides,
        "padding": cell.padding,
        "data_format": cell.data_format,
        "dilation_rate": cell.dilation_rate,
        "activation": activations.serialize(cell.activation),
        "recurrent_activation": activations.serialize(cell.recurrent_activation),
        "use_bias": cell.use_bias,
        "kernel_initializer": initializers.serialize(cell.kernel_initializer),
        "recurrent_initializer": initializers.serialize(cell.recurrent_initializer),
        "bias_initializer": initializers.serialize(cell.bias_initializer),
        "unit_forget_bias": cell.unit_forget_bias,
        "kernel_regularizer": regularizers.serialize(cell.kernel_regularizer),
        "recurrent_regularizer": regularizers.serialize(cell.recurrent_regularizer),
        "bias_regularizer": regularizers.serialize(cell.bias_regularizer),
        "kernel_constraint": constraints.serialize(cell.kernel_constraint),
        "recurrent_constraint": constraints.serialize(cell.recurrent_constraint),
        "bias_constraint": constraints.serialize(cell.bias_constraint),
        "dropout": cell.dropout,
        "recurrent_dropout": cell.recurrent_dropout,
        "seed": cell.seed,
    }


_FORWARDED = (
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "data_format",
    "dilation_rate",
    "activation",
    "recurrent_activation",
    "use_bias",
    "kernel_initializer",
    "recurrent_initializer",
    "bias_initializer",
    "unit_forget_bias",
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "kernel_constraint",
    "recurrent_constraint",
    "bias_constraint",
    "dropout",
    "recurrent_dropout",
)


class ConvLSTM(RNN):
    """The N-D convolutional LSTM that `ConvLSTM1D/2D/3D` specialise (pass `rank`).

    Args:
        rank: the number of spatial axes of each step (1, 2 or 3).
        filters: the number of output channels (of the state maps).
        kernel_size: the window size: an int, or one int per spatial axis.
        strides: the step between windows: an int, or one per spatial axis.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        dilation_rate: the spacing between kernel taps (an int, or one per spatial axis).
        activation: the activation applied to the output (a name or a function); None: none.
        recurrent_activation: the activation of the gates.
        use_bias: whether to add a bias vector.
        kernel_initializer: the initializer of the kernel.
        recurrent_initializer: the initializer of the recurrent kernel.
        bias_initializer: the initializer of the bias.
        unit_forget_bias: add 1 to the forget gate's bias at initialization.
        kernel_regularizer: a regularizer applied to the kernel.
        recurrent_regularizer: a regularizer applied to the recurrent kernel.
        bias_regularizer: a regularizer applied to the bias.
        activity_regularizer: a regularizer applied to the output.
        kernel_constraint: a constraint applied to the kernel after each update.
        recurrent_constraint: a constraint applied to the recurrent kernel.
        bias_constraint: a constraint applied to the bias after each update.
        dropout: the fraction of the inputs dropped during training.
        recurrent_dropout: the fraction of the recurrent state dropped during training.
        seed: an int seed for the random draws (None: drawn from Python's `random`).
        return_sequences: return the output of every step (`(batch, steps, units)`) instead of the
            last one.
        return_state: also return the final state(s).
        go_backwards: process the sequence in reverse order (the output is reversed too).
        stateful: keep the final state as the next batch's initial state.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        sequences: `(batch, time, *spatial, channels)`.
        initial_state: optional `[h, c]`.
        mask: optional `(batch, time)` mask.
        training: apply dropout when True.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.ConvLSTM2D(4, 3)(np.zeros((1, 3, 8, 8, 2))).shape
        (1, 6, 6, 4)
    """

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed=None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        **kwargs,
    ):
        cell = ConvLSTMCell(
            rank=rank,
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            name="conv_lstm_cell",
            dtype=kwargs.get("dtype"),
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self.rank = rank
        self.input_spec = InputSpec(ndim=rank + 3)

    def build(self, sequences_shape, initial_state_shape=None):
        if len(sequences_shape) != self.rank + 3:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expected inputs of rank {self.rank + 3} "
                f"(batch, time, {'spatial, ' * self.rank}channels), received shape "
                f"{tuple(sequences_shape)}."
            )
        super().build(sequences_shape, initial_state_shape)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch = sequences_shape[0]
        if not self.cell.built:
            self.cell.build((batch, *sequences_shape[2:]))
        state = self.cell.state_shape(batch)
        out = (batch, sequences_shape[1], *state[1:]) if self.return_sequences else state
        if self.return_state:
            return out, state, state
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask, None, None]
        return output_mask

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        config.update(_cell_config(self.cell))
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


for _name in _FORWARDED:
    setattr(
        ConvLSTM, _name, property(lambda self, n=_name: getattr(self.cell, n), doc=f"`{_name}`.")
    )


_ARGS = """
    Args:
        filters: the number of output channels of each gate's convolution (the width of `h`).
        kernel_size: an int or a tuple of {n} ints: the convolution window.
        strides: an int or a tuple of {n} ints: the input convolution's strides (the recurrent
            convolution always uses 1). `strides > 1` excludes `dilation_rate > 1`.
        padding: `"valid"` or `"same"` (any case) for the input convolution; the recurrent one
            is always `"same"`.
        data_format: `"channels_last"` (inputs `(batch, time, {dims}, channels)`) or
            `"channels_first"` (`(batch, time, channels, {dims})`); None means
            `keras.config.image_data_format()`.
        dilation_rate: an int or a tuple of {n} ints: the input convolution's dilation.
        activation: activation of the candidate and of the output (default `"tanh"`).
        recurrent_activation: activation of the input, forget and output gates (`"sigmoid"`).
        use_bias: whether the gates add a bias.
        kernel_initializer: initializer of `kernel` (default `"glorot_uniform"`).
        recurrent_initializer: initializer of `recurrent_kernel` (default `"orthogonal"`).
        bias_initializer: initializer of `bias` (default `"zeros"`).
        unit_forget_bias: start the forget gate's bias at 1.
        kernel_regularizer: regularizer of `kernel`.
        recurrent_regularizer: regularizer of `recurrent_kernel`.
        bias_regularizer: regularizer of `bias`.
        activity_regularizer: regularizer of the layer's output.
        kernel_constraint: constraint on `kernel`.
        recurrent_constraint: constraint on `recurrent_kernel`.
        bias_constraint: constraint on `bias`.
        dropout: fraction of the input dropped (one mask per gate, fixed over the sequence).
        recurrent_dropout: fraction of the previous `h` dropped (one mask per gate).
        seed: seed of the dropout masks.
        return_sequences: return the output of every timestep, not only the last.
        return_state: also return the final `h` and `c`.
        go_backwards: process the sequence from its end (and return the reversed outputs).
        stateful: start each batch from the states the previous batch ended with (needs a
            fixed batch size).
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`, ...) and `unroll`.

    Call arguments:
        inputs: a {rank}-D tensor `(batch, time, ...)` as `data_format` says.
        mask: optional boolean `(batch, time)` tensor; masked steps keep the previous states.
        training: whether dropout applies.
        initial_state: optional list `[h, c]` to start from.

    Returns:
        `(batch, {dims_out}, filters)` (channels_last) for the last step, with a time axis after
        the batch axis when `return_sequences=True`; with `return_state=True` a list
        `[output, h, c]`.
"""


def _init(
    self,
    filters: int,
    kernel_size,
    strides=1,
    padding="valid",
    data_format=None,
    dilation_rate=1,
    activation="tanh",
    recurrent_activation="sigmoid",
    use_bias: bool = True,
    kernel_initializer="glorot_uniform",
    recurrent_initializer="orthogonal",
    bias_initializer="zeros",
    unit_forget_bias: bool = True,
    kernel_regularizer=None,
    recurrent_regularizer=None,
    bias_regularizer=None,
    activity_regularizer=None,
    kernel_constraint=None,
    recurrent_constraint=None,
    bias_constraint=None,
    dropout: float = 0.0,
    recurrent_dropout: float = 0.0,
    seed=None,
    return_sequences: bool = False,
    return_state: bool = False,
    go_backwards: bool = False,
    stateful: bool = False,
    **kwargs,
):
    arguments = dict(locals())
    del arguments["self"], arguments["kwargs"]
    ConvLSTM.__init__(self, rank=self._rank, **arguments, **kwargs)


class ConvLSTM1D(ConvLSTM):
    """1D convolutional LSTM: an LSTM over a sequence of 1D feature maps (e.g. a time series
    of signals), whose input and recurrent transformations are convolutions.
    {args}
    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.ConvLSTM1D(4, 3, padding="same", return_sequences=True)
        >>> layer(np.zeros((2, 5, 10, 3), "float32")).shape
        (2, 5, 10, 4)
    """

    _rank = 1
    __init__ = _init


class ConvLSTM2D(ConvLSTM):
    """2D convolutional LSTM: an LSTM over a sequence of images (e.g. video frames), whose
    input and recurrent transformations are convolutions.
    {args}
    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.ConvLSTM2D(4, (3, 3), padding="same")
        >>> layer(np.zeros((2, 5, 8, 8, 3), "float32")).shape
        (2, 8, 8, 4)
        >>> [(w.name, tuple(w.shape)) for w in layer.weights]
        [('kernel', (3, 3, 3, 16)), ('recurrent_kernel', (3, 3, 4, 16)), ('bias', (16,))]
    """

    _rank = 2
    __init__ = _init


class ConvLSTM3D(ConvLSTM):
    """3D convolutional LSTM: an LSTM over a sequence of volumes, whose input and recurrent
    transformations are 3D convolutions.
    {args}
    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.ConvLSTM3D(2, 3, return_state=True)
        >>> out, h, c = layer(np.zeros((1, 3, 5, 5, 5, 1), "float32"))
        >>> out.shape, c.shape
        ((1, 3, 3, 3, 2), (1, 3, 3, 3, 2))
    """

    _rank = 3
    __init__ = _init


for _cls, _n, _dims, _out in (
    (ConvLSTM1D, 1, "steps", "new_steps"),
    (ConvLSTM2D, 2, "rows, cols", "new_rows, new_cols"),
    (ConvLSTM3D, 3, "dim1, dim2, dim3", "new_dim1, new_dim2, new_dim3"),
):
    _cls.__doc__ = _cls.__doc__.replace(
        "{args}", _ARGS.format(n=_n, dims=_dims, rank=_n + 3, dims_out=_out)
    )
