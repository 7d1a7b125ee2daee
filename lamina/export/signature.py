"""Input signatures of an export: names, shapes (the batch axis symbolic) and dtypes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TensorSig:
    """One input of an exported function: its name, shape (None = any size) and dtype.

    Args:
        name: the input's name.
        shape: the shape, batch axis included; None entries accept any size.
        dtype: the dtype name.

    Example:
        >>> from lamina.export.signature import TensorSig
        >>> TensorSig("image", (None, 28, 28), "float32").shape
        (None, 28, 28)
    """

    name: str
    shape: tuple
    dtype: str

    def example(self, batch: int = 2) -> np.ndarray:
        shape = tuple(batch if d is None else d for d in self.shape)
        return np.zeros(shape, self.dtype)


def _dtype_name(dtype) -> str:
    if dtype is None:
        return "float32"
    return np.dtype(getattr(dtype, "name", dtype) if not isinstance(dtype, str) else dtype).name


def _one(spec, name: str) -> TensorSig:
    shape = getattr(spec, "shape", None)
    if shape is None:
        raise TypeError(
            f"input_signature: each entry must have a shape and a dtype (a keras.InputSpec, a "
            f"KerasTensor, a jax.ShapeDtypeStruct or an array); received {type(spec).__name__}."
        )
    shape = tuple(None if d is None else int(d) for d in shape)
    given = getattr(spec, "name", None)
    return TensorSig(
        given if isinstance(given, str) and given else name,
        shape,
        _dtype_name(getattr(spec, "dtype", None)),
    )


def from_user(signature) -> tuple[list[TensorSig], str]:
    """Normalizes a user's `input_signature` (specs, `KerasTensor`s or arrays; single, list or
    dict) into `(sigs, structure)`.

    Args:
        signature: what was passed as `input_signature`.

    Returns:
        `(sigs, structure)`: a list of `TensorSig`, and `"single"`, `"list"` or `"dict"`.

    Example:
        >>> import lamina as keras
        >>> from lamina.export.signature import from_user
        >>> from_user({"a": keras.InputSpec(shape=(None, 2)), "b": keras.InputSpec(shape=(None, 1))})[1]
        'dict'
    """
    if isinstance(signature, dict):
        return [_one(v, k) for k, v in signature.items()], "dict"
    if isinstance(signature, (list, tuple)) and not _is_shape_tuple(signature):
        sigs = [_one(s, f"input_{i}") for i, s in enumerate(signature)]
        return sigs, ("single" if len(sigs) == 1 else "list")
    return [_one(signature, "input")], "single"


def _is_shape_tuple(value) -> bool:
    return all(isinstance(d, (int, type(None))) for d in value) and len(value) > 0


def from_model(model) -> tuple[list[TensorSig], str]:
    """The input signature of a built model: its `Input`s (functional and Sequential models) or
    the shape it was built with (subclassed models).

    Args:
        model: a built model.

    Returns:
        `(sigs, structure)`: a list of `TensorSig` and `"single"`, `"list"` or `"dict"` (how the
        model is called with them).

    Example:
        >>> import lamina as keras
        >>> from lamina.export.signature import from_model
        >>> model = keras.Sequential([keras.Input((3,), name="x"), keras.layers.Dense(2)])
        >>> from_model(model)
        ([TensorSig(name='x', shape=(None, 3), dtype='float32')], 'single')
    """
    inputs = None
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if inputs:
        sigs = [_one(t, getattr(t, "name", None) or f"input_{i}") for i, t in enumerate(inputs)]
        names = [s.name for s in sigs]
        if len(set(names)) != len(names):
            sigs = [TensorSig(f"input_{i}", s.shape, s.dtype) for i, s in enumerate(sigs)]
        structure = "single" if len(sigs) == 1 else "list"
        if structure == "list" and isinstance(getattr(model, "_input_struct", None), dict):
            structure = "dict"
        return sigs, structure
    shapes = (getattr(model, "_build_shapes_dict", None) or {}).get("input_shape")
    if not getattr(model, "built", False) or shapes is None:
        raise ValueError(
            f"Model '{model.name}' cannot be exported before it is built: its input shapes are "
            f"unknown. Call it on a batch of data first (e.g. `model(x)` or `model.predict(x)`), "
            f"or pass `input_signature=[keras.InputSpec(shape=(None, ...), dtype=...)]`."
        )
    if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (list, tuple)):
        sigs = [TensorSig(f"input_{i}", tuple(s), "float32") for i, s in enumerate(shapes)]
        return sigs, "list"
    return [TensorSig("input", tuple(shapes), "float32")], "single"


def pack(sigs: list[TensorSig], structure: str, values: list):
    """The model's call argument from flat values, in the signature's structure (one array, a
    list, or a dict keyed by the inputs' names).

    Args:
        sigs: the `TensorSig`s.
        structure: `"single"`, `"list"` or `"dict"`.
        values: one value per signature, in order.

    Returns:
        The call argument.

    Example:
        >>> from lamina.export.signature import TensorSig, pack
        >>> sigs = [TensorSig("a", (None,), "float32"), TensorSig("b", (None,), "float32")]
        >>> pack(sigs, "dict", [1, 2]), pack(sigs, "list", [1, 2])
        ({'a': 1, 'b': 2}, [1, 2])
    """
    if structure == "single":
        return values[0]
    if structure == "dict":
        return {s.name: v for s, v in zip(sigs, values)}
    return list(values)


def output_names(model, n: int) -> list[str]:
    """Names for the exported function's flat outputs: a functional model's output layer names,
    else `output_0`, `output_1`, ...

    Args:
        model: the model.
        n: the number of flat outputs.

    Returns:
        A list of `n` names.

    Example:
        >>> import lamina as keras
        >>> from lamina.export.signature import output_names
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="scores")])
        >>> output_names(model, 1), output_names(keras.layers.Dense(2), 2)
        (['scores'], ['output_0', 'output_1'])
    """
    names = None
    try:
        names = list(model.output_names)
    except (AttributeError, ValueError, TypeError):
        layers = getattr(model, "layers", None)
        names = [layers[-1].name] if layers and n == 1 else None
    if not names or len(names) != n or len(set(names)) != n:
        names = ["output_0"] if n == 1 else [f"output_{i}" for i in range(n)]
    return names
