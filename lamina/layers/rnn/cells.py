"""What the built-in recurrent cells share: per-sequence dropout masks and zero initial states.

Keras draws one dropout mask per call of a recurrent layer and reuses it at every timestep. Here
the layer asks its cell to draw the masks before the time loop (`prepare_dropout_masks`), so the
scanned step only reads them and never touches the seed generator inside `lax.scan`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def _dropout_mask(seed_generator, like, rate: float, count: int | None):
    """`count` (or one) inverted-dropout masks shaped like `like` (stacked on a new axis 0)."""
    # One draw per mask, in order, as Keras's `random.dropout(ones_like(x), rate, seed)`.
    masks = []
    for _ in range(1 if count is None else count):
        key = jax.random.wrap_key_data(seed_generator.next())
        keep = jax.random.bernoulli(key, 1.0 - rate, like.shape)
        ones = jnp.ones(like.shape, like.dtype)
        masks.append(jnp.where(keep, ones / (1.0 - rate), jnp.zeros_like(ones)))
    return masks[0] if count is None else jnp.stack(masks)


class DropoutRNNCell:
    """Mixin for cells with `dropout`, `recurrent_dropout` and a `seed_generator`.

    `dropout_mask_count` (when set) asks for one mask per gate, as Keras does whenever
    `recurrent_dropout` is used.

    Args:
        (none: a mixin; the cell's own `dropout`, `recurrent_dropout` and `seed` set it up)

    Example:
        >>> import lamina as keras
        >>> from lamina.layers.rnn.cells import DropoutRNNCell
        >>> isinstance(keras.layers.LSTMCell(4, dropout=0.1), DropoutRNNCell)
        True
    """

    def _cached(self, name: str):
        return self.__dict__.get(name)

    def _set_cached(self, name: str, value) -> None:
        self.__dict__[name] = value  # plain arrays, kept out of layer tracking

    def get_dropout_mask(self, step_input):
        """The input mask of the current call (drawn now if the layer did not prepare it)."""
        if self._cached("_dropout_mask") is None and 0.0 < self.dropout < 1.0:
            count = getattr(self, "dropout_mask_count", None)
            mask = _dropout_mask(self.seed_generator, step_input, self.dropout, count)
            self._set_cached("_dropout_mask", mask)
        return self._cached("_dropout_mask")

    def get_recurrent_dropout_mask(self, step_state):
        """The mask for the recurrent state of the current call."""
        if self._cached("_recurrent_dropout_mask") is None and 0.0 < self.recurrent_dropout < 1.0:
            count = getattr(self, "dropout_mask_count", None)
            mask = _dropout_mask(self.seed_generator, step_state, self.recurrent_dropout, count)
            self._set_cached("_recurrent_dropout_mask", mask)
        return self._cached("_recurrent_dropout_mask")

    def prepare_dropout_masks(self, step_input, step_state) -> None:
        """Draws this call's masks before the time loop."""
        self.get_dropout_mask(step_input)
        self.get_recurrent_dropout_mask(step_state)

    def reset_dropout_mask(self) -> None:
        self._set_cached("_dropout_mask", None)

    def reset_recurrent_dropout_mask(self) -> None:
        self._set_cached("_recurrent_dropout_mask", None)


def masked_by_gate(x, mask, kernel, gates: int):
    """`x @ kernel` where `mask` is None, one mask `(batch, dim)`, or one mask per gate
    `(gates, batch, dim)` applied to the matching column block of `kernel`.

    Args:
        x: the input `(batch, dim)`.
        mask: None, a `(batch, dim)` dropout mask, or one per gate `(gates, batch, dim)`.
        kernel: `(dim, gates * units)`.
        gates: the number of gates.

    Returns:
        The product `(batch, gates * units)`.

    Example:
        >>> import numpy as np
        >>> from lamina.layers.rnn.cells import masked_by_gate
        >>> masked_by_gate(np.ones((1, 2)), None, np.ones((2, 4)), gates=2)
        Array([[2., 2., 2., 2.]], dtype=float32)
    """
    if mask is None:
        return jnp.matmul(x, kernel)
    if mask.ndim == x.ndim:
        return jnp.matmul(x * mask, kernel)
    blocks = jnp.split(kernel, gates, axis=-1)
    return jnp.concatenate([jnp.matmul(x * mask[g], blocks[g]) for g in range(gates)], axis=-1)


def zero_states(state_size, batch_size, dtype) -> list:
    """Zero initial states for a `state_size` (an int or a list of ints).

    Args:
        state_size: an int or a list of ints.
        batch_size: the batch size.
        dtype: the states' dtype.

    Returns:
        A list of zero arrays `(batch_size, size)`.

    Example:
        >>> from lamina.layers.rnn.cells import zero_states
        >>> [s.shape for s in zero_states([4, 4], 2, "float32")]
        [(2, 4), (2, 4)]
    """
    sizes = [state_size] if isinstance(state_size, int) else list(state_size)
    return [jnp.zeros((batch_size, d), dtype=dtype) for d in sizes]


def cell_property(name: str, doc: str | None = None) -> property:
    """A read-only attribute of a recurrent layer forwarded to its cell (`LSTM.units`...).

    Args:
        name: the cell attribute.
        doc: the property's docstring.

    Returns:
        A property.

    Example:
        >>> import lamina as keras
        >>> keras.layers.LSTM(8).units  # forwarded to the LSTMCell
        8
    """
    return property(lambda self: getattr(self.cell, name), doc=doc or f"The cell's `{name}`.")


def _common_cell_args(cell, units, kwargs_names: dict) -> None:
    from lamina import activations, constraints, initializers, regularizers

    if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
        raise ValueError(
            f"{type(cell).__name__}: `units` must be a positive integer, received units={units!r}."
        )
    cell.units = units
    for key, value in kwargs_names.items():
        if key.endswith("activation"):
            setattr(cell, key, activations.get(value))
        elif key.endswith("initializer"):
            setattr(cell, key, initializers.get(value))
        elif key.endswith("regularizer"):
            setattr(cell, key, regularizers.get(value))
        elif key.endswith("constraint"):
            setattr(cell, key, constraints.get(value))
        elif key in ("dropout", "recurrent_dropout"):
            setattr(cell, key, min(1.0, max(0.0, float(value))))
        else:
            setattr(cell, key, value)


def common_cell_config(cell) -> dict:
    """The config entries every built-in cell shares (and its recurrent layer repeats).

    Args:
        cell: a built-in cell.

    Returns:
        A dict (`units`, `activation`, initializers, regularizers, constraints, `dropout`,
        `recurrent_dropout`, `seed`, ...).

    Example:
        >>> import lamina as keras
        >>> from lamina.layers.rnn.cells import common_cell_config
        >>> config = common_cell_config(keras.layers.GRUCell(3))
        >>> config["units"], config["activation"]
        (3, 'tanh')
    """
    from lamina import activations, constraints, initializers, regularizers

    config = {"units": cell.units}
    for key in ("activation", "recurrent_activation"):
        if hasattr(cell, key):
            config[key] = activations.serialize(getattr(cell, key))
    config["use_bias"] = cell.use_bias
    for kind, module in (
        ("initializer", initializers),
        ("regularizer", regularizers),
        ("constraint", constraints),
    ):
        for part in ("kernel", "recurrent", "bias"):
            config[f"{part}_{kind}"] = module.serialize(getattr(cell, f"{part}_{kind}"))
    config["dropout"] = cell.dropout
    config["recurrent_dropout"] = cell.recurrent_dropout
    return config


def init_cell(cell, units, seed, **arguments) -> None:
    """Stores a cell's arguments (resolving activations, initializers, regularizers,
    constraints) and creates its seed generator, which Keras cells always have.

    Args:
        cell: the cell being constructed.
        units: its size.
        seed: the dropout seed, or None.
        **arguments: its other arguments (activation, initializers, ...).

    Example:
        >>> import lamina as keras
        >>> cell = keras.layers.SimpleRNNCell(3, seed=1)  # calls init_cell
        >>> cell.units, cell.seed_generator is not None
        (3, True)
    """
    from lamina.core.random import SeedGenerator

    _common_cell_args(cell, units, arguments)
    cell.seed = seed
    cell.seed_generator = SeedGenerator(seed)
