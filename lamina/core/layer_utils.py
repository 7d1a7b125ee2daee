"""Helpers of `Layer`: shapes of nested inputs, input conversion, automatic config, errors."""

from __future__ import annotations

import functools
import inspect

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core import state
from lamina.core.masking import get_keras_mask
from lamina.core.symbolic import KerasTensor, is_symbolic


def _init_accepts(obj, name) -> bool:
    params = inspect.signature(type(obj).__init__).parameters
    return name in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


def _is_plain(value) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def _get_regularizer(identifier):
    if identifier is None:
        return None
    from lamina import regularizers

    return regularizers.get(identifier)


def _shape_of(x):
    if isinstance(x, KerasTensor):
        return x.shape
    if hasattr(x, "shape"):
        return tuple(None if not isinstance(d, (int, np.integer)) else int(d) for d in x.shape)
    return None


def _shapes_of(x):
    if isinstance(x, dict):
        return {k: _shapes_of(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_shapes_of(v) for v in x]
    return _shape_of(x)


def _shape_to_list(shape):
    if isinstance(shape, dict):
        return {k: _shape_to_list(v) for k, v in shape.items()}
    if isinstance(shape, list):
        return [_shape_to_list(s) for s in shape]
    if shape is None:
        return None
    return list(shape)


def _list_to_shape(value):
    if isinstance(value, dict):
        return {k: _list_to_shape(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple, dict)):
        return [_list_to_shape(v) for v in value]
    return tuple(value) if value is not None else None


def _convert_inputs(x, dtype):
    """NumPy arrays and Python numbers become JAX arrays; floats take the compute dtype."""
    if isinstance(x, (KerasTensor, jax.Array)) or x is None:
        if dtype is not None and isinstance(x, jax.Array) and x.dtype != dtype:
            if jnp.issubdtype(x.dtype, jnp.floating):
                return x.astype(dtype)
        return x
    if isinstance(x, dict):
        return {k: _convert_inputs(v, dtype) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        if x and all(isinstance(v, (int, float)) for v in x):
            return _convert_inputs(np.asarray(x), dtype)
        return type(x)(_convert_inputs(v, dtype) for v in x)
    if isinstance(x, jax.core.Tracer):
        if dtype is not None and jnp.issubdtype(x.dtype, jnp.floating) and x.dtype != dtype:
            return x.astype(dtype)
        return x
    if isinstance(x, (np.ndarray, np.generic, float, int)) or hasattr(x, "__array__"):
        arr = np.asarray(x)
        if arr.dtype.kind in "USO":
            raise TypeError(
                f"received an input of dtype {arr.dtype}; expected a numeric dtype. Convert "
                "the data with np.asarray(x, 'float32'), or map strings to integers first "
                "(keras.layers.StringLookup)."
            )
        if dtype is not None and np.issubdtype(arr.dtype, np.floating):
            return jnp.asarray(arr, dtype=dtype)
        if arr.dtype == np.float64:
            return jnp.asarray(arr, dtype="float32")
        return jnp.asarray(arr)
    return x


def _note_call(e: Exception, layer, args) -> None:
    if getattr(e, "_lamina_noted", False):
        return
    described = []
    for a in jax.tree.leaves(args, is_leaf=is_symbolic):
        if not hasattr(a, "shape"):
            continue
        shape = tuple(d if isinstance(d, int) else None for d in a.shape)
        history = getattr(a, "_keras_history", None)
        if history is not None:
            described.append(f"{shape} from layer '{history.operation.name}'")
        else:
            described.append(str(shape))
    try:
        e.add_note(
            f"Exception encountered when calling {type(layer).__name__} '{layer.name}' on "
            f"inputs of shape {', '.join(described) or '()'}."
        )
        e._lamina_noted = True
    except Exception:
        pass


def _wrap_build(build):
    """Every `build` runs in the layer's name scope and leaves the layer built, also when a user
    calls `layer.build(shape)` directly (as Keras's wrapped `build` does)."""
    if getattr(build, "_lamina_wrapped", False):
        return build

    @functools.wraps(build)
    def wrapped(self, *args, **kwargs):
        with state.name_scope(self.name, owner=self):
            # Keras's `Layer.path`: the name scopes of the layers whose `build` runs this one.
            self.__dict__["_path"] = state.current_path()
            result = build(self, *args, **kwargs)
        if (args or kwargs) and self.__dict__.get("_build_shapes_dict") is None:
            # Recorded by parameter name, as Keras's build wrapper does (`get_build_config`).
            try:
                bound = dict(inspect.signature(build).bind(self, *args, **kwargs).arguments)
                bound.pop(next(iter(bound)))
            except TypeError:
                bound = {"input_shape": args[0] if args else None}
            if len(bound) == 1:
                bound = {"input_shape": next(iter(bound.values()))}
            self._build_shapes_dict = bound
        self.built = True
        return result

    wrapped._lamina_wrapped = True
    return wrapped


def _input_mask(args):
    """The mask(s) attached to the first argument (a list for a list of inputs), or None."""
    first = args[0]
    if isinstance(first, (list, tuple)):
        masks = [get_keras_mask(x) for x in first]
        return masks if any(m is not None for m in masks) else None
    return get_keras_mask(first)


# ---------------------------------------------------------------------------- Keras's shape rules
# Layers written outside lamina (KerasHub's, a user's) follow Keras's conventions: a `build` or
# `compute_output_shape` with several arguments receives the shapes of `call`'s tensor arguments
# by name (`<argument>_shape`), and an overridden `compute_output_spec` / `compute_output_shape`
# is what a symbolic call uses.


def _shape_params(fn) -> list[str]:
    """The names of `fn`'s ordinary parameters (`self` excluded for bound methods)."""
    params = inspect.signature(fn).parameters.values()
    kinds = (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    )
    return [p.name for p in params if p.kind in kinds]


def _is_tensor_like(x) -> bool:
    return isinstance(x, (KerasTensor, jax.Array, np.ndarray, jax.core.Tracer))


def _call_shapes(layer, args, kwargs) -> tuple[dict, list[str]]:
    """`({"<arg>_shape": shape}, call argument names)` for the tensor arguments of a call, as
    Keras's `get_shapes_dict` builds it (masks and catch-alls left out)."""
    sig = inspect.signature(layer.call)
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError:
        return ({"input_shape": _shapes_of(args[0])} if args else {}), list(sig.parameters)
    shapes = {}
    for name, value in bound.arguments.items():
        if name in ("mask", "args", "kwargs"):
            continue
        if _is_tensor_like(value):
            shapes[f"{name}_shape"] = _shape_of(value)
        elif isinstance(value, (list, tuple, dict)) and value:
            leaves = jax.tree.leaves(value, is_leaf=lambda v: v is None or _is_tensor_like(v))
            if all(v is None or _is_tensor_like(v) for v in leaves):
                shapes[f"{name}_shape"] = _shapes_of(value)
    return shapes, list(sig.parameters)


def _aligned_shapes(layer, target_fn, args, kwargs) -> dict:
    """Keyword arguments for `target_fn` (`build` or `compute_output_shape`) with several
    parameters: each `<arg>_shape` parameter gets the shape of `call`'s argument `<arg>`."""
    shapes, call_names = _call_shapes(layer, args, kwargs)
    method = target_fn.__name__
    aligned = {}
    for name in _shape_params(target_fn):
        preamble = (
            f"Layer {type(layer).__name__}: a `{method}()` method with more than one argument "
            f"takes the shapes of `call()`'s arguments, each named `<argument>_shape` (e.g. "
            f"`{method}(self, query_shape, value_shape)` for `call(self, query, value)`)."
        )
        if not name.endswith("_shape"):
            raise ValueError(f"{preamble} Received the argument `{name}`; rename it.")
        if name[: -len("_shape")] not in call_names:
            raise ValueError(
                f"{preamble} Received `{name}`, but `call()` has no argument "
                f"`{name[: -len('_shape')]}`."
            )
        if name in shapes:
            aligned[name] = shapes[name]
    return aligned


def _defined_outside_lamina(cls, method: str) -> bool:
    """Whether the most derived definition of `method` in `cls` comes from outside lamina."""
    for klass in cls.__mro__:
        if method in klass.__dict__:
            return not (klass.__module__ or "").startswith("lamina.")
    return False


def _is_shape(value) -> bool:
    return isinstance(value, (tuple, list)) and all(
        d is None or isinstance(d, (int, np.integer)) for d in value
    )


def _specs_from_shapes(output_shape, dtype, layer_name):
    """KerasTensors of `dtype` for what a `compute_output_shape` returned (a shape, or a nested
    structure of shapes)."""
    if _is_shape(output_shape):
        return KerasTensor(tuple(output_shape), dtype)
    if isinstance(output_shape, dict):
        return {k: _specs_from_shapes(v, dtype, layer_name) for k, v in output_shape.items()}
    if isinstance(output_shape, (list, tuple)):
        return type(output_shape)(_specs_from_shapes(v, dtype, layer_name) for v in output_shape)
    try:
        return KerasTensor(tuple(output_shape), dtype)
    except TypeError:
        raise ValueError(
            f"Layer '{layer_name}': `compute_output_shape()` returned {output_shape!r}, which is "
            "not a shape. Return a shape tuple such as (None, 16), or a list/dict of them."
        ) from None


def _fresh_outputs(outputs, inputs):
    """Copies of output KerasTensors that are also inputs (a graph node needs new tensors)."""
    seen = {id(x) for x in jax.tree.leaves(inputs, is_leaf=is_symbolic)}

    def fresh(t):
        if isinstance(t, KerasTensor) and id(t) in seen:
            return KerasTensor(t.shape, t.dtype, sparse=t.sparse, ragged=t.ragged)
        return t

    return jax.tree.map(fresh, outputs, is_leaf=is_symbolic)
