"""`EinsumDense`: a dense layer whose product is any einsum equation."""

from __future__ import annotations

import re

import jax.numpy as jnp

from lamina import activations, constraints, initializers, regularizers
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.initializers.variance_scaling import VarianceScaling


def einsum_shapes(equation: str, bias_axes, input_shape, output_shape):
    """The kernel shape, bias shape (or None), full output shape and the kernel's input and
    output axes for an `EinsumDense` equation.

    The equation is `"<input>,<kernel>-><output>"`, optionally with `...` at the start of the
    input and output (`"...ab,bc->...ac"`) or at their end (`"ab...,bc->ac..."`). Each kernel
    letter must appear in the input or the output; its size comes from there.

    Args:
        equation: the einsum equation.
        bias_axes: the output letters the bias spans, or None.
        input_shape: the input's shape.
        output_shape: the output's shape without the batch axis (None entries are taken from the
            input).

    Returns:
        `(kernel_shape, bias_shape, full_output_shape, kernel_in_axes, kernel_out_axes)`, as
        lists.

    Raises:
        ValueError: an invalid equation or shapes that do not fit it.

    Example:
        >>> from lamina.layers.einsum_dense import einsum_shapes
        >>> kernel, bias, output, *_ = einsum_shapes("ab,bc->ac", "c", (None, 4), (8,))
        >>> kernel, bias, output
        ([4, 8], [8], [None, 8])
    """
    flat = equation.replace("...", "0")
    left = re.fullmatch(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", flat)
    plain = re.fullmatch(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", flat)
    right = re.fullmatch(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", flat)
    match = left or plain or right
    if match is None:
        raise ValueError(
            f"EinsumDense: invalid equation {equation!r}. Expected '<in>,<kernel>-><out>', "
            "'...<in>,<kernel>->...<out>' or '<in>...,<kernel>-><out>...', e.g. 'ab,bc->ac'."
        )
    in_spec, w_spec, out_spec = match.groups()
    input_shape = list(input_shape)
    elided = len(input_shape) - len(in_spec)
    out = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    out.insert(0, input_shape[0])
    if elided > 0 and left:
        for i in range(1, elided):
            out.insert(1, input_shape[i])
    elif elided > 0:
        out.extend(input_shape[len(input_shape) - elided :])
    if left:
        in_pos = {c: i + elided - len(input_shape) for i, c in enumerate(in_spec)}
        out_pos = {c: i + elided for i, c in enumerate(out_spec)}
    else:
        in_pos = {c: i for i, c in enumerate(in_spec)}
        out_pos = {c: i for i, c in enumerate(out_spec)}
    for c in in_spec:
        if (
            c in out_pos
            and out[out_pos[c]] is not None
            and out[out_pos[c]] != input_shape[in_pos[c]]
        ):
            raise ValueError(
                f"EinsumDense: input and output shapes differ at the shared axis '{c}' of "
                f"{equation!r}: input {input_shape[in_pos[c]]}, output {out[out_pos[c]]}."
            )
    for c in out_spec:
        if c not in in_spec and c not in w_spec:
            raise ValueError(
                f"EinsumDense: output axis '{c}' of {equation!r} appears in neither the input "
                "nor the kernel."
            )
    kernel_shape, in_axes, out_axes = [], [], []
    for i, c in enumerate(w_spec):
        if c in out_pos:
            kernel_shape.append(out[out_pos[c]])
            out_axes.append(i)
        elif c in in_pos:
            kernel_shape.append(input_shape[in_pos[c]])
            in_axes.append(i)
        else:
            raise ValueError(
                f"EinsumDense: kernel axis '{c}' of {equation!r} appears in neither the input "
                "nor the output, so its size is unknown."
            )
    bias_shape = None
    if bias_axes is not None:
        for c in bias_axes:
            if c not in out_spec:
                raise ValueError(
                    f"EinsumDense: bias axis '{c}' is not an output axis of {equation!r}."
                )
        offset = elided if left else 0
        size = {c: out[i + offset] for i, c in enumerate(out_spec)}
        first = min(out_spec.find(c) for c in bias_axes)
        bias_shape = [size[c] if c in bias_axes else 1 for c in out_spec[first:]]
        if not left:
            bias_shape += [1] * max(elided, 0)
    return kernel_shape, bias_shape, out, in_axes, out_axes


class EinsumDense(Layer):
    """A dense layer computing `activation(einsum(equation, inputs, kernel) + bias)`.

    Args:
        equation: an einsum equation `"<input>,<kernel>-><output>"`, e.g. `"ab,bc->ac"`
            (a `Dense` layer) or `"abc,cde->abde"`; `...` may stand for leading or trailing
            axes.
        output_shape: the output shape without the batch axis (an int or a tuple; `None` for
            axes taken from the input).
        activation: the activation applied last (default none).
        bias_axes: the output letters that carry a bias (e.g. `"de"`); default no bias.
        kernel_initializer, bias_initializer: initializers of the two weights. A
            variance-scaling kernel initializer computes its fans from the equation's input
            and output axes.
        kernel_regularizer, bias_regularizer, activity_regularizer: optional regularizers.
        kernel_constraint, bias_constraint: optional constraints.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: a tensor matching the input side of `equation`.

    Returns:
        The einsum product, of shape `(batch, *output_shape)`.

    Example:
    >>> import numpy as np
    >>> layer = EinsumDense("abc,cd->abd", output_shape=(None, 4))
    >>> layer(np.ones((2, 3, 5), "float32")).shape
    (2, 3, 4)
    """

    def __init__(
        self,
        equation,
        output_shape,
        activation=None,
        bias_axes=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        gptq_unpacked_column_size=None,
        quantization_config=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(equation, str) or "->" not in equation:
            raise ValueError(
                f"EinsumDense: `equation` must be a string such as 'ab,bc->ac'; received "
                f"{equation!r}."
            )
        self.equation = equation
        self.partial_output_shape = (
            (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        )
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.gptq_unpacked_column_size = gptq_unpacked_column_size
        if isinstance(quantization_config, dict):
            from lamina import quantizers

            quantization_config = quantizers.deserialize(quantization_config)
        self.quantization_config = quantization_config

    def build(self, input_shape):
        kernel_shape, bias_shape, _, in_axes, out_axes = einsum_shapes(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape
        )
        self.input_spec = InputSpec(ndim=len(input_shape))
        init = self.kernel_initializer
        if isinstance(init, VarianceScaling) and (
            init.input_axes is None or init.output_axes is None
        ):
            config = init.get_config()
            config.update(seed=init.seed, input_axes=in_axes, output_axes=out_axes)
            init = type(init).from_config(config)
        mode = self.quantization_mode
        if mode is not None:
            from lamina.layers import quantized_einsum

            quantized_einsum.einsum_build(self, kernel_shape, mode, self.quantization_config)
        if mode not in ("int8", "int4"):
            self._kernel = self.add_weight(
                name="kernel",
                shape=tuple(kernel_shape),
                initializer=init,
                regularizer=self.kernel_regularizer,
                constraint=self.kernel_constraint,
            )
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight(
                name="bias",
                shape=tuple(bias_shape),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, self.lora_alpha)

    @property
    def kernel(self):
        """The kernel variable; for an int4 layer, the unpacked int4 values in the kernel's
        original shape (as Keras's `kernel` property)."""
        if not self.built:
            raise AttributeError(
                f"EinsumDense '{self.name}': build the layer before reading `kernel`."
            )
        if self.quantization_mode == "int4":
            from lamina.quantizers import unpack_int4

            values = unpack_int4(self._kernel.value, self._int4_unpacked_column_size, axis=-1)
            return jnp.reshape(values, self.original_kernel_shape)
        return self._kernel

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

    def quantized_build(self, kernel_shape, mode, config=None):
        """Creates the variables of quantization `mode` (used when a quantized layer is
        rebuilt, e.g. on loading)."""
        from lamina.layers import quantized_einsum

        quantized_einsum.einsum_build(self, kernel_shape, mode, config)

    def quantize(self, mode=None, type_check=True, config=None):
        """Quantizes the kernel in place, as Keras does: `"int8"` (one scale per kept kernel
        axis position, laid out to broadcast against the output; inputs quantized per row at
        call time), `"int4"` (the kernel flattened to `(contracted, kept)` and packed two per
        byte; groups of 128 contracted rows with zero points by default) or `"float8"`
        (float8 training with delayed scaling).

        Args:
            mode: `"int8"`, `"int4"` or `"float8"`.
            type_check: refuse subclasses of `EinsumDense` (they may change `call`).
            config: a `keras.quantizers.QuantizationConfig` (e.g. the int4 `block_size`).

        Returns:
            None; the layer's dtype policy becomes e.g. `"int8_from_float32"` and the int
            kernel is no longer trainable.

        Example:
            >>> import lamina as keras
            >>> layer = keras.layers.EinsumDense("abc,cde->abde", (None, 2, 3))
            >>> layer.build((None, 5, 4))
            >>> layer.quantize("int8")
            >>> layer.dtype_policy.name, layer.kernel.dtype, tuple(layer.kernel_scale.shape)
            ('int8_from_float32', 'int8', (1, 1, 2, 3))
        """
        from lamina.layers import lora, quantized_einsum

        lora.refuse_quantize(self)
        quantized_einsum.einsum_quantize(self, mode, type_check, config)

    _LORA = ("lora_kernel_a", "lora_kernel_b")

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freezes the kernel and trains a low-rank update instead: the layer computes with
        `kernel + (lora_alpha / rank) * lora_kernel_a @ lora_kernel_b`, `lora_kernel_a` of
        shape `kernel.shape[:-1] + (rank,)` (LoRA, as Keras does; KerasHub's
        `backbone.enable_lora` calls it on the attention projections).

        Args:
            rank: the rank of the update.
            lora_alpha: the scale numerator (default: `rank`).
            a_initializer: the initializer of `lora_kernel_a`.
            b_initializer: the initializer of `lora_kernel_b` (zeros: the output starts unchanged).

        Returns:
            None.

        Example:
            >>> import lamina as keras
            >>> layer = keras.layers.EinsumDense("abc,cde->abde", (None, 2, 3))
            >>> layer.build((None, 5, 4))
            >>> layer.enable_lora(2)
            >>> [tuple(w.shape) for w in layer.trainable_weights]
            [(4, 2, 2), (2, 3)]
        """
        from lamina.layers import lora

        lora.enable(
            self,
            "_kernel",
            self._LORA,
            rank,
            lora_alpha,
            a_initializer,
            b_initializer,
            self.kernel_regularizer,
            self.kernel_constraint,
        )

    def save_own_variables(self, store) -> None:
        if not self.built:
            return
        if self.lora_enabled:
            from lamina.layers import lora

            lora.save_merged(
                self,
                store,
                self._SERIALIZATION_SPEC[None],
                "_kernel",
                self._LORA,
                {"kernel": "_kernel"},
            )
            return
        from lamina.layers.quantized_ops import save_by_spec

        save_by_spec(
            self, store, self._SERIALIZATION_SPEC[self.quantization_mode], {"kernel": "_kernel"}
        )

    def load_own_variables(self, store) -> None:
        if not self.built:
            return
        from lamina.layers.quantized_ops import load_by_spec

        load_by_spec(
            self, store, self._SERIALIZATION_SPEC[self.quantization_mode], {"kernel": "_kernel"}
        )
        if self.lora_enabled:
            from lamina.layers import lora

            lora.reset(self, self._LORA)

    def call(self, inputs, training=None):
        if self.quantization_mode is not None:
            from lamina.layers import quantized_einsum

            return quantized_einsum.einsum_call(self, inputs, training)
        from lamina.layers import lora

        kernel = lora.matrix(self, "_kernel", self._LORA)
        x = jnp.einsum(self.equation, inputs, kernel)
        if self.bias is not None:
            x = x + self.bias.value
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        return tuple(
            einsum_shapes(self.equation, self.bias_axes, input_shape, self.partial_output_shape)[2]
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "output_shape": self.partial_output_shape,
                "equation": self.equation,
                "activation": activations.serialize(self.activation),
                "bias_axes": self.bias_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
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
