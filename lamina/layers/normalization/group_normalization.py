"""`GroupNormalization`: normalizes each sample over groups of channels."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina import constraints, initializers, regularizers
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.normalization.layer_normalization import check_axes_in_range


class GroupNormalization(Layer):
    """Splits the channels on `axis` into `groups` groups and normalizes each sample over every
    axis of a group (all but the batch axis), then applies per-channel `gamma` and `beta`.

    `groups=-1` gives one group per channel (instance normalization); `groups=1` normalizes
    over all channels, like a layer normalization over every non-batch axis.

    Args:
        groups: the number of channel groups; the channels must divide evenly (`-1`: one group per
            channel).
        axis: the axis (or axes) the layer works on.
        epsilon: a small value added to the variance to avoid dividing by zero.
        center: add the learned offset `beta`.
        scale: multiply by the learned factor `gamma`.
        beta_initializer: the initializer of `beta`.
        gamma_initializer: the initializer of `gamma`.
        beta_regularizer: a regularizer applied to `beta`.
        gamma_regularizer: a regularizer applied to `gamma`.
        beta_constraint: a constraint applied to `beta`.
        gamma_constraint: a constraint applied to `gamma`.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array; `axis` counts its axes.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.GroupNormalization(groups=2)
        >>> y = np.asarray(layer(np.arange(8.0).reshape(1, 2, 4)))
        >>> y.shape, bool(abs(y[..., :2].mean()) < 1e-5), bool(abs(y[..., 2:].mean()) < 1e-5)
        ((1, 2, 4), True, True)
    """

    def __init__(
        self,
        groups: int = 32,
        axis: int = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        if (
            isinstance(groups, bool)
            or not isinstance(groups, int)
            or (groups <= 0 and groups != -1)
        ):
            raise ValueError(
                "GroupNormalization: `groups` must be a positive integer, or -1 for instance "
                f"normalization, received groups={groups!r}."
            )
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.autocast = False

    def build(self, input_shape):
        check_axes_in_range(self, self.axis, input_shape)
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(
                f"GroupNormalization '{self.name}': axis {self.axis} of the input must have a "
                f"known size, received input shape {tuple(input_shape)}."
            )
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(
                f"GroupNormalization '{self.name}': groups={self.groups} is more than the "
                f"number of channels ({dim})."
            )
        if dim % self.groups != 0:
            raise ValueError(
                f"GroupNormalization '{self.name}': the number of channels ({dim}) must be a "
                f"multiple of groups={self.groups}."
            )
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        self.gamma = None
        self.beta = None
        if self.scale:
            self.gamma = self.add_weight(
                shape=(dim,),
                name="gamma",
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                autocast=False,
            )
        if self.center:
            self.beta = self.add_weight(
                shape=(dim,),
                name="beta",
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                autocast=False,
            )
        self.built = True

    def call(self, inputs):
        axis = self.axis % inputs.ndim
        channels = inputs.shape[axis]
        split = (self.groups, channels // self.groups)
        grouped_shape = inputs.shape[:axis] + split + inputs.shape[axis + 1 :]
        x = jnp.reshape(inputs, grouped_shape)
        x = x.astype(jnp.result_type(x.dtype, jnp.float32))
        reduce_axes = tuple(a for a in range(1, x.ndim) if a != axis)
        mean = jnp.mean(x, axis=reduce_axes, keepdims=True)
        variance = jnp.var(x, axis=reduce_axes, keepdims=True)
        param_shape = [1] * x.ndim
        param_shape[axis : axis + 2] = split
        inv = jax.lax.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            inv = inv * jnp.reshape(self.gamma.value, param_shape).astype(x.dtype)
        shift = -mean * inv
        if self.beta is not None:
            shift = shift + jnp.reshape(self.beta.value, param_shape).astype(x.dtype)
        outputs = (x * inv + shift).astype(inputs.dtype)
        return jnp.reshape(outputs, inputs.shape).astype(self.compute_dtype)

    def compute_output_shape(self, input_shape):
        check_axes_in_range(self, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "groups": self.groups,
                "axis": self.axis,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
            }
        )
        return config
