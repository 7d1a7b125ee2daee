"""`TimeDistributed`: applies a layer to every timestep of a sequence."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.core.layer import Layer
from lamina.core.serialization import deserialize_keras_object, serialize_keras_object
from lamina.core.symbolic import KerasTensor


def build_sublayer(layer: Layer, input_shape, dtype: str) -> None:
    """Builds `layer` for `input_shape` now (inside the caller's name scope, so its variables
    get the nested paths Keras gives them).

    Args:
        layer: the sublayer.
        input_shape: the shape it is built for.
        dtype: the input dtype.

    Example:
        >>> import lamina as keras
        >>> from lamina.layers.rnn.time_distributed import build_sublayer
        >>> dense = keras.layers.Dense(4)
        >>> build_sublayer(dense, (None, 3), "float32")
        >>> dense.kernel.shape
        (3, 4)
    """
    if not layer.built:
        layer._maybe_build((KerasTensor(tuple(input_shape), dtype),), {})


class TimeDistributed(Layer):
    """Applies `layer` to each slice `inputs[:, t]` of a `(batch, time, ...)` input.

    The timesteps are folded into the batch axis and the layer is called once, so a sequence
    costs one call, not one per step. Weights are shared across time (they are `layer`'s).

    Args:
        layer: the layer applied to each step.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array `(batch, time, ...)`.
        training: passed to the wrapped layer.
        mask: optional `(batch, time)` mask, passed on per step.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.TimeDistributed(keras.layers.Dense(8))(np.zeros((2, 10, 3))).shape
        (2, 10, 8)
    """

    def __init__(self, layer: Layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"TimeDistributed: `layer` must be a keras layer instance, received {layer!r}."
            )
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _child_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(
                f"TimeDistributed '{self.name}': expected inputs of rank >= 3 (batch, time, ...), "
                f"received shape {input_shape}."
            )
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        build_sublayer(self.layer, self._child_shape(input_shape), self.compute_dtype)
        self.built = True

    def call(self, inputs, training=None, mask=None):
        inputs = jnp.asarray(inputs)
        batch, steps = inputs.shape[0], inputs.shape[1]
        folded = jnp.reshape(inputs, (batch * steps, *inputs.shape[2:]))
        kwargs = {}
        if self.layer._call_has_training:
            kwargs["training"] = training
        if self.layer._call_has_mask and mask is not None:
            mask = jnp.asarray(mask)
            if mask.ndim < 2 or mask.shape[:2] != (batch, steps):
                raise ValueError(
                    f"TimeDistributed '{self.name}': the mask's first two axes must be (batch, "
                    f"time) = {(batch, steps)}, received a mask of shape {mask.shape}."
                )
            kwargs["mask"] = jnp.reshape(mask, (batch * steps, *mask.shape[2:]))
        outputs = self.layer(folded, **kwargs)
        return jax.tree.map(lambda y: jnp.reshape(y, (batch, steps, *y.shape[1:])), outputs)

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize_keras_object(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_keras_object(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)
