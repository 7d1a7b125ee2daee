"""`Attention` (dot-product, Luong style) and `AdditiveAttention` (Bahdanau style)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.core.layer import Layer
from lamina.core.random import SeedGenerator


class Attention(Layer):
    """Dot-product attention over `[query, value]` or `[query, value, key]`.

    Scores are `query @ key^T` (times a learned `scale` with `use_scale=True`), or with
    `score_mode='concat'` `concat_score_weight * sum(tanh(query + key))`. Masked value steps
    get no weight; masked query steps output zeros. Returns `(batch, Tq, dim)` (and the
    `(batch, Tq, Tv)` weights with `return_attention_scores=True`).

    Args:
        use_scale: multiply the scores by a learned scalar.
        score_mode: `"dot"` (dot products) or `"concat"` (a learned sum of `tanh(query + key)`).
        dropout: the fraction of attention weights dropped during training.
        seed: an int seed for the random draws (None: drawn from Python's `random`).
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: `[query, value]` or `[query, value, key]`: `(batch, Tq, dim)`, `(batch, Tv, dim)`,
            `(batch, Tv, dim)`.
        mask: optional `[query_mask, value_mask]`: boolean `(batch, Tq)` and `(batch, Tv)`; masked
            values get no attention.
        training: apply dropout to the attention weights when True.
        return_attention_scores: also return the attention weights `(batch, Tq, Tv)`.
        use_causal_mask: position `i` attends only to positions `<= i` (decoders).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> query, value = np.ones((2, 3, 4)), np.ones((2, 5, 4))
        >>> output, scores = keras.layers.Attention()([query, value], return_attention_scores=True)
        >>> output.shape, scores.shape
        ((2, 3, 4), (2, 3, 5))
    """

    def __init__(
        self,
        use_scale: bool = False,
        score_mode: str = "dot",
        dropout: float = 0.0,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(
                f"{type(self).__name__}: `score_mode` must be 'dot' or 'concat', received "
                f"{score_mode!r}."
            )
        if not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise ValueError(
                f"{type(self).__name__}: `dropout` must be in [0, 1], received {dropout!r}."
            )
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if dropout > 0:
            self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True

    def _validate(self, inputs, mask=None) -> None:
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
            raise ValueError(
                f"{name} '{self.name}' must be called on a list [query, value] or "
                f"[query, value, key], received {type(inputs).__name__}"
                + (f" of length {len(inputs)}." if isinstance(inputs, (list, tuple)) else ".")
            )
        if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
            raise ValueError(
                f"{name} '{self.name}': `mask` must be a list [query_mask, value_mask], "
                f"received {mask!r}."
            )

    def _check_shapes(self, shapes) -> None:
        """Query and key must share their feature size, key and value their length."""
        if not all(isinstance(shape, (list, tuple)) for shape in shapes):
            return  # not a list of inputs: `call` says so, naming the layer
        q, v = tuple(shapes[0]), tuple(shapes[1])
        k = tuple(shapes[2]) if len(shapes) > 2 else v
        name = type(self).__name__
        if q[-1] is not None and k[-1] is not None and q[-1] != k[-1]:
            which = "key" if len(shapes) > 2 else "value"
            raise ValueError(
                f"{name} '{self.name}': the query and the {which} must have the same last "
                f"(feature) dimension to be compared, received query shape {q} and {which} "
                f"shape {k}. Project them to the same size first (e.g. with a Dense layer)."
            )
        if len(shapes) > 2 and None not in (k[-2], v[-2]) and k[-2] != v[-2]:
            raise ValueError(
                f"{name} '{self.name}': the key and the value must have the same number of "
                f"steps (axis -2), received key shape {k} and value shape {v}."
            )

    def build(self, input_shape):
        self._validate(input_shape)
        self._check_shapes(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                name="concat_score_weight", shape=(), initializer="ones"
            )
        self.built = True

    def _scores(self, query, key):
        if self.score_mode == "dot":
            scores = jnp.matmul(query, jnp.swapaxes(key, -2, -1))
            return scores if self.scale is None else scores * self.scale.value
        pre = query[..., :, None, :] + key[..., None, :, :]
        if self.scale is not None:
            pre = self.scale.value * pre
        return self.concat_score_weight.value * jnp.sum(jnp.tanh(pre), axis=-1)

    def call(
        self,
        inputs,
        mask=None,
        training=False,
        return_attention_scores: bool = False,
        use_causal_mask: bool = False,
    ):
        self._validate(inputs, mask)
        q, v = jnp.asarray(inputs[0]), jnp.asarray(inputs[1])
        k = jnp.asarray(inputs[2]) if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._scores(q, k)
        keep = None if v_mask is None else jnp.asarray(v_mask).astype(bool)[..., None, :]
        if use_causal_mask:
            tq, tv = scores.shape[-2], scores.shape[-1]
            causal = (jnp.arange(tq)[:, None] >= jnp.arange(tv)[None, :])[None]
            keep = causal if keep is None else keep & causal
        if keep is not None:
            big = 65504.0 if scores.dtype == jnp.float16 else 1.0e9
            scores = jnp.where(keep, scores, scores - big)
        weights = jax.nn.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            key = jax.random.wrap_key_data(self.seed_generator.next())
            kept = jax.random.bernoulli(key, 1.0 - self.dropout, weights.shape)
            weights = jnp.where(kept, weights / (1.0 - self.dropout), 0.0)
        output = jnp.matmul(weights, v)
        if q_mask is not None:
            output = jnp.where(jnp.asarray(q_mask).astype(bool)[..., None], output, 0.0)
        if return_attention_scores:
            return output, weights
        return output

    def compute_mask(self, inputs, mask=None):
        if mask is None or mask[0] is None:
            return None
        return jnp.asarray(mask[0])

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], input_shape[1][-1])

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "use_scale": self.use_scale,
                "score_mode": self.score_mode,
                "dropout": self.dropout,
                "seed": self.seed,
            }
        )
        return config


class AdditiveAttention(Attention):
    """Additive attention: scores `sum(scale * tanh(query + key))`, with a learned `scale` of
    shape `(dim,)` when `use_scale=True` (the default).

    Args:
        use_scale: learn a scale vector for the `tanh` terms (the default) instead of summing them
            as they are.
        dropout: the fraction of attention weights dropped during training.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: `[query, value]` or `[query, value, key]`: `(batch, Tq, dim)`, `(batch, Tv, dim)`,
            `(batch, Tv, dim)`.
        mask: optional `[query_mask, value_mask]`: boolean `(batch, Tq)` and `(batch, Tv)`; masked
            values get no attention.
        training: apply dropout to the attention weights when True.
        return_attention_scores: also return the attention weights `(batch, Tq, Tv)`.
        use_causal_mask: position `i` attends only to positions `<= i` (decoders).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> query, value = np.ones((2, 3, 4)), np.ones((2, 5, 4))
        >>> keras.layers.AdditiveAttention()([query, value]).shape
        (2, 3, 4)
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def _check_shapes(self, shapes) -> None:
        """Query and key must share their feature size, key and value their length."""
        if not all(isinstance(shape, (list, tuple)) for shape in shapes):
            return  # not a list of inputs: `call` says so, naming the layer
        q, v = tuple(shapes[0]), tuple(shapes[1])
        k = tuple(shapes[2]) if len(shapes) > 2 else v
        name = type(self).__name__
        if q[-1] is not None and k[-1] is not None and q[-1] != k[-1]:
            which = "key" if len(shapes) > 2 else "value"
            raise ValueError(
                f"{name} '{self.name}': the query and the {which} must have the same last "
                f"(feature) dimension to be compared, received query shape {q} and {which} "
                f"shape {k}. Project them to the same size first (e.g. with a Dense layer)."
            )
        if len(shapes) > 2 and None not in (k[-2], v[-2]) and k[-2] != v[-2]:
            raise ValueError(
                f"{name} '{self.name}': the key and the value must have the same number of "
                f"steps (axis -2), received key shape {k} and value shape {v}."
            )

    def build(self, input_shape):
        self._validate(input_shape)
        self._check_shapes(input_shape)
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(
                name="scale", shape=(input_shape[0][-1],), initializer="glorot_uniform"
            )
        self.built = True

    def _scores(self, query, key):
        pre = jnp.tanh(query[..., :, None, :] + key[..., None, :, :])
        scale = 1.0 if self.scale is None else self.scale.value
        return jnp.sum(scale * pre, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
