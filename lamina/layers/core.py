"""Core layers: `Dense`, `Activation`, `Dropout`, `Flatten`."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from lamina import activations, constraints, initializers, regularizers
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.core.random import SeedGenerator


class Dense(Layer):
    """A densely connected layer: `activation(inputs @ kernel + bias)`.

    Applies to the last axis of inputs of any rank >= 2. The kernel has shape
    `(input_dim, units)`, the bias `(units,)`.

    Args:
        units: the size of the output's last axis.
        activation: the activation applied to the output (a name or a function); None: none.
        use_bias: whether to add a bias vector.
        kernel_initializer: the initializer of the kernel.
        bias_initializer: the initializer of the bias.
        kernel_regularizer: a regularizer applied to the kernel.
        bias_regularizer: a regularizer applied to the bias.
        activity_regularizer: a regularizer applied to the output.
        kernel_constraint: a constraint applied to the kernel after each update.
        bias_constraint: a constraint applied to the bias after each update.
        lora_rank: if set, LoRA is enabled at build with this rank (see `enable_lora`).
        lora_alpha: the LoRA scale numerator (default: `lora_rank`).
        quantization_config: a `keras.quantizers.QuantizationConfig` for a quantized layer, or None.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank >= 2 (the last axis is `input_dim`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.Dense(3, activation="relu")
        >>> layer(np.ones((2, 4))).shape
        (2, 3)
        >>> layer.kernel.shape, layer.bias.shape
        ((4, 3), (3,))
        >>> keras.layers.Dense(2)(np.ones((2, 5, 4))).shape  # applied on the last axis
        (2, 5, 2)
    """

    _shape_only_symbolic = True

    def __init__(
        self,
        units: int,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        quantization_config=None,
        **kwargs,
    ):
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(
                f"Dense: `units` must be a positive integer, received units={units!r}."
            )
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        if isinstance(quantization_config, dict):
            from lamina import quantizers

            quantization_config = quantizers.deserialize(quantization_config)
        self.quantization_config = quantization_config
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"Dense '{self.name}': the last axis of the input must be known to build the "
                f"kernel, received input shape {input_shape}."
            )
        mode = self.quantization_mode
        if mode is not None:
            self._quantized_build((input_dim, self.units), mode, self.quantization_config)
        if mode not in ("int8", "int4"):
            self.kernel = self.add_weight(
                name="kernel",
                shape=(input_dim, self.units),
                initializer=self.kernel_initializer,
                regularizer=self.kernel_regularizer,
                constraint=self.kernel_constraint,
            )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, self.lora_alpha)

    _LORA = ("lora_kernel_a", "lora_kernel_b")

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freezes the kernel and trains a low-rank update instead: the layer computes with
        `kernel + (lora_alpha / rank) * lora_kernel_a @ lora_kernel_b` (LoRA, as Keras does).

        Args:
            rank: the rank of the update (`lora_kernel_a` is `(input_dim, rank)`).
            lora_alpha: the scale numerator (default: `rank`, a scale of 1).
            a_initializer: the initializer of `lora_kernel_a`.
            b_initializer: the initializer of `lora_kernel_b` (zeros: the output starts unchanged).

        Returns:
            None.

        Example:
            >>> import lamina as keras
            >>> layer = keras.layers.Dense(4)
            >>> layer.build((None, 8))
            >>> layer.enable_lora(2)
            >>> [tuple(w.shape) for w in layer.trainable_weights]
            [(4,), (8, 2), (2, 4)]
        """
        from lamina.layers import lora

        lora.enable(
            self,
            "kernel",
            self._LORA,
            rank,
            lora_alpha,
            a_initializer,
            b_initializer,
            self.kernel_regularizer,
            self.kernel_constraint,
        )

    # ------------------------------------------------------------------------ quantization
    _SERIALIZATION_SPEC = {
        None: ["kernel", "bias"],
        "int8": ["kernel", "bias", "kernel_scale"],
        "int4": ["kernel", "bias", "kernel_scale", "kernel_zero", "g_idx"],
        "float8": [
            "kernel",
            "bias",
            "inputs_scale",
            "inputs_amax_history",
            "kernel_scale",
            "kernel_amax_history",
            "outputs_grad_scale",
            "outputs_grad_amax_history",
        ],
    }

    def _quantized_build(self, kernel_shape, mode, config=None):
        from lamina.layers import quantized_layers

        quantized_layers.dense_build(self, kernel_shape, mode, config)
        self._is_quantized = True

    def quantize(self, mode=None, type_check=True, config=None):
        """Quantizes the kernel in place: `"int8"` (per-output-channel scales), `"int4"`
        (packed two per byte; groups of 128 inputs with zero points by default) or `"float8"`
        (float8 training with delayed scaling), as Keras does.

        Args:
            mode: `"int8"`, `"int4"` or `"float8"`.
            type_check: refuse subclasses of `Dense` (they may change `call`).
            config: a `keras.quantizers.QuantizationConfig` (e.g. the int4 `block_size`).

        Returns:
            None; the layer's dtype policy becomes e.g. `"int8_from_float32"`.

        Example:
            >>> import lamina as keras
            >>> layer = keras.layers.Dense(4)
            >>> layer.build((None, 3))
            >>> layer.quantize("int8")
            >>> layer.dtype_policy.name, layer.kernel.dtype
            ('int8_from_float32', 'int8')
        """
        from lamina.layers import lora, quantized_layers

        lora.refuse_quantize(self)
        quantized_layers.dense_quantize(self, mode, type_check, config)

    def save_own_variables(self, store) -> None:
        if not self.built:
            return
        if self.lora_enabled:
            from lamina.layers import lora

            lora.save_merged(self, store, self._SERIALIZATION_SPEC[None], "kernel", self._LORA)
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

    def call(self, inputs, training=None):
        if self.quantization_mode is not None:
            from lamina.layers import quantized_layers

            return quantized_layers.dense_call(self, inputs, training)
        from lamina.layers import lora

        kernel = lora.matrix(self, "kernel", self._LORA)
        x = jnp.matmul(inputs, kernel)
        if self.bias is not None:
            x = x + self.bias.value
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "quantization_config": _serialize_quantization_config(self),
            }
        )
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config


def _serialize_quantization_config(layer):
    config = getattr(layer, "quantization_config", None)
    if config is None:
        return None
    from lamina import quantizers

    return quantizers.serialize(config)


class Activation(Layer):
    """Applies an activation function (a name such as `'relu'` or a callable).

    Args:
        activation: a name (`"relu"`, `"softmax"`, ...) or a function of one tensor.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of any shape.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.Activation("relu")(np.array([-1.0, 0.5]))
        Array([0. , 0.5], dtype=float32)
    """

    _shape_only_symbolic = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)
        self.built = True  # built at construction, as in Keras (so no `build_config` is saved)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Dropout(Layer):
    """Sets a fraction `rate` of inputs to 0 during training, scaling the rest by
    `1 / (1 - rate)`; the identity at inference.

    Args:
        rate: the fraction of the inputs to drop, between 0 and 1.
        noise_shape: the shape of the binary mask, broadcast over the input (e.g. `(batch, 1,
            features)` drops the same features at every step); None: the input's shape.
        seed: an int seed for the random draws (None: drawn from Python's `random`).
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of any shape.
        training: drop only when True (inside `fit`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.Dropout(0.5, seed=0)
        >>> x = np.ones((1, 1000))
        >>> bool((layer(x) == x).all())  # inference: unchanged
        True
        >>> y = np.asarray(layer(x, training=True))
        >>> sorted(set(y.ravel().tolist()))  # zeros, and the rest scaled by 1 / (1 - 0.5)
        [0.0, 2.0]
    """

    _shape_only_symbolic = True

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(
                f"Dropout '{self.name}': `rate` must be a float between 0 and 1, received "
                f"rate={rate!r}."
            )
        self.rate = rate
        self.noise_shape = tuple(noise_shape) if noise_shape is not None else None
        self.seed = seed
        self.supports_masking = True
        if rate > 0:
            self.seed_generator = SeedGenerator(seed)
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate >= 1:
            return jnp.zeros_like(inputs)
        shape = inputs.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for s, n in zip(inputs.shape, self.noise_shape))
        key = jax.random.wrap_key_data(self.seed_generator.next())
        keep = jax.random.bernoulli(key, 1.0 - self.rate, shape)
        return jnp.where(keep, inputs / (1.0 - self.rate), jnp.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "rate": self.rate,
                "seed": self.seed,
                "noise_shape": self.noise_shape,
            }
        )
        return config


class Flatten(Layer):
    """Flattens every axis but the batch axis: `(batch, d1, d2, ...)` -> `(batch, d1*d2*...)`.

    Args:
        data_format: `"channels_first"` moves the channel axis last first, so the order of the
            features matches a channels-last model; default: `image_data_format()`.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank >= 1.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.Flatten()(np.ones((2, 3, 4))).shape
        (2, 12)
    """

    def __init__(self, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        from lamina.core.config import image_data_format

        self.data_format = data_format or image_data_format()
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                "Flatten: `data_format` must be 'channels_last' or 'channels_first', received "
                f"{data_format!r}."
            )
        # Not built at construction: Keras saves a `build_config` for Flatten.
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = jnp.moveaxis(inputs, 1, -1)
        if inputs.ndim == 1:
            return inputs[:, None]
        return jnp.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size if rest else 1)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
