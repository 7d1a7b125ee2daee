"""`GRUCell` and `GRU`: the gated recurrent unit, gates in Keras's order z, r, h."""

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
    masked_by_gate,
    zero_states,
)
from lamina.layers.rnn.rnn import RNN
from lamina.layers.rnn.simple_rnn import apply_activation


def _gate_copy(x, mask, g: int):
    """`x` as seen by gate `g`: masked by its own mask, the shared mask, or not at all."""
    if mask is None:
        return x
    return x * (mask[g] if mask.ndim > x.ndim else mask)


class GRUCell(Layer, DropoutRNNCell):
    """One GRU step; a single state `h`, `units` wide.

    Weights: `kernel (input_dim, 3*units)`, `recurrent_kernel (units, 3*units)` and a bias of
    shape `(2, 3*units)` (input and recurrent biases) with `reset_after=True` (the default, the
    cuDNN convention: the reset gate multiplies `h @ recurrent_kernel`), else `(3*units,)`.

    Args:
        units: the size of the output and of the state.
        activation: the activation applied to the output (a name or a function); None: none.
        recurrent_activation: the activation of the gates.
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
        reset_after: apply the reset gate after the matrix product (Keras's default, as cuDNN).
        seed: an int seed for the random draws (None: drawn from Python's `random`).
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: one step's inputs `(batch, features)`.
        states: the previous state(s).
        training: apply dropout when True.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> cell = keras.layers.GRUCell(4)
        >>> keras.layers.RNN(cell)(np.zeros((2, 5, 3))).shape, cell.bias.shape
        ((2, 4), (2, 12))
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
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        reset_after: bool = True,
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
        self.implementation = 1 if self.recurrent_dropout != 0.0 else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 3
        self.reset_after = reset_after
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        u = self.units
        self.kernel = self.add_weight(
            shape=(input_shape[-1], 3 * u),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(u, 3 * u),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(2, 3 * u) if self.reset_after else (3 * u,),
                name="bias",
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True

    def call(self, inputs, states, training=False):
        nested = isinstance(states, (list, tuple))
        h_prev = states[0] if nested else states
        u = self.units
        dp = self.get_dropout_mask(inputs) if training else None
        rdp = self.get_recurrent_dropout_mask(h_prev) if training else None
        input_bias = recurrent_bias = None
        if self.bias is not None:
            bias = self.bias.value
            input_bias, recurrent_bias = (bias[0], bias[1]) if self.reset_after else (bias, None)
        x = masked_by_gate(inputs, dp, self.kernel.value, 3)
        if input_bias is not None:
            x = x + input_bias
        x_z, x_r, x_h = jnp.split(x, 3, axis=-1)
        rk = self.recurrent_kernel.value
        if self.reset_after:
            rec = masked_by_gate(h_prev, rdp, rk, 3)
            if recurrent_bias is not None:
                rec = rec + recurrent_bias
            rec_z, rec_r, rec_h = jnp.split(rec, 3, axis=-1)
        else:
            rec_zr = masked_by_gate(h_prev, None if rdp is None else rdp[:2], rk[:, : 2 * u], 2)
            rec_z, rec_r = jnp.split(rec_zr, 2, axis=-1)
        z = apply_activation(self.recurrent_activation, x_z + rec_z)
        r = apply_activation(self.recurrent_activation, x_r + rec_r)
        if self.reset_after:
            rec_h = r * rec_h
        else:
            rec_h = jnp.matmul(r * _gate_copy(h_prev, rdp, 2), rk[:, 2 * u :])
        hh = apply_activation(self.activation, x_h + rec_h)
        h = z * h_prev + (1 - z) * hh
        return h, ([h] if nested else h)

    def get_initial_state(self, batch_size=None):
        return zero_states(self.state_size, batch_size, self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(common_cell_config(self))
        config["reset_after"] = self.reset_after
        config["seed"] = self.seed
        return config


class GRU(RNN):
    """Gated recurrent unit layer (Cho et al., 2014) over `lax.scan`.

    Its weights live in the sublayer `cell` (a `GRUCell` named `gru_cell`), as in Keras.
    `use_cudnn` is accepted and ignored.

    Args:
        units: the size of the output and of the state.
        activation: the activation applied to the output (a name or a function); None: none.
        recurrent_activation: the activation of the gates.
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
        seed: an int seed for the random draws (None: drawn from Python's `random`).
        return_sequences: return the output of every step (`(batch, steps, units)`) instead of the
            last one.
        return_state: also return the final state(s).
        go_backwards: process the sequence in reverse order (the output is reversed too).
        stateful: keep the final state as the next batch's initial state.
        unroll: unroll the loop over the steps instead of a scan (faster for short sequences).
        reset_after: apply the reset gate after the matrix product (Keras's default, as cuDNN).
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
        >>> keras.layers.GRU(4, return_sequences=True)(np.zeros((2, 5, 3))).shape
        (2, 5, 4)
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
        reset_after: bool = True,
        use_cudnn="auto",
        **kwargs,
    ):
        cell = GRUCell(
            units,
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
            reset_after=reset_after,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name="gru_cell",
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
                f"GRU: `use_cudnn` must be 'auto', True or False, received {use_cudnn!r}."
            )
        self.use_cudnn = use_cudnn

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    units = cell_property("units")
    activation = cell_property("activation")
    recurrent_activation = cell_property("recurrent_activation")
    use_bias = cell_property("use_bias")
    reset_after = cell_property("reset_after")
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
        config["reset_after"] = self.reset_after
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        config["seed"] = self.cell.seed
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)
