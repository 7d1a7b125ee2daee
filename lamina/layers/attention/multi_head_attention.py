"""`MultiHeadAttention`: scaled dot-product attention over several learned projections."""

from __future__ import annotations

import math
import string

import jax
import jax.numpy as jnp

from lamina import constraints, initializers, regularizers
from lamina.core import state
from lamina.core.layer import Layer
from lamina.core.layer_utils import _list_to_shape, _shape_to_list
from lamina.core.masking import get_keras_mask
from lamina.layers.attention.einsum_projection import projection_equation
from lamina.layers.core import Dropout
from lamina.layers.einsum_dense import EinsumDense


def attention_equations(rank: int, attn_axes: tuple[int, ...]) -> tuple[str, str, int]:
    """Einsums for scores (`key, query -> scores`) and for the weighted sum
    (`scores, value -> output`) on projected tensors of `rank` (batch, ..., heads, dim).

    Args:
        rank: the rank of the projected tensors.
        attn_axes: the axes attention runs over.

    Returns:
        A tuple `(scores_equation, combine_equation, scores_rank)`.

    Example:
        >>> from lamina.layers.attention.multi_head_attention import attention_equations
        >>> attention_equations(4, (1,))
        ('aecd,abcd->acbe', 'acbe,aecd->abcd', 4)
    """
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch_dims = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    extra = iter(letters[rank:])
    source = "".join(
        target[i] if (i in batch_dims or i == rank - 1) else next(extra) for i in range(rank)
    )
    product = (
        "".join(target[i] for i in batch_dims)
        + "".join(target[i] for i in attn_axes)
        + "".join(source[i] for i in attn_axes)
    )
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def causal_mask(q_len: int, v_len: int):
    """`(1, q_len, v_len)`: position i may attend to positions j <= i.

    Args:
        q_len: the query length.
        v_len: the value length.

    Returns:
        A boolean array `(1, q_len, v_len)`.

    Example:
        >>> from lamina.layers.attention.multi_head_attention import causal_mask
        >>> causal_mask(2, 2)
        Array([[[ True, False],
                [ True,  True]]], dtype=bool)
    """
    return (jnp.arange(q_len)[:, None] >= jnp.arange(v_len)[None, :])[None]


def combined_attention_mask(
    query, value, query_mask, value_mask, key_mask, attention_mask, causal, extra=None
):
    """The boolean `(batch, q_len, v_len)` mask of an attention call, as Keras combines it: the
    query mask (rows), value/key masks (columns), the causal mask, an `extra` mask (e.g. a
    sliding window) and the explicit `attention_mask`, all ANDed; None when there is none.

    Args:
        query: the query array (its length gives the rows).
        value: the value array (its length gives the columns).
        query_mask: a boolean `(batch, Tq)` mask, or None.
        value_mask: a boolean `(batch, Tv)` mask, or None.
        key_mask: a boolean `(batch, Tv)` mask, or None.
        attention_mask: a boolean `(batch, Tq, Tv)` mask, or None.
        causal: add the causal mask (`i` sees `j <= i`).
        extra: another boolean mask broadcast to `(batch, Tq, Tv)`, or None.

    Returns:
        A boolean array `(batch, Tq, Tv)`, or None.

    Example:
        >>> import numpy as np
        >>> from lamina.layers.attention.multi_head_attention import combined_attention_mask
        >>> q, v = np.zeros((1, 2, 4)), np.zeros((1, 2, 4))
        >>> combined_attention_mask(q, v, None, np.array([[True, False]]), None, None, causal=True)
        Array([[[ True, False],
                [ True, False]]], dtype=bool)
    """
    auto = None
    if query_mask is not None:
        auto = jnp.asarray(query_mask).astype(bool)[..., None]
    for m in (value_mask, key_mask):
        if m is not None:
            m = jnp.asarray(m).astype(bool)[..., None, :]
            auto = m if auto is None else auto & m
    if causal:
        m = causal_mask(query.shape[1], value.shape[1])
        auto = m if auto is None else auto & m
    if extra is not None:
        auto = extra if auto is None else auto & extra
    if attention_mask is not None:
        attention_mask = jnp.asarray(attention_mask).astype(bool)
        return attention_mask if auto is None else attention_mask & auto
    return auto


class _MaskedSoftmax(Layer):
    """Softmax over `axis` where masked-out positions get probability 0."""

    def __init__(self, axis, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.built = True

    def call(self, inputs, mask=None, zero_masked=True):
        if mask is not None:
            mask = jnp.asarray(mask).astype(bool)
            inputs = jnp.where(mask, inputs, jnp.asarray(-1e9, inputs.dtype))
        out = jax.nn.softmax(inputs, axis=self.axis)
        if mask is None or not zero_masked:
            return out  # a row whose keys are all masked gets uniform weights
        return jnp.where(mask, out, jnp.zeros_like(out))


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al., 2017) with Keras's weight layout.

    Four einsum projections (sublayers `query`, `key`, `value`, `attention_output`) hold
    kernels `(dim, heads, key_dim)`, `(dim, heads, key_dim)`, `(dim, heads, value_dim)` and
    `(heads, value_dim, out_dim)`. Unlike Keras 3.15 on JAX, cross-attention score shapes and
    `value_dim != key_dim` work.

    Args:
        num_heads: the number of attention heads.
        key_dim: the size of each head's query and key projections.
        value_dim: the size of each head's value projection (default: `key_dim`).
        dropout: the fraction of attention weights dropped during training.
        use_bias: whether to add a bias vector.
        output_shape: the size (or shape) of the output's last axes; default: the query's last axis.
        attention_axes: the axes attention runs over (default: all but the batch, heads and features
            axes).
        flash_attention: kept for Keras compatibility; lamina picks the attention kernel itself.
        kernel_initializer: the initializer of the projection kernels.
        bias_initializer: the initializer of the projection biases.
        kernel_regularizer: a regularizer applied to the projection kernels.
        bias_regularizer: a regularizer applied to the projection biases.
        activity_regularizer: a regularizer applied to the output.
        kernel_constraint: a constraint applied to the projection kernels.
        bias_constraint: a constraint applied to the projection biases.
        seed: an int seed for the random draws (None: drawn from Python's `random`).
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        query: `(batch, Tq, dim)`.
        value: `(batch, Tv, dim)`.
        key: `(batch, Tv, dim)`; default: `value`.
        query_mask: optional boolean `(batch, Tq)` (default: the query's Keras mask).
        value_mask: optional boolean `(batch, Tv)`.
        key_mask: optional boolean `(batch, Tv)`.
        attention_mask: optional boolean `(batch, Tq, Tv)`: which positions may attend to which.
        return_attention_scores: also return the weights `(batch, heads, Tq, Tv)`.
        training: apply dropout when True.
        use_causal_mask: position `i` attends only to positions `<= i`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=8)
        >>> query, value = np.ones((2, 3, 16)), np.ones((2, 5, 16))
        >>> output, scores = layer(query, value, return_attention_scores=True)
        >>> output.shape, scores.shape
        ((2, 3, 16), (2, 2, 3, 5))
    """

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape=None,
        attention_axes=None,
        flash_attention=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        seed: int | None = None,
        **kwargs,
    ):
        for name, value, optional in (
            ("num_heads", num_heads, False),
            ("key_dim", key_dim, False),
            ("value_dim", value_dim, True),
        ):
            if optional and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"MultiHeadAttention: `{name}` must be a positive integer, received "
                    f"{name}={value!r}."
                )
        for name in ("sliding_window", "use_gate"):
            if kwargs.pop(name, None):
                raise NotImplementedError(f"MultiHeadAttention: `{name}` is not supported yet.")
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        if output_shape:
            output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self._output_shape = output_shape
        self._flash_attention = flash_attention
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(
                "MultiHeadAttention: `attention_axes` must be an int, list or tuple, received "
                f"{attention_axes!r}."
            )
        self._attention_axes = tuple(attention_axes) if attention_axes else None
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    # ------------------------------------------------------------------------ building
    def _sublayer_kwargs(self) -> dict:
        def fresh(init):
            return init.clone() if hasattr(init, "clone") else init

        return {
            "kernel_initializer": fresh(self._kernel_initializer),
            "bias_initializer": fresh(self._bias_initializer),
            "kernel_regularizer": self._kernel_regularizer,
            "bias_regularizer": self._bias_regularizer,
            "kernel_constraint": self._kernel_constraint,
            "bias_constraint": self._bias_constraint,
            "activity_regularizer": self._activity_regularizer,
            "dtype": self.dtype_policy,
        }

    def _projection(self, input_rank: int, width: int, name: str) -> EinsumDense:
        equation, bias_axes = projection_equation(input_rank - 1, 1, 2)
        return EinsumDense(
            equation,
            output_shape=[None] * (input_rank - 2) + [self._num_heads, width],
            bias_axes=bias_axes if self._use_bias else None,
            name=name,
            **self._sublayer_kwargs(),
        )

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                f"MultiHeadAttention '{self.name}': `value` and `key` must agree on every axis but "
                f"the last, received value shape {value_shape} and key shape {key_shape}."
            )
        q_rank = len(query_shape)
        self._query_dense = self._projection(q_rank, self._key_dim, "query")
        self._query_dense._run_build(tuple(query_shape))
        self._key_dense = self._projection(len(key_shape), self._key_dim, "key")
        self._key_dense._run_build(tuple(key_shape))
        self._value_dense = self._projection(len(value_shape), self._value_dim, "value")
        self._value_dense._run_build(tuple(value_shape))
        rank = q_rank + 1
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(
                a if a >= 0 else rank - 1 + a for a in self._attention_axes
            )
        self._dot_equation, self._combine_equation, scores_rank = attention_equations(
            rank, self._attention_axes
        )
        n = len(self._attention_axes)
        self._softmax = _MaskedSoftmax(
            axis=tuple(range(scores_rank - n, scores_rank)), dtype=self.dtype_policy
        )
        self._dropout_layer = Dropout(rate=self._dropout, seed=self.seed, dtype=self.dtype_policy)
        out_shape = self._output_shape or (query_shape[-1],)
        equation, bias_axes = projection_equation(q_rank - 1, 2, len(out_shape))
        self._output_dense = EinsumDense(
            equation,
            output_shape=[None] * (q_rank - 2) + list(out_shape),
            bias_axes=bias_axes if self._use_bias else None,
            name="attention_output",
            **self._sublayer_kwargs(),
        )
        hidden = (*tuple(query_shape)[:-1], self._num_heads, self._value_dim)
        self._output_dense._run_build(hidden)
        self.built = True

    def _maybe_build(self, args, kwargs) -> None:
        # Three inputs (query, value, key), where the base class builds from the first only.
        if self.built:
            return
        names = ("query", "value", "key")
        values = list(args[:3]) + [kwargs.get(n) for n in names[len(args[:3]) :]]
        shapes = {f"{n}_shape": tuple(v.shape) for n, v in zip(names, values) if v is not None}
        with state.name_scope(self.name, owner=self):
            self.build(**shapes)
        self._build_shapes_dict = shapes
        self.built = True

    def get_build_config(self) -> dict | None:
        if self._build_shapes_dict is None:
            return None
        return {"shapes_dict": {k: _shape_to_list(v) for k, v in self._build_shapes_dict.items()}}

    def build_from_config(self, config: dict | None) -> None:
        if not config or self.built:
            return
        shapes = config.get("shapes_dict") or {"query_shape": config["input_shape"]}
        shapes = {k: _list_to_shape(v) for k, v in shapes.items()}
        shapes.setdefault("value_shape", shapes["query_shape"])
        with state.name_scope(self.name, owner=self):
            self.build(**shapes)
        self._build_shapes_dict = shapes
        self.built = True

    # ------------------------------------------------------------------------ calling
    def _attention_mask(
        self, query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
    ):
        return combined_attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
        )

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores: bool = False,
        training=None,
        use_causal_mask: bool = False,
    ):
        query_mask = get_keras_mask(query) if query_mask is None else query_mask
        value_mask = get_keras_mask(value) if value_mask is None else value_mask
        if key is None:
            key = value
        elif key_mask is None:
            key_mask = get_keras_mask(key)
        query, value, key = (jnp.asarray(t) for t in (query, value, key))
        mask = self._attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
        )
        output, scores = self._compute_attention(
            self._query_dense(query),
            self._key_dense(key),
            self._value_dense(value),
            attention_mask=mask,
            training=training,
            return_attention_scores=return_attention_scores,
        )
        output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    # The steps of `call`, under Keras's names: layers that subclass MultiHeadAttention (e.g.
    # KerasHub's cached attention) call them with their own projections.
    def _compute_attention_mask(
        self,
        query,
        value,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        use_causal_mask=False,
    ):
        """The combined boolean `(batch, q_len, v_len)` attention mask (or None)."""
        return self._attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
        )

    def _masked_softmax(self, attention_scores, attention_mask=None, zero_masked=True):
        """Softmax of the scores over the attention axes; masked positions get no weight."""
        if attention_mask is not None:
            attention_mask = jnp.asarray(attention_mask)
            expand_at = -len(self._attention_axes) * 2 - 1
            while attention_mask.ndim < attention_scores.ndim:
                attention_mask = jnp.expand_dims(attention_mask, expand_at)
        return self._softmax(attention_scores, mask=attention_mask, zero_masked=zero_masked)

    def _compute_attention(
        self,
        query,
        key,
        value,
        attention_mask=None,
        training=None,
        return_attention_scores=False,
        use_causal_mask=False,
    ):
        """Attention over projected `(batch, ..., heads, dim)` query, key and value: returns
        `(output before the output projection, attention scores)`."""
        if use_causal_mask and attention_mask is None:
            attention_mask = causal_mask(query.shape[1], key.shape[1])
        query = query * jnp.asarray(self._inverse_sqrt_key_dim, query.dtype)
        scores = jnp.einsum(self._dot_equation, key, query)
        # As Keras: with one attention axis, no dropout and no scores returned, the fused
        # dot-product attention is used, where a query whose keys are all masked attends
        # uniformly; otherwise the masked softmax gives such a row zero weights.
        fused = (
            self._dropout == 0 and not return_attention_scores and len(self._attention_axes) == 1
        )
        scores = self._masked_softmax(scores, attention_mask, zero_masked=not fused)
        weights = self._dropout_layer(scores, training=training) if self._dropout > 0 else scores
        return jnp.einsum(self._combine_equation, weights, value), scores

    _dot_product_equation = property(lambda self: self._dot_equation)

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self._num_heads,
                "key_dim": self._key_dim,
                "value_dim": self._value_dim,
                "dropout": self._dropout,
                "use_bias": self._use_bias,
                "use_gate": False,
                "output_shape": self._output_shape,
                "attention_axes": self._attention_axes,
                "sliding_window": None,
                "kernel_initializer": initializers.serialize(self._kernel_initializer),
                "bias_initializer": initializers.serialize(self._bias_initializer),
                "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self._bias_regularizer),
                "activity_regularizer": regularizers.serialize(self._activity_regularizer),
                "kernel_constraint": constraints.serialize(self._kernel_constraint),
                "bias_constraint": constraints.serialize(self._bias_constraint),
                "seed": self.seed,
            }
        )
        return config
