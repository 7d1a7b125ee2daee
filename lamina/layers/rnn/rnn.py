"""`RNN`: runs a cell over the time axis with `jax.lax.scan`, and the scan machinery itself.

The loop is one `lax.scan` (fully unrolled with `unroll=True`), so a recurrent layer compiles
once per input shape. Masked timesteps keep the previous states and repeat the previous output
(or output zeros with `zero_output_for_mask`), as Keras does.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.core.layer import Layer
from lamina.core.random import SeedGenerator
from lamina.core.serialization import deserialize_keras_object, serialize_keras_object
from lamina.core.variable import Variable
from lamina.layers.rnn.cells import DropoutRNNCell, zero_states
from lamina.layers.rnn.stacked_cells import StackedRNNCells


def _as_lists(tree):
    """Tuples become lists, recursively, so that state structures compare equal in `scan`."""
    if isinstance(tree, (list, tuple)):
        return [_as_lists(t) for t in tree]
    return tree


def _first_state(states):
    """The state a masked step outputs: the first state (of the last cell when stacked)."""
    first = states[0]
    if isinstance(first, (list, tuple)):
        return jax.tree.leaves(states[-1])[0]
    return first


def _broadcast_mask(keep, like):
    return jnp.reshape(keep, keep.shape + (1,) * (like.ndim - keep.ndim))


def rnn_loop(
    step,
    inputs,
    initial_states,
    *,
    mask=None,
    go_backwards: bool = False,
    unroll: bool = False,
    zero_output_for_mask: bool = False,
    sequences: bool = True,
    output_spec=None,
):
    """Runs `step(input_t, states) -> (output_t, new_states)` over axis 1 of `inputs`.

    Returns `(last_output, outputs, final_states)`; with `go_backwards` the outputs are in
    processing order (the reversed sequence), as in Keras. With `sequences=False` and the
    per-step output's `output_spec` (shape, dtype) known, the outputs are not stacked (None):
    the last one travels in the loop's carry instead, which spares a write per step and its
    gradient.

    Args:
        step: `step(input_t, states) -> (output_t, new_states)`.
        inputs: `(batch, time, ...)`.
        initial_states: the list of initial states.
        mask: optional `(batch, time)` mask; masked steps keep the previous states.
        go_backwards: process the time axis in reverse.
        unroll: a Python loop instead of `lax.scan`.
        zero_output_for_mask: output zeros at masked steps (else the previous output).
        sequences: also collect the per-step outputs.
        output_spec: the output's spec, when known.

    Returns:
        A tuple `(last_output, outputs, final_states)`.

    Example:
        >>> import numpy as np
        >>> from lamina.layers.rnn.rnn import rnn_loop
        >>> def step(x, states):
        ...     total = states[0] + x
        ...     return total, [total]
        >>> last, outputs, states = rnn_loop(step, np.ones((1, 3, 2)), [np.zeros((1, 2))])
        >>> last, outputs.shape
        (Array([[3., 3.]], dtype=float32), (1, 3, 2))
    """
    xs = jnp.swapaxes(inputs, 0, 1)
    init = _as_lists(initial_states)

    def run(x_t, states):
        out, new = step(x_t, states)
        if not isinstance(new, (list, tuple)):
            new = [new]
        new = jax.tree.map(lambda n, s: n.astype(s.dtype), _as_lists(new), states)
        return out, new

    if mask is None:

        def body(states, x_t):
            out, new = run(x_t, states)
            return new, out

        scan_xs = xs
    else:
        mask = jnp.asarray(mask).astype(bool)
        if mask.ndim > 2:
            mask = jnp.any(mask, axis=tuple(range(2, mask.ndim)))

        def body(states, x_and_mask):
            x_t, keep = x_and_mask
            out, new = run(x_t, states)
            if zero_output_for_mask:
                out = jnp.where(_broadcast_mask(keep, out), out, jnp.zeros_like(out))
            else:
                prev = _first_state(states)
                out = jnp.where(_broadcast_mask(keep, out), out, prev.astype(out.dtype))
            new = jax.tree.map(lambda n, s: jnp.where(_broadcast_mask(keep, s), n, s), new, states)
            return new, out

        scan_xs = (xs, jnp.swapaxes(mask, 0, 1))
    steps = xs.shape[0]
    unroll_by = max(steps, 1) if unroll else 1
    if not sequences and output_spec is not None:
        shape, dtype = output_spec

        def carried(carry, x):
            new, out = body(carry[0], x)
            return (new, out.astype(dtype)), None

        start = (init, jnp.zeros(shape, dtype))
        (final, last), _ = jax.lax.scan(
            carried, start, scan_xs, reverse=go_backwards, unroll=unroll_by
        )
        return last, None, final
    final, outs = jax.lax.scan(body, init, scan_xs, reverse=go_backwards, unroll=unroll_by)
    if go_backwards:
        outs = jnp.flip(outs, axis=0)
    return outs[-1], jnp.swapaxes(outs, 0, 1), final


class _StateSlot(SeedGenerator):
    """One recurrent state of a stateful layer, in a non-trainable variable.

    Tracked like a seed generator's state: the layer's `variables` (and so every training step)
    include it, its `weights` and weight files do not, as in Keras.
    """

    def __init__(self, value, dtype: str):  # noqa: D107 - no seed: this slot only holds a state
        self._initial_seed = 0
        self.name = "rnn_state"
        self.state = Variable(value, dtype=dtype, trainable=False, name="rnn_state")

    def next(self):
        raise TypeError("An RNN state slot is not a source of random keys.")


def prepare_dropout(cell, step_input, states) -> None:
    """Draws the per-call dropout masks of `cell` (and of stacked cells) before the loop.

    Args:
        cell: the cell (or `StackedRNNCells`).
        step_input: one step's input (for the masks' shape).
        states: the initial states.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.layers.rnn.rnn import prepare_dropout, reset_dropout
        >>> cell = keras.layers.SimpleRNNCell(2, dropout=0.5, seed=0)
        >>> cell.build((None, 3))
        >>> prepare_dropout(cell, np.ones((1, 3)), [np.zeros((1, 2))])
        >>> reset_dropout(cell)
    """
    if isinstance(cell, DropoutRNNCell):
        first = states[0] if isinstance(states, (list, tuple)) else states
        cell.prepare_dropout_masks(step_input, first)
    elif isinstance(cell, StackedRNNCells):
        x = step_input
        for sub, sub_states in zip(cell.cells, states):
            sub_states = sub_states if isinstance(sub_states, (list, tuple)) else [sub_states]
            prepare_dropout(sub, x, sub_states)
            size = getattr(sub, "output_size", None) or jax.tree.leaves(sub.state_size)[0]
            x = jnp.zeros((x.shape[0], size), dtype=x.dtype)


def reset_dropout(cell) -> None:
    """Forgets the dropout masks drawn for the last call (of the cell, or of every stacked cell),
    so the next call draws new ones.

    Args:
        cell: the cell (or `StackedRNNCells`).

    Example:
        >>> import lamina as keras
        >>> from lamina.layers.rnn.rnn import reset_dropout
        >>> reset_dropout(keras.layers.LSTMCell(2, dropout=0.2))
    """
    if isinstance(cell, DropoutRNNCell):
        cell.reset_dropout_mask()
        cell.reset_recurrent_dropout_mask()
    elif isinstance(cell, StackedRNNCells):
        for sub in cell.cells:
            reset_dropout(sub)


class RNN(Layer):
    """Runs an RNN cell over the time axis of `(batch, time, features)` inputs.

    Args:
        cell: a cell (an object with `state_size` and `call(inputs, states)` returning
            `(output, new_states)`), or a list of cells to stack.
        return_sequences: return every step's output, not only the last.
        return_state: also return the final states.
        go_backwards: process the sequence in reverse (and return the reversed outputs).
        stateful: start each call from the states the previous call ended with (needs a fixed
            batch size); `reset_state()` zeroes them.
        unroll: unroll the time loop (for short sequences).
        zero_output_for_mask: output zeros (not the previous output) at masked steps.

    Call arguments:
        sequences: an array `(batch, time, features)`.
        initial_state: optional: the cell's initial state(s) instead of zeros.
        mask: optional: a `(batch, time)` boolean mask; masked steps keep the previous state.
        training: passed to the cell (dropout).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> class Accumulate(keras.layers.Layer):  # a minimal cell: the state sums the inputs
        ...     state_size = 2
        ...     def call(self, inputs, states):
        ...         total = states[0] + inputs
        ...         return total, [total]
        >>> keras.layers.RNN(Accumulate())(np.ones((1, 3, 2)))
        Array([[3., 3.]], dtype=float32)
    """

    def __init__(
        self,
        cell,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        **kwargs,
    ):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call"):
            raise ValueError(f"RNN: `cell` must have a `call` method, received cell={cell!r}.")
        state_size = getattr(cell, "state_size", None)
        if state_size is None or not isinstance(state_size, (int, list, tuple)):
            raise ValueError(
                "RNN: the cell must have a `state_size` attribute (an int, or a list of ints, "
                f"one per state), received state_size={state_size!r} on cell {cell!r}."
            )
        super().__init__(**kwargs)
        self.zero_output_for_mask = zero_output_for_mask
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.supports_masking = True
        self.input_spec = None
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else list(state_size)
        self._state_slots = []
        self.__dict__["_state_treedef"] = None

    # ------------------------------------------------------------------------ states
    @property
    def states(self):
        """The state variables of a stateful layer (None before it is built)."""
        if not self._state_slots:
            return None
        return jax.tree.unflatten(self._state_treedef, [s.state for s in self._state_slots])

    def get_initial_state(self, batch_size):
        """Initial states for a batch: the cell's `get_initial_state`, else zeros."""
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is None:
            return zero_states(self.state_size, batch_size, self._cell_dtype())
        init = fn(batch_size=batch_size)
        return list(init) if isinstance(init, (list, tuple)) else [init]

    def _cell_dtype(self) -> str:
        return getattr(self.cell, "compute_dtype", self.compute_dtype)

    def reset_state(self, states=None) -> None:
        """Zeroes the states of a stateful layer (or sets them to `states`)."""
        if not self._state_slots:
            return
        values = None if states is None else jax.tree.leaves(states)
        for i, slot in enumerate(self._state_slots):
            v = slot.state
            new = jnp.zeros(v.shape, v.dtype) if values is None else jnp.asarray(values[i])
            v.assign(new)

    def reset_states(self, states=None) -> None:
        """Alias of `reset_state`."""
        self.reset_state(states)

    # ------------------------------------------------------------------------ building
    def build(self, sequences_shape, initial_state_shape=None):
        if len(sequences_shape) < 3:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expected inputs of shape "
                f"(batch, timesteps, features), received shape {tuple(sequences_shape)}."
            )
        step_shape = (sequences_shape[0], *sequences_shape[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._run_build(step_shape)
        if self.stateful and not self._state_slots:
            batch = sequences_shape[0]
            if batch is None:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': `stateful=True` needs a fixed batch "
                    f"size, received input shape {tuple(sequences_shape)}. Pass `batch_size=` "
                    "to `keras.Input` (or `batch_input_shape=` to the first layer)."
                )
            leaves, treedef = jax.tree.flatten(self.get_initial_state(batch))
            self.__dict__["_state_treedef"] = treedef
            self._state_slots.extend(_StateSlot(v, self.variable_dtype) for v in leaves)
        self.built = True

    # ------------------------------------------------------------------------ calling
    def _step_fn(self, training):
        cell = self.cell
        kwargs = {}
        if isinstance(cell, Layer) and cell._call_has_training:
            kwargs["training"] = training

        def step(x_t, states):
            fn = cell if callable(cell) else cell.call
            out, new = fn(x_t, states, **kwargs)
            return out, new

        return step

    def call(self, sequences, initial_state=None, mask=None, training=False):
        sequences = jnp.asarray(sequences)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        batch = sequences.shape[0]
        if initial_state is None:
            if self.stateful:
                initial_state = jax.tree.map(lambda v: v.value, self.states)
            else:
                initial_state = self.get_initial_state(batch)
        if not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        if self.stateful and self._state_slots:
            expected = self._state_slots[0].state.shape[0]
            if batch != expected:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}' is stateful with batch size "
                    f"{expected}, but received inputs of batch size {batch}. Feed batches of "
                    f"exactly {expected} samples (and `shuffle=False`)."
                )
        dtype = self._cell_dtype()
        initial_state = jax.tree.map(lambda s: jnp.asarray(s, dtype), _as_lists(initial_state))
        # As Keras, the masks are drawn at every call (training or not), so a seeded layer's
        # generator advances as Keras's does; they are applied only in training.
        prepare_dropout(self.cell, sequences[:, 0], initial_state)
        try:
            last, outputs, states = rnn_loop(
                self._step_fn(training),
                sequences,
                initial_state,
                mask=mask,
                go_backwards=self.go_backwards,
                unroll=self.unroll,
                zero_output_for_mask=self.zero_output_for_mask,
                sequences=self.return_sequences,
                output_spec=self._output_spec(batch, initial_state),
            )
        finally:
            reset_dropout(self.cell)
        out_dtype = self.compute_dtype
        last = last.astype(out_dtype)
        outputs = outputs.astype(out_dtype) if outputs is not None else None
        states = jax.tree.map(lambda s: s.astype(out_dtype), states)
        if self.stateful and self._state_slots:
            for slot, value in zip(self._state_slots, jax.tree.leaves(states)):
                slot.state.assign(value.astype(slot.state.dtype))
        output = outputs if self.return_sequences else last
        if self.return_state:
            return (output, *states)
        return output

    def _output_spec(self, batch: int, initial_state):
        """(shape, dtype) of one step's output, when the cell declares an int `output_size`."""
        size = getattr(self.cell, "output_size", None)
        if isinstance(size, bool) or not isinstance(size, int):
            return None
        return (batch, size), jax.tree.leaves(initial_state)[0].dtype

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    # ------------------------------------------------------------------------ config
    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "return_sequences": self.return_sequences,
                "return_state": self.return_state,
                "go_backwards": self.go_backwards,
                "stateful": self.stateful,
                "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask,
                "cell": serialize_keras_object(self.cell),
            }
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = deserialize_keras_object(config.pop("cell"), custom_objects=custom_objects)
        return cls(cell, **config)
