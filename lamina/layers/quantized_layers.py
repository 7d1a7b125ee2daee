"""`quantize()` for `Dense` and `Embedding`: Keras 3's variables, scales, packing and calls."""

from __future__ import annotations

import math
import warnings

import jax.numpy as jnp
import numpy as np

from lamina.layers.quantized_ops import (
    float8_qdq_inputs,
    float8_qdq_output_grads,
    int_matmul,
    untrack_variable,
)


def _fix_paths(layer, prefix, before) -> None:
    """Gives the variables created by `quantize()` the path prefix of the float weights (the
    enclosing model's scopes), as Keras's paths read `model/layer/kernel_scale`."""
    if not prefix:
        return
    for v in layer._trainable_variables + layer._non_trainable_variables:
        if id(v) not in before:
            v.path = f"{prefix}/{v.path.rsplit('/', 1)[-1]}"


def _check_quantize_args(layer, mode):
    if not layer.built:
        raise ValueError(
            f"Cannot quantize a layer that isn't yet built. Layer '{layer.name}' (of type "
            f"'{type(layer).__name__}') is not built yet: call it on data or `build()` it first."
        )
    if getattr(layer, "_is_quantized", False):
        raise ValueError(
            f"Layer '{layer.name}' is already quantized with "
            f"dtype_policy='{layer.dtype_policy.name}'. Received: mode={mode}"
        )


def _mode_error(layer, mode, allowed=("int8", "int4", "float8")):
    if mode in ("gptq", "awq"):
        return NotImplementedError(
            f"{type(layer).__name__} '{layer.name}': {mode.upper()}-quantized layers are not "
            f"built in lamina yet (quantization_mode='{mode}'; see docs/differences.md). "
            "Quantize the float model with 'int8' or 'int4' instead."
        )
    return NotImplementedError(
        f"{type(layer).__name__} '{layer.name}': invalid quantization mode. Expected one of "
        f"{allowed}. Received: quantization_mode={mode}"
    )


def _set_policy(layer, mode, config):
    from lamina.core.quantized_dtype_policy import quantized_policy_from_name
    from lamina.quantizers.quantization_config import get_block_size_for_layer

    if layer.quantization_mode is not None:
        return
    name = mode
    if mode == "int4":
        block = get_block_size_for_layer(layer, config)
        name = f"int4/{-1 if block is None else block}"
    layer._dtype_policy = quantized_policy_from_name(f"{name}_from_{layer.dtype_policy.name}")


def _int4_block(layer, config):
    from lamina.quantizers.quantization_config import get_block_size_for_layer

    block = get_block_size_for_layer(layer, config)
    return None if block in (None, -1) else block


# ---------------------------------------------------------------------------------------- Dense
def dense_build(layer, kernel_shape, mode, config):
    """Creates the variables of a quantized `Dense` layer for `mode`.

    For `"int8"` and `"int4"` the kernel is created as an integer variable (int4 values packed
    two per int8 byte) with a float `kernel_scale` (and, for grouped int4, `kernel_zero` and
    `g_idx`); no float kernel is made. For `"float8"` the float kernel is kept and the scale and
    amax-history variables of the inputs, kernel and output gradient are added. This is what
    `Dense.build` does under a quantized dtype policy such as `"int8_from_float32"`.

    Args:
        layer: the `Dense` layer being built.
        kernel_shape: `(input_dim, units)`.
        mode: `"int8"`, `"int4"` or `"float8"`.
        config: a `QuantizationConfig`, or `None` for the defaults of `mode`.

    Returns:
        None.

    Example:

    >>> from lamina import layers
    >>> dense = layers.Dense(4, dtype="int8_from_float32")
    >>> dense.build((None, 3))
    >>> [(v.name, v.dtype, v.shape) for v in dense.weights]
    [('bias', 'float32', (4,)), ('kernel', 'int8', (3, 4)), ('kernel_scale', 'float32', (4,))]
    """
    from lamina.quantizers import AbsMaxQuantizer
    from lamina.quantizers.quantization_config import QuantizationConfig

    input_dim, units = kernel_shape
    if mode == "int8":
        layer.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(
            config, AbsMaxQuantizer()
        )
        layer.kernel = layer.add_weight(
            name="kernel", shape=kernel_shape, initializer="zeros", dtype="int8", trainable=False
        )
        layer.kernel_scale = layer.add_weight(
            name="kernel_scale", shape=(units,), initializer="ones", trainable=False
        )
    elif mode == "int4":
        layer.inputs_quantizer = QuantizationConfig.activation_quantizer_or_default(config, None)
        layer.kernel = layer.add_weight(
            name="kernel",
            shape=(input_dim, (units + 1) // 2),
            initializer="zeros",
            dtype="int8",
            trainable=False,
        )
        block = _int4_block(layer, config)
        layer._int4_block_size = block
        scale_shape = (units,) if block is None else (math.ceil(input_dim / block), units)
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
                shape=(input_dim,),
                initializer=lambda shape, dtype=None: jnp.floor_divide(
                    jnp.arange(input_dim, dtype="float32"), block
                ),
                dtype="float32",
                trainable=False,
            )
        layer._orig_output_dim = units
    elif mode == "float8":
        from lamina.core.quantized_dtype_policy import QuantizedFloat8DTypePolicy

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


def dense_quantize(layer, mode, type_check, config):
    """Quantizes a built float `Dense` layer in place (`Dense.quantize`).

    The float kernel is replaced by its quantized form (computed with Keras's abs-max scheme,
    so the numbers match Keras's), the matching variables are created by `dense_build`, and
    the layer's dtype policy becomes the quantized policy of `mode`.

    Args:
        layer: a built `Dense` layer.
        mode: `"int8"`, `"int4"` or `"float8"`.
        type_check: if `True`, refuse subclasses of `Dense` (they may not support quantization).
        config: a `QuantizationConfig`, or `None` for the defaults of `mode`.

    Returns:
        None.

    Raises:
        NotImplementedError: if `type_check` is set and `layer` is a `Dense` subclass, or
            `mode` is not supported.
        ValueError: if the layer is not built or is already quantized.

    Example:

    >>> from lamina import layers
    >>> dense = layers.Dense(2)
    >>> dense.build((None, 3))
    >>> dense.quantize("int8")
    >>> dense.quantization_mode, dense.kernel.dtype
    ('int8', 'int8')
    """
    from lamina import quantizers
    from lamina.layers.core import Dense
    from lamina.quantizers.quantization_config import QuantizationConfig

    if type_check and type(layer) is not Dense:
        raise NotImplementedError(
            f"Layer {type(layer).__name__} does not have a `quantize` method implemented "
            "(subclasses of Dense are not quantized; pass type_check=False to force it)."
        )
    if mode not in ("int8", "int4", "float8"):
        raise _mode_error(layer, mode)
    _check_quantize_args(layer, mode)
    layer.quantization_config = config
    kernel = layer.kernel
    prefix = kernel.path.rsplit("/", 1)[0] if "/" in kernel.path else ""
    before = {id(v) for v in layer._trainable_variables + layer._non_trainable_variables}
    kernel_shape = tuple(kernel.shape)
    if mode == "int8":
        quantizer = QuantizationConfig.weight_quantizer_or_default(
            config, quantizers.AbsMaxQuantizer(axis=0)
        )
        value, scale = quantizer(kernel.numpy(), to_numpy=True)
        scale = jnp.squeeze(scale, axis=0)
    elif mode == "int4":
        block = config.block_size if isinstance(config, quantizers.Int4QuantizationConfig) else None
        block = None if block == -1 else block
        if block is None:
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config,
                quantizers.AbsMaxQuantizer(axis=0, value_range=(-8, 7), output_dtype="int8"),
            )
            value, scale = quantizer(kernel.numpy(), to_numpy=True)
            scale = jnp.squeeze(scale, axis=0)
        else:
            value, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(
                kernel.numpy(), block_size=block
            )
        value = quantizers.pack_int4(value, axis=-1)[0]
    if mode in ("int8", "int4"):
        untrack_variable(layer, kernel)
        del layer.kernel
        dense_build(layer, kernel_shape, mode, config)
        layer.kernel.assign(value)
        layer.kernel_scale.assign(scale)
        if mode == "int4" and getattr(layer, "kernel_zero", None) is not None:
            layer.kernel_zero.assign(zero)
    else:
        dense_build(layer, kernel_shape, mode, config)
    _fix_paths(layer, prefix, before)
    layer._is_quantized = True
    _set_policy(layer, mode, config)


def dense_call(layer, inputs, training=None):
    """The forward pass of a quantized `Dense` layer (matmul, then bias and activation).

    int8 and int4 kernels are multiplied through `int_matmul` (quantizing the inputs when the
    config asks for it) and divided by their scales; float8 rounds the inputs, kernel and
    output gradient through float8 with their running scales.

    Args:
        layer: a quantized `Dense` layer.
        inputs: float array whose last axis is the layer's input dimension.
        training: whether float8 scales should be updated.

    Returns:
        `activation(inputs @ kernel + bias)`, computed from the quantized kernel, in the
        layer's compute dtype.

    Example:

    >>> import numpy as np
    >>> from lamina import layers
    >>> from lamina.layers.quantized_layers import dense_call
    >>> dense = layers.Dense(2, kernel_initializer="ones")
    >>> dense.build((None, 3))
    >>> dense.quantize("int8")
    >>> np.round(np.asarray(dense_call(dense, np.ones((1, 3), "float32"))), 4)
    array([[3., 3.]], dtype=float32)
    """
    mode = layer.quantization_mode
    dtype = layer.compute_dtype
    if mode == "int8":
        kernel, scale = layer.kernel.value, layer.kernel_scale.value
        x = int_matmul(
            inputs,
            kernel,
            scale,
            layer.inputs_quantizer,
            dtype,
            lambda: jnp.divide(kernel.astype(dtype), scale),
        )
    elif mode == "int4":
        from lamina.quantizers import dequantize_with_sz_map, unpack_int4

        unpacked = unpack_int4(layer.kernel.value, layer._orig_output_dim, axis=-1)
        scale = layer.kernel_scale.value
        if getattr(layer, "_int4_block_size", None) is None:
            x = int_matmul(
                inputs,
                unpacked,
                scale,
                layer.inputs_quantizer,
                dtype,
                lambda: jnp.divide(unpacked.astype(dtype), scale),
            )
        else:
            w = dequantize_with_sz_map(
                unpacked, scale, layer.kernel_zero.value, layer.g_idx.value, group_axis=0
            ).astype(dtype)
            x = jnp.matmul(inputs, w)
    elif mode == "float8":
        x = jnp.matmul(
            float8_qdq_inputs(
                inputs,
                layer.inputs_scale.value,
                layer.inputs_amax_history.value,
                training,
                dtype,
            ),
            float8_qdq_inputs(
                layer.kernel.value,
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


# ------------------------------------------------------------------------------------ Embedding
def embedding_build(layer, shape, mode, config):
    """Creates the variables of a quantized `Embedding` layer for `mode`.

    The table is an integer variable (int4 values packed two per byte) with one float scale
    per row in `embeddings_scale` (grouped int4 adds `embeddings_zero` and `g_idx`). This is
    what `Embedding.build` does under a quantized dtype policy.

    Args:
        layer: the `Embedding` layer being built.
        shape: `(input_dim, output_dim)`.
        mode: `"int8"` or `"int4"`.
        config: a `QuantizationConfig`, or `None` for the defaults of `mode`.

    Returns:
        None.

    Example:

    >>> from lamina import layers
    >>> embedding = layers.Embedding(5, 2, dtype="int8_from_float32")
    >>> embedding.build()
    >>> [(v.name, v.dtype, v.shape) for v in embedding.weights]
    [('embeddings', 'int8', (5, 2)), ('embeddings_scale', 'float32', (5,))]
    """
    input_dim, output_dim = shape
    if mode == "int8":
        layer.embeddings = layer.add_weight(
            name="embeddings", shape=shape, initializer="zeros", dtype="int8", trainable=False
        )
        layer.embeddings_scale = layer.add_weight(
            name="embeddings_scale", shape=(input_dim,), initializer="ones", trainable=False
        )
    elif mode == "int4":
        layer.embeddings = layer.add_weight(
            name="embeddings",
            shape=(input_dim, (output_dim + 1) // 2),
            initializer="zeros",
            dtype="int8",
            trainable=False,
        )
        block = _int4_block(layer, config)
        layer._int4_block_size = block
        scale_shape = (input_dim,) if block is None else (input_dim, math.ceil(output_dim / block))
        layer.embeddings_scale = layer.add_weight(
            name="embeddings_scale", shape=scale_shape, initializer="ones", trainable=False
        )
        if block is not None:
            layer.embeddings_zero = layer.add_weight(
                name="embeddings_zero",
                shape=scale_shape,
                initializer="zeros",
                dtype="int8",
                trainable=False,
            )
            layer.g_idx = layer.add_weight(
                name="g_idx",
                shape=(output_dim,),
                initializer=lambda shape, dtype=None: jnp.floor_divide(
                    jnp.arange(output_dim, dtype="float32"), block
                ),
                dtype="float32",
                trainable=False,
            )
        layer._orig_output_dim = output_dim
    else:
        raise _mode_error(layer, mode, ("int8", "int4"))


def embedding_quantize(layer, mode, type_check, config):
    """Quantizes a built float `Embedding` layer in place (`Embedding.quantize`).

    Each row of the table is quantized with its own abs-max scale; the float table is
    replaced and the dtype policy becomes the quantized policy of `mode`.

    Args:
        layer: a built `Embedding` layer.
        mode: `"int8"` or `"int4"`.
        type_check: if `True`, refuse subclasses of `Embedding`.
        config: a `QuantizationConfig`, or `None` for the defaults of `mode`.

    Returns:
        None.

    Raises:
        NotImplementedError: if `type_check` is set and `layer` is an `Embedding` subclass,
            or `mode` is not supported.
        ValueError: if the layer is not built or is already quantized.

    Example:

    >>> from lamina import layers
    >>> embedding = layers.Embedding(5, 2)
    >>> embedding.build()
    >>> embedding.quantize("int8")
    >>> embedding.embeddings.dtype, embedding.embeddings_scale.shape
    ('int8', (5,))
    """
    from lamina import quantizers
    from lamina.layers.embedding import Embedding
    from lamina.quantizers.quantization_config import QuantizationConfig

    if type_check and type(layer) is not Embedding:
        raise NotImplementedError(
            f"Layer {type(layer).__name__} does not have a `quantize` method implemented "
            "(subclasses of Embedding are not quantized; pass type_check=False to force it)."
        )
    if mode not in ("int8", "int4"):
        raise _mode_error(layer, mode, ("int8", "int4"))
    _check_quantize_args(layer, mode)
    layer.quantization_config = config
    table = layer.embeddings
    prefix = table.path.rsplit("/", 1)[0] if "/" in table.path else ""
    before: set = set()
    shape = (layer.input_dim, layer.output_dim)
    zero = None
    if mode == "int8":
        quantizer = QuantizationConfig.weight_quantizer_or_default(
            config, quantizers.AbsMaxQuantizer(axis=-1)
        )
        value, scale = quantizer(table.numpy(), to_numpy=True)
        scale = jnp.squeeze(scale, axis=-1)
    else:
        block = config.block_size if isinstance(config, quantizers.Int4QuantizationConfig) else None
        block = None if block == -1 else block
        if block is None:
            quantizer = QuantizationConfig.weight_quantizer_or_default(
                config,
                quantizers.AbsMaxQuantizer(axis=-1, value_range=(-8, 7), output_dtype="int8"),
            )
            value, scale = quantizer(table.numpy(), to_numpy=True)
            scale = jnp.squeeze(scale, axis=-1)
        else:
            v_t, s_t, z_t = quantizers.abs_max_quantize_grouped_with_zero_point(
                np.transpose(table.numpy()), block_size=block
            )
            value, scale, zero = v_t.T, s_t.T, z_t.T
        value = quantizers.pack_int4(value, axis=-1)[0]
    untrack_variable(layer, table)
    del layer.embeddings
    embedding_build(layer, shape, mode, config)
    layer.embeddings.assign(value)
    layer.embeddings_scale.assign(scale)
    if zero is not None:
        layer.embeddings_zero.assign(zero)
    _fix_paths(layer, prefix, before)
    layer._is_quantized = True
    _set_policy(layer, mode, config)


def embedding_call(layer, inputs):
    """Looks up rows of a quantized `Embedding` table and dequantizes them.

    Args:
        layer: a quantized `Embedding` layer.
        inputs: integer indices (other dtypes are cast to int32).

    Returns:
        The float rows, shape `inputs.shape + (output_dim,)`, in the layer's compute dtype.

    Example:

    >>> import numpy as np
    >>> from lamina import layers
    >>> from lamina.layers.quantized_layers import embedding_call
    >>> embedding = layers.Embedding(5, 2, embeddings_initializer="ones")
    >>> embedding.build()
    >>> embedding.quantize("int8")
    >>> np.round(np.asarray(embedding_call(embedding, np.array([0, 3]))), 4)
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """
    mode = layer.quantization_mode
    if inputs.dtype not in (jnp.int32, jnp.int64):
        inputs = inputs.astype(jnp.int32)
    dtype = layer.compute_dtype
    scale = jnp.take(layer.embeddings_scale.value, inputs, axis=0)
    if mode == "int8":
        out = jnp.take(layer.embeddings.value, inputs, axis=0)
        return jnp.divide(out.astype(dtype), jnp.expand_dims(scale, -1))
    if mode == "int4":
        from lamina.quantizers import dequantize_with_sz_map, unpack_int4

        table = unpack_int4(layer.embeddings.value, layer._orig_output_dim, axis=-1)
        out = jnp.take(table, inputs, axis=0)
        if getattr(layer, "_int4_block_size", None) is None:
            return jnp.divide(out.astype(dtype), jnp.expand_dims(scale, -1))
        zero = jnp.take(layer.embeddings_zero.value, inputs, axis=0)
        return dequantize_with_sz_map(
            out.astype(dtype), scale, zero, layer.g_idx.value, group_axis=-1
        ).astype(dtype)
    raise _mode_error(layer, mode, ("int8", "int4"))


# ---------------------------------------------------------------------------------------- Model
def model_quantize(model, mode=None, config=None, filters=None, **kwargs):
    """Quantizes every leaf layer of `model` that supports `mode` (`Model.quantize`).

    Layers that do not support quantization are skipped; layers whose `quantize` raises
    `NotImplementedError` (subclasses, under `type_check`) are skipped with a warning.

    Args:
        model: a built model.
        mode: `"int8"`, `"int4"`, `"float8"`, ...; may be left `None` when `config` names it.
        config: a `QuantizationConfig`, or `None` for the defaults of `mode`.
        filters: `None` (all layers), a regex or list of regexes matched against layer names,
            or a callable taking a layer and returning whether to quantize it.
        **kwargs: only `type_check` (default `True`) is accepted.

    Returns:
        None.

    Raises:
        ValueError: for an unbuilt model, an unknown keyword argument or invalid `filters`.

    Example:

    >>> from lamina import layers, models
    >>> model = models.Sequential(
    ...     [layers.Input((3,)), layers.Dense(2, name="a"), layers.Dense(1, name="b")]
    ... )
    >>> model.quantize("int8", filters="b")
    >>> [layer.quantization_mode for layer in model.layers]
    [None, 'int8']
    """
    import re

    from lamina.quantizers.quantization_config import validate_and_resolve_config

    type_check = kwargs.pop("type_check", True)
    if kwargs:
        raise ValueError(
            f"Unrecognized keyword arguments passed to {type(model).__name__}.quantize(): "
            f"{kwargs}. Accepted: mode, config, filters."
        )
    if (
        filters is not None
        and not isinstance(filters, (str, list, tuple))
        and not callable(filters)
    ):
        raise ValueError(
            "The `filters` argument must be a regex string, a list of regex strings, or a "
            f"callable. Received: {type(filters)}"
        )
    config = validate_and_resolve_config(mode, config)
    mode = config.mode
    if not model.built:
        raise ValueError(
            f"Cannot quantize model '{model.name}': it is not built yet. Call it on data or "
            "`build()` it first."
        )

    def selected(layer):
        if filters is None:
            return True
        if isinstance(filters, str):
            return bool(re.search(filters, layer.name))
        if isinstance(filters, (list, tuple)):
            return any(re.search(p, layer.name) for p in filters)
        return bool(filters(layer))

    quantized = 0
    for layer in model._flatten_layers():
        if not selected(layer) or len(list(layer._flatten_layers())) != 1:
            continue
        try:
            layer.quantize(mode, type_check=type_check, config=config)
            quantized += 1
        except NotImplementedError as e:
            warnings.warn(str(e), stacklevel=3)
        except AttributeError:
            pass
    if quantized == 0:
        warnings.warn(
            f"Model '{model.name}'.quantize('{mode}'): no layer was quantized. lamina quantizes "
            "Dense and Embedding layers (Embedding: 'int8' and 'int4' only); this model has "
            "none that match.",
            stacklevel=3,
        )
    from lamina.core.variable import bump_structure

    bump_structure()
