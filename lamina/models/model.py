"""`Model`: a layer with training (compile/fit/evaluate/predict), saving hooks and a summary."""

from __future__ import annotations

import jax
import numpy as np

from lamina.core import state
from lamina.core.layer import Layer
from lamina.training.trainer import Trainer


class Model(Trainer, Layer):
    """A trainable group of layers: it adds `compile`, `fit`, `evaluate`, `predict`, saving and
    `summary` to what a `Layer` does.

    Build one in three ways, as in Keras: `Model(inputs, outputs)` from symbolic tensors (the
    functional API, which returns a `Functional`), `Sequential([...])`, or by subclassing `Model`
    and writing `call`. A subclass whose constructor builds a graph and calls
    `super().__init__(inputs=..., outputs=...)` becomes a functional model that keeps its own
    methods.

    Args:
        inputs: (functional API) the `keras.Input` tensor(s), as a tensor, list or dict.
        outputs: (functional API) the symbolic tensor(s) computed from `inputs`.
        name: the model's name.
        trainable: whether the model's weights are updated by training.
        dtype: the dtype policy of the model's own weights and computations.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> inputs = keras.Input((3,))
        >>> outputs = keras.layers.Dense(2, activation="relu")(inputs)
        >>> model = keras.Model(inputs, outputs)
        >>> model.count_params()
        8
        >>> class Doubler(keras.Model):  # the subclassing API
        ...     def __init__(self, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.dense = keras.layers.Dense(1, kernel_initializer="ones")
        ...     def call(self, x):
        ...         return 2 * self.dense(x)
        >>> Doubler()(np.ones((1, 3)))
        Array([[6.]], dtype=float32)
    """

    # Read by the weights walk (`lamina.saving.weights_walk`): attribute names a model's walk
    # leaves out beyond those of a bare `Layer`, and whether its `layers` come first.
    _weights_walk_skip: frozenset = frozenset()
    _weights_walk_layers_first: bool = False

    def __new__(cls, *args, **kwargs):
        # `keras.Model(inputs, outputs)` is a functional model. A subclass stays itself here:
        # what its own constructor passes on to `Model.__init__` decides (see `__init__`).
        if cls is Model and functional_init_arguments(args, kwargs):
            from lamina.models.functional import Functional

            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if functional_init_arguments(args, kwargs):
            # "Functional subclassing": a subclass that builds a graph and calls
            # `super().__init__(inputs=..., outputs=...)` becomes a functional model that
            # keeps its own methods, as in Keras.
            from lamina.models.functional import Functional

            if not isinstance(self, Functional):
                inject_functional_class(type(self))
            Functional.__init__(self, *args, **kwargs)
            return
        if args:
            raise TypeError(
                f"{type(self).__name__}: Model.__init__() takes `inputs` and `outputs` (a "
                f"functional model) or keyword arguments only; received {len(args)} positional "
                "argument(s). A subclass passes its own constructor arguments on by keyword, "
                "e.g. super().__init__(name=name), or builds a graph and calls "
                "super().__init__(inputs=inputs, outputs=outputs)."
            )
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        Layer.__init__(self, trainable=trainable, name=name, dtype=dtype, **kwargs)

    def __call__(self, *args, **kwargs):
        if not args and kwargs:
            args, kwargs = self._first_arg_positional(kwargs)
        if args and self._has_host_part():
            # Preprocessing layers that run with NumPy (strings, vocabularies) go first, on
            # the host; the rest of the model gets their outputs (`lamina.models.host_part`).
            args = (self._host_inputs(args[0]),) + args[1:]
        if self._can_call_compiled(args, kwargs):
            return self._call_compiled(args, kwargs)
        return super().__call__(*args, **kwargs)

    def _has_host_part(self) -> bool:
        return self.__dict__.get("_host_plan") is not None

    def _host_inputs(self, inputs):
        """`inputs` after the model's host part (see `lamina.models.host_part`)."""
        return inputs

    def _call_uncompiled(self, *args, **kwargs):
        return super().__call__(*args, **kwargs)

    def _can_call_compiled(self, args, kwargs) -> bool:
        """The jitted path serves a built model called on arrays outside any trace or scope
        (not in eager mode, where `call` must see concrete values)."""
        if not self.built or self.__dict__.get("_run_eagerly") or not args:
            return False
        if state.current_scope() is not None or state.current_call_context() is not None:
            return False
        if set(kwargs) - {"training"}:
            return False
        leaves = jax.tree.leaves(args)
        return bool(leaves) and all(
            isinstance(x, (np.ndarray, jax.Array))
            and not isinstance(x, jax.core.Tracer)
            and x.dtype.kind not in "USO"  # strings: the layer-by-layer path explains
            for x in leaves
        )

    def _call_compiled(self, args, kwargs):
        from lamina.core.variable import structure_version
        from lamina.training.steps import CallFunction

        fn = self.__dict__.get("_call_function")
        if fn is None or fn.created != structure_version():
            fn = CallFunction(self)
            fn.created = structure_version()
            object.__setattr__(self, "_call_function", fn)
        training = kwargs.get("training")
        if not isinstance(training, (bool, type(None))):
            training = bool(training)
        # NumPy inputs go straight into the jitted call (cheaper than a separate device_put);
        # float64 becomes the compute dtype first, as a layer call would do.
        dtype = self.compute_dtype if self.autocast else None
        if not (len(args) == 1 and getattr(args[0], "dtype", None) == dtype):
            args = tuple(
                jax.tree.map(
                    lambda x: (
                        x.astype(dtype)
                        if dtype is not None
                        and x.dtype != dtype
                        and np.issubdtype(x.dtype, np.floating)
                        else x
                    ),
                    args,
                )
            )
        for layer in fn.layers:  # as a layer call does: the losses of the last call only
            if layer._losses:
                layer._losses.clear()
        outputs, losses = fn(args, {}, training)
        self._losses.extend(losses)
        return outputs

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """Rebuilds a model. A graph config (name, layers, input_layers, output_layers) becomes
        a functional model (of this class, when its constructor takes Functional's arguments
        or `*args, **kwargs`); any other config is passed to the constructor, as in Keras."""
        from lamina.models.functional import Functional, functional_like_constructor

        graph_config = all(k in config for k in ("name", "layers", "input_layers", "output_layers"))
        if graph_config and (cls in (Functional, Model) or functional_like_constructor(cls)):
            from lamina.models.functional_config import functional_from_config

            return functional_from_config(
                Functional if cls is Model else cls, config, custom_objects
            )
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(
                f"Unable to rebuild {cls.__name__} from its config: {e}. The config returned by "
                "get_config() must hold every argument of the constructor (or define a "
                f"`from_config` classmethod). Received config={config}"
            ) from e

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """Returns a layer by `name` or by `index` in `model.layers`."""
        if index is not None and name is not None:
            raise ValueError("get_layer: pass either `name` or `index`, not both.")
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(
                    f"get_layer: index {index} is out of range; the model has "
                    f"{len(self.layers)} layers."
                )
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            names = [layer.name for layer in self.layers]
            raise ValueError(f"No such layer: {name!r}. Existing layers are: {names}.")
        raise ValueError("get_layer: pass a layer `name` or an `index`.")

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves the whole model to a Keras 3 `.keras` file (see `lamina.saving.save_model`)."""
        from lamina.saving.saving_lib import save_model

        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def export(
        self, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs
    ):
        """Writes the model's inference function (`training=False`) for use outside Python.

        Args:
            filepath: the file to write (atomically).
            format: `"onnx"` (through the optional dependency jax2onnx; one named input per
                model input, outputs named after the model's outputs, a dynamic batch axis) or
                `"jax"` (serialized StableHLO with a symbolic batch axis; load it with
                `lamina.export.load`, no model code needed). Keras's TensorFlow-based formats
                (the default `"tf_saved_model"`, `"litert"`, ...) raise a clear error.
            verbose: print what was written (default True).
            input_signature: the inputs' specs (`keras.InputSpec`, `KerasTensor`, ...), for a
                model whose inputs are not known from its `Input`s.
            **kwargs: accepted for Keras compatibility.
        """
        from lamina.export.archive import export_model

        export_model(self, filepath, format, verbose, input_signature, **kwargs)

    def to_json(self, **kwargs) -> str:
        """The model's config as JSON (`json.dumps` keyword arguments are passed on)."""
        from lamina.saving.saving_lib import model_config_json

        return model_config_json(self, **kwargs)

    def to_yaml(self, **kwargs):
        """Removed, as in Keras 3; use `to_json`."""
        raise RuntimeError(
            "Model.to_yaml() was removed (Keras 3 has no YAML support). Use model.to_json() "
            "and lamina.models.model_from_json(...) instead."
        )

    def compile_from_config(self, config: dict) -> None:
        """Compiles the model from a `get_compile_config()` record (as `load_model` does)."""
        from lamina.core.serialization import compile_from_config

        compile_from_config(self, config)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None, save_format=None):
        """Saves the weights to a Keras 3 `.weights.h5` file (see `lamina.saving.weights_io`)."""
        from lamina.saving.weights_io import save_weights

        save_weights(self, filepath, overwrite, max_shard_size, save_format=save_format)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights from a `.weights.h5` or `.keras` file; a failed load changes nothing."""
        from lamina.saving.weights_io import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    @property
    def layers(self) -> list:
        """The model's direct sublayers."""
        return list(self._layers)

    @layers.setter
    def layers(self, _) -> None:
        # A layer may name an attribute `layers`; on a model, as in Keras, the name is reserved.
        raise AttributeError(
            "`Model.layers` attribute is reserved and should not be used. Please use another name."
        )

    def get_state_tree(self, value_format: str = "backend_tensor") -> dict:
        """The model's variables as nested dicts keyed by the parts of each variable's path.

        Args:
            value_format: `"backend_tensor"` (JAX arrays) or `"numpy_array"`.

        Returns:
            `{"trainable_variables", "non_trainable_variables", "optimizer_variables",
            "metrics_variables"}`, each a nested dict (`{"dense": {"kernel": ...}}`), as in
            Keras; `OrbaxCheckpoint` saves this tree.

        Example:
            >>> import lamina as keras
            >>> layers = [keras.Input((3,)), keras.layers.Dense(2, name="d")]
            >>> model = keras.Sequential(layers, name="net")
            >>> tree = model.get_state_tree("numpy_array")
            >>> tree["trainable_variables"]["net"]["d"]["kernel"].shape
            (3, 2)
        """
        optimizer = getattr(self, "optimizer", None)
        groups = {
            "trainable_variables": self.trainable_variables,
            "non_trainable_variables": self.non_trainable_variables,
            "optimizer_variables": list(optimizer.variables) if optimizer is not None else [],
            "metrics_variables": self.metrics_variables,
        }
        return {key: _nested_values(variables, value_format) for key, variables in groups.items()}

    def set_state_tree(self, state_tree: dict) -> None:
        """Assigns the values of a `get_state_tree()`-shaped dict to the model's variables.

        Args:
            state_tree: a dict with any of the keys `get_state_tree` returns; each value is a
                nested dict of arrays keyed by path parts. Paths the model lacks are ignored,
                as in Keras.

        Example:
            >>> import lamina as keras
            >>> layers = [keras.Input((3,)), keras.layers.Dense(2, name="d")]
            >>> model = keras.Sequential(layers, name="net")
            >>> tree = model.get_state_tree("numpy_array")
            >>> tree["trainable_variables"]["net"]["d"]["bias"] += 1.0
            >>> model.set_state_tree(tree)
            >>> model.layers[0].bias.numpy().tolist()
            [1.0, 1.0]
        """
        optimizer = getattr(self, "optimizer", None)
        groups = {
            "trainable_variables": lambda: self.trainable_variables,
            "non_trainable_variables": lambda: self.non_trainable_variables,
            "optimizer_variables": lambda: list(optimizer.variables) if optimizer else [],
            "metrics_variables": lambda: self.metrics_variables,
        }
        for key, nested in state_tree.items():
            if key not in groups:
                raise ValueError(
                    f"set_state_tree: unknown variable group {key!r}. Expected keys among "
                    f"{sorted(groups)}."
                )
            by_path: dict[str, list] = {}
            for variable in groups[key]():
                by_path.setdefault(variable.path, []).append(variable)
            for path, value in _flatten_paths(nested).items():
                for variable in by_path.get(path, ()):
                    variable.assign(value)

    def _orbax_payload(self, weights_only: bool) -> dict:
        """What `callbacks.OrbaxCheckpoint` saves for one step (see `lamina.saving.orbax_io`)."""
        from lamina.saving.orbax_io import checkpoint_payload

        return checkpoint_payload(self, weights_only)

    def quantize(self, mode=None, config=None, filters=None, **kwargs):
        """Quantizes the weights of every `Dense` and `Embedding` layer (Keras 3's schemes).

        Args:
            mode: `"int8"`, `"int4"` or `"float8"` (optional when `config` is given).
            config: a `keras.quantizers.QuantizationConfig` (e.g. `Int4QuantizationConfig(
                block_size=None)` for per-channel int4).
            filters: a regex, a list of regexes or a callable selecting layers by name.
            **kwargs: `type_check=False` also quantizes subclasses of the built-in layers.

        Returns:
            None; quantized layers get policies such as `"int8_from_float32"`.

        Example:
            >>> import lamina as keras
            >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
            >>> model.quantize("int8")
            >>> model.layers[0].dtype_policy.name
            'int8_from_float32'
        """
        from lamina.layers.quantized_layers import model_quantize

        model_quantize(self, mode, config, filters, **kwargs)

    def summary(
        self,
        line_length=None,
        positions=None,
        print_fn=None,
        expand_nested=False,
        show_trainable=False,
        layer_range=None,
    ) -> None:
        """Prints a table of the layers, their output shapes and parameter counts."""
        from lamina.models.summary import print_summary

        print_summary(
            self,
            line_length=line_length,
            positions=positions,
            print_fn=print_fn,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
            layer_range=layer_range,
        )

    def _maybe_build(self, args, kwargs) -> None:
        if self.built or type(self).build is not Model.build:
            return super()._maybe_build(args, kwargs)
        # A subclassed model without its own `build` is built from its first call's real
        # arguments (shapes and dtypes, as Keras does): integer ids stay integers.
        from lamina.core.symbolic import KerasTensor, is_symbolic

        def symbolic(x):
            if isinstance(x, KerasTensor) or not hasattr(x, "shape") or not hasattr(x, "dtype"):
                return x
            return KerasTensor(tuple(x.shape), x.dtype)

        args, kwargs = jax.tree.map(symbolic, (args, kwargs), is_leaf=is_symbolic)
        first = args[0] if args else None
        shapes = jax.tree.map(lambda t: t.shape, first, is_leaf=is_symbolic)
        self._build_shapes_dict = {"input_shape": shapes}
        self.built = True
        try:
            with state.name_scope(self.name, owner=self):
                self._symbolic_outputs(args, kwargs)
        except Exception:
            self.built = False
            self._build_shapes_dict = None
            raise

    def build(self, input_shape=None):
        if type(self).call is Model.call:
            raise ValueError(f"Model '{self.name}' has no `call` method to build.")
        if input_shape is None:
            raise ValueError(
                f"Model '{self.name}': build() needs an `input_shape`, e.g. "
                "model.build((None, 32))."
            )
        from lamina.core.symbolic import KerasTensor

        if isinstance(input_shape, dict):
            x = {k: KerasTensor(v) for k, v in input_shape.items()}
        elif (
            isinstance(input_shape, list)
            and input_shape
            and isinstance(input_shape[0], (list, tuple))
        ):
            x = [KerasTensor(s) for s in input_shape]
        else:
            x = KerasTensor(tuple(input_shape))
        self._build_shapes_dict = {"input_shape": input_shape}
        self.built = True
        from lamina.core import state

        with state.name_scope(self.name, owner=self):
            self._symbolic_outputs((x,), {})


def functional_init_arguments(args, kwargs) -> bool:
    """Whether constructor arguments describe a functional model: `(inputs, outputs)`
    positionally, `(inputs, outputs=...)`, or both by keyword (Keras's rule).

    Args:
        args: the positional arguments given to the constructor.
        kwargs: the keyword arguments given to the constructor.

    Returns:
        A bool.

    Example:
        >>> from lamina.models.model import functional_init_arguments
        >>> functional_init_arguments(("x", "y"), {}), functional_init_arguments((), {"name": "m"})
        (True, False)
    """
    return (
        len(args) == 2
        or (len(args) == 1 and "outputs" in kwargs)
        or ("inputs" in kwargs and "outputs" in kwargs)
    )


def inject_functional_class(cls):
    """Puts `Functional` in place of `Model` among the bases of `cls` (and of its bases), so
    that instances of a subclass built from `inputs`/`outputs` are functional models while
    `type(model)` stays the user's class, as Keras does.

    Args:
        cls: the user's `Model` subclass (changed in place).

    Example:
        >>> import lamina as keras
        >>> class Tiny(keras.Model):
        ...     def __init__(self):
        ...         inputs = keras.Input((2,))
        ...         super().__init__(inputs=inputs, outputs=keras.layers.Dense(1)(inputs))
        >>> model = Tiny()  # calls inject_functional_class(Tiny)
        >>> type(model).__name__, isinstance(model, keras.Functional)
        ('Tiny', True)
    """
    from lamina.models.functional import Functional

    if cls is Model:
        return Functional
    if cls is object or not issubclass(cls, Model) or issubclass(cls, Functional):
        return cls
    bases = tuple(inject_functional_class(base) for base in cls.__bases__)
    if bases != cls.__bases__:
        cls.__bases__ = bases
    return cls


def _nested_values(variables, value_format: str) -> dict:
    """`{"a": {"b": value}}` for the variable paths `a/b` (Keras's state-tree layout)."""
    flat: dict = {}
    for variable in variables:
        if variable.path in flat:
            raise ValueError(
                f"The following variable path is found twice in the model: '{variable.path}'. "
                "`get_state_tree()` can only be called when all variable paths are unique. "
                "Make sure to give unique names to your layers (and other objects)."
            )
        if value_format == "backend_tensor":
            flat[variable.path] = variable.value
        elif value_format == "numpy_array":
            flat[variable.path] = np.array(variable.numpy())  # a writable copy, as in Keras
        else:
            raise ValueError(
                "Invalid `value_format` argument. Expected one of {'numpy_array', "
                f"'backend_tensor'}}. Received: value_format={value_format}"
            )
    nested: dict = {}
    for path, value in flat.items():
        parts = path.split("/")
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return nested


def _flatten_paths(nested, prefix: str = "") -> dict:
    flat = {}
    for key, value in nested.items():
        if isinstance(value, dict):
            flat.update(_flatten_paths(value, f"{prefix}{key}/"))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
