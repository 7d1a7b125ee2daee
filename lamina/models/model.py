"""`Model`: a layer with training (compile/fit/evaluate/predict), saving hooks and a summary."""

from __future__ import annotations

import jax
import numpy as np

from lamina.core import state
from lamina.core.layer import Layer
from lamina.training.trainer import Trainer


class Model(Trainer, Layer):
    """A trainable group of layers.

    Build one in three ways, as in Keras: `Model(inputs, outputs)` from symbolic tensors (the
    functional API), `Sequential([...])`, or by subclassing `Model` and writing `call`.
    """

    # Read by the weights walk (`lamina.saving.weights_walk`): attribute names a model's walk
    # leaves out beyond those of a bare `Layer`, and whether its `layers` come first.
    _weights_walk_skip: frozenset = frozenset()
    _weights_walk_layers_first: bool = False

    def __new__(cls, *args, **kwargs):
        if len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs:
            from lamina.models.functional import Functional

            if cls is Model:
                return Functional.__new__(Functional, *args, **kwargs)
            if not issubclass(cls, Functional):
                # A subclass built from inputs and outputs is a functional model that keeps the
                # subclass's methods (a custom `train_step`, say), as in Keras.
                functional_cls = cls.__dict__.get("_lamina_functional_class")
                if functional_cls is None:
                    functional_cls = type(cls.__name__, (cls, Functional), {})
                    functional_cls.__module__ = cls.__module__
                    functional_cls.__qualname__ = cls.__qualname__
                    cls._lamina_functional_class = functional_cls
                return Functional.__new__(functional_cls, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            from lamina.models.functional import Functional

            if not isinstance(self, Functional):
                raise TypeError(
                    "Model(inputs, outputs) builds a functional model; a subclass of Model takes "
                    "its own arguments. Did you mean keras.Model(inputs=..., outputs=...)?"
                )
            Functional.__init__(self, *args, **kwargs)
            return
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        Layer.__init__(self, trainable=trainable, name=name, dtype=dtype, **kwargs)
        Trainer.__init__(self)

    def __call__(self, *args, **kwargs):
        if self._can_call_compiled(args, kwargs):
            return self._call_compiled(args, kwargs)
        return super().__call__(*args, **kwargs)

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
        """Rebuilds a model; a functional config (layers, input_layers, output_layers) becomes
        a functional model (of this class, when called on a subclass)."""
        if "input_layers" in config and "output_layers" in config and "layers" in config:
            from lamina.models.functional import Functional
            from lamina.models.functional_config import functional_from_config

            return functional_from_config(
                Functional if cls is Model else cls, config, custom_objects
            )
        return super().from_config(config)

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
