"""`Embedding` (integer indices to vectors, optionally masking index 0) and `Masking`."""

from __future__ import annotations

import warnings

import jax.numpy as jnp

from lamina import constraints, initializers, regularizers
from lamina.core.layer import Layer


def _positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"Embedding: `{name}` must be a positive integer, received {name}={value!r} "
            f"(of type {type(value).__name__})."
        )


class Embedding(Layer):
    """Maps integer indices in `[0, input_dim)` to rows of an `(input_dim, output_dim)`
    `embeddings` matrix: `(batch, ...)` -> `(batch, ..., output_dim)`.

    With `mask_zero=True`, index 0 is padding: the output carries the mask `inputs != 0`, so
    layers downstream (RNNs, pooling, losses) skip those positions.

    Args:
        input_dim: the vocabulary size: indices must be below it.
        output_dim: the size of each embedding vector.
        embeddings_initializer: the initializer of the `embeddings` matrix.
        embeddings_regularizer: a regularizer applied to the `embeddings` matrix.
        embeddings_constraint: a constraint applied to the `embeddings` matrix.
        mask_zero: treat index 0 as padding and output a mask (then `input_dim` counts it).
        weights: an initial `embeddings` matrix (or a list holding it), instead of the initializer.
        lora_rank: if set, LoRA is enabled at build with this rank (see `enable_lora`).
        lora_alpha: the LoRA scale numerator (default: `lora_rank`).
        quantization_config: a `keras.quantizers.QuantizationConfig` for a quantized layer, or None.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an integer array of indices, any shape.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.Embedding(10, 4, mask_zero=True)
        >>> layer(np.array([[1, 2, 0]])).shape
        (1, 3, 4)
        >>> layer.compute_mask(np.array([[1, 2, 0]]))
        Array([[ True,  True, False]], dtype=bool)
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero: bool = False,
        weights=None,
        lora_rank=None,
        lora_alpha=None,
        quantization_config=None,
        **kwargs,
    ):
        _positive_int("input_dim", input_dim)
        _positive_int("output_dim", output_dim)
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Embedding: `input_length` is deprecated and ignored.", stacklevel=2)
        super().__init__(**kwargs)
        if isinstance(quantization_config, dict):
            from lamina import quantizers

            quantization_config = quantizers.deserialize(quantization_config)
        self.quantization_config = quantization_config
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.autocast = False
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        if weights is not None:
            self.build()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        if self.built:
            return
        if self.quantization_mode is not None:
            from lamina.layers import quantized_layers

            quantized_layers.embedding_build(
                self,
                (self.input_dim, self.output_dim),
                self.quantization_mode,
                self.quantization_config,
            )
            self._is_quantized = True
            self.built = True
            return
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            name="embeddings",
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, self.lora_alpha)

    _LORA = ("lora_embeddings_a", "lora_embeddings_b")

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freezes the table and trains a low-rank update instead: lookups read
        `embeddings + (lora_alpha / rank) * lora_embeddings_a @ lora_embeddings_b` (LoRA, as
        Keras does).

        Args:
            rank: the rank of the update (`lora_embeddings_a` is `(input_dim, rank)`).
            lora_alpha: the scale numerator (default: `rank`).
            a_initializer: the initializer of `lora_embeddings_a`.
            b_initializer: the initializer of `lora_embeddings_b` (zeros: unchanged at first).

        Returns:
            None.

        Example:
            >>> import lamina as keras
            >>> layer = keras.layers.Embedding(10, 4)
            >>> layer.build()
            >>> layer.enable_lora(2)
            >>> [tuple(w.shape) for w in layer.trainable_weights]
            [(10, 2), (2, 4)]
        """
        from lamina.layers import lora

        lora.enable(
            self,
            "embeddings",
            self._LORA,
            rank,
            lora_alpha,
            a_initializer,
            b_initializer,
            self.embeddings_regularizer,
            self.embeddings_constraint,
        )

    _SERIALIZATION_SPEC = {
        None: ["embeddings"],
        "int8": ["embeddings", "embeddings_scale"],
        "int4": ["embeddings", "embeddings_scale", "embeddings_zero", "g_idx"],
    }

    def quantize(self, mode=None, type_check=True, config=None):
        """Quantizes the table in place, one scale per row: `"int8"`, or `"int4"` (packed
        two per byte; groups of 128 columns with zero points by default), as Keras does.

        Args:
            mode: `"int8"` or `"int4"` (Keras has no float8 embedding).
            type_check: refuse subclasses of `Embedding`.
            config: a `keras.quantizers.QuantizationConfig`.

        Returns:
            None; the dtype policy becomes e.g. `"int8_from_float32"`.

        Example:
            >>> import lamina as keras
            >>> layer = keras.layers.Embedding(10, 4)
            >>> layer.build()
            >>> layer.quantize("int8")
            >>> layer.embeddings.dtype, tuple(layer.embeddings_scale.shape)
            ('int8', (10,))
        """
        from lamina.layers import lora, quantized_layers

        lora.refuse_quantize(self)
        quantized_layers.embedding_quantize(self, mode, type_check, config)

    def save_own_variables(self, store) -> None:
        if not self.built:
            return
        if self.lora_enabled:
            from lamina.layers import lora

            lora.save_merged(self, store, self._SERIALIZATION_SPEC[None], "embeddings", self._LORA)
            return
        from lamina.layers.quantized_ops import save_by_spec

        save_by_spec(self, store, self._SERIALIZATION_SPEC[self.quantization_mode])

    def load_own_variables(self, store) -> None:
        if not self.built:
            return
        from lamina.layers.quantized_ops import load_by_spec

        load_by_spec(self, store, self._SERIALIZATION_SPEC[self.quantization_mode])
        if self.lora_enabled:
            from lamina.layers import lora

            lora.reset(self, self._LORA)

    def call(self, inputs):
        if self.quantization_mode is not None:
            from lamina.layers import quantized_layers

            return quantized_layers.embedding_call(self, inputs)
        if inputs.dtype not in (jnp.int32, jnp.int64):
            inputs = inputs.astype(jnp.int32)
        from lamina.layers import lora

        table = lora.matrix(self, "embeddings", self._LORA)
        outputs = jnp.take(table, inputs, axis=0)
        return outputs.astype(self.compute_dtype)

    def compute_mask(self, inputs, previous_mask=None):
        if not self.mask_zero:
            return None
        return jnp.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape), self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero,
                "quantization_config": _serialize_quantization_config(self),
            }
        )
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config


class Masking(Layer):
    """Marks timesteps whose features all equal `mask_value` as padding: they are set to 0
    and the output mask is `any(inputs != mask_value, axis=-1)`.

    Args:
        mask_value: the value marking padded steps.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array `(batch, steps, features)`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]])
        >>> keras.layers.Masking()(x)._keras_mask
        Array([[ True, False,  True]], dtype=bool)
    """

    def __init__(self, mask_value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, dict) and mask_value.get("config"):
            from lamina.core.serialization import deserialize_keras_object

            mask_value = deserialize_keras_object(mask_value)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs, previous_mask=None):
        return jnp.any(jnp.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = jnp.any(jnp.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return jnp.where(keep, inputs, jnp.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config


def _serialize_quantization_config(layer):
    config = getattr(layer, "quantization_config", None)
    if config is None:
        return None
    from lamina import quantizers

    return quantizers.serialize(config)
