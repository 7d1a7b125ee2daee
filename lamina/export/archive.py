"""`ExportArchive`, `Model.export` and `load`: a model's inference leaves Python."""

from __future__ import annotations

import io
import json
import zipfile

import jax
import numpy as np

from lamina.export import formats
from lamina.export.signature import TensorSig, from_model, from_user, output_names, pack

FORMATS = ("onnx", "jax")
KERAS_ONLY_FORMATS = ("tf_saved_model", "litert", "openvino", "torch")


def _check_format(format, where: str) -> str:
    if format in FORMATS:
        return format
    if format in KERAS_ONLY_FORMATS:
        raise ValueError(
            f"{where}: format={format!r} needs TensorFlow/LiteRT/OpenVINO/torch, which lamina "
            f"does not use. Use format='onnx' (ONNX Runtime and most inference servers) or "
            f"format='jax' (serialized StableHLO, loaded with lamina.export.load)."
        )
    raise ValueError(f"{where}: unknown format {format!r}; expected one of {list(FORMATS)}.")


class ExportArchive:
    """Collects endpoints (functions of a model's inputs) and variables, then writes them out.

    Track the layers or models whose variables the endpoints read, add each endpoint with the
    signature of its inputs, and write the archive. `format="jax"` keeps every endpoint and
    variable collection (load it with `lamina.export.load`); `format="onnx"` writes one endpoint
    as an ONNX model.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> archive = keras.export.ExportArchive()
        >>> archive.track(model)
        >>> archive.add_endpoint(
        ...     "serve", model.call, input_signature=[keras.InputSpec(shape=(None, 3))])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.jaxexport")
        >>> archive.write_out(path, verbose=False)
        >>> reloaded = keras.export.load(path)
        >>> x = np.ones((4, 3), "float32")
        >>> bool(np.allclose(reloaded.serve(x), model.predict(x, verbose=0), atol=1e-6))
        True

    Args:
        (none: add content with `track`, `add_endpoint` and `add_variable_collection`)
    """

    def __init__(self):
        self._tracked = []
        self._endpoints = {}
        self._collections = {}

    def track(self, resource) -> None:
        """Makes the variables of `resource` (a layer or model) available to the endpoints.

        Args:
            resource: a built `Layer` or `Model`.
        """
        if not hasattr(resource, "variables"):
            raise TypeError(
                f"ExportArchive.track() expects a layer or a model; received "
                f"{type(resource).__name__}."
            )
        if not getattr(resource, "built", True):
            raise ValueError(
                f"ExportArchive.track(): '{resource.name}' is not built; call it on data first."
            )
        self._tracked.append(resource)

    def add_endpoint(self, name: str, fn=None, input_signature=None, **kwargs) -> None:
        """Adds a function of inputs to the archive under `name`.

        Args:
            name: the endpoint's name (an attribute of the loaded artifact).
            fn: the function; called with one positional argument per entry of
                `input_signature`, it may call the tracked layers and models. When None, the
                single tracked model's inference call is used.
            input_signature: a list with one spec per positional argument of `fn`: a
                `keras.InputSpec`, a `KerasTensor`, a `jax.ShapeDtypeStruct` or an array, or a
                list/dict of these for a structured argument. `None` axes may take any size.
            **kwargs: not used by lamina's formats (accepted for Keras compatibility).
        """
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"add_endpoint: name must be a Python identifier; received {name!r}.")
        if name in self._endpoints:
            raise ValueError(f"add_endpoint: an endpoint named {name!r} already exists.")
        if fn is None:
            models = [r for r in self._tracked if hasattr(r, "predict")]
            if len(models) != 1:
                raise ValueError(
                    "add_endpoint(fn=None) needs exactly one tracked model; pass `fn`."
                )
            model = models[0]

            def fn(*args):
                return model(*args, training=False)

            if input_signature is None:
                sigs, structure = from_model(model)
                input_signature = [_structure_specs(sigs, structure)]
        if input_signature is None:
            raise ValueError(
                f"add_endpoint('{name}'): pass input_signature, a list with one spec per "
                f"positional argument of fn (e.g. [keras.InputSpec(shape=(None, 3))])."
            )
        leaves, treedef = jax.tree_util.tree_flatten(
            list(input_signature),
            is_leaf=lambda s: (
                hasattr(s, "shape") and hasattr(s, "dtype") or type(s).__name__ == "InputSpec"
            ),
        )
        sigs = []
        for i, leaf in enumerate(leaves):
            (sig,), _ = from_user([leaf])
            default = f"input_{i}" if len(leaves) > 1 else "input"
            name_i = sig.name if sig.name not in ("input", f"input_{0}") else default
            sigs.append(TensorSig(name_i, sig.shape, sig.dtype))
        self._endpoints[name] = (fn, sigs, treedef, kwargs.pop("output_names", None))

    def add_variable_collection(self, name: str, variables) -> None:
        """Stores a named list of variables in the archive (read them back as
        `artifact.variable_collections[name]`).

        Args:
            name: the collection's name.
            variables: a list of `keras.Variable`s (they need not be tracked).
        """
        variables = list(variables)
        if not all(hasattr(v, "value") for v in variables):
            raise TypeError("add_variable_collection: expected a list of keras.Variable objects.")
        self._collections[name] = variables

    def _variables(self) -> list:
        seen, out = set(), []
        for resource in self._tracked:
            for v in resource.variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        for vs in self._collections.values():
            for v in vs:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    def write_out(self, filepath, options=None, verbose=True, format="jax") -> None:
        """Writes the archive.

        Args:
            filepath: the file to write (written atomically).
            options: not used (accepted for Keras compatibility).
            verbose: print what was written.
            format: `"jax"` (every endpoint, serialized StableHLO) or `"onnx"` (exactly one
                endpoint).
        """
        format = _check_format(format, "ExportArchive.write_out")
        if not self._endpoints:
            raise ValueError("ExportArchive.write_out: add at least one endpoint first.")
        variables = self._variables()
        if format == "onnx":
            if len(self._endpoints) != 1:
                raise ValueError(
                    f"ExportArchive.write_out(format='onnx') writes one endpoint; this archive "
                    f"has {list(self._endpoints)}. Use format='jax' for several."
                )
            ((name, endpoint),) = self._endpoints.items()
            fn, sigs, treedef, names = endpoint
            values = [v.value for v in variables]
            pure = _pure(fn, variables, treedef)
            n_out = len(jax.eval_shape(pure, values, *_abstract(sigs)))
            formats.export_onnx(
                filepath,
                lambda *xs: pure(values, *xs),
                sigs,
                names or _default_names(n_out),
                verbose=verbose,
            )
            return
        endpoints = {}
        for name, (fn, sigs, treedef, names) in self._endpoints.items():
            pure = _pure(fn, variables, treedef)
            n_out = len(jax.eval_shape(pure, [v.value for v in variables], *_abstract(sigs)))
            endpoints[name] = (pure, sigs, treedef, names or _default_names(n_out))
        index = {id(v): i for i, v in enumerate(variables)}
        collections = {k: [index[id(v)] for v in vs] for k, vs in self._collections.items()}
        formats.export_jax(filepath, endpoints, [v.value for v in variables], collections, verbose)


def _default_names(n: int) -> list[str]:
    return ["output_0"] if n == 1 else [f"output_{i}" for i in range(n)]


def _structure_specs(sigs, structure):
    from lamina.core.input_spec import InputSpec

    specs = [InputSpec(shape=s.shape, dtype=s.dtype, name=s.name) for s in sigs]
    return pack(sigs, structure, specs)


def _abstract(sigs):
    return [
        jax.ShapeDtypeStruct(tuple(2 if d is None else d for d in s.shape), s.dtype) for s in sigs
    ]


def _pure(fn, variables, treedef):
    """`fn` as a pure function of (variable values, *flat inputs) -> flat outputs."""
    from lamina.core.state import StateScope

    def pure(values, *flat_inputs):
        args = jax.tree_util.tree_unflatten(treedef, list(flat_inputs))
        with StateScope(list(zip(variables, values))):
            out = fn(*args)
        return formats.flat_outputs(out)

    return pure


def export_model(
    model, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs
):
    """`Model.export`: writes the model's inference function (`training=False`) as ONNX or as
    serialized StableHLO.

    Args:
        model: a built model.
        filepath: the file to write.
        format: `"onnx"` (for ONNX Runtime and most inference servers) or `"jax"` (serialized
            StableHLO, loaded with `lamina.export.load`); Keras's TensorFlow, LiteRT, OpenVINO
            and torch formats are refused with a message.
        verbose: print what was written (default True).
        input_signature: the inputs' specs (`keras.InputSpec` or arrays); default: the model's
            inputs.
        **kwargs: passed to the format's writer.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.jaxexport")
        >>> model.export(path, format="jax", verbose=False)  # calls export_model
        >>> x = np.ones((2, 3), "float32")
        >>> bool(np.allclose(keras.export.load(path)(x), model.predict(x, verbose=0), atol=1e-6))
        True
    """
    format = _check_format(format, f"Model '{model.name}'.export")
    if input_signature is None:
        sigs, structure = from_model(model)
        input_signature = [_structure_specs(sigs, structure)]
        n_outputs = len(formats.flat_outputs(getattr(model, "outputs", None) or [])) or None
        names = output_names(model, n_outputs) if n_outputs else None
    else:
        names = None
        if not (isinstance(input_signature, (list, tuple)) and len(input_signature) == 1):
            input_signature = [input_signature]
    archive = ExportArchive()
    archive.track(model)

    def serve(x):
        return model(x, training=False)

    archive.add_endpoint("serve", serve, input_signature, output_names=names)
    verbose = True if verbose is None else verbose
    try:
        archive.write_out(filepath, verbose=verbose, format=format)
    except ValueError as err:
        if format != "onnx" or "export(format='onnx') failed" not in str(err):
            raise
        culprit = _first_unconvertible_layer(model)
        if culprit is None:
            raise
        raise ValueError(
            f"Model '{model.name}'.export(format='onnx'): layer '{culprit.name}' "
            f"({type(culprit).__name__}) cannot be converted to ONNX. Export with format='jax' "
            f"(serialized StableHLO) instead, or replace the layer. Cause: {err.__cause__}"
        ) from err.__cause__


def _first_unconvertible_layer(model):
    """The first layer (in model order) that does not convert to ONNX on its own."""
    import jax2onnx

    from lamina.export.rewrite import rewrite

    for layer in getattr(model, "layers", []):
        shape = (getattr(layer, "_build_shapes_dict", None) or {}).get("input_shape")
        if not shape or not isinstance(shape, (tuple, list)) or isinstance(shape[0], (list, tuple)):
            continue
        dtype = "int32" if type(layer).__name__ == "Embedding" else "float32"
        sig = TensorSig("x", tuple(shape), dtype)
        values = [v.value for v in layer.variables]
        pure = _pure(
            lambda x, layer=layer: layer(x, training=False),
            layer.variables,
            jax.tree_util.tree_structure([0]),
        )
        try:
            jax2onnx.to_onnx(
                rewrite(lambda x, p=pure, v=values: p(v, x)), formats._symbolic_specs([sig])
            )
        except Exception:
            return layer
    return None


class ExportedArtifact:
    """A loaded `format="jax"` export: call its endpoints like functions.

    `artifact(x)` calls the first endpoint (`serve` for `Model.export`); each endpoint is also
    an attribute (`artifact.serve(x)`). Inputs are NumPy or JAX arrays; outputs are JAX arrays
    (one, or a list when the endpoint has several). Neither the model's code nor its custom
    objects are needed.

    Args:
        metadata: the archive's metadata record.
        exported: the deserialized endpoints, by name.
        variables: the variable arrays the endpoints read.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.jaxexport")
        >>> model.export(path, format="jax", verbose=False)
        >>> artifact = keras.export.load(path)
        >>> type(artifact).__name__, artifact.serve(np.ones((5, 3), "float32")).shape
        ('ExportedArtifact', (5, 2))
    """

    def __init__(self, metadata, exported: dict, variables: list):
        self.metadata = metadata
        self._exported = exported
        self._variables = variables
        self.endpoints = list(exported)
        self.variable_collections = {
            name: [variables[i] for i in idx]
            for name, idx in metadata.get("variable_collections", {}).items()
        }
        for name in exported:
            setattr(self, name, self._endpoint(name))

    def _endpoint(self, name):
        exported = self._exported[name]
        spec = self.metadata["endpoints"][name]
        sigs = [TensorSig(i["name"], tuple(i["shape"]), i["dtype"]) for i in spec["inputs"]]

        def call(*args):
            flat = jax.tree_util.tree_leaves(list(args))
            if isinstance(args[0], dict) if len(args) == 1 else False:
                flat = [args[0][s.name] for s in sigs]
            if len(flat) != len(sigs):
                raise ValueError(
                    f"Endpoint '{name}' takes {len(sigs)} input(s) "
                    f"({[s.name for s in sigs]}); received {len(flat)}."
                )
            arrays = []
            for sig, value in zip(sigs, flat):
                value = np.asarray(value)
                if value.ndim != len(sig.shape) or any(
                    d is not None and d != v for d, v in zip(sig.shape, value.shape)
                ):
                    raise ValueError(
                        f"Endpoint '{name}', input '{sig.name}': expected shape "
                        f"{tuple(sig.shape)} (None = any size), received {value.shape}."
                    )
                arrays.append(value.astype(sig.dtype, copy=False))
            out = exported.call(self._variables, *arrays)
            return out[0] if len(out) == 1 else list(out)

        call.__name__ = name
        call.__doc__ = (
            f"Endpoint '{name}': inputs {[s.name for s in sigs]}, outputs {spec['outputs']}."
        )
        return call

    def __call__(self, *args):
        return getattr(self, self.endpoints[0])(*args)


def load(filepath) -> ExportedArtifact:
    """Loads a file written by `model.export(path, format="jax")` or
    `ExportArchive.write_out(path, format="jax")`.

    Args:
        filepath: the exported file.

    Returns:
        An `ExportedArtifact`; call it (or its endpoint attributes) on arrays.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.jaxexport")
        >>> model.export(path, format="jax", verbose=False)
        >>> keras.export.load(path)(np.zeros((3, 4), "float32")).shape
        (3, 1)
    """
    try:
        with open(filepath, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"lamina.export.load: no such file {str(filepath)!r}.") from None
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        meta = json.loads(zf.read("metadata.json"))
        if meta.get("format") != "lamina-export":
            raise ValueError("not a lamina export")
        with np.load(io.BytesIO(zf.read("variables.npz"))) as npz:
            variables = [npz[f"v{i}"] for i in range(len(npz.files))]
        exported = {
            name: jax.export.deserialize(bytearray(zf.read(f"endpoints/{name}.stablehlo")))
            for name in meta["endpoints"]
        }
    except (zipfile.BadZipFile, KeyError, ValueError, json.JSONDecodeError, OSError) as err:
        raise ValueError(
            f"lamina.export.load: {str(filepath)!r} is not a complete lamina export (truncated "
            f"or corrupt: {err}). Export the model again with model.export(path, format='jax')."
        ) from err
    return ExportedArtifact(meta, exported, variables)
