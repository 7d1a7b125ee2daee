"""`LSTMCell` and `LSTM`: the long short-term memory cell, gates in Keras's order i, f, c, o."""

from __future__ import annotations

import jax.numpy as jnp

from lamina import initializers, regularizers
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.rnn.cells import (
    DropoutRNNCell,
    cell_property,
    common_cell_config,
    init_cell,
    masked_by_gate,
    zero_states,
)
from lamina.layers.rnn.rnn import RNN
from lamina.layers.rnn.simple_rnn import apply_activation


class LSTMCell(Layer, DropoutRNNCell):
    """One LSTM step; states `[h, c]`, both `units` wide.

    Weights: `kernel (input_dim, 4*units)`, `recurrent_kernel (units, 4*units)`,
    `bias (4*units,)`, each split into the input, forget, candidate and output gates.
    `unit_forget_bias=True` starts the forget-gate bias at 1.

    Args:
        units: the size of the output and of the state.
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
        inputs: one step's inputs `(batch, features)`.
        states: the previous state(s).
        training: apply dropout when True.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> cell = keras.layers.LSTMCell(4)
        >>> keras.layers.RNN(cell, return_sequences=True)(np.zeros((2, 5, 3))).shape
        (2, 5, 4)
        >>> cell.kernel.shape, cell.recurrent_kernel.shape
        ((3, 16), (4, 16))
    """

    def __init__(
        self,
        units: int,
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
        seed: int | None = None,
        **kwargs,
    ):
        implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        init_cell(
            self,
            units,
            seed,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
        )
        # Keras draws one mask per gate whenever recurrent dropout is on ("implementation 1").
        self.implementation = 1 if self.recurrent_dropout != 0.0 else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 4
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        u = self.units
        self.kernel = self.add_weight(
            shape=(input_shape[-1], 4 * u),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(u, 4 * u),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                base = self.bias_initializer

                def init(shape, dtype=None):
                    ones = initializers.get("ones")((u,), dtype=dtype)
                    return jnp.concatenate(
                        [base((u,), dtype=dtype), ones, base((2 * u,), dtype=dtype)]
                    )

            self.bias = self.add_weight(
                shape=(4 * u,),
                name="bias",
                initializer=init,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def call(self, inputs, states, training=False):
        h_prev, c_prev = states[0], states[1]
        dp = self.get_dropout_mask(inputs) if training else None
        rdp = self.get_recurrent_dropout_mask(h_prev) if training else None
        z = masked_by_gate(inputs, dp, self.kernel.value, 4)
        z = z + masked_by_gate(h_prev, rdp, self.recurrent_kernel.value, 4)
        if self.bias is not None:
            z = z + self.bias.value
        z_i, z_f, z_c, z_o = jnp.split(z, 4, axis=-1)
        i = apply_activation(self.recurrent_activation, z_i)
        f = apply_activation(self.recurrent_activation, z_f)
        c = f * c_prev + i * apply_activation(self.activation, z_c)
        o = apply_activation(self.recurrent_activation, z_o)
        h = o * apply_activation(self.activation, c)
        return h, [h, c]

    def get_initial_state(self, batch_size=None):
        return zero_states(self.state_size, batch_size, self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(common_cell_config(self))
        config["unit_forget_bias"] = self.unit_forget_bias
        config["seed"] = self.seed
        return config


class LSTM(RNN):
    """Long short-term memory layer (Hochreiter & Schmidhuber, 1997) over `lax.scan`.

    Its weights live in the sublayer `cell` (an `LSTMCell` named `lstm_cell`), as in Keras.
    `use_cudnn` is accepted and ignored: XLA compiles the same scan on every device.

    Args:
        units: the size of the output and of the state.
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
        unroll: unroll the loop over the steps instead of a scan (faster for short sequences).
        use_cudnn: accepted for Keras compatibility (lamina chooses its kernels itself).
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        sequences: an array `(batch, steps, features)`.
        initial_state: optional: the initial state(s) instead of zeros.
        mask: optional: a `(batch, steps)` boolean mask; masked steps keep the previous state.
        training: apply dropout when True.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> outputs, h, c = keras.layers.LSTM(8, return_state=True)(np.zeros((2, 5, 3)))
        >>> outputs.shape, h.shape, c.shape
        ((2, 8), (2, 8), (2, 8))
    """

    def __init__(
        self,
        units: int,
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
        seed: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        use_cudnn="auto",
        **kwargs,
    ):
        cell = LSTMCell(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            unit_forget_bias=unit_forget_bias,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="lstm_cell",
            seed=seed,
            implementation=kwargs.pop("implementation", 2),
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self.input_spec = InputSpec(ndim=3)
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                f"LSTM: `use_cudnn` must be 'auto', True or False, received {use_cudnn!r}."
            )
        self.use_cudnn = use_cudnn

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    units = cell_property("units")
    activation = cell_property("activation")
    recurrent_activation = cell_property("recurrent_activation")
    use_bias = cell_property("use_bias")
    unit_forget_bias = cell_property("unit_forget_bias")
    kernel_initializer = cell_property("kernel_initializer")
    recurrent_initializer = cell_property("recurrent_initializer")
    bias_initializer = cell_property("bias_initializer")
    kernel_regularizer = cell_property("kernel_regularizer")
    recurrent_regularizer = cell_property("recurrent_regularizer")
    bias_regularizer = cell_property("bias_regularizer")
    kernel_constraint = cell_property("kernel_constraint")
    recurrent_constraint = cell_property("recurrent_constraint")
    bias_constraint = cell_property("bias_constraint")
    dropout = cell_property("dropout")
    recurrent_dropout = cell_property("recurrent_dropout")

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        config.update(common_cell_config(self.cell))
        config["unit_forget_bias"] = self.unit_forget_bias
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        config["seed"] = self.cell.seed
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)
