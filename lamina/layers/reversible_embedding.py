"""`ReversibleEmbedding`: an embedding that can also project vectors back to vocabulary
logits (the tied input/output embedding of language models)."""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

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
        mode = self.quantization_mode
        if mode in ("int8", "int4"):
            _reverse_build(self, mode, self.quantization_config)
        elif not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer,
                name="reverse_embeddings",
            )
        self.built = True

    # ------------------------------------------------------------------------ quantization
    @property
    def variable_serialization_spec(self) -> dict:
        """The variable names saved for each quantization mode, in file order (Keras's)."""
        spec = {mode: list(names) for mode, names in Embedding._SERIALIZATION_SPEC.items()}
        if not self.tie_weights:
            for mode, names in spec.items():
                names.append("reverse_embeddings")
                if mode in ("int8", "int4"):
                    names.append("reverse_embeddings_scale")
                if mode == "int4":
                    names.append("reverse_embeddings_zero")
        return spec

    def save_own_variables(self, store) -> None:
        if not self.built:
            return
        from lamina.layers.quantized_ops import save_by_spec

        save_by_spec(self, store, self.variable_serialization_spec[self.quantization_mode])

    def load_own_variables(self, store) -> None:
        if not self.built:
            return
        from lamina.layers.quantized_ops import load_by_spec

        load_by_spec(self, store, self.variable_serialization_spec[self.quantization_mode])

    def quantize(self, mode=None, type_check=True, config=None):
        """Quantizes the table (and the untied reverse projection) in place, as Keras does:
        `"int8"` or `"int4"` with one scale per vocabulary entry (int4: groups of 128
        embedding columns with zero points by default). The reverse projection then
        quantizes its inputs per row and multiplies in integers.

        Args:
            mode: `"int8"` or `"int4"`.
            type_check: refuse subclasses of `ReversibleEmbedding`.
            config: a `keras.quantizers.QuantizationConfig` (e.g. the int4 `block_size`).

        Returns:
            None; the dtype policy becomes e.g. `"int8_from_float32"`.

        Example:
            >>> import lamina as keras
            >>> layer = keras.layers.ReversibleEmbedding(10, 4, tie_weights=False)
            >>> layer.build()
            >>> layer.quantize("int8")
            >>> layer.reverse_embeddings.dtype, tuple(layer.reverse_embeddings_scale.shape)
            ('int8', (10,))
        """
        from lamina import quantizers
        from lamina.layers import quantized_layers as ql
        from lamina.quantizers.quantization_config import QuantizationConfig

        if type_check and type(self) is not ReversibleEmbedding:
            raise NotImplementedError(
                f"Layer {type(self).__name__} does not have a `quantize` method implemented "
                "(subclasses of ReversibleEmbedding are not quantized; pass type_check=False "
                "to force it)."
            )
        if mode not in ("int8", "int4"):
            raise ql._mode_error(self, mode, ("int8", "int4"))
        ql._check_quantize_args(self, mode)
        prefix = self.embeddings.path.rsplit("/", 1)[0] if "/" in self.embeddings.path else ""
        reverse = None
        if not self.tie_weights:
            w = self.reverse_embeddings.numpy()
            block = (
                config.block_size if isinstance(config, quantizers.Int4QuantizationConfig) else None
            )
            block = None if block == -1 else block
            zero = None
            if mode == "int8" or block is None:
                default = quantizers.AbsMaxQuantizer(axis=0)
                if mode == "int4":
                    default = quantizers.AbsMaxQuantizer(
                        axis=0, value_range=(-8, 7), output_dtype="int8"
                    )
                quantizer = QuantizationConfig.weight_quantizer_or_default(config, default)
                value, scale = quantizer(w, to_numpy=True)
                scale = jnp.squeeze(scale, axis=0)
            else:
                value, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(
                    w, block_size=block
                )
            if mode == "int4":
                value = quantizers.pack_int4(np.asarray(value), axis=0)[0]
            reverse = (value, scale, zero)
            from lamina.layers.quantized_ops import untrack_variable

            untrack_variable(self, self.reverse_embeddings)
            del self.reverse_embeddings
        ql.embedding_quantize(self, mode, False, config)
        _reverse_build(self, mode, config)
        if reverse is not None:
            value, scale, zero = reverse
            self.reverse_embeddings.assign(value)
            self.reverse_embeddings_scale.assign(scale)
            if zero is not None:
                self.reverse_embeddings_zero.assign(zero)
        ql._fix_paths(self, prefix, set())

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        if self.quantization_mode is not None:
            return _quantized_reverse_call(self, inputs)
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


def _reverse_build(layer, mode, config) -> None:
    """The reverse projection's quantized state: its inputs quantizer and, when the weights are
    untied, the quantized `reverse_embeddings` (packed along the embedding axis for int4)."""
    from lamina.quantizers import AbsMaxQuantizer
    from lamina.quantizers.quantization_config import (
        QuantizationConfig,
        get_block_size_for_layer,
    )

    layer.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(
        config, AbsMaxQuantizer(axis=-1)
    )
    if layer.tie_weights:
        return
    if mode == "int8":
        rows, scale_shape, block = layer.output_dim, (layer.input_dim,), None
    else:
        rows = (layer.output_dim + 1) // 2
        block = get_block_size_for_layer(layer, config)
        block = None if block == -1 else block
        scale_shape = (
            (layer.input_dim,)
            if block is None
            else (math.ceil(layer.output_dim / block), layer.input_dim)
        )
    layer.reverse_embeddings = layer.add_weight(
        name="reverse_embeddings",
        shape=(rows, layer.input_dim),
        initializer="zeros",
        dtype="int8",
        trainable=False,
    )
    layer.reverse_embeddings_scale = layer.add_weight(
        name="reverse_embeddings_scale", shape=scale_shape, initializer="ones", trainable=False
    )
    if block is not None:
        # Keras keeps these zero points in a float variable (the forward table's are int8).
        layer.reverse_embeddings_zero = layer.add_weight(
            name="reverse_embeddings_zero",
            shape=scale_shape,
            initializer="zeros",
            trainable=False,
        )


def _quantized_reverse_call(layer, inputs):
    """`inputs @ embeddings.T` (or the untied reverse kernel) with int8/int4 weights: the
    inputs are quantized per row and the product is de-scaled, as Keras's reverse call."""
    from lamina.quantizers import dequantize_with_sz_map, unpack_int4

    mode = layer.quantization_mode
    dtype = layer.compute_dtype
    if layer.inputs_quantizer:
        inputs, inputs_scale = layer.inputs_quantizer(inputs)
    else:
        inputs_scale = jnp.ones((1,), dtype=dtype)
    block = getattr(layer, "_int4_block_size", None) if mode == "int4" else None
    if layer.tie_weights:
        kernel = jnp.transpose(layer.embeddings.value)
        scale = layer.embeddings_scale.value
    else:
        kernel = layer.reverse_embeddings.value
        scale = layer.reverse_embeddings_scale.value
    if mode == "int4":
        kernel = unpack_int4(kernel, layer.output_dim, axis=0)
    if block is None:
        if inputs.dtype == jnp.int8 and kernel.dtype == jnp.int8:
            logits = jnp.matmul(inputs, kernel, preferred_element_type=jnp.int32)
        else:
            logits = jnp.matmul(inputs, kernel)
        logits = jnp.divide(logits.astype(dtype), jnp.multiply(inputs_scale, scale))
    else:
        if layer.tie_weights:
            scale = jnp.transpose(scale)
            zero = jnp.transpose(layer.embeddings_zero.value)
        else:
            zero = layer.reverse_embeddings_zero.value
        weights = dequantize_with_sz_map(
            kernel.astype(dtype), scale, zero, layer.g_idx.value, group_axis=0
        )
        logits = jnp.divide(jnp.matmul(inputs, weights), inputs_scale)
    if layer.logit_soft_cap is not None:
        logits = jnp.tanh(logits / layer.logit_soft_cap) * layer.logit_soft_cap
    return logits
