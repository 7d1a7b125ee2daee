"""`InputLayer` and `Input`: the entry points of a model's graph."""

from __future__ import annotations

import warnings

from lamina.core.layer import Layer
from lamina.core.symbolic import KerasTensor, Node
from lamina.core.variable import standardize_dtype


class InputLayer(Layer):
    """The layer behind `keras.Input`: it holds the input's batch shape and dtype.

    Args:
        shape: the shape of one sample, without the batch axis.
        batch_size: a fixed batch size, or None.
        dtype: the input's dtype (default: `floatx()`).
        sparse: kept in the config for Keras compatibility (arrays are dense).
        ragged: kept in the config for Keras compatibility.
        batch_shape: the full shape, batch axis included (instead of `shape` and `batch_size`).
        input_tensor: an existing `KerasTensor` to use as the input.
        optional: whether the input may be None.
        name: the input's name.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: the data, returned as it is.

    Example:
        >>> import lamina as keras
        >>> layer = keras.layers.InputLayer(shape=(3,))
        >>> layer.batch_shape, layer.output.shape
        ((None, 3), (None, 3))
        >>> model = keras.Sequential([keras.layers.InputLayer(shape=(3,)), keras.layers.Dense(2)])
        >>> model.output_shape
        (None, 2)
    """

    def __init__(
        self,
        shape=None,
        batch_size=None,
        dtype=None,
        sparse=None,
        ragged=None,
        batch_shape=None,
        input_tensor=None,
        optional=False,
        name=None,
        **kwargs,
    ):
        if "input_shape" in kwargs:
            warnings.warn("InputLayer: `input_shape` is deprecated, use `shape`.", stacklevel=2)
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        kwargs.pop("trainable", None)
        super().__init__(name=name, **kwargs)
        if input_tensor is not None:
            batch_shape = input_tensor.shape
            dtype = input_tensor.dtype
        elif shape is not None and batch_shape is not None:
            raise ValueError("Input: pass either `shape` or `batch_shape`, not both.")
        elif shape is None and batch_shape is None:
            raise ValueError(
                "Input: a `shape` is required, e.g. keras.Input(shape=(32,)) for batches of "
                "32-dimensional vectors."
            )
        if shape is not None:
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size, *tuple(shape))
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        try:
            self._input_dtype = standardize_dtype(dtype)
        except (ValueError, TypeError) as e:
            raise ValueError(
                f"Input{' ' + repr(name) if name else ''}: unknown `dtype` {dtype!r}. Use a dtype name such as "
                "'float32', 'int32' or 'string' (or a NumPy dtype)."
            ) from e
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.optional = optional
        if input_tensor is None:
            input_tensor = KerasTensor(self.batch_shape, self._input_dtype, name=self.name)
        self.output_tensor = input_tensor
        Node(self, (), {}, outputs=input_tensor)
        self.built = True

    @property
    def dtype(self) -> str:
        return self._input_dtype

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {
            "batch_shape": self.batch_shape,
            "dtype": self._input_dtype,
            "sparse": self.sparse,
            "ragged": self.ragged,
            "name": self.name,
            "optional": self.optional,
        }


def Input(
    shape=None,
    batch_size=None,
    dtype=None,
    sparse=None,
    ragged=None,
    batch_shape=None,
    name=None,
    tensor=None,
    optional=False,
) -> KerasTensor:
    """A symbolic input: the start of a functional model (`keras.Input(shape=(32,))`).

    It returns a `KerasTensor` with no data, only a shape and dtype; calling layers on it records
    the graph that `keras.Model(inputs, outputs)` turns into a model.

    Args:
        shape: the shape of one sample, without the batch axis; `None` entries are unknown.
        batch_size: a fixed batch size, or None (unknown).
        dtype: the input's dtype; default: `floatx()`.
        sparse: kept in the config for Keras compatibility (lamina's arrays are always dense).
        ragged: kept in the config for Keras compatibility (lamina has no ragged tensors).
        batch_shape: the full shape, batch axis included (instead of `shape` and `batch_size`).
        name: the input's name (the key of dict inputs in `fit`/`predict`).
        tensor: an existing `KerasTensor` to use as the input.
        optional: whether the model may be called with None for this input.

    Returns:
        A `KerasTensor`.

    Example:
        >>> import lamina as keras
        >>> x = keras.Input(shape=(32,), name="features")
        >>> x.shape, x.dtype, x.name
        ((None, 32), 'float32', 'features')
        >>> keras.Input(batch_shape=(8, 10), dtype="int32").shape
        (8, 10)
    """
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        sparse=sparse,
        ragged=ragged,
        batch_shape=batch_shape,
        input_tensor=tensor,
        name=name,
        optional=optional,
    )
    return layer.output_tensor
