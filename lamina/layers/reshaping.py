"""Reshaping layers: `Reshape`, `Permute`, `RepeatVector`, `Identity`."""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from lamina.core import state
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer


def _static(shape) -> tuple:
    """A shape with every non-integer (symbolic) dimension replaced by None."""
    return tuple(int(d) if isinstance(d, int) else None for d in shape)


def _is_int(d) -> bool:
    return isinstance(d, (int, np.integer)) and not isinstance(d, bool)


def _check_target_shape(target_shape) -> tuple[int, ...]:
    try:
        target = tuple(target_shape)
    except TypeError:
        raise TypeError(
            f"Reshape: `target_shape` must be a tuple of integers (without the batch axis), "
            f"received {target_shape!r}. For a single axis write ({target_shape!r},)."
        ) from None
    if not all(_is_int(d) for d in target):
        raise TypeError(
            f"Reshape: every entry of `target_shape` must be an integer, received {target!r}."
        )
    if any(d < -1 for d in target):
        raise ValueError(
            f"Reshape: each entry of `target_shape` must be a non-negative integer or -1 (one "
            f"inferred axis), received target_shape={target!r}."
        )
    if target.count(-1) > 1:
        raise ValueError(
            f"Reshape: `target_shape` may contain at most one -1 (the inferred axis), received "
            f"target_shape={target!r}."
        )
    return tuple(int(d) for d in target)


class Reshape(Layer):
    """Reshapes every sample to `target_shape` (the batch axis is kept).

    One entry of `target_shape` may be -1: its size is inferred from the input size and the other
    entries.

    Args:
        target_shape: the shape of one sample (without the batch axis); one entry may be -1.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array with a batch axis.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.Reshape((3, 4))(np.zeros((2, 12))).shape
        (2, 3, 4)
        >>> keras.layers.Reshape((-1, 2))(np.zeros((2, 12))).shape
        (2, 6, 2)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = _check_target_shape(target_shape)
        self.built = True

    def _resolve(self, input_shape) -> tuple:
        """The output shape without the batch axis: -1 resolved, or None when not knowable."""
        inner = _static(input_shape[1:])
        target = self.target_shape
        if None in inner:
            return tuple(None if d == -1 else d for d in target)
        size = math.prod(inner)
        known = math.prod(d for d in target if d != -1)
        if -1 not in target:
            if size == known:
                return target
            detail = f"{size} values per sample vs {known}"
        elif known != 0 and size % known == 0:
            return tuple(size // known if d == -1 else d for d in target)
        else:
            detail = (
                f"{size} values per sample cannot be split into blocks of {known} to infer the -1"
            )
        raise ValueError(
            f"Reshape '{self.name}': cannot reshape input of shape {_static(input_shape)} to "
            f"target_shape {target}: {detail}. The product of `target_shape` must equal the "
            "number of values per sample (the batch axis excluded)."
        )

    def call(self, inputs):
        resolved = self._resolve(inputs.shape)
        batch = inputs.shape[0]
        if None in resolved:
            # An inner axis of the input is unknown (symbolic build only): let JAX infer it.
            return jnp.reshape(inputs, (batch,) + tuple(-1 if d is None else d for d in resolved))
        if None in _static(inputs.shape[1:]) and state.in_symbolic_scope():
            # Unknown inner axes share the batch's symbolic size, so a fixed target cannot be
            # proved to fit; only the output shape matters here.
            return jnp.zeros((batch,) + resolved, inputs.dtype)
        return jnp.reshape(inputs, (batch,) + resolved)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self._resolve(input_shape))

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config


class Permute(Layer):
    """Permutes the non-batch axes of the input by `dims`, a 1-based pattern such as `(2, 1)`.

    Args:
        dims: the new order of the non-batch axes, numbered from 1 (e.g. `(2, 1)` swaps the two axes
            of a sample).
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array with a batch axis.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.Permute((2, 1))(np.zeros((4, 10, 64))).shape
        (4, 64, 10)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(dims)
        except TypeError:
            raise TypeError(
                f"Permute: `dims` must be a tuple of integers, received {dims!r}."
            ) from None
        if not all(_is_int(d) for d in dims) or sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                "Permute: `dims` must be a permutation of 1..n (1-based, the batch axis "
                f"excluded), e.g. (2, 1) to swap two axes; received dims={dims!r}."
            )
        self.dims = tuple(int(d) for d in dims)
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return jnp.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(
                f"Permute '{self.name}': dims={self.dims} expects inputs of rank "
                f"{len(self.dims) + 1} (batch included), received shape {tuple(input_shape)}."
            )
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config


class RepeatVector(Layer):
    """Repeats a `(batch, features)` input `n` times: the output is `(batch, n, features)`.

    Args:
        n: the number of repetitions.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array `(batch, features)`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.RepeatVector(3)(np.zeros((2, 5))).shape
        (2, 3, 5)
    """

    def __init__(self, n: int, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(
                f"RepeatVector: `n` must be an integer, received {n!r} of type {type(n).__name__}."
            )
        if n <= 0:
            raise ValueError(f"RepeatVector: `n` must be a positive integer, received n={n}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return jnp.repeat(inputs[:, None, :], self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config


class Identity(Layer):
    """Returns its inputs unchanged (a placeholder layer).

    Args:
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array with a batch axis.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.Identity()(np.array([1.0, 2.0]))
        Array([1., 2.], dtype=float32)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
