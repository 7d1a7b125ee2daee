"""`EinsumDense.quantize()`: Keras 3's int8 / int4 / float8 variables, scale layouts and calls
for an einsum kernel of any rank.

The scale of an int8 kernel keeps the kernel's axes that survive into the output (the reduced
axes become 1) and is rearranged so that it broadcasts against the einsum's output; the input
scale of an int8 activation is rearranged the same way. int4 flattens the kernel into a
`(reduced, kept)` matrix and packs its columns two per byte, like `Dense`.
"""

from __future__ import annotations

import math
import re
import string

import jax
import jax.numpy as jnp
import numpy as np

from lamina.layers.quantized_layers import (
    _check_quantize_args,
    _fix_paths,
    _int4_block,
    _mode_error,
    _set_policy,
)
from lamina.layers.quantized_ops import (
    float8_qdq_inputs,
    float8_qdq_output_grads,
    untrack_variable,
)


class QuantizationLayout:
    """How the scales of an `EinsumDense` equation line up with its output.

    For the kernel and for the inputs: `reduced` are the axes the einsum contracts (the ones
    abs-max reduces over), and `transpose`, `expand`, `squeeze` turn a keep-dims scale into
    one that broadcasts against the output. `grad_equation` maps an output cotangent and the
    kernel back to the input's gradient.

    Args:
        equation: the layer's einsum equation, e.g. `"ab,bc->ac"` (`...` is allowed).
        input_ndim: the rank of the layer's inputs (resolves `...`).

    Example:

    >>> from lamina.layers.quantized_einsum import QuantizationLayout
    >>> layout = QuantizationLayout("ab,bc->ac", 2)
    >>> layout.kernel_reduced, layout.grad_equation
    ([0], 'ac,bc->ab')
    >>> layout.kernel_scale_shape((3, 4))
    (1, 4)
    """

    def __init__(self, equation: str, input_ndim: int):
        in_spec, w_spec, out_spec = _full_specs(equation, input_ndim)
        (
            self.input_reduced,
            self.input_transpose,
            self.input_expand,
            self.input_squeeze,
        ) = _scale_layout(in_spec, out_spec, equation)
        (
            self.kernel_reduced,
            self.kernel_transpose,
            self.kernel_expand,
            self.kernel_squeeze,
        ) = _scale_layout(w_spec, out_spec, equation)
        self.grad_equation = f"{out_spec},{w_spec}->{in_spec}"

    def to_output(self, scale, which: str):
        """A keep-dims scale of the kernel (`which="kernel"`) or inputs, laid out for the
        output."""
        transpose, expand, squeeze = (
            (self.kernel_transpose, self.kernel_expand, self.kernel_squeeze)
            if which == "kernel"
            else (self.input_transpose, self.input_expand, self.input_squeeze)
        )
        if transpose:
            scale = jnp.transpose(scale, transpose)
        if expand:
            scale = jnp.expand_dims(scale, tuple(expand))
        if squeeze:
            scale = jnp.squeeze(scale, tuple(squeeze))
        return scale

    def kernel_scale_to_kernel(self, scale):
        """The stored kernel scale laid out back against the kernel (for dequantizing)."""
        if self.kernel_squeeze:
            scale = jnp.expand_dims(scale, tuple(self.kernel_squeeze))
        if self.kernel_expand:
            scale = jnp.squeeze(scale, tuple(self.kernel_expand))
        if self.kernel_transpose:
            scale = jnp.transpose(scale, np.argsort(self.kernel_transpose).tolist())
        return scale

    def kernel_scale_shape(self, kernel_shape) -> tuple:
        """The shape of the stored per-channel kernel scale."""
        shape = np.array(kernel_shape)
        shape[self.kernel_reduced] = 1
        shape = shape[self.kernel_transpose].tolist() if self.kernel_transpose else list(shape)
        for a in sorted(self.kernel_expand):
            shape.insert(a, 1)
        for a in sorted(self.kernel_squeeze, reverse=True):
            shape.pop(a)
        return tuple(int(s) for s in shape)


def _full_specs(equation: str, input_ndim: int):
    """The equation's input, kernel and output letters, with `...` replaced by fresh letters
    for the axes it stands for."""
    flat = equation.replace("...", "0")
    for pattern, where in (
        (r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", None),
        (r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", "left"),
        (r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", "right"),
    ):
        m = re.match(pattern, flat)
        if m is None:
            continue
        in_spec, w_spec, out_spec = m.groups()
        if where is not None:
            free = sorted(set(string.ascii_letters) - set(in_spec + w_spec + out_spec))
            extra = "".join(free[: input_ndim - len(in_spec)])
            if where == "left":
                # Keras prepends the fresh letters one at a time (so they end up reversed).
                extra = extra[::-1]
                in_spec, out_spec = extra + in_spec, extra + out_spec
            else:
                in_spec, out_spec = in_spec + extra, out_spec + extra
        return in_spec, w_spec, out_spec
    raise ValueError(
        f"EinsumDense: invalid equation {equation!r}. Expected '<in>,<kernel>-><out>', "
        "'...<in>,<kernel>->...<out>' or '<in>...,<kernel>-><out>...'."
    )


def _scale_layout(spec: str, out_spec: str, equation: str):
    reduced = [i for i, c in enumerate(spec) if c not in out_spec]
    expand = [i for i, c in enumerate(out_spec) if c not in spec]
    transpose = [spec.index(c) for c in out_spec if c in spec]
    squeeze: list[int] = []
    index = None
    for axis in reduced:
        if expand:
            index = expand.pop(0)
        else:
            if index is None:
                raise ValueError(
                    f"EinsumDense: the equation {equation!r} cannot be quantized: a contracted "
                    "axis has no output axis to line its scale up with."
                )
            squeeze.append(axis)
        transpose.insert(index, axis)
    return reduced, transpose, expand, squeeze


def _layout(layer) -> QuantizationLayout:
    layout = getattr(layer, "_quantization_layout", None)
    if layout is None:
        layout = QuantizationLayout(layer.equation, layer.input_spec.ndim)
        layer._quantization_layout = layout
        layer.quantization_axis = tuple(layout.input_reduced)
    return layout


def _rows_columns(layout, kernel_shape):
    rows = columns = 1
    for i, dim in enumerate(kernel_shape):
        if i in layout.kernel_reduced:
            rows *= dim
        else:
            columns *= dim
    return rows, columns


def einsum_build(layer, kernel_shape, mode, config):
    """Creates the variables of a quantized `EinsumDense` layer for `mode`.

    Int modes create an integer kernel (int4 packed two per byte) and a float `kernel_scale`
    laid out to broadcast against the output, and no float kernel; `"float8"` keeps the float
    kernel and adds the scale and amax-history variables, as Keras's
    `EinsumDense.quantized_build` does.

    Args:
        layer: the `EinsumDense` layer being built.
        kernel_shape: the shape of its float kernel.
        mode: `"int8"`, `"int4"` or `"float8"`.
        config: a `QuantizationConfig`, or `None` for the defaults of `mode`.

    Returns:
        None.

    Example:

    >>> from lamina import layers
    >>> layer = layers.EinsumDense("ab,bc->ac", output_shape=4, dtype="int8_from_float32")
    >>> layer.build((None, 3))
    >>> [(v.name, v.dtype, v.shape) for v in layer.weights]
    [('kernel', 'int8', (3, 4)), ('kernel_scale', 'float32', (1, 4))]
    """
    from lamina.core.quantized_dtype_policy import QuantizedFloat8DTypePolicy
    from lamina.quantizers import AbsMaxQuantizer
    from lamina.quantizers.quantization_config import QuantizationConfig

    kernel_shape = tuple(int(d) for d in kernel_shape)
    if mode in ("int8", "int4"):
        layout = _layout(layer)
    if mode == "int8":
        layer.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(
            config, AbsMaxQuantizer()
        )
        layer._kernel = layer.add_weight(
            name="kernel", shape=kernel_shape, initializer="zeros", dtype="int8", trainable=False
        )
        layer.kernel_scale = layer.add_weight(
            name="kernel_scale",
            shape=layout.kernel_scale_shape(kernel_shape),
            initializer="ones",
            trainable=False,
        )
    elif mode == "int4":
        layer.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, None)
        layer.original_kernel_shape = kernel_shape
        rows, columns = _rows_columns(layout, kernel_shape)
        block = _int4_block(layer, config)
        layer._int4_block_size = block
        layer._int4_unpacked_column_size = columns
        layer._int4_rows = rows
        layer._kernel = layer.add_weight(
            name="kernel",
            shape=(rows, (columns + 1) // 2),
            initializer="zeros",
            dtype="int8",
            trainable=False,
        )
        scale_shape = (columns,) if block is None else (math.ceil(rows / block), columns)
        layer.kernel_scale = layer.add_weight(
            name="kernel_scale", shape=scale_shape, initializer="ones", trainable=False
        )
        if block is not None:
            layer.kernel_zero = layer.add_weight(
                name="kernel_zero",
                shape=scale_shape,
                initializer="zeros",
                dtype="int8",
                trainable=False,
            )
            layer.g_idx = layer.add_weight(
                name="g_idx",
                shape=(rows,),
                initializer=lambda shape, dtype=None: jnp.floor_divide(
                    jnp.arange(rows, dtype="float32"), block
                ),
                dtype="float32",
                trainable=False,
            )
    elif mode == "float8":
        length = getattr(
            layer.dtype_policy,
            "amax_history_length",
            QuantizedFloat8DTypePolicy.default_amax_history_length,
        )
        for prefix in ("inputs", "kernel", "outputs_grad"):
            for suffix, shape, init in (
                ("scale", (), "ones"),
                ("amax_history", (length,), "zeros"),
            ):
                setattr(
                    layer,
                    f"{prefix}_{suffix}",
                    layer.add_weight(
                        name=f"{prefix}_{suffix}",
                        shape=shape,
                        initializer=init,
                        dtype="float32",
                        trainable=True,
                        autocast=False,
                        overwrite_with_gradient=True,
                    ),
                )
    else:
        raise _mode_error(layer, mode)
    layer._is_quantized = True


def einsum_quantize(layer, mode, type_check, config):
    """Quantizes a built float `EinsumDense` layer in place (`EinsumDense.quantize`).

    The kernel is quantized over its contracted axes with Keras's abs-max scheme, the float
    kernel is replaced by the variables `einsum_build` creates, and the dtype policy becomes
    the quantized policy of `mode`.

    Args:
        layer: a built `EinsumDense` layer.
        mode: `"int8"`, `"int4"` or `"float8"`.
        type_check: if `True`, refuse subclasses of `EinsumDense`.
        config: a `QuantizationConfig`, or `None` for the defaults of `mode`.

    Returns:
        None.

    Raises:
        NotImplementedError: if `type_check` is set and `layer` is a subclass, or `mode` is
            not supported.
        ValueError: if the layer is not built or is already quantized.

    Example:

    >>> from lamina import layers
    >>> layer = layers.EinsumDense("ab,bc->ac", output_shape=4)
    >>> layer.build((None, 3))
    >>> layer.quantize("int8")
    >>> layer.quantization_mode, layer.kernel.dtype, layer.kernel_scale.shape
    ('int8', 'int8', (1, 4))
    """
    from lamina import quantizers
    from lamina.layers.einsum_dense import EinsumDense
    from lamina.quantizers.quantization_config import QuantizationConfig

    if type_check and type(layer) is not EinsumDense:
        raise NotImplementedError(
            f"Layer {type(layer).__name__} does not have a `quantize` method implemented "
            "(subclasses of EinsumDense are not quantized; pass type_check=False to force it)."
        )
    if mode not in ("int8", "int4", "float8"):
        raise _mode_error(layer, mode)
    _check_quantize_args(layer, mode)
    layer.quantization_config = config
    kernel = layer._kernel
    prefix = kernel.path.rsplit("/", 1)[0] if "/" in kernel.path else ""
    before = {id(v) for v in layer._trainable_variables + layer._non_trainable_variables}
    kernel_shape = tuple(kernel.shape)
    zero = None
    if mode in ("int8", "int4"):
        layout = _layout(layer)
    if mode == "int8":
        quantizer = QuantizationConfig.weight_quantizer_or_default(
            config, quantizers.AbsMaxQuantizer(axis=tuple(layout.kernel_reduced))
        )
        value, scale = quantizer(kernel.numpy(), to_numpy=True)
        scale = layout.to_output(jnp.asarray(scale), "kernel")
    elif mode == "int4":
        block = config.block_size if isinstance(config, quantizers.Int4QuantizationConfig) else None
        block = None if block == -1 else block
        rows, columns = _rows_columns(layout, kernel_shape)
        flat = np.reshape(kernel.numpy(), (rows, columns))
        if block is None:
            value, scale = quantizers.abs_max_quantize(
                flat, axis=0, value_range=(-8, 7), dtype="int8", to_numpy=True
            )
            scale = jnp.squeeze(scale, axis=0)
        else:
            value, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(
                flat, block_size=block
            )
        value = quantizers.pack_int4(np.asarray(value), axis=-1)[0]
    if mode in ("int8", "int4"):
        untrack_variable(layer, kernel)
        del layer._kernel
    einsum_build(layer, kernel_shape, mode, config)
    if mode in ("int8", "int4"):
        layer._kernel.assign(value)
        layer.kernel_scale.assign(scale)
        if zero is not None:
            layer.kernel_zero.assign(zero)
    _fix_paths(layer, prefix, before)
    _set_policy(layer, mode, config)


def _with_input_grad(inputs, forward, float_kernel, grad_equation):
    """`forward(inputs)`, whose gradient with respect to `inputs` is the einsum of the
    output cotangent with the dequantized kernel (the quantized path itself has none)."""
    dtype = inputs.dtype

    @jax.custom_vjp
    def f(x):
        return forward(x)

    def fwd(x):
        return forward(x), None

    def bwd(_, g):
        return (jnp.einsum(grad_equation, g, float_kernel()).astype(dtype),)

    f.defvjp(fwd, bwd)
    return f(inputs)


def einsum_call(layer, inputs, training=None):
    """The einsum of a quantized `EinsumDense` layer, as Keras's `_int8_call`, `_int4_call`
    and `_float8_call` compute it.

    Args:
        layer: a quantized `EinsumDense` layer.
        inputs: float array of the layer's input rank.
        training: whether float8 scales should be updated.

    Returns:
        The layer's output computed from the quantized kernel, in its compute dtype.

    Example:

    >>> import numpy as np
    >>> from lamina import layers
    >>> from lamina.layers.quantized_einsum import einsum_call
    >>> layer = layers.EinsumDense("ab,bc->ac", output_shape=2, kernel_initializer="ones")
    >>> layer.build((None, 3))
    >>> layer.quantize("int8")
    >>> np.round(np.asarray(einsum_call(layer, np.ones((1, 3), "float32"))), 4)
    array([[3., 3.]], dtype=float32)
    """
    from lamina.quantizers import dequantize_with_sz_map, unpack_int4

    mode = layer.quantization_mode
    dtype = layer.compute_dtype
    eq = layer.equation
    if mode == "int8":
        layout = _layout(layer)
        kernel, scale = layer._kernel.value, layer.kernel_scale.value

        def forward(x):
            if layer.inputs_quantizer:
                x, x_scale = layer.inputs_quantizer(x, axis=layer.quantization_axis)
                x_scale = layout.to_output(x_scale, "input")
                if x.dtype == jnp.int8:
                    y = jnp.einsum(eq, x, kernel, preferred_element_type=jnp.int32)
                else:
                    y = jnp.einsum(eq, x, kernel)
                return jnp.divide(y.astype(dtype), jnp.multiply(x_scale, scale))
            return jnp.divide(jnp.einsum(eq, x, kernel).astype(dtype), scale)

        x = _with_input_grad(
            inputs,
            forward,
            lambda: jnp.divide(kernel.astype(dtype), layout.kernel_scale_to_kernel(scale)),
            layout.grad_equation,
        )
    elif mode == "int4":
        layout = _layout(layer)
        unpacked = unpack_int4(
            layer._kernel.value, layer._int4_unpacked_column_size, axis=-1, dtype="int8"
        )
        scale = layer.kernel_scale.value
        if layer._int4_block_size is None:

            def float_kernel():
                w = jnp.divide(unpacked.astype(dtype), scale)
                return jnp.reshape(w, layer.original_kernel_shape)

            def forward(x):
                if layer.inputs_quantizer:
                    x, x_scale = layer.inputs_quantizer(x, axis=layer.quantization_axis)
                    x_scale = layout.to_output(x_scale, "input")
                    y = jnp.einsum(eq, x, float_kernel()).astype(dtype)
                    return jnp.divide(y, x_scale)
                return jnp.einsum(eq, x, float_kernel())

        else:
            zero, g_idx = layer.kernel_zero.value, layer.g_idx.value

            def float_kernel():
                w = dequantize_with_sz_map(unpacked, scale, zero, g_idx, group_axis=0)
                return jnp.reshape(w.astype(dtype), layer.original_kernel_shape)

            def forward(x):
                return jnp.einsum(eq, x, float_kernel())

        x = _with_input_grad(inputs, forward, float_kernel, layout.grad_equation)
    elif mode == "float8":
        x = jnp.einsum(
            eq,
            float8_qdq_inputs(
                inputs,
                layer.inputs_scale.value,
                layer.inputs_amax_history.value,
                training,
                dtype,
            ),
            float8_qdq_inputs(
                layer._kernel.value,
                layer.kernel_scale.value,
                layer.kernel_amax_history.value,
                training,
                dtype,
            ),
        )
        x = float8_qdq_output_grads(
            x, layer.outputs_grad_scale.value, layer.outputs_grad_amax_history.value, dtype
        )
    else:
        raise _mode_error(layer, mode)
    if layer.bias is not None:
        bias = layer.bias.value
        if mode == "float8" and layer.dtype_policy.compute_dtype == "float32":
            bias = bias.astype(jnp.bfloat16).astype(bias.dtype)
        x = x + bias
    return layer.activation(x) if layer.activation is not None else x
