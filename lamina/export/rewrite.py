"""Rewrites a traced function into primitives that convert cleanly to ONNX.

jax2onnx maps each JAX primitive to ONNX operators. Two mappings produce graphs that
onnxruntime refuses or that jax2onnx cannot build, and lamina's layers hit both:

- `reduce_window_max` / `reduce_window_min` / `reduce_window_sum` (the pooling layers) become
  ONNX pooling over *every* axis of the operand plus two more, so a 4-D `NHWC` max pooling turns
  into a pooling with four spatial axes ("Unsupported pooling size" in onnxruntime). Here the axes
  that are not pooled (batch, channels) are moved to the front and merged into one, and at most
  two pooled axes are reduced at a time (max, min and sum are separable), so every pooling has at
  most three spatial axes.
- products with int8 operands (the int8-quantized `Dense`/`EinsumDense`/`ReversibleEmbedding`
  kernels) become an ONNX `Einsum`/`MatMul` on int8, which onnxruntime does not implement, or
  on mixed float/int8 types, which ONNX forbids, and jax2onnx drops `preferred_element_type`
  (the int32 sum would overflow into int8): int8 x int8 operands are widened to int32 (the
  same exact integer sums), float x int8 ones to float.
- `scan(reverse=True)` (the backward half of `Bidirectional`, `go_backwards` RNNs) is not
  supported by jax2onnx: it becomes a forward scan over the time-reversed inputs, with the
  stacked outputs reversed back.

`rewrite(fn)` returns a function with the same inputs and outputs that traces `fn` once and
re-evaluates its jaxpr with these substitutions (inlining nested `jit` and custom-derivative
calls, which inference does not need).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax
from jax.extend import core as jcore

_INLINE = {
    "pjit": "jaxpr",
    "jit": "jaxpr",
    "closed_call": "call_jaxpr",
    "core_call": "call_jaxpr",
    "remat": "jaxpr",
    "checkpoint": "jaxpr",
    "custom_jvp_call": "call_jaxpr",
    "custom_vjp_call": "call_jaxpr",
    "custom_vjp_call_jaxpr": "fun_jaxpr",
}

_POOL_OPS = {
    "reduce_window_max": (lax.max, -jnp.inf),
    "reduce_window_min": (lax.min, jnp.inf),
    "reduce_window_sum": (lax.add, 0.0),
}


# Products that jax2onnx may turn into an ONNX Einsum/MatMul (it traces `jnp.einsum` and
# `jnp.matmul` as primitives of its own).
_INT_PRODUCTS = ("dot_general", "jax.numpy.einsum", "jax.numpy.matmul", "jax.numpy.dot")


def _mixed_product(invals) -> bool:
    """Whether a product has an int8 operand (int8 x int8, or a float x int8 weight-only one)."""
    dtypes = [getattr(x, "dtype", None) for x in invals[:2]]
    return jnp.dtype("int8") in dtypes and all(d is not None for d in dtypes)


def _widened_product(eqn, invals):
    """The product `eqn` with ONNX-friendly operands: int8 x int8 on int32 operands (exact,
    kept in int32 as `preferred_element_type` asks), float x int8 on float operands."""
    params = dict(eqn.params)
    x, y = invals[:2]
    if x.dtype == jnp.int8 and y.dtype == jnp.int8:
        x, y = x.astype(jnp.int32), y.astype(jnp.int32)
        out_dtype = params.get("preferred_element_type") or jnp.dtype("int32")
        if "preferred_element_type" in params:
            params["preferred_element_type"] = jnp.dtype("int32")
    else:
        out_dtype = jnp.result_type(x.dtype, y.dtype)
        x, y = x.astype(out_dtype), y.astype(out_dtype)
        if "preferred_element_type" in params:
            params["preferred_element_type"] = None
    with eqn.ctx.manager:
        out = eqn.primitive.bind(x, y, *invals[2:], **params)
    return out.astype(out_dtype)


def _closed(value):
    if isinstance(value, jcore.ClosedJaxpr):
        return value.jaxpr, value.consts
    return value, []


def evaluate(jaxpr, consts, *args):
    """Evaluates `jaxpr` on `args`, substituting the ONNX-friendly forms.

    Args:
        jaxpr: the traced program (`ClosedJaxpr.jaxpr`).
        consts: its constants.
        *args: the input values.

    Returns:
        The list of output values.

    Example:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> from lamina.export.rewrite import evaluate
        >>> closed = jax.make_jaxpr(lambda x: jnp.maximum(x, 0.0) * 2)(jnp.ones(3))
        >>> evaluate(closed.jaxpr, closed.consts, jnp.array([-1.0, 0.5, 2.0]))
        [Array([0., 1., 4.], dtype=float32)]
    """
    env = {}

    def read(v):
        return v.val if isinstance(v, jcore.Literal) else env[v]

    for v, val in zip(jaxpr.constvars, consts):
        env[v] = val
    for v, val in zip(jaxpr.invars, args):
        env[v] = val
    for eqn in jaxpr.eqns:
        invals = [read(v) for v in eqn.invars]
        name = eqn.primitive.name
        if name in _INLINE and _INLINE[name] in eqn.params:
            inner, inner_consts = _closed(eqn.params[_INLINE[name]])
            outs = evaluate(inner, inner_consts, *invals[: len(inner.invars)])
        elif name in _POOL_OPS:
            outs = [_pool(name, invals[0], eqn.params)]
        elif name == "conv_general_dilated" and _is_conv3d(invals[0], eqn.params):
            outs = [_conv3d_as_2d(*invals[:2], eqn.params)]
        elif name == "scan" and eqn.params.get("reverse"):
            outs = _forward_scan(eqn, invals)
        elif name in _INT_PRODUCTS and _mixed_product(invals):
            outs = [_widened_product(eqn, invals)]
        else:
            params = eqn.primitive.get_bind_params(eqn.params)
            with eqn.ctx.manager:
                outs = eqn.primitive.bind(*invals, **params)
            if not eqn.primitive.multiple_results:
                outs = [outs]
        for v, val in zip(eqn.outvars, outs):
            env[v] = val
    return [read(v) for v in jaxpr.outvars]


def _pool(name, x, params):
    op, init = _POOL_OPS[name]
    window = tuple(params["window_dimensions"])
    strides = tuple(params["window_strides"])
    padding = tuple(tuple(p) for p in params["padding"])
    dilation = tuple(params.get("window_dilation", (1,) * x.ndim))
    if any(d != 1 for d in params.get("base_dilation", (1,) * x.ndim)):
        return lax.reduce_window(x, jnp.asarray(init, x.dtype), op, window, strides, padding)
    pooled = [i for i in range(x.ndim) if window[i] != 1 or strides[i] != 1 or padding[i] != (0, 0)]
    if not pooled:
        return x
    out = x
    for start in range(0, len(pooled), 2):  # at most two pooled axes (three spatial) at a time
        group = pooled[start : start + 2]
        out = _pool_axes(out, group, op, init, window, strides, padding, dilation)
    return out


def _pool_axes(x, group, op, init, window, strides, padding, dilation):
    """Pools `x` over the axes in `group` only: every other axis is moved to the front and
    merged into one, so the pooling sees a rank-(1 + len(group)) operand."""
    rest = [i for i in range(x.ndim) if i not in group]
    perm = rest + group
    moved = jnp.transpose(x, perm)
    rest_shape = moved.shape[: len(rest)]
    merged = moved.reshape((-1, *moved.shape[len(rest) :]))
    out = lax.reduce_window(
        merged,
        jnp.asarray(init, x.dtype),
        op,
        (1, *(window[a] for a in group)),
        (1, *(strides[a] for a in group)),
        ((0, 0), *(tuple(padding[a]) for a in group)),
        window_dilation=(1, *(dilation[a] for a in group)),
    )
    out = out.reshape((*rest_shape, *out.shape[1:]))
    return jnp.transpose(out, [perm.index(i) for i in range(x.ndim)])


def _is_conv3d(x, params) -> bool:
    return x.ndim == 5 and params.get("batch_group_count", 1) == 1


def _conv3d_as_2d(x, w, params):
    """A 3-D convolution as a sum over the kernel's depth of 2-D convolutions of depth slices
    (jax2onnx converts 1-D and 2-D convolutions only)."""
    lhs_spec, rhs_spec, out_spec = params["dimension_numbers"]
    x = jnp.transpose(x, [lhs_spec[0], *lhs_spec[2:], lhs_spec[1]])  # N D H W C
    if any(d != 1 for d in params["lhs_dilation"]):  # a transposed convolution: spread the input
        for axis, step in enumerate(params["lhs_dilation"], start=1):
            x = _spread(x, axis, step)
    w = jnp.transpose(w, [*rhs_spec[2:], rhs_spec[1], rhs_spec[0]])  # D H W I O
    strides, padding = params["window_strides"], params["padding"]
    dilation = params["rhs_dilation"]
    x = jnp.pad(x, ((0, 0), tuple(padding[0]), (0, 0), (0, 0), (0, 0)))
    kd, sd, dd = w.shape[0], strides[0], dilation[0]
    depth = (x.shape[1] - ((kd - 1) * dd + 1)) // sd + 1
    total = None
    for k in range(kd):
        start = k * dd
        part = x[:, start : start + (depth - 1) * sd + 1 : sd]
        n_shape = part.shape[:2]
        part = part.reshape((-1, *part.shape[2:]))
        y = lax.conv_general_dilated(
            part,
            w[k],
            tuple(strides[1:]),
            tuple(tuple(p) for p in padding[1:]),
            rhs_dilation=tuple(dilation[1:]),
            dimension_numbers=("NHWC", "HWIO", "NHWC"),
            feature_group_count=params["feature_group_count"],
            precision=params.get("precision"),
            preferred_element_type=params.get("preferred_element_type"),
        )
        y = y.reshape((*n_shape, *y.shape[1:]))
        total = y if total is None else total + y
    order = []
    for axis in range(5):  # back to the equation's output layout
        if axis == out_spec[0]:
            order.append(0)
        elif axis == out_spec[1]:
            order.append(4)
        else:
            order.append(1 + list(out_spec[2:]).index(axis))
    return jnp.transpose(total, order)


def _spread(x, axis: int, step: int):
    """Inserts `step - 1` zeros between neighbours along `axis` (ONNX's Pad has no interior
    padding): interleave with zeros, then drop the trailing ones."""
    if step == 1:
        return x
    expanded = jnp.expand_dims(x, axis + 1)
    zeros = jnp.repeat(jnp.zeros_like(expanded), step - 1, axis=axis + 1)
    both = jnp.concatenate([expanded, zeros], axis=axis + 1)
    shape = list(x.shape)
    shape[axis] = x.shape[axis] * step
    both = both.reshape(shape)
    return lax.slice_in_dim(both, 0, (x.shape[axis] - 1) * step + 1, axis=axis)


def _forward_scan(eqn, invals):
    params = dict(eqn.params)
    n_consts, n_carry = params["num_consts"], params["num_carry"]
    consts, carry, xs = (
        invals[:n_consts],
        invals[n_consts : n_consts + n_carry],
        invals[n_consts + n_carry :],
    )
    body, body_consts = _closed(params["jaxpr"])

    def step(c, x):
        outs = evaluate(body, body_consts, *consts, *c, *x)
        return outs[:n_carry], outs[n_carry:]

    flipped = [jnp.flip(x, 0) for x in xs]
    length = None if flipped else params["length"]
    final, ys = lax.scan(step, list(carry), flipped, length=length)
    return [*final, *(jnp.flip(y, 0) for y in ys)]


def rewrite(fn):
    """`fn` re-expressed with ONNX-friendly primitives (see the module docstring).

    Args:
        fn: a function of arrays (positional arguments, array outputs).

    Returns:
        A function of the same arguments returning the same outputs, flattened into a list. It
        traces `fn` at the shapes it is called with (symbolic ones included).

    Example:
        >>> import jax.numpy as jnp
        >>> from jax import lax
        >>> from lamina.export.rewrite import rewrite
        >>> def pool(x):
        ...     return lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        >>> x = jnp.arange(32.0).reshape(1, 4, 4, 2)
        >>> bool(jnp.all(rewrite(pool)(x)[0] == pool(x)))
        True
    """

    def rewritten(*args):
        closed = jax.make_jaxpr(fn)(*args)
        return evaluate(closed.jaxpr, closed.consts, *args)

    return rewritten
