"""`StackedRNNCells`: several cells run as one, each feeding its output to the next."""

from __future__ import annotations

import jax

from lamina.core.layer import Layer
from lamina.core.serialization import deserialize_keras_object, serialize_keras_object
from lamina.layers.rnn.cells import zero_states


def _output_size(cell) -> int:
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    return jax.tree.leaves(cell.state_size)[0]


class StackedRNNCells(Layer):
    """Wraps a list of RNN cells so that `RNN` runs them as one stacked cell.

    Its states are the list of each cell's states; its output is the last cell's output.

    Args:
        cells: the list of cells, applied in order at each step.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: one step's inputs `(batch, features)`.
        states: the previous state(s).
        training: apply dropout when True.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> cells = keras.layers.StackedRNNCells(
        ...     [keras.layers.LSTMCell(4), keras.layers.GRUCell(2)])
        >>> keras.layers.RNN(cells)(np.zeros((2, 5, 3))).shape
        (2, 2)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise ValueError(
                    "StackedRNNCells: every cell needs a `call` method and a `state_size` "
                    f"attribute, received {cell!r}."
                )
        self.cells = list(cells)

    @property
    def state_size(self) -> list:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> int:
        return _output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None) -> list:
        states = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                states.append(fn(batch_size=batch_size))
            elif isinstance(cell.state_size, int):
                states.append(zero_states(cell.state_size, batch_size, self.compute_dtype)[0])
            else:
                states.append(zero_states(cell.state_size, batch_size, self.compute_dtype))
        return states

    def build(self, input_shape):
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell._run_build(tuple(input_shape))
            input_shape = (input_shape[0], _output_size(cell))
        self.built = True

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            is_list = isinstance(cell_states, (list, tuple))
            cell_states = list(cell_states) if is_list else [cell_states]
            kwargs = {}
            if isinstance(cell, Layer) and cell._call_has_training:
                kwargs["training"] = training
            fn = cell if callable(cell) else cell.call
            inputs, cell_states = fn(inputs, cell_states, **kwargs)
            if not isinstance(cell_states, (list, tuple)):
                cell_states = [cell_states]
            if len(cell_states) == 1 and not is_list:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        return inputs, new_states

    def get_config(self):
        config = super().get_config()
        config["cells"] = [serialize_keras_object(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [
            deserialize_keras_object(c, custom_objects=custom_objects) for c in config.pop("cells")
        ]
        return cls(cells, **config)
