"""`ReversibleEmbedding`: an embedding that can also project vectors back to vocabulary
logits (the tied input/output embedding of language models)."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.layers.embedding import Embedding


class ReversibleEmbedding(Embedding):
    """An `Embedding` whose `call(x, reverse=True)` maps vectors back to logits over the
    vocabulary: `x @ embeddings.T` (tied) or `x @ reverse_embeddings`.

    Args:
        input_dim: the vocabulary size.
        output_dim: the embedding size.
        tie_weights: reuse the transposed embeddings for the reverse projection (default);
            with `False` a separate `reverse_embeddings` weight `(output_dim, input_dim)` is
            created.
        embeddings_initializer, embeddings_regularizer, embeddings_constraint, mask_zero: as
            for `Embedding`.
        reverse_dtype: the dtype the reverse projection computes in (default the layer's).
        logit_soft_cap: if set, logits become `tanh(logits / cap) * cap`.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: integer ids (forward) or vectors `(..., output_dim)` (reverse).
        reverse: whether to project back to logits.

    Returns:
        Embeddings `(..., output_dim)`, or logits `(..., input_dim)` with `reverse=True`.

    Example:
    >>> import numpy as np
    >>> layer = ReversibleEmbedding(10, 4)
    >>> vectors = layer(np.array([[1, 2]]))
    >>> layer(vectors, reverse=True).shape
    (1, 2, 10)
    """

    def __init__(
        self,
        input_dim,
        output_dim,
        tie_weights=True,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        reverse_dtype=None,
        logit_soft_cap=None,
        **kwargs,
    ):
        super().__init__(
            input_dim,
            output_dim,
            embeddings_initializer=embeddings_initializer,
            embeddings_regularizer=embeddings_regularizer,
            embeddings_constraint=embeddings_constraint,
            mask_zero=mask_zero,
            **kwargs,
        )
        self.tie_weights = tie_weights
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        if self.built:
            return
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer,
                name="reverse_embeddings",
            )
        self.built = True

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        kernel = (
            jnp.transpose(self.embeddings.value)
            if self.tie_weights
            else self.reverse_embeddings.value
        )
        if self.reverse_dtype is not None:
            inputs = inputs.astype(self.reverse_dtype)
            kernel = kernel.astype(self.reverse_dtype)
        logits = jnp.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            logits = jnp.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap
        return logits

    def compute_mask(self, inputs, previous_mask=None):
        if not jnp.issubdtype(jnp.asarray(inputs).dtype, jnp.integer):
            return None
        return super().compute_mask(inputs, previous_mask)

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return (*tuple(input_shape)[:-1], self.input_dim)
        return (*tuple(input_shape), self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "tie_weights": self.tie_weights,
                "reverse_dtype": self.reverse_dtype,
                "logit_soft_cap": self.logit_soft_cap,
            }
        )
        return config
