"""`Lambda`: wraps a Python function as a layer.

A Python lambda is saved as a `__lambda__` record holding its marshalled bytecode (Keras's
format). Rebuilding one executes that bytecode, so `from_config` refuses it unless safe mode is
off (`safe_mode=False`, or `keras.config.enable_unsafe_deserialization()`).

Differences from Keras: a rebuilt lambda sees `keras` (lamina), `ops`, `np`, `jnp` and `jax` as
globals, and named functions are also looked up in `lamina.activations` and `lamina.ops`. Shapes
of symbolic outputs always come from tracing the function; `output_shape` only feeds
`compute_output_shape`.
"""

from __future__ import annotations

import base64
import builtins
import inspect
import marshal
import sys
import types
from collections.abc import Callable, Mapping
from typing import Any

import jax
import numpy as np

from lamina.core import registry
from lamina.core.config import in_safe_mode
from lamina.core.layer import Layer

_NOT_FUNCTIONS = ("get", "serialize", "deserialize")


def _is_python_lambda(fn) -> bool:
    return isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>"


def dump_function(fn: Callable) -> tuple[str, tuple | None, tuple | None]:
    """`(code, defaults, closure)`: base64 of the marshalled code, defaults, closure values.

    Args:
        fn: a Python function (a lambda, usually).

    Returns:
        A tuple `(code, defaults, closure)`.

    Example:
        >>> from lamina.layers.lambda_layer import dump_function, load_function
        >>> restored = load_function(*dump_function(lambda x, y=2: x * y))
        >>> restored(5)
        10
    """
    code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return code, fn.__defaults__, closure


def _lambda_globals(custom_objects: Mapping | None) -> dict:
    import jax.numpy as jnp

    from lamina import ops

    # `keras` in a rebuilt lambda is the whole public API. Layers sit below models and saving in
    # the package layers, so the root package (already imported by now) is looked up, not imported.
    globs: dict = {"__builtins__": builtins, "keras": sys.modules["lamina"], "ops": ops}
    globs.update({"np": np, "jnp": jnp, "jax": jax})
    globs.update(registry.custom_objects())
    globs.update(custom_objects or {})
    return globs


def load_function(code: str, defaults=None, closure=None, custom_objects=None) -> Callable:
    """Rebuilds a function from `dump_function`'s output. This executes code: trusted input only.

    Args:
        code: the base64 text from `dump_function` (or the whole tuple).
        defaults: the function's default values.
        closure: the values of its closure cells.
        custom_objects: names the function's globals may refer to.

    Returns:
        The function.

    Example:
        >>> from lamina.layers.lambda_layer import dump_function, load_function
        >>> code, defaults, closure = dump_function(lambda x: x + offset)
        >>> load_function(code, defaults, closure, custom_objects={"offset": 3})(1)
        4
    """
    if isinstance(code, (list, tuple)):
        code, defaults, closure = code
    try:
        raw = base64.b64decode(code.encode("ascii"))
    except (UnicodeEncodeError, ValueError):
        raw = code.encode("raw_unicode_escape")
    try:
        code_obj = marshal.loads(raw)
    except (ValueError, EOFError, TypeError) as e:
        raise ValueError(
            "Could not read the bytecode of a saved Python lambda. Marshalled code only loads "
            "in the Python version that wrote it; rewrite the lambda as a named function "
            "registered with `keras.saving.register_keras_serializable()`."
        ) from e
    cells = None
    if closure is not None:
        cells = tuple(types.CellType(v) for v in closure)
    try:
        return types.FunctionType(
            code_obj,
            _lambda_globals(custom_objects),
            code_obj.co_name,
            tuple(defaults) if defaults is not None else None,
            cells,
        )
    except (TypeError, ValueError) as e:
        raise ValueError(f"Could not rebuild a saved Python lambda: {e}") from e


def _function_record(fn: Callable) -> dict:
    name = getattr(fn, "_lamina_registered_name", None)
    if name is None:
        for key, value in registry.registered_objects().items():
            if value is fn:
                name = key
                break
    return {
        "module": "builtins",
        "class_name": "function",
        "config": name or fn.__name__,
        "registered_name": "function",
    }


def _serialize_function(fn: Callable, what: str, layer: str) -> dict:
    if _is_python_lambda(fn):
        code, defaults, closure = dump_function(fn)
        return {
            "class_name": "__lambda__",
            "config": {"code": code, "defaults": defaults, "closure": closure},
        }
    if hasattr(fn, "get_config") and not inspect.isfunction(fn):
        from lamina.core.serialization import serialize_keras_object

        return serialize_keras_object(fn)
    if callable(fn) and hasattr(fn, "__name__"):
        return _function_record(fn)
    raise ValueError(
        f"Lambda '{layer}': cannot serialize `{what}`={fn!r} (of type {type(fn).__name__}). "
        "Use a named function, a lambda, or an object with `get_config()`."
    )


def _serialize_value(value, layer: str):
    """Keras's record of one entry of `arguments` (arrays, functions, nested containers)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.ndarray, jax.Array)):
        arr = np.asarray(value)
        return {
            "class_name": "__numpy__",
            "config": {"value": arr.tolist(), "dtype": str(arr.dtype)},
        }
    if isinstance(value, dict):
        return {k: _serialize_value(v, layer) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_serialize_value(v, layer) for v in value)
    if callable(value) and not isinstance(value, type):
        return _serialize_function(value, "arguments", layer)
    return value


def _refuse_lambda(layer: str, what: str) -> None:
    raise ValueError(
        f"Lambda '{layer}': the config stores `{what}` as a Python lambda (a '__lambda__' "
        "record). Rebuilding it would execute code from the file, so it is refused in safe mode. "
        "If you trust the source of this config, pass `safe_mode=False` (to `from_config` or "
        "the loading function) or call `keras.config.enable_unsafe_deserialization()`. To avoid "
        "this, use a named function registered with "
        "`@keras.saving.register_keras_serializable()`."
    )


def _lookup_function(name: str, custom_objects: Mapping | None, layer: str) -> Callable:
    from lamina import activations, ops

    scopes = [dict(custom_objects or {}), registry.custom_objects()]
    for objects in scopes:
        if name in objects:
            return objects[name]
        short = name.rsplit(">", 1)[-1]
        if short in objects:
            return objects[short]
    for module in (activations, ops):
        fn = getattr(module, name, None)
        if callable(fn) and name not in _NOT_FUNCTIONS and not name.startswith("_"):
            return fn
    raise ValueError(
        f"Lambda '{layer}': could not find the function {name!r} named in the config. Pass it "
        f"with `custom_objects={{{name.rsplit('>', 1)[-1]!r}: fn}}` or decorate it with "
        "`@keras.saving.register_keras_serializable()` before loading."
    )


def _deserialize_value(value, *, what: str, layer: str, safe: bool, custom_objects):
    """Inverse of `_serialize_value` / `_serialize_function` (lambdas only when not `safe`)."""
    if isinstance(value, str) and what != "arguments":
        return _lookup_function(value, custom_objects, layer)
    if isinstance(value, list):
        return [
            _deserialize_value(v, what=what, layer=layer, safe=safe, custom_objects=custom_objects)
            for v in value
        ]
    if not isinstance(value, dict):
        return value
    class_name = value.get("class_name")
    inner = value.get("config")
    if class_name == "__lambda__":
        if safe:
            _refuse_lambda(layer, what)
        if "value" in inner:
            return load_function(inner["value"], custom_objects=custom_objects)
        return load_function(
            inner["code"], inner.get("defaults"), inner.get("closure"), custom_objects
        )
    if class_name == "__numpy__":
        return np.asarray(inner["value"], dtype=inner["dtype"])
    if class_name == "function" and isinstance(inner, str):
        return _lookup_function(inner, custom_objects, layer)
    if class_name is not None and "config" in value:
        from lamina.core.serialization import deserialize_keras_object

        return deserialize_keras_object(value, custom_objects=custom_objects)
    return {
        k: _deserialize_value(v, what=what, layer=layer, safe=safe, custom_objects=custom_objects)
        for k, v in value.items()
    }


def _parameter_names(fn) -> set[str]:
    try:
        return set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return set()


def _as_shape(shape):
    """A declared output shape: a tuple of ints/None, or a list/tuple of such tuples."""
    if isinstance(shape, (list, tuple)) and all(d is None or isinstance(d, int) for d in shape):
        return tuple(shape)
    if isinstance(shape, (list, tuple)):
        return type(shape)(_as_shape(s) for s in shape)
    return shape


class Lambda(Layer):
    """Calls `function(inputs, **arguments)` as a layer.

    Args:
        function: the function to wrap; it receives the inputs first (and `mask` / `training`
            if it takes arguments with those names).
        output_shape: the output shape without the batch axis (a tuple), or a function of the
            full input shape; inferred by tracing the function when not given.
        mask: None, a function `(inputs, mask) -> mask`, or a fixed mask returned as is.
        arguments: keyword arguments passed to `function` on every call.

    Call arguments:
        inputs: the inputs passed to `function`.
        mask: passed to `function` if it takes a `mask` argument.
        training: passed to `function` if it takes a `training` argument.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.Lambda(lambda x: x ** 2)(np.array([[1.0, 3.0]]))
        Array([[1., 9.]], dtype=float32)
        >>> scale = keras.layers.Lambda(lambda x, factor: x * factor, arguments={"factor": 10.0})
        >>> scale(np.array([[1.0]]))
        Array([[10.]], dtype=float32)
    """

    def __init__(
        self,
        function: Callable,
        output_shape=None,
        mask=None,
        arguments: Mapping[str, Any] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(
                f"Lambda '{self.name}': `function` must be callable, received {function!r}."
            )
        if arguments is not None and not isinstance(arguments, Mapping):
            raise TypeError(
                f"Lambda '{self.name}': `arguments` must be a dict of keyword arguments, "
                f"received {arguments!r}."
            )
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape if callable(output_shape) else _as_shape(output_shape)
        params = _parameter_names(function)
        self._fn_expects_training_arg = "training" in params
        self._fn_expects_mask_arg = "mask" in params

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        declared = self._output_shape
        if declared is None:
            try:
                return super().compute_output_shape(input_shape)
            except Exception as e:
                raise NotImplementedError(
                    f"Lambda '{self.name}': could not infer the output shape for input shape "
                    f"{input_shape} by tracing the function ({type(e).__name__}: {e}). Pass "
                    "`output_shape=` to the layer."
                ) from e
        if callable(declared):
            return declared(input_shape)
        first = input_shape
        while isinstance(first, (list, tuple)) and first and isinstance(first[0], (list, tuple)):
            first = first[0]
        batch = first[0] if first else None

        def add_batch(shape):
            if all(d is None or isinstance(d, int) for d in shape):
                return (batch, *shape)
            return type(shape)(add_batch(s) for s in shape)

        return add_batch(declared)

    def get_config(self):
        config = super().get_config()
        config["function"] = _serialize_function(self.function, "function", self.name)
        if self._output_shape is not None:
            if callable(self._output_shape):
                config["output_shape"] = _serialize_function(
                    self._output_shape, "output_shape", self.name
                )
            else:
                config["output_shape"] = self._output_shape
        if self.mask is not None:
            if callable(self.mask):
                config["mask"] = _serialize_function(self.mask, "mask", self.name)
            else:
                config["mask"] = _serialize_value(self.mask, self.name)
        config["arguments"] = _serialize_value(dict(self.arguments), self.name)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None, safe_mode: bool | None = None):
        """Rebuilds the layer; a `__lambda__` record is refused unless safe mode is off."""
        config = dict(config)
        effective = safe_mode if safe_mode is not None else in_safe_mode()
        safe = effective is not False
        layer = config.get("name", "lambda")
        common = {"layer": layer, "safe": safe, "custom_objects": custom_objects}
        config["function"] = _deserialize_value(config["function"], what="function", **common)
        if isinstance(config.get("output_shape"), (dict, str)):
            config["output_shape"] = _deserialize_value(
                config["output_shape"], what="output_shape", **common
            )
        elif config.get("output_shape") is not None:
            config["output_shape"] = _as_shape(config["output_shape"])
        if config.get("mask") is not None:
            config["mask"] = _deserialize_value(config["mask"], what="mask", **common)
        if config.get("arguments") is not None:
            config["arguments"] = _deserialize_value(
                config["arguments"], what="arguments", **common
            )
        return cls(**config)
