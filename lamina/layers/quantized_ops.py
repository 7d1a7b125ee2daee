"""The quantized forward passes and variable bookkeeping shared by `Dense` and `Embedding`."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import ml_dtypes

from lamina.core.variable import bump_structure

_E4M3_MAX = float(ml_dtypes.finfo("float8_e4m3fn").max)
_E5M2_MAX = float(ml_dtypes.finfo("float8_e5m2").max)


def untrack_variable(layer, variable) -> None:
    """Stops `layer` from tracking `variable`.

    `quantize()` calls this on the float weight it replaces, so the old weight no longer shows
    up in `layer.weights` (nor in saved files).

    Args:
        layer: the layer that owns `variable`.
        variable: the variable to forget; nothing happens when `layer` does not track it.

    Returns:
        None.

    Example:

    >>> from lamina import layers
    >>> from lamina.layers.quantized_ops import untrack_variable
    >>> dense = layers.Dense(2)
    >>> dense.build((None, 3))
    >>> untrack_variable(dense, dense.bias)
    >>> [v.name for v in dense.weights]
    ['kernel']
    """
    for bucket in (layer._trainable_variables, layer._non_trainable_variables):
        for i, v in enumerate(bucket):
            if v is variable:
                del bucket[i]
                break
    layer._tracked_ids.discard(id(variable))
    bump_structure()


def int_matmul(inputs, kernel, kernel_scale, inputs_quantizer, compute_dtype, dequantize):
    """Multiplies float inputs by an integer kernel and rescales: `inputs @ kernel / scale`.

    When `inputs_quantizer` is given, the inputs are quantized first (int8 by int8 products are
    accumulated in int32) and the output is divided by both scales. The gradient with respect
    to `inputs` is computed through the dequantized kernel, as for a float matmul.

    Args:
        inputs: float array whose last axis matches the kernel's first axis.
        kernel: integer kernel of shape `(input_dim, units)`.
        kernel_scale: per-output-channel scale, shape `(units,)`; the float kernel is
            `kernel / kernel_scale`.
        inputs_quantizer: `None`, or a callable `(x, axis=-1) -> (quantized_x, x_scale)`.
        compute_dtype: dtype of the returned array.
        dequantize: zero-argument callable giving the float kernel (used by the gradient).

    Returns:
        The product, shape `inputs.shape[:-1] + (units,)`, in `compute_dtype`.

    Example:

    >>> import jax.numpy as jnp
    >>> from lamina.layers.quantized_ops import int_matmul
    >>> kernel = jnp.array([[2, 0], [0, 4]], dtype="int8")
    >>> scale = jnp.array([2.0, 4.0])
    >>> int_matmul(jnp.array([[1.0, 2.0]]), kernel, scale, None, "float32",
    ...            lambda: kernel / scale)
    Array([[1., 2.]], dtype=float32)
    """

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
    """Rounds `x` through float8_e4m3fn (quantize then dequantize) with a scaling factor.

    The gradient of `x` passes straight through. In training, the "gradients" of `scale` and
    `amax_history` are their next values (a new scale from the recorded maxima, and the history
    with `max(abs(x))` pushed in), which the optimizer writes as is because those variables are
    marked `overwrite_with_gradient`; outside training they are zeros.

    Args:
        x: float array to round.
        scale: scalar scaling factor (`x * scale` is cast to float8).
        amax_history: 1-D array of the last maxima of `abs(x)`.
        training: whether the scale and history should be updated.
        compute_dtype: dtype of the returned array.

    Returns:
        `x` rounded to the float8_e4m3fn grid, in `compute_dtype`.

    Example:

    >>> import jax.numpy as jnp
    >>> from lamina.layers.quantized_ops import float8_qdq_inputs
    >>> float8_qdq_inputs(jnp.array([0.3, 1.7]), jnp.array(1.0), jnp.zeros((4,)), False,
    ...                   "float32")
    Array([0.3125, 1.75  ], dtype=float32)
    """
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
    """Returns `y` unchanged, but rounds the gradient flowing back into it through float8_e5m2.

    The backward pass quantize-dequantizes the incoming gradient with `scale`, and gives
    `scale` and `amax_history` their next values as their "gradients" (these variables are
    `overwrite_with_gradient`, so the optimizer writes them as is).

    Args:
        y: the layer's float output.
        scale: scalar scaling factor for the output gradient.
        amax_history: 1-D array of the last maxima of the gradient's absolute value.
        compute_dtype: dtype the gradient is rounded in.

    Returns:
        `y` itself (only the gradient is affected).

    Example:

    >>> import jax
    >>> import jax.numpy as jnp
    >>> from lamina.layers.quantized_ops import float8_qdq_output_grads
    >>> y = jnp.array([0.3, 1.7])
    >>> float8_qdq_output_grads(y, jnp.array(1.0), jnp.zeros((4,)), "float32")
    Array([0.3, 1.7], dtype=float32)
    >>> jax.grad(lambda v: (float8_qdq_output_grads(v, jnp.array(1.0), jnp.zeros((4,)),
    ...                                             "float32") * 0.3).sum())(y)
    Array([0.3125, 0.3125], dtype=float32)
    """
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
    """Writes the layer's variables into `store` in Keras's order for its quantization mode.

    The variables are stored under the keys `"0"`, `"1"`, ... in the order of `names`; names
    whose variable is absent (like `kernel_zero` of per-channel int4) are skipped without
    taking a key.

    Args:
        layer: the layer whose variables are written.
        store: a dict-like store (a `.weights.h5` group when saving).
        names: the variable names, in file order.
        attrs: optional dict mapping a name to the attribute holding its variable when they
            differ (EinsumDense's `kernel` lives in `_kernel`).

    Returns:
        None.

    Example:

    >>> from lamina import layers
    >>> from lamina.layers.quantized_ops import save_by_spec
    >>> dense = layers.Dense(2)
    >>> dense.build((None, 3))
    >>> store = {}
    >>> save_by_spec(dense, store, ["kernel", "bias"])
    >>> {key: value.shape for key, value in store.items()}
    {'0': (3, 2), '1': (2,)}
    """
    attrs = attrs or {}
    idx = 0
    for name in names:
        v = getattr(layer, attrs.get(name, name), None)
        if v is None:
            continue
        store[str(idx)] = v.numpy()
        idx += 1


def load_by_spec(layer, store, names, attrs=None) -> None:
    """Assigns the layer's variables from `store`, as written by `save_by_spec` (or by Keras).

    Args:
        layer: the layer whose variables are assigned.
        store: a dict-like store with keys `"0"`, `"1"`, ...
        names: the variable names, in file order (absent variables are skipped).
        attrs: optional dict mapping a name to the attribute holding its variable.

    Returns:
        None.

    Raises:
        ValueError: if the store holds a different number of variables, or a variable of
            another shape.

    Example:

    >>> import numpy as np
    >>> from lamina import layers
    >>> from lamina.layers.quantized_ops import load_by_spec
    >>> dense = layers.Dense(2)
    >>> dense.build((None, 3))
    >>> load_by_spec(dense, {"0": np.ones((3, 2)), "1": np.full((2,), 5.0)}, ["kernel", "bias"])
    >>> dense.bias.numpy()
    array([5., 5.], dtype=float32)
    """
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
