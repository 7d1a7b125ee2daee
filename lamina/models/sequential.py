"""`Sequential`: a linear stack of layers."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core import state
from lamina.core.layer import Layer
from lamina.core.symbolic import KerasTensor
from lamina.core.variable import bump_structure
from lamina.layers.input_layer import InputLayer
from lamina.models.model import Model


class Sequential(Model):
    """A model that feeds each layer's output to the next: one input, one output, a plain stack.

    The input shape comes from an `Input` added first, from `input_shape=` on the first layer,
    from `build(input_shape)`, or from the first data the model sees. Adding a layer to a built
    model only traces that layer (building is linear in the number of layers).

    Args:
        layers: the layers, in order (more can be added with `add`).
        trainable: whether the model's weights are updated by training.
        name: the model's name.
        **kwargs: other `Layer` arguments (`dtype`, ...).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        >>> model.add(keras.layers.Dense(1))
        >>> len(model.layers), model.output_shape
        (2, (None, 1))
        >>> model.predict(np.ones((2, 4)), verbose=0).shape
        (2, 1)
    """

    _weights_walk_skip = frozenset({"_functional", "layers"})
    _weights_walk_layers_first = True

    def __init__(self, layers=None, trainable: bool = True, name: str | None = None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._output_tensor = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        if self._input_layer() is not None and layers:
            self._build_symbolic()

    # ------------------------------------------------------------------ structure
    def _input_layer(self) -> InputLayer | None:
        if self._layers and isinstance(self._layers[0], InputLayer):
            return self._layers[0]
        return None

    @property
    def layers(self) -> list[Layer]:
        return [layer for layer in self._layers if not isinstance(layer, InputLayer)]

    def add(self, layer, rebuild: bool = True) -> None:
        """Appends a layer (or a `keras.Input`) to the stack."""
        if isinstance(layer, KerasTensor):
            history = layer._keras_history
            if history is None or not isinstance(history.operation, InputLayer):
                raise ValueError(
                    "Sequential.add(): a symbolic tensor can only be added when it comes from "
                    "keras.Input(...)."
                )
            layer = history.operation
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add(): expected a Layer instance, received {layer!r} (of type "
                f"{type(layer).__name__}). Did you forget to instantiate the layer class?"
            )
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError(
                    f"Sequential '{self.name}': an Input must be the first element; the model "
                    f"already has layers {[x.name for x in self._layers]}."
                )
            self._layers.append(layer)
            self._tracked_ids.add(id(layer))
            return
        names = {x.name for x in self._layers}
        if layer.name in names:
            raise ValueError(
                f"Sequential '{self.name}': all layers must have unique names; '{layer.name}' is "
                "already used. Pass a different `name=`."
            )
        if not self._layers and getattr(layer, "_input_shape_arg", None) is not None:
            input_layer = InputLayer(batch_shape=layer._input_shape_arg)
            self._layers.append(input_layer)
            self._tracked_ids.add(id(input_layer))
        self._layers.append(layer)
        self._tracked_ids.add(id(layer))
        if rebuild and self._input_layer() is not None:
            if self._output_tensor is not None:
                with state.name_scope(self.name, owner=self):
                    self._output_tensor = layer(self._output_tensor)
            else:
                self._build_symbolic()

    def pop(self, rebuild: bool = True) -> Layer:
        """Removes and returns the last layer."""
        if not self.layers:
            raise TypeError(f"Sequential '{self.name}': there is no layer to pop.")
        layer = self._layers.pop()
        self._tracked_ids.discard(id(layer))
        bump_structure()
        self._output_tensor = None
        if rebuild and self._input_layer() is not None:
            self._build_symbolic()
        return layer

    # ------------------------------------------------------------------ building
    def _build_symbolic(self) -> None:
        input_layer = self._input_layer()
        x = input_layer.output_tensor
        with state.name_scope(self.name, owner=self):
            for layer in self.layers:
                x = layer(x)
        self._output_tensor = x
        self._build_shapes_dict = {"input_shape": input_layer.batch_shape}
        self.built = True

    def build(self, input_shape=None):
        if input_shape is None:
            if self._input_layer() is None:
                raise ValueError(
                    f"Sequential '{self.name}' cannot be built without an input shape. Pass "
                    "`input_shape=` to the first layer, start with keras.Input(shape=...), or "
                    "call model.build((None, ...))."
                )
        elif self._input_layer() is None:
            if isinstance(input_shape, (list, dict)) and not _is_shape(input_shape):
                raise ValueError(
                    f"Sequential '{self.name}' takes a single input; received the input shapes "
                    f"{input_shape}. Use the functional API for several inputs."
                )
            input_layer = InputLayer(batch_shape=(None, *tuple(input_shape)[1:]))
            self._layers.insert(0, input_layer)
            self._tracked_ids.add(id(input_layer))
        if not self.layers:
            raise ValueError(f"Sequential '{self.name}' has no layers to build.")
        self._build_symbolic()

    def _host_count(self) -> int:
        """How many leading layers run on the host (up to the last `HostLayer`)."""
        from lamina.models.host_part import _is_host_layer

        layers = self.layers
        return max((i + 1 for i, layer in enumerate(layers) if _is_host_layer(layer)), default=0)

    def _has_host_part(self) -> bool:
        return self._host_count() > 0

    def _host_inputs(self, inputs):
        from lamina.models.host_part import HostBatch, _host_array, conform_host_input

        if isinstance(inputs, HostBatch) or not self._has_host_part():
            return inputs
        input_layer = self._input_layer()
        x = (
            conform_host_input(self.name, input_layer.output_tensor, inputs)
            if input_layer is not None
            else _host_array(inputs)
        )
        for layer in self.layers[: self._host_count()]:
            x = layer(x)
        return HostBatch([np.asarray(x)])

    def call(self, inputs, training=None, mask=None):
        from lamina.models.host_part import HostBatch

        layers = self.layers
        if self._has_host_part():
            inputs = self._host_inputs(inputs)
        if isinstance(inputs, HostBatch):
            x = jnp.asarray(inputs.values[0])
            for layer in layers[self._host_count() :]:
                x = layer(x, training=training) if layer._call_has_training else layer(x)
            return x
        if (
            isinstance(inputs, (list, tuple))
            and len(inputs) != 1
            and self._input_layer() is not None
            and not _is_shape(inputs)
        ):
            raise ValueError(
                f"Sequential '{self.name}' takes a single input; received a "
                f"{type(inputs).__name__} of {len(inputs)} inputs. Pass one array, or use the "
                "functional API (keras.Model(inputs, outputs)) for several inputs."
            )
        x = inputs
        input_layer = self._input_layer()
        if input_layer is not None and not isinstance(x, (list, tuple, dict)):
            # As a functional model does: the Input's dtype, a trailing axis of size 1
            # added or removed.
            from lamina.models.functional import conform_input

            x = conform_input(self.name, input_layer.output_tensor, x)
        for layer in self.layers:
            x = layer(x, training=training) if layer._call_has_training else layer(x)
        return x

    # ------------------------------------------------------------------ shapes
    @property
    def inputs(self):
        input_layer = self._input_layer()
        return [input_layer.output_tensor] if input_layer is not None else None

    @property
    def outputs(self):
        return [self._output_tensor] if self._output_tensor is not None else None

    @property
    def input_shape(self):
        input_layer = self._input_layer()
        if input_layer is None:
            raise AttributeError(f"Sequential '{self.name}' has no defined input yet.")
        return input_layer.batch_shape

    @property
    def output_shape(self):
        if self._output_tensor is None:
            raise AttributeError(f"Sequential '{self.name}' has no defined output yet.")
        return jax.tree.map(
            lambda t: t.shape, self._output_tensor, is_leaf=lambda t: isinstance(t, KerasTensor)
        )

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        from lamina.core.serialization import serialize_keras_object

        layers = [serialize_keras_object(layer) for layer in self._layers]
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": Layer.get_config(self)["dtype"],
            "layers": layers,
        }
        input_layer = self._input_layer()
        if input_layer is not None:
            config["build_input_shape"] = list(input_layer.batch_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamina.core.serialization import deserialize_keras_object

        config = dict(config)
        layer_records = config.pop("layers")
        build_input_shape = config.pop("build_input_shape", None)
        config.pop("dtype", None)
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for record in layer_records:
            layer = deserialize_keras_object(record, custom_objects=custom_objects)
            model.add(layer, rebuild=False)
        if model._input_layer() is not None:
            model._build_symbolic()
        elif build_input_shape is not None:
            model.build(tuple(build_input_shape))
        return model


def _is_shape(value) -> bool:
    return (
        all(d is None or isinstance(d, int) for d in value)
        if isinstance(value, (list, tuple))
        else False
    )
