"""`Wrapper` (the base of layers that wrap another layer), `SpectralNormalization`, and
`keras.layers.serialize` / `keras.layers.deserialize`."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import initializers
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.core.serialization import deserialize_keras_object, serialize_keras_object


class Wrapper(Layer):
    """Base class of layers that wrap another layer (`TimeDistributed`-like wrappers): holds
    `layer`, builds it with the wrapper, and saves it inside the wrapper's config.

    Subclass it and define `call`; it is not meant to be used directly.

    Args:
        layer: the layer instance to wrap.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Example:
    >>> import numpy as np
    >>> from lamina.layers import Dense
    >>> class Doubled(Wrapper):
    ...     def call(self, x):
    ...         return 2 * self.layer(x)
    >>> Doubled(Dense(3))(np.ones((1, 2), "float32")).shape
    (1, 3)
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"{type(self).__name__}: `layer` must be a keras layer instance; received "
                f"{layer!r}."
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        self.built = True

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize_keras_object(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_keras_object(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)


def _l2_normalize(x):
    return x * jax.lax.rsqrt(jnp.maximum(jnp.sum(jnp.square(x)), 1e-12))


class SpectralNormalization(Wrapper):
    """Divides the wrapped layer's kernel by its largest singular value (estimated by power
    iteration) at each training step, which bounds the layer's Lipschitz constant (GAN
    discriminators).

    Args:
        layer: a layer with a `kernel` (or `embeddings`) weight, e.g. `Dense` or `Conv2D`.
        power_iterations: power-iteration steps per training call (>= 1).
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: the wrapped layer's input.
        training: in training mode the kernel is normalized (and the estimate updated) first.

    Returns:
        The wrapped layer's output.

    Example:
    >>> import numpy as np
    >>> from lamina.layers import Dense
    >>> sn = SpectralNormalization(Dense(2))
    >>> sn(np.ones((1, 3), "float32"), training=True).shape
    (1, 2)
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise ValueError(
                "SpectralNormalization: `power_iterations` must be greater than zero; "
                f"received power_iterations={power_iterations}."
            )
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        if hasattr(self.layer, "kernel"):
            self.kernel = self.layer.kernel
        elif hasattr(self.layer, "embeddings"):
            self.kernel = self.layer.embeddings
        else:
            raise ValueError(
                f"SpectralNormalization: the wrapped {type(self.layer).__name__} has neither "
                "a 'kernel' nor an 'embeddings' weight to normalize."
            )
        self.kernel_shape = tuple(self.kernel.shape)
        self.vector_u = self.add_weight(
            shape=(1, self.kernel_shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02),
            trainable=False,
            name="vector_u",
            dtype=self.kernel.dtype,
        )
        self.built = True

    def normalized_weights(self):
        """The updated `(vector_u, kernel)`: the kernel divided by its spectral-norm estimate."""
        kernel = self.kernel.value
        w = kernel.reshape(-1, self.kernel_shape[-1])
        u = self.vector_u.value
        for _ in range(self.power_iterations):
            v = _l2_normalize(u @ w.T)
            u = _l2_normalize(v @ w)
        u, v = jax.lax.stop_gradient(u), jax.lax.stop_gradient(v)
        sigma = (v @ w) @ u.T
        new_kernel = (kernel.reshape(w.shape) / sigma).reshape(self.kernel_shape)
        return u.astype(self.vector_u.dtype), new_kernel.astype(kernel.dtype)

    def call(self, inputs, training=False):
        if training:
            all_zero = jnp.all(self.kernel.value == 0)
            u, kernel = self.normalized_weights()
            self.vector_u.assign(jnp.where(all_zero, self.vector_u.value, u))
            self.kernel.assign(jnp.where(all_zero, self.kernel.value, kernel))
        return self.layer(inputs).astype(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["power_iterations"] = self.power_iterations
        return config


def serialize(layer):
    """The Keras record (`{"module", "class_name", "config", ...}`) of a layer.

    Args:
        layer: a layer instance.

    Returns:
        A JSON-compatible dict.

    Example:
    >>> from lamina.layers import Dense
    >>> serialize(Dense(2))["class_name"]
    'Dense'
    """
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """Rebuilds a layer from the record `serialize` (or Keras) wrote.

    Args:
        config: the layer's record.
        custom_objects: a dict of custom classes by name.

    Returns:
        A new layer instance.

    Example:
    >>> from lamina.layers import Dense
    >>> deserialize(serialize(Dense(2))).units
    2
    """
    return deserialize_keras_object(config, custom_objects=custom_objects)
