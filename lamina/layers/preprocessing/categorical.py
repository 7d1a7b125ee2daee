"""`CategoryEncoding` and the integer-index encodings shared by the categorical layers."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.core.layer import Layer

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


def encode_indices(indices, output_mode: str, depth: int, dtype="float32", count_weights=None):
    """Encodes integer indices in `[0, depth)` as Keras does: `'int'` casts; `'one_hot'` adds a
    last axis of size `depth` (replacing a trailing axis of size 1); `'multi_hot'` and
    `'count'` reduce the sample's values (axis 1 of rank >= 2 inputs, else axis 0) into one
    vector of size `depth`. Out-of-range indices encode as all zeros.

    Args:
        indices: an integer array.
        output_mode: `"int"`, `"one_hot"`, `"multi_hot"` or `"count"`.
        depth: the number of categories.
        dtype: the output dtype.
        count_weights: weights of the values for `"count"`, or None.

    Returns:
        The encoded array.

    Example:
        >>> import numpy as np
        >>> from lamina.layers.preprocessing.categorical import encode_indices
        >>> encode_indices(np.array([[1, 1, 3]]), "count", 4)
        Array([[0., 2., 0., 1.]], dtype=float32)
    """
    if output_mode == "int":
        return indices.astype(dtype)
    if indices.ndim == 0:
        indices = indices[None]
    indices = indices.astype("int32")
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = jnp.reshape(indices, indices.shape[:-1])
        return jax.nn.one_hot(indices, depth, dtype=dtype)
    axis = 1 if indices.ndim > 1 else 0
    if output_mode == "multi_hot":
        return jnp.max(jax.nn.one_hot(indices, depth, dtype=dtype), axis=axis)
    if output_mode == "count":
        if count_weights is not None:
            encoded = jax.nn.one_hot(indices, depth, dtype=count_weights.dtype)
            encoded = encoded * count_weights[..., None]
        else:
            encoded = jax.nn.one_hot(indices, depth, dtype=dtype)
        return jnp.sum(encoded, axis=axis)
    raise ValueError(f"unknown output_mode {output_mode!r}; expected one of {OUTPUT_MODES}.")


def encoded_shape(input_shape, output_mode: str, depth: int):
    """The output shape of `encode_indices` for inputs of `input_shape`.

    Args:
        input_shape: the input's shape.
        output_mode: `"int"`, `"one_hot"`, `"multi_hot"` or `"count"`.
        depth: the number of categories.

    Returns:
        The output shape.

    Example:
        >>> from lamina.layers.preprocessing.categorical import encoded_shape
        >>> encoded_shape((None, 3), "multi_hot", 10), encoded_shape((None, 1), "one_hot", 10)
        ((None, 10), (None, 10))
    """
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if len(input_shape) == 0:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    if len(input_shape) == 1:
        return (depth,)
    return (input_shape[0],) + input_shape[2:] + (depth,)


class CategoryEncoding(Layer):
    """Encodes integer category ids in `[0, num_tokens)` as one-hot, multi-hot or count
    vectors. `call(inputs, count_weights=None)`: with `output_mode='count'`, `count_weights`
    weighs each input value. `sparse=True` is not supported (outputs are dense).

    Args:
        num_tokens: the number of categories: inputs must be in `[0, num_tokens)`.
        output_mode: `"one_hot"` (one vector per value), `"multi_hot"` (one vector per sample, 1
            where a value occurs) or `"count"` (how often it occurs).
        sparse: must be False: lamina has no sparse tensors.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: integer category ids, rank 1 or 2.
        count_weights: optional weights of the values, for `output_mode="count"`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")(np.array([0, 3]))
        Array([[1., 0., 0., 0.],
               [0., 0., 0., 1.]], dtype=float32)
        >>> keras.layers.CategoryEncoding(num_tokens=4, output_mode="count")(np.array([[0, 3, 3]]))
        Array([[1., 0., 0., 2.]], dtype=float32)
    """

    def __init__(
        self, num_tokens=None, output_mode: str = "multi_hot", sparse: bool = False, **kwargs
    ):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(
                "CategoryEncoding: `output_mode` must be 'one_hot', 'multi_hot' or 'count', "
                f"received {output_mode!r}."
            )
        if num_tokens is None:
            raise ValueError(
                "CategoryEncoding: `num_tokens` must be set; to learn the categories from data "
                "use IntegerLookup instead."
            )
        if num_tokens < 1:
            raise ValueError(f"CategoryEncoding: `num_tokens` must be >= 1, received {num_tokens}.")
        if sparse:
            raise NotImplementedError(
                "CategoryEncoding: sparse outputs are not supported by lamina."
            )
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse
        self.built = True

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    "CategoryEncoding: `count_weights` is only used with output_mode='count', "
                    f"but output_mode={self.output_mode!r}."
                )
            count_weights = jnp.asarray(count_weights, self.compute_dtype)
        return encode_indices(
            jnp.asarray(inputs),
            self.output_mode,
            self.num_tokens,
            self.compute_dtype,
            count_weights,
        )

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_tokens,)
        if self.output_mode == "one_hot":
            if input_shape[-1] != 1 or len(input_shape) == 1:
                return input_shape + (self.num_tokens,)
            return input_shape[:-1] + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode})
        return config
