"""The quantized forward passes and variable bookkeeping shared by `Dense` and `Embedding`."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import ml_dtypes

from lamina.core.variable import bump_structure

_E4M3_MAX = float(ml_dtypes.finfo("float8_e4m3fn").max)
_E5M2_MAX = float(ml_dtypes.finfo("float8_e5m2").max)


def untrack_variable(layer, variable) -> None:
    """Removes `variable` from `layer`'s tracked variables (the float weight being replaced)."""
    for bucket in (layer._trainable_variables, layer._non_trainable_variables):
        for i, v in enumerate(bucket):
            if v is variable:
                del bucket[i]
                break
    layer._tracked_ids.discard(id(variable))
    bump_structure()


def int_matmul(inputs, kernel, kernel_scale, inputs_quantizer, compute_dtype, dequantize):
    """`inputs @ kernel / scale` for an integer kernel, quantizing the inputs when there is an
    `inputs_quantizer`; the gradient of `inputs` flows through the dequantized kernel."""

    def forward(x):
        scale = kernel_scale
        if inputs_quantizer:
            x, x_scale = inputs_quantizer(x, axis=-1)
            scale = jnp.multiply(scale, x_scale)
        if x.dtype == jnp.int8 and kernel.dtype == jnp.int8:
            y = jnp.matmul(x, kernel, preferred_element_type=jnp.int32)
        else:
            y = jnp.matmul(x, kernel)
        return jnp.divide(y.astype(compute_dtype), scale)

    @jax.custom_vjp
    def f(x):
        return forward(x)

    def fwd(x):
        return forward(x), None

    def bwd(_, g):
        return (jnp.matmul(g, jnp.transpose(dequantize())).astype(g.dtype),)

    f.defvjp(fwd, bwd)
    return f(inputs)


def float8_qdq_inputs(x, scale, amax_history, training, compute_dtype):
    """Quantize-dequantize `x` to float8_e4m3fn; the gradient passes `x`'s straight through and
    gives `scale`/`amax_history` their next values (which `overwrite_with_gradient` applies)."""
    from lamina.quantizers import (
        compute_float8_amax_history,
        compute_float8_scale,
        quantize_and_dequantize,
    )

    @jax.custom_vjp
    def f(x, scale, history):
        return quantize_and_dequantize(x, scale, "float8_e4m3fn", compute_dtype)

    def fwd(x, scale, history):
        out = quantize_and_dequantize(x, scale, "float8_e4m3fn", compute_dtype)
        if training:
            new_scale = compute_float8_scale(
                jnp.max(history, axis=0), scale, jnp.asarray(_E4M3_MAX, "float32")
            )
            new_history = compute_float8_amax_history(x, history)
        else:
            new_scale, new_history = jnp.zeros_like(scale), jnp.zeros_like(history)
        return out, (new_scale, new_history)

    def bwd(res, g):
        return g, res[0], res[1]

    f.defvjp(fwd, bwd)
    return f(x, scale, amax_history)


def float8_qdq_output_grads(y, scale, amax_history, compute_dtype):
    """Identity forward; the backward pass quantize-dequantizes the incoming gradient to
    float8_e5m2 and gives `scale`/`amax_history` their next values."""
    from lamina.quantizers import (
        compute_float8_amax_history,
        compute_float8_scale,
        quantize_and_dequantize,
    )

    @jax.custom_vjp
    def f(y, scale, history):
        return y

    def fwd(y, scale, history):
        return y, (scale, history)

    def bwd(res, g):
        scale, history = res
        new_scale = compute_float8_scale(
            jnp.max(history, axis=0), scale, jnp.asarray(_E5M2_MAX, "float32")
        )
        qdq = quantize_and_dequantize(g, scale, "float8_e5m2", compute_dtype).astype(g.dtype)
        return qdq, new_scale, compute_float8_amax_history(g, history)

    f.defvjp(fwd, bwd)
    return f(y, scale, amax_history)


def save_by_spec(layer, store, names, attrs=None) -> None:
    """Writes the layer's variables in Keras's order for its quantization mode (absent optional
    variables, like `kernel_zero` of per-channel int4, are skipped). `attrs` maps a name to the
    attribute holding its variable when they differ (EinsumDense's `kernel` is `_kernel`)."""
    attrs = attrs or {}
    idx = 0
    for name in names:
        v = getattr(layer, attrs.get(name, name), None)
        if v is None:
            continue
        store[str(idx)] = v.numpy()
        idx += 1


def load_by_spec(layer, store, names, attrs=None) -> None:
    """Reads variables written by `save_by_spec` (or by Keras) back, checking count and shapes."""
    attrs = attrs or {}
    present = [
        (n, getattr(layer, attrs.get(n, n)))
        for n in names
        if getattr(layer, attrs.get(n, n), None) is not None
    ]
    if len(store.keys()) != len(present):
        raise ValueError(
            f"Layer '{layer.name}' (quantization mode {layer.quantization_mode!r}) expected "
            f"{len(present)} variables ({[n for n, _ in present]}), but received "
            f"{len(store.keys())} variables. Was the file saved from a model quantized the "
            "same way?"
        )
    for i, (name, v) in enumerate(present):
        value = store[str(i)]
        if tuple(value.shape) != tuple(v.shape):
            raise ValueError(
                f"Layer '{layer.name}': variable '{name}' has shape {tuple(v.shape)}, but the "
                f"file holds shape {tuple(value.shape)}."
            )
        v.assign(value)
