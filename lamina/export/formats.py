"""Writing a model's inference function as ONNX (through jax2onnx) or as serialized StableHLO
(through `jax.export`), and loading the latter back without the model's code."""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile

import jax
import numpy as np

from lamina.export.signature import TensorSig

FORMAT_VERSION = 1
JAX_FORMAT = "jax"


def flat_outputs(outputs) -> list:
    """The leaves of a function's outputs (an array, a list, a dict, ...), in JAX's tree order:
    what an export writes as its outputs.

    Args:
        outputs: the outputs' structure.

    Returns:
        A list of arrays.

    Example:
        >>> from lamina.export.formats import flat_outputs
        >>> flat_outputs({"b": 2, "a": [1, 3]})
        [1, 3, 2]
    """
    return list(jax.tree_util.tree_leaves(outputs))


def _atomic_write(filepath: str, data: bytes) -> None:
    folder = os.path.dirname(os.path.abspath(filepath)) or "."
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".lamina-export-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _symbolic_specs(sigs: list[TensorSig]) -> list:
    """`jax.ShapeDtypeStruct`s with one shared symbolic size for every unknown axis of the same
    position (axis 0 is the batch, shared by every input)."""
    names = {}
    text = []
    for sig in sigs:
        dims = []
        for axis, d in enumerate(sig.shape):
            if d is None:
                name = "batch" if axis == 0 else f"{sig.name}_d{axis}"
                names.setdefault(name, None)
                dims.append(name)
            else:
                dims.append(str(d))
        text.append(dims)
    scope_names = ", ".join(names) if names else ""
    symbols = dict(zip(names, jax.export.symbolic_shape(scope_names))) if names else {}
    specs = []
    for sig, dims in zip(sigs, text):
        shape = tuple(symbols[d] if d in symbols else int(d) for d in dims)
        specs.append(jax.ShapeDtypeStruct(shape, np.dtype(sig.dtype)))
    return specs


# ---------------------------------------------------------------- ONNX


def export_onnx(filepath, fn, sigs, out_names, opset=None, verbose=True, layer_hint=None):
    """Converts `fn(*inputs) -> list of outputs` to an ONNX file at `filepath` (with jax2onnx,
    an optional dependency), written atomically.

    Args:
        filepath: the `.onnx` file to write.
        fn: a JAX-traceable function of the inputs, returning a list of arrays.
        sigs: one `TensorSig` per input (None dimensions become symbolic).
        out_names: the outputs' names.
        opset: the ONNX opset (default: jax2onnx's).
        verbose: print the file written.
        layer_hint: `error -> layer name`, to name the failing layer in errors.

    Raises:
        ImportError: jax2onnx is not installed.
        ValueError: the function uses an operation jax2onnx cannot convert.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import onnxruntime
        >>> from lamina.export.formats import export_onnx
        >>> from lamina.export.signature import TensorSig
        >>> path = os.path.join(tempfile.mkdtemp(), "double.onnx")
        >>> export_onnx(path, lambda x: [x * 2], [TensorSig("x", (None, 2), "float32")], ["y"],
        ...             verbose=False)
        >>> session = onnxruntime.InferenceSession(path)
        >>> session.run(None, {"x": np.ones((1, 2), "float32")})[0]
        array([[2., 2.]], dtype=float32)
    """
    try:
        from jax2onnx import to_onnx
    except ImportError as err:
        raise ImportError(
            "model.export(format='onnx') needs the optional dependency jax2onnx: "
            "`pip install jax2onnx` (or `pip install lamina[onnx]`)."
        ) from err
    from lamina.export.rewrite import rewrite

    kwargs = {"input_names": [s.name for s in sigs], "output_names": list(out_names)}
    if opset is not None:
        kwargs["opset"] = opset
    import logging

    quiet = logging.getLogger("onnx_ir.serde")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        proto = to_onnx(rewrite(fn), _symbolic_specs(sigs), **kwargs)
    except Exception as err:  # jax2onnx reports unsupported primitives in many ways
        where = f" (in layer '{layer_hint(err)}')" if layer_hint else ""
        raise ValueError(
            f"export(format='onnx') failed{where}: {type(err).__name__}: {err}. This layer "
            f"cannot be converted to ONNX by jax2onnx; export with format='jax' instead, or "
            f"replace the layer."
        ) from err
    finally:
        quiet.setLevel(level)
    _atomic_write(str(filepath), proto.SerializeToString())
    if verbose:
        print(
            f"Saved ONNX model to '{filepath}' (inputs {kwargs['input_names']}, outputs "
            f"{kwargs['output_names']})."
        )


# ---------------------------------------------------------------- serialized StableHLO


def export_jax(filepath, endpoints: dict, variables: list, collections: dict, verbose=True):
    """Writes a `format="jax"` archive.

    `endpoints` maps a name to `(fn, sigs, structure, out_names)` where
    `fn(variables, *inputs) -> list of outputs`; `variables` are the arrays passed as the first
    argument of every endpoint; `collections` maps names to lists of indices into `variables`.

    Args:
        filepath: the file to write.
        endpoints: `{name: (fn, sigs, structure, out_names)}`.
        variables: the arrays passed as `fn`'s first argument.
        collections: `{name: [indices into variables]}`.
        verbose: print the file written.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.export.formats import export_jax
        >>> from lamina.export.signature import TensorSig
        >>> path = os.path.join(tempfile.mkdtemp(), "scale.jaxexport")
        >>> def scale(variables, x):
        ...     return [x * variables[0]]
        >>> sigs = [TensorSig("x", (None,), "float32")]
        >>> export_jax(path, {"serve": (scale, sigs, "single", ["y"])}, [np.float32(3.0)], {},
        ...            verbose=False)
        >>> keras.export.load(path).serve(np.ones(2, "float32"))
        Array([3., 3.], dtype=float32)
    """
    weights = [np.asarray(v) for v in variables]
    weight_specs = [jax.ShapeDtypeStruct(w.shape, w.dtype) for w in weights]
    meta = {
        "format": "lamina-export",
        "format_version": FORMAT_VERSION,
        "jax_version": jax.__version__,
        "endpoints": {},
        "variable_collections": collections,
    }
    from lamina.version import __version__

    meta["lamina_version"] = __version__
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, (fn, sigs, _structure, out_names) in endpoints.items():
            specs = _symbolic_specs(sigs)
            exported = jax.export.export(jax.jit(fn))(weight_specs, *specs)
            zf.writestr(f"endpoints/{name}.stablehlo", bytes(exported.serialize()))
            meta["endpoints"][name] = {
                "inputs": [
                    {"name": s.name, "shape": list(s.shape), "dtype": s.dtype} for s in sigs
                ],
                "outputs": list(out_names),
            }
        npz = io.BytesIO()
        np.savez(npz, **{f"v{i}": w for i, w in enumerate(weights)})
        zf.writestr("variables.npz", npz.getvalue())
        zf.writestr("metadata.json", json.dumps(meta, indent=2))
    _atomic_write(str(filepath), buf.getvalue())
    if verbose:
        names = ", ".join(endpoints)
        print(f"Saved serialized StableHLO to '{filepath}' (endpoints: {names}).")
