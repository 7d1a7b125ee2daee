"""`Layer`: stateful-looking to the user, a pure function of arrays underneath."""

from __future__ import annotations

import inspect
import warnings

import jax
import jax.numpy as jnp

from lamina.core import naming, state, tf_bridge
from lamina.core.dtype_policy import DTypePolicy, policy_name
from lamina.core.dtype_policy_map import DTypePolicyMap
from lamina.core.input_spec import InputSpec, check_input_spec
from lamina.core.layer_utils import (
    _aligned_shapes,
    _convert_inputs,
    _defined_outside_lamina,
    _fresh_outputs,
    _get_regularizer,
    _init_accepts,
    _input_mask,
    _is_plain,
    _list_to_shape,
    _note_call,
    _shape_params,
    _shape_to_list,
    _shapes_of,
    _specs_from_shapes,
    _wrap_build,
)
from lamina.core.layer_weights import LayerWeights
from lamina.core.masking import set_keras_mask
from lamina.core.operation import Operation
from lamina.core.symbolic import (
    KerasTensor,
    Node,
    any_symbolic,
    eval_shape_of,
    from_specs,
    is_symbolic,
    to_specs,
)
from lamina.core.tracking import Tracker
from lamina.core.variable import Variable, standardize_dtype


class Layer(LayerWeights, Tracker, Operation):
    """The base class of every layer (and of `Model`): a callable object that owns weights and
    computes outputs from inputs.

    Subclasses create state in `__init__` or `build(input_shape)` with `add_weight`, and compute
    in `call(inputs, ...)`. Calling the layer builds it on first use, checks its input against
    `input_spec`, resolves the `training` flag and, on symbolic inputs (`keras.Input`), infers
    shapes without computing anything.

    Args:
        activity_regularizer: a regularizer applied to the layer's output, added to the losses.
        trainable: whether the layer's weights are updated by training.
        dtype: the dtype policy (`"float32"`, `"mixed_bfloat16"`, a `DTypePolicy`, ...); default:
            the global policy.
        autocast: cast float inputs to the compute dtype before `call`.
        name: the layer's name; default: a unique snake-case name from the class name.
        **kwargs: `input_shape` / `input_dim` / `batch_size` / `batch_input_shape` (build the
            layer for that input when it starts a `Sequential` model).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> class Scale(keras.Layer):
        ...     def build(self, input_shape):
        ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones",
        ...                                  name="w")
        ...     def call(self, x):
        ...         return x * self.w
        >>> layer = Scale(name="scale")
        >>> layer(np.array([[1.0, 2.0]]))
        Array([[1., 2.]], dtype=float32)
        >>> [w.path for w in layer.weights]
        ['scale/w']
    """

    # Subclasses whose `compute_output_shape` is exact (and whose output dtype is the compute
    # dtype) set this so symbolic calls skip tracing `call`.
    _shape_only_symbolic = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _wrap_build(cls.__dict__["build"])

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        obj._init_tracking()
        # Remember constructor arguments, for `get_config` of layers that do not define it.
        try:
            bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
            arguments = dict(bound.arguments)
            arguments.pop(next(iter(arguments)))
            extra = arguments.pop("kwargs", {}) or {}
            arguments.update(extra)
            arguments.pop("args", None)
            if all(_is_plain(v) for v in arguments.values()):
                obj._auto_config = arguments
        except TypeError:
            pass
        return obj

    def __init__(
        self,
        *,
        activity_regularizer=None,
        trainable: bool = True,
        dtype=None,
        autocast: bool = True,
        name: str | None = None,
        **kwargs,
    ):
        input_shape = kwargs.pop("input_shape", None)
        input_dim = kwargs.pop("input_dim", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        batch_size = kwargs.pop("batch_size", None)
        if kwargs.pop("dynamic", False):
            warnings.warn(
                f"{type(self).__name__}: `dynamic=True` is ignored in lamina. To run a model "
                "step by step in Python, compile it with `run_eagerly=True`.",
                stacklevel=2,
            )
        kwargs.pop("weights", None)
        if kwargs:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}. "
                "Check the spelling against the layer's documented arguments."
            )
        if batch_input_shape is not None:
            self._input_shape_arg = tuple(batch_input_shape)
        elif input_shape is not None:
            self._input_shape_arg = (batch_size, *tuple(input_shape))
        elif input_dim is not None:
            self._input_shape_arg = (batch_size, int(input_dim))
        else:
            self._input_shape_arg = None
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: `name` must be a string, received {name!r}.")
        self.name = name or naming.auto_name(type(self).__name__)
        self._dtype_policy = _layer_policy(dtype)
        self.autocast = autocast
        self.trainable = trainable
        self.activity_regularizer = _get_regularizer(activity_regularizer)
        self.input_spec: InputSpec | None = getattr(self, "input_spec", None)
        self.supports_masking = getattr(self, "supports_masking", False)
        sig = inspect.signature(self.call).parameters
        self._call_has_training = "training" in sig
        self._call_has_mask = "mask" in sig
        # The name of `call`'s first argument: `layer(inputs=x)`, `layer(query=q, ...)` give it
        # by keyword, as Keras accepts.
        first = next(iter(sig.values()), None)
        self._call_first_arg = (
            first.name
            if first is not None
            and first.kind in (first.POSITIONAL_ONLY, first.POSITIONAL_OR_KEYWORD)
            else None
        )
        self._training_default = (
            sig["training"].default
            if self._call_has_training and sig["training"].default is not inspect.Parameter.empty
            else None
        )
        self._build_shapes_dict = None

    @property
    def dtype_policy(self) -> DTypePolicy:
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value) -> None:
        policy = _layer_policy(value)
        if isinstance(self._dtype_policy, DTypePolicyMap) and self.path:
            # As Keras: the layer's own entry of its policy map is replaced.
            if self.path in self._dtype_policy:
                del self._dtype_policy[self.path]
            self._dtype_policy[self.path] = policy
        else:
            self._dtype_policy = policy
        mode = getattr(policy, "quantization_mode", None)
        if mode is not None and self.built and not getattr(self, "_is_quantized", False):
            self.quantize(mode)

    @property
    def quantization_mode(self):
        """The quantization mode of this layer (`None` when it is not quantized)."""
        return getattr(self._own_policy(), "quantization_mode", None)

    def _own_policy(self) -> DTypePolicy:
        """The layer's policy: its entry (by `path`) when its policy is a `DTypePolicyMap`."""
        policy = self._dtype_policy
        if isinstance(policy, DTypePolicyMap) and self.path:
            return policy[self.path]
        return policy

    def quantize(self, mode=None, type_check=True, config=None):
        """Quantizes the layer's weights (implemented by `Dense` and `Embedding`)."""
        raise NotImplementedError(
            f"Layer {type(self).__name__} does not have a `quantize` method implemented."
        )

    @property
    def dtype(self) -> str:
        """The dtype of the layer's variables."""
        return self._own_policy().variable_dtype

    @property
    def variable_dtype(self) -> str:
        return self._own_policy().variable_dtype

    @property
    def compute_dtype(self) -> str:
        return self._own_policy().compute_dtype

    @property
    def path(self) -> str:
        """The layer's name prefixed by the names of the layers whose `build` created it
        (`"mha/query"`), set when the layer is built; its name before that."""
        return self.__dict__.get("_path") or self.name

    @property
    def losses(self) -> list:
        """Losses added during the last call (activity regularization, `add_loss`) plus the
        regularization penalties of the trainable weights, computed from their current values."""
        out = []
        for layer in self._flatten_layers():
            out.extend(layer._losses)
        for v in self.trainable_weights:
            if v.regularizer is not None:
                out.append(v.regularizer(v.value))
        return out

    def _clear_losses(self) -> None:
        for layer in self._flatten_layers():
            layer._losses.clear()

    def add_loss(self, loss) -> None:
        """Adds a scalar loss (e.g. from `call`) to the total training loss."""
        # Remembered for the training engine: a loss computed from the batch cannot be
        # masked, so such a model gets its real partial batches rather than padded ones.
        object.__setattr__(self, "_adds_losses", True)
        self._record_loss(loss)

    def _record_loss(self, loss) -> None:
        scope = state.current_scope()
        if scope is not None and scope.collect_losses:
            scope.add_loss(loss)
        elif scope is None or not scope.symbolic:
            self._losses.append(loss)

    def add_metric(self, *args, **kwargs):
        raise NotImplementedError(
            "Layer.add_metric() was removed in Keras 3 (and lamina). Track a `keras.metrics` "
            "object in your model and update it in a custom `train_step`, or pass metrics to "
            "`compile(metrics=...)`."
        )

    # ------------------------------------------------------------------------ state creation
    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable: bool = True,
        autocast: bool = True,
        regularizer=None,
        constraint=None,
        aggregation: str = "none",
        overwrite_with_gradient: bool = False,
        name: str | None = None,
    ) -> Variable:
        """Creates a variable owned by this layer (call it from `__init__` or `build`)."""
        if isinstance(shape, str):
            raise TypeError(
                f"{self.name}.add_weight(): the first positional argument is `shape`, received "
                f"the string {shape!r}. Keras 3 takes the name as a keyword: "
                f"add_weight(name={shape!r}, shape=..., initializer=...)."
            )
        shape = () if shape is None else tuple(shape)
        dtype = standardize_dtype(dtype or self.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if "float" in dtype else "zeros"
        from lamina import constraints, initializers, regularizers

        initializer = initializers.get(initializer)
        with state.name_scope(self.name, owner=self):
            variable = Variable(
                initializer,
                shape=shape,
                dtype=dtype,
                trainable=trainable,
                autocast=autocast,
                aggregation=aggregation,
                name=name or "variable",
                regularizer=regularizers.get(regularizer),
                constraint=constraints.get(constraint),
                overwrite_with_gradient=overwrite_with_gradient,
            )
        # A variable created inside `build` already sits in the layer's name scope.
        self._track(variable)
        return variable

    def add_variable(self, shape, initializer, dtype=None, trainable=True, name=None, **kwargs):
        """Keras's alias of `add_weight` (the positional order is `shape, initializer`)."""
        return self.add_weight(shape, initializer, dtype, trainable, name=name, **kwargs)

    # ------------------------------------------------------------------------ building
    def build(self, input_shape=None) -> None:
        """Creates the layer's weights for inputs of `input_shape` (override in subclasses)."""
        self.built = True

    def _build_overridden(self) -> bool:
        return type(self).build is not Layer.build

    def _maybe_build(self, args, kwargs) -> None:
        if self.built:
            return
        first = args[0] if args else kwargs.get("inputs")
        shapes = _shapes_of(first)
        if self._build_overridden():
            if len(_shape_params(self.build)) != 1:
                # Keras's rule: `build(self, query_shape, value_shape)` gets the shapes of
                # `call`'s arguments by name.
                self._run_build_kwargs(_aligned_shapes(self, self.build, args, kwargs))
                return
            self._run_build(shapes)
        else:
            # No `build`: trace `call` once, shapes only, so that sublayers build themselves.
            with state.name_scope(self.name, owner=self):
                self.__dict__["_path"] = state.current_path()
            self._build_shapes_dict = {"input_shape": shapes}
            self.built = True
            if self._layers:
                self._symbolic_outputs(args, kwargs)
        self._build_shapes_dict = self._build_shapes_dict or {"input_shape": shapes}

    def _run_build(self, shapes) -> None:
        self._build_in_scope(lambda: self.build(shapes), {"input_shape": shapes})

    def _run_build_kwargs(self, shapes: dict) -> None:
        """`build(**shapes)` for a `build` that takes several `<argument>_shape`s."""
        self._build_in_scope(lambda: self.build(**shapes), dict(shapes))

    def _build_in_scope(self, build, shapes_dict: dict) -> None:
        """Runs `build()` in the layer's name scope (its variables' and sublayers' paths nest
        under it; the build wrapper sets its `path`), then records the shapes it was built for."""
        with state.name_scope(self.name, owner=self):
            try:
                build()
            except Exception as e:
                shapes = shapes_dict.get("input_shape", shapes_dict)
                e.add_note(f"(while building layer '{self.name}' for input shape {shapes})")
                raise
        self._build_shapes_dict = shapes_dict
        self.built = True

    def get_build_config(self) -> dict | None:
        """The shapes the layer was built for: `{"input_shape": ...}` for a one-argument
        `build`, `{"shapes_dict": {"query_shape": ..., ...}}` for one with several arguments
        (what `build_from_config` rebuilds from, as in Keras)."""
        shapes = self._build_shapes_dict
        if shapes is None:
            return None
        if len(shapes) == 1:
            return {"input_shape": _shape_to_list(next(iter(shapes.values())))}
        return {"shapes_dict": {k: _shape_to_list(v) for k, v in shapes.items()}}

    def build_from_config(self, config: dict | None) -> None:
        """Builds the layer from `get_build_config()`'s output."""
        if not config or self.built:
            return
        if "input_shape" in config and config["input_shape"] is not None:
            self._run_build(_list_to_shape(config["input_shape"]))
        elif "shapes_dict" in config:
            shapes = {k: _list_to_shape(v) for k, v in config["shapes_dict"].items()}
            params = _shape_params(self.build)
            if len(params) != 1 and set(shapes) <= set(params):
                self._run_build_kwargs(shapes)
            else:
                self._run_build(next(iter(shapes.values())))

    # ------------------------------------------------------------------------ calling
    def call(self, inputs, *args, **kwargs):
        raise NotImplementedError(
            f"Layer {type(self).__name__} has no `call` method. Subclasses of `Layer` must "
            "implement `call(self, inputs, ...)`."
        )

    def __call__(self, *args, **kwargs):
        if tf_bridge.has_graph_tensors(args, kwargs) and self.__dict__.get(
            "_convert_input_args", True
        ):  # inside tf.data's `map` (layers that take inputs unconverted handle them)
            return tf_bridge._graph_call(self, args, kwargs)
        first_by_keyword = None
        if not args and kwargs:
            args, kwargs = self._first_arg_positional(kwargs)
            first_by_keyword = self._call_first_arg if args else None
        if not args and "inputs" not in kwargs:
            raise ValueError(
                f"Layer '{self.name}' was called without inputs. Call it as layer(inputs)."
            )
        if args and self.__dict__.get("_convert_input_args", True):
            # `_convert_input_args = False` (Keras's switch; KerasHub's preprocessing layers set
            # it) passes the inputs as they are: strings, TensorFlow tensors inside tf.data.
            try:
                first = _convert_inputs(args[0], self.compute_dtype if self.autocast else None)
            except TypeError as e:
                raise TypeError(f"Layer '{self.name}' {e}") from None
            args = (first,) + args[1:]
        symbolic = any_symbolic((args, kwargs))
        ctx = state.current_call_context()
        outermost = ctx is None
        if self._call_has_training:
            training = kwargs.get("training")
            if training is None and ctx is not None:
                training = ctx.training
            if training is None:
                training = self._training_default
            # As in Keras, a resolved flag is passed (and recorded in graph nodes) only when it
            # is not None; a functional model's replay overrides it with its own flag.
            if training is not None:
                kwargs["training"] = training
        else:
            training = kwargs.pop("training", None)
            if training is None and ctx is not None:
                training = ctx.training
        if outermost and not symbolic:
            self._clear_losses()
        batch_mask = None if ctx is None else ctx.batch_mask
        policy = self._own_policy()
        cast_to = (
            policy.compute_dtype
            if self.autocast and policy.compute_dtype != policy.variable_dtype
            else None
        )
        with state.call_context(training, batch_mask), state.autocast_scope(cast_to):
            if not self.built:
                # Check what the layer declared before building, so `build` never sees an input
                # it cannot take (e.g. the wrong rank); then again with what `build` learned.
                self._check_input(args)
                self._maybe_build(args, kwargs)
            self._check_input(args)
            if symbolic:
                return self._symbolic_call(args, kwargs, first_by_keyword)
            previous_mask = _input_mask(args) if args else None
            if self._call_has_mask and kwargs.get("mask") is None and previous_mask is not None:
                kwargs["mask"] = previous_mask
            try:
                outputs = self.call(*args, **kwargs)
            except Exception as e:
                _note_call(e, self, args)
                raise
            if self.activity_regularizer is not None:
                self._add_activity_loss(outputs, batch_mask)
            if previous_mask is not None or type(self).compute_mask is not Layer.compute_mask:
                out_mask = self.compute_mask(args[0], kwargs.get("mask", previous_mask))
                if out_mask is not None:
                    for out, m in zip(
                        jax.tree.leaves(outputs),
                        out_mask if isinstance(out_mask, (list, tuple)) else [out_mask] * 99,
                    ):
                        set_keras_mask(out, m)
        return outputs

    def _first_arg_positional(self, kwargs):
        """`(args, kwargs)` with `call`'s first argument moved from `kwargs` to `args` (it is
        bound by name as well as by position, as in Keras)."""
        first = self.__dict__.get("_call_first_arg")
        if first is None or first not in kwargs:
            return (), kwargs
        kwargs = dict(kwargs)
        return (kwargs.pop(first),), kwargs

    def compute_mask(self, inputs, previous_mask=None):
        """The mask of the outputs: the input's mask for layers that support masking (the
        default), None otherwise. Override it in layers that create or change masks."""
        if not self.supports_masking:
            return None
        return previous_mask

    def _check_input(self, args) -> None:
        if self.input_spec is not None and args:
            try:
                check_input_spec(self.name, self.input_spec, args[0])
            except ValueError as e:
                _note_call(e, self, args)
                raise

    def _add_activity_loss(self, outputs, batch_mask) -> None:
        """Adds the activity penalty per sample; padded samples (engine mask) count nothing."""
        for out in jax.tree.leaves(outputs):
            if batch_mask is not None and out.ndim and out.shape[0] == batch_mask.shape[0]:
                mask = jnp.reshape(batch_mask, (-1,) + (1,) * (out.ndim - 1)).astype(out.dtype)
                penalty = self.activity_regularizer(out * mask) / jnp.sum(batch_mask)
            else:
                penalty = self.activity_regularizer(out) / (out.shape[0] if out.ndim else 1)
            self._record_loss(penalty)  # masked already: padded batches need no exact step

    def _symbolic_outputs(self, args, kwargs, with_mask: bool = False):
        """Runs `call` on shapes only (`jax.eval_shape`) and returns output ShapeDtypeStructs
        (and the output mask's, with `with_mask`). Masks of symbolic inputs take part."""
        leaves, treedef = jax.tree.flatten((args, kwargs), is_leaf=is_symbolic)
        positions = [i for i, x in enumerate(leaves) if isinstance(x, KerasTensor)]
        masked = [
            j
            for j, i in enumerate(positions)
            if isinstance(getattr(leaves[i], "_keras_mask", None), KerasTensor)
        ]

        def make_specs(fill):
            return (
                [to_specs(leaves[i], fill) for i in positions],
                [to_specs(leaves[positions[j]]._keras_mask, fill) for j in masked],
            )

        def fn(dynamic, masks):
            full = list(leaves)
            for i, v in zip(positions, dynamic):
                full[i] = v
            for j, m in zip(masked, masks):
                set_keras_mask(dynamic[j], m)
            call_args, call_kwargs = jax.tree.unflatten(treedef, full)
            previous_mask = _input_mask(call_args) if call_args else None
            if (
                self._call_has_mask
                and call_kwargs.get("mask") is None
                and previous_mask is not None
            ):
                call_kwargs["mask"] = previous_mask
            with state.StateScope(collect_losses=True, symbolic=True):
                out = self.call(*call_args, **call_kwargs)
                out_mask = None
                if with_mask and (
                    previous_mask is not None or type(self).compute_mask is not Layer.compute_mask
                ):
                    out_mask = self.compute_mask(
                        call_args[0], call_kwargs.get("mask", previous_mask)
                    )
            return out, out_mask

        try:
            out, out_mask = eval_shape_of(fn, make_specs)
        except Exception as e:
            _note_call(e, self, args)
            raise
        return (out, out_mask) if with_mask else out

    def _symbolic_call(self, args, kwargs, first_by_keyword=None):
        for x in jax.tree.leaves((args, kwargs), is_leaf=is_symbolic):
            if isinstance(x, KerasTensor) and x.dtype == "string":
                raise TypeError(
                    f"Layer '{self.name}' ({type(self).__name__}) received the string tensor "
                    f"{x.name or ''} of shape {x.shape}; JAX computes on numbers only. Map the "
                    "strings to numbers first with a preprocessing layer (TextVectorization, "
                    "StringLookup, Hashing), which runs on the host before the compiled model."
                )
        if first_by_keyword is not None:
            # The graph records the call as it was written (Keras's config does the same).
            record = args[1:], {first_by_keyword: args[0], **kwargs}
        else:
            record = args, kwargs
        outputs = self._user_output_spec(args, kwargs)
        if outputs is not None:
            self._attach_symbolic_masks(args, kwargs, outputs)
            Node(self, *record, outputs)
            return outputs
        if self._shape_only_symbolic and len(args) == 1 and set(kwargs) <= {"training"}:
            x = args[0]
            if isinstance(x, KerasTensor) and "float" in x.dtype:
                # Layers that declare it compute symbolic outputs from `compute_output_shape`
                # alone: no trace, which keeps building large models linear and fast.
                out = KerasTensor(self.compute_output_shape(x.shape), self.compute_dtype)
                mask = getattr(x, "_keras_mask", None)
                if mask is not None and self.supports_masking:
                    out._keras_mask = mask
                Node(self, *record, out)
                return out
        out_specs, mask_specs = self._symbolic_outputs(args, kwargs, with_mask=True)
        outputs = from_specs(out_specs)
        if mask_specs is not None:
            masks = from_specs(mask_specs)
            flat = jax.tree.leaves(outputs, is_leaf=is_symbolic)
            mask_list = masks if isinstance(masks, (list, tuple)) else [masks] * len(flat)
            for out, m in zip(flat, mask_list):
                out._keras_mask = m
        Node(self, *record, outputs)
        return outputs

    def _user_output_spec(self, args, kwargs):
        """Symbolic outputs from a `compute_output_spec` or `compute_output_shape` written
        outside lamina (a user's or another library's layer), as Keras's symbolic call uses
        them; None for lamina's own layers, whose outputs come from tracing `call`."""
        cls = type(self)
        if _defined_outside_lamina(cls, "compute_output_spec"):
            outputs = self.compute_output_spec(*args, **kwargs)
        elif _defined_outside_lamina(cls, "compute_output_shape"):
            if len(_shape_params(self.compute_output_shape)) == 1:
                shape = self.compute_output_shape(_shapes_of(args[0]))
            else:
                shapes = _aligned_shapes(self, self.compute_output_shape, args, kwargs)
                shape = self.compute_output_shape(**shapes)
            outputs = _specs_from_shapes(shape, self.compute_dtype, self.name)
        else:
            return None
        return _fresh_outputs(outputs, (args, kwargs))

    def _attach_symbolic_masks(self, args, kwargs, outputs) -> None:
        """Output masks of a symbolic call whose outputs came from `_user_output_spec`."""
        previous = _input_mask(args) if args else None
        previous = kwargs.get("mask", previous) if self._call_has_mask else previous
        if previous is None and type(self).compute_mask is Layer.compute_mask:
            return
        leaves, treedef = jax.tree.flatten((args[0], previous), is_leaf=is_symbolic)
        positions = [i for i, x in enumerate(leaves) if isinstance(x, KerasTensor)]

        def fn(dynamic):
            full = list(leaves)
            for i, v in zip(positions, dynamic):
                full[i] = v
            inputs, mask = jax.tree.unflatten(treedef, full)
            with state.StateScope(collect_losses=True, symbolic=True):
                return self.compute_mask(inputs, mask)

        try:
            masks = from_specs(
                eval_shape_of(fn, lambda fill: ([to_specs(leaves[i], fill) for i in positions],))
            )
        except Exception as e:
            _note_call(e, self, args)
            raise
        if masks is None:
            return
        flat = jax.tree.leaves(outputs, is_leaf=is_symbolic)
        mask_list = masks if isinstance(masks, (list, tuple)) else [masks] * len(flat)
        for out, m in zip(flat, mask_list):
            if isinstance(out, KerasTensor) and m is not None:
                out._keras_mask = m

    def compute_output_spec(self, *args, **kwargs):
        """Output `KerasTensor`(s) for symbolic inputs, computed with `jax.eval_shape`."""
        return from_specs(self._symbolic_outputs(args, kwargs))

    def compute_output_shape(self, input_shape):
        """The output shape for `input_shape` (None for unknown dimensions)."""
        x = KerasTensor(tuple(input_shape), self.compute_dtype)
        if not self.built:
            self._maybe_build((x,), {})
        out = self.compute_output_spec(x)
        return jax.tree.map(lambda t: t.shape, out, is_leaf=is_symbolic)

    # ------------------------------------------------------------------------ config
    def get_config(self) -> dict:
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": {
                "module": "keras",
                "class_name": "DTypePolicy",
                "config": {"name": self._dtype_policy.name},
                "registered_name": None,
            },
        }
        if isinstance(self._dtype_policy, DTypePolicyMap):
            from lamina import dtype_policies

            config["dtype"] = dtype_policies.serialize(self._dtype_policy)
        elif getattr(self._dtype_policy, "quantization_mode", None) is not None:
            from lamina.core.quantized_dtype_policy import serialize_policy

            config["dtype"] = serialize_policy(self._dtype_policy)
        if self.activity_regularizer is not None:
            from lamina import regularizers

            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if type(self).get_config is not Layer.get_config:
            return config
        auto = self.__dict__.get("_auto_config")
        if auto is None:
            raise NotImplementedError(
                f"Layer {type(self).__name__} was created with arguments that cannot be "
                "serialized automatically. Implement `get_config()` returning the arguments of "
                "`__init__` (and `from_config` if needed)."
            )
        config.update({k: v for k, v in auto.items() if k not in ("trainable", "dtype")})
        if not _init_accepts(self, "name"):
            config.pop("name", None)
        return config

    @classmethod
    def from_config(cls, config: dict):
        if isinstance(config.get("dtype"), dict):
            # As Keras: a saved policy record becomes the policy, and a plain float/int policy
            # its name (so layers that read `dtype` as a string in `__init__` still can).
            config = dict(config)
            policy = _layer_policy(config["dtype"])
            if not isinstance(policy, DTypePolicyMap) and policy.quantization_mode is None:
                policy = policy.name
            config["dtype"] = policy
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    # ------------------------------------------------------------------------ functional
    @property
    def input(self):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called on a symbolic input.")
        node = self._inbound_nodes[0]
        args, kwargs = node.arguments
        if args:
            return args[0]
        return kwargs.get(self.__dict__.get("_call_first_arg"))

    @property
    def output(self):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called on a symbolic input.")
        return self._inbound_nodes[0].outputs


# TensorFlow's AutoGraph (tracing a `tf.data` map function) calls functions carrying this
# attribute as they are instead of rewriting them; a lamina layer inside the map then takes the
# `tf_bridge` path without AutoGraph's "could not transform" warnings.
Layer.__call__.autograph_info__ = {}
Layer.autograph_info__ = {}


def _layer_policy(dtype) -> DTypePolicy:
    """A layer's policy from its `dtype=` argument (quantized policies included)."""
    from lamina.core.quantized_dtype_policy import resolve_policy

    if isinstance(dtype, DTypePolicyMap):
        return dtype
    if isinstance(dtype, dict) and dtype.get("class_name") == "DTypePolicyMap":
        return DTypePolicyMap.from_config(dtype.get("config") or {})
    quantized = resolve_policy(dtype)
    return quantized if quantized is not None else DTypePolicy(policy_name(dtype))
