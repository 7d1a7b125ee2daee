"""`SimpleRNNCell` and `SimpleRNN`: `h_t = activation(x_t @ kernel + h_{t-1} @ recurrent + b)`."""

from __future__ import annotations

import jax.numpy as jnp

from lamina import regularizers
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.rnn.cells import (
    DropoutRNNCell,
    cell_property,
    common_cell_config,
    init_cell,
    zero_states,
)
from lamina.layers.rnn.rnn import RNN


def apply_activation(fn, x):
    """`fn(x)`, or `x` when `fn` is None (no activation).

    Args:
        fn: an activation function, or None.
        x: the array.

    Returns:
        The activated array.

    Example:
        >>> import numpy as np
        >>> from lamina.layers.rnn.simple_rnn import apply_activation
        >>> apply_activation(None, np.array([-1.0])), apply_activation(np.abs, np.array([-1.0]))
        (array([-1.]), array([1.]))
    """
    return x if fn is None else fn(x)


class SimpleRNNCell(Layer, DropoutRNNCell):
    """One step of a fully connected RNN; its state is the previous output (`units` wide).

    Weights: `kernel (input_dim, units)`, `recurrent_kernel (units, units)`, `bias (units,)`.

    Args:
        units: the size of the output and of the state.
        activation: the activation applied to the output (a name or a function); None: none.
        use_bias: whether to add a bias vector.
        kernel_initializer: the initializer of the kernel.
        recurrent_initializer: the initializer of the recurrent kernel.
        bias_initializer: the initializer of the bias.
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
        >>> rnn = keras.layers.RNN(keras.layers.SimpleRNNCell(4))
        >>> rnn(np.zeros((2, 5, 3))).shape
        (2, 4)
    """

    def __init__(
        self,
        units: int,
        activation="tanh",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
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
        super().__init__(**kwargs)
        init_cell(
            self,
            units,
            seed,
            activation=activation,
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
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,),
                name="bias",
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def call(self, sequence, states, training=False):
        prev = states[0] if isinstance(states, (list, tuple)) else states
        if training:
            dp = self.get_dropout_mask(sequence)
            if dp is not None:
                sequence = sequence * dp
            rdp = self.get_recurrent_dropout_mask(prev)
            if rdp is not None:
                prev = prev * rdp
        h = jnp.matmul(sequence, self.kernel.value)
        if self.bias is not None:
            h = h + self.bias.value
        output = apply_activation(
            self.activation, h + jnp.matmul(prev, self.recurrent_kernel.value)
        )
        return output, ([output] if isinstance(states, (list, tuple)) else output)

    def get_initial_state(self, batch_size=None):
        return zero_states(self.state_size, batch_size, self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(common_cell_config(self))
        config["seed"] = self.seed
        return config


class SimpleRNN(RNN):
    """A fully connected RNN whose output is fed back as its state (see `SimpleRNNCell`).

    Its weights live in the sublayer `cell` (named `simple_rnn_cell`), as in Keras.

    Args:
        units: the size of the output and of the state.
        activation: the activation applied to the output (a name or a function); None: none.
        use_bias: whether to add a bias vector.
        kernel_initializer: the initializer of the kernel.
        recurrent_initializer: the initializer of the recurrent kernel.
        bias_initializer: the initializer of the bias.
        kernel_regularizer: a regularizer applied to the kernel.
        recurrent_regularizer: a regularizer applied to the recurrent kernel.
        bias_regularizer: a regularizer applied to the bias.
        activity_regularizer: a regularizer applied to the output.
        kernel_constraint: a constraint applied to the kernel after each update.
        recurrent_constraint: a constraint applied to the recurrent kernel.
        bias_constraint: a constraint applied to the bias after each update.
        dropout: the fraction of the inputs dropped during training.
        recurrent_dropout: the fraction of the recurrent state dropped during training.
        return_sequences: return the output of every step (`(batch, steps, units)`) instead of the
            last one.
        return_state: also return the final state(s).
        go_backwards: process the sequence in reverse order (the output is reversed too).
        stateful: keep the final state as the next batch's initial state.
        unroll: unroll the loop over the steps instead of a scan (faster for short sequences).
        seed: an int seed for the random draws (None: drawn from Python's `random`).
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        sequences: an array `(batch, steps, features)`.
        initial_state: optional: the initial state(s) instead of zeros.
        mask: optional: a `(batch, steps)` boolean mask; masked steps keep the previous state.
        training: apply dropout when True.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.SimpleRNN(4)(np.zeros((2, 5, 3))).shape
        (2, 4)
        >>> outputs, state = keras.layers.SimpleRNN(4, return_sequences=True, return_state=True)(
        ...     np.zeros((2, 5, 3)))
        >>> outputs.shape, state.shape
        ((2, 5, 4), (2, 4))
    """

    def __init__(
        self,
        units: int,
        activation="tanh",
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        seed: int | None = None,
        **kwargs,
    ):
        cell = SimpleRNNCell(
            units,
            activation=activation,
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
            seed=seed,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="simple_rnn_cell",
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

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    units = cell_property("units")
    activation = cell_property("activation")
    use_bias = cell_property("use_bias")
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
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)
