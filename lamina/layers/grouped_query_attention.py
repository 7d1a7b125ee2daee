"""`GroupQueryAttention`: attention where groups of query heads share key/value heads."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from lamina import constraints, initializers, regularizers
from lamina.core import naming
from lamina.core.layer import Layer
from lamina.core.masking import get_keras_mask
from lamina.layers.attention.multi_head_attention import (
    MultiHeadAttention,
    combined_attention_mask,
)
from lamina.layers.core import Dropout
from lamina.layers.einsum_dense import EinsumDense


class GroupQueryAttention(Layer):
    """Grouped-query attention (Ainslie et al., 2023): `num_query_heads` query heads attend
    with only `num_key_value_heads` key/value heads, each shared by a group of
    `num_query_heads // num_key_value_heads` query heads. With as many key/value heads as
    query heads it is multi-head attention; with one, multi-query attention.

    Args:
        head_dim: the size of each attention head.
        num_query_heads: the number of query heads.
        num_key_value_heads: the number of key and value heads (divides `num_query_heads`).
        dropout: dropout rate on the attention weights.
        use_bias: whether the projections have biases.
        sliding_window: if set, position `i` attends only to positions `j` with
            `|i - j| < sliding_window`.
        flash_attention: accepted for compatibility (lamina always uses plain attention).
        kernel_initializer, bias_initializer: initializers of the projection weights.
        kernel_regularizer, bias_regularizer, activity_regularizer: optional regularizers.
        kernel_constraint, bias_constraint: optional constraints.
        use_gate: multiply the attention output by a sigmoid gate computed from the query.
        seed: seed of the dropout.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        query: `(batch, target_length, features)`.
        value: `(batch, source_length, features)`.
        key: optional `(batch, source_length, features)` (default `value`).
        query_mask, value_mask, key_mask: optional padding masks (default: the inputs' masks).
        attention_mask: optional boolean `(batch, target_length, source_length)`.
        return_attention_scores: also return the attention weights.
        training: whether dropout is active.
        use_causal_mask: forbid attending to later positions.

    Returns:
        The output `(batch, target_length, features)`, and the scores
        `(batch, num_query_heads, target_length, source_length)` if requested.

    Example:
    >>> import numpy as np
    >>> layer = GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    >>> x = np.ones((1, 3, 8), "float32")
    >>> layer(x, x).shape
    (1, 3, 8)
    """

    # Keras's class is GroupedQueryAttention (exported as GroupQueryAttention): weight-file
    # paths and automatic names use that name.
    _keras_class_name = "GroupedQueryAttention"

    # Built from up to three shapes, like MultiHeadAttention.
    _maybe_build = MultiHeadAttention._maybe_build
    get_build_config = MultiHeadAttention.get_build_config
    build_from_config = MultiHeadAttention.build_from_config

    def __init__(
        self,
        head_dim,
        num_query_heads,
        num_key_value_heads,
        dropout=0.0,
        use_bias=True,
        sliding_window=None,
        flash_attention=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        use_gate=False,
        seed=None,
        **kwargs,
    ):
        if not kwargs.get("name"):
            kwargs["name"] = naming.auto_name(self._keras_class_name)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError(
                "GroupQueryAttention: `num_query_heads` must be divisible by "
                f"`num_key_value_heads`; received {num_query_heads} and {num_key_value_heads}."
            )
        if sliding_window is not None and (
            not isinstance(sliding_window, int) or sliding_window <= 0
        ):
            raise ValueError(
                "GroupQueryAttention: `sliding_window` must be None or a positive integer; "
                f"received sliding_window={sliding_window!r}."
            )
        self.supports_masking = True
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = dropout
        self.use_bias = use_bias
        self.use_gate = use_gate
        self.sliding_window = sliding_window
        self._flash_attention = flash_attention
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._build_shapes_dict = None

    def _dense(self, equation, output_shape, bias_axes, name, activation=None):
        return EinsumDense(
            equation,
            output_shape=output_shape,
            bias_axes=bias_axes if self.use_bias else None,
            activation=activation,
            name=name,
            kernel_initializer=type(self.kernel_initializer).from_config(
                self.kernel_initializer.get_config()
            ),
            bias_initializer=type(self.bias_initializer).from_config(
                self.bias_initializer.get_config()
            ),
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer,
            activity_regularizer=self.activity_regularizer,
            kernel_constraint=self.kernel_constraint,
            bias_constraint=self.bias_constraint,
            dtype=self.dtype_policy,
        )

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        self.feature_dim = query_shape[-1]
        q_out = (None, self.num_query_heads, self.head_dim)
        kv_out = (None, self.num_key_value_heads, self.head_dim)
        self._query_dense = self._dense("bqm,muh->bquh", q_out, "uh", "query")
        self._query_dense._run_build(tuple(query_shape))
        self._key_dense = self._dense("bkm,mvh->bkvh", kv_out, "vh", "key")
        self._key_dense._run_build(tuple(key_shape))
        if self.use_gate:
            self._gate_dense = self._dense("bqm,muh->bquh", q_out, "uh", "gate", "sigmoid")
            self._gate_dense._run_build(tuple(query_shape))
        self._value_dense = self._dense("bkm,mvh->bkvh", kv_out, "vh", "value")
        self._value_dense._run_build(tuple(value_shape))
        self._dropout_layer = Dropout(rate=self.dropout, seed=self.seed, dtype=self.dtype_policy)
        self._output_dense = self._dense(
            "bquh,uhm->bqm", (None, self.feature_dim), "m", "attention_output"
        )
        self._output_dense._run_build((None, None, self.num_query_heads, self.head_dim))
        self.built = True

    def _mask(self, query, value, query_mask, value_mask, key_mask, attention_mask, causal):
        window = None
        if self.sliding_window is not None:
            rows = jnp.arange(query.shape[1])[:, None]
            cols = jnp.arange(value.shape[1])[None, :]
            window = (jnp.abs(rows - cols) < self.sliding_window)[None]
        return combined_attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, causal, window
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
        return_attention_scores=False,
        training=None,
        use_causal_mask=False,
    ):
        query_mask = get_keras_mask(query) if query_mask is None else query_mask
        value_mask = get_keras_mask(value) if value_mask is None else value_mask
        if key is None:
            key = value
        elif key_mask is None:
            key_mask = get_keras_mask(key)
        query, value, key = (jnp.asarray(t) for t in (query, value, key))
        mask = self._mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
        )
        gate = self._gate_dense(query) if self.use_gate else None
        q = self._query_dense(query)
        k = jnp.repeat(self._key_dense(key), self.num_repeats, axis=2)
        v = jnp.repeat(self._value_dense(value), self.num_repeats, axis=2)
        q = q * jnp.asarray(1.0 / math.sqrt(float(self.head_dim)), q.dtype)
        scores = jnp.einsum("bquh,bkuh->buqk", q, k)
        if mask is not None:
            while mask.ndim < scores.ndim:
                mask = jnp.expand_dims(mask, -3)
            big = -3e4 if scores.dtype == jnp.float16 else -1e9
            scores = jnp.where(mask, scores, jnp.asarray(big, scores.dtype))
        scores = jax.nn.softmax(scores, axis=-1)
        weights = self._dropout_layer(scores, training=training) if self.dropout > 0 else scores
        output = jnp.einsum("buqk,bkuh->bquh", weights, v)
        if gate is not None:
            output = output * gate
        output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return tuple(query_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "head_dim": self.head_dim,
                "num_query_heads": self.num_query_heads,
                "num_key_value_heads": self.num_key_value_heads,
                "use_bias": self.use_bias,
                "use_gate": self.use_gate,
                "sliding_window": self.sliding_window,
                "dropout": self.dropout,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "seed": self.seed,
            }
        )
        return config
