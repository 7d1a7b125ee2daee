"""`LayerNormalization`: normalizes each sample over its feature axes."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp

from lamina import constraints, initializers, regularizers
from lamina.core.layer import Layer


def check_axes_in_range(layer: Layer, axis, input_shape) -> None:
    """Raises a ValueError naming `layer` when an axis does not exist for `input_shape`.

    Args:
        layer: the layer, for the message.
        axis: an int or a list of ints.
        input_shape: the input's shape.

    Raises:
        ValueError: an axis is out of range.

    Example:
        >>> import lamina as keras
        >>> from lamina.layers.normalization.layer_normalization import check_axes_in_range
        >>> check_axes_in_range(keras.layers.LayerNormalization(), [-1], (None, 4))  # fine
    """
    for a in axis if isinstance(axis, (list, tuple)) else [axis]:
        if not -len(input_shape) <= a < len(input_shape):
            raise ValueError(
                f"{type(layer).__name__} '{layer.name}': axis {a} is out of range for input "
                f"shape {tuple(input_shape)} (received axis={axis})."
            )


def parse_axis(layer_name: str, axis) -> int | list[int]:
    """An int stays an int, a list or tuple becomes a list; anything else is a TypeError.

    Args:
        layer_name: the layer's name, for the message.
        axis: the `axis` argument.

    Returns:
        An int or a list of ints.

    Raises:
        TypeError: any other type.

    Example:
        >>> from lamina.layers.normalization.layer_normalization import parse_axis
        >>> parse_axis("ln", (1, 2)), parse_axis("ln", -1)
        ([1, 2], -1)
    """
    if isinstance(axis, (list, tuple)):
        return list(axis)
    if isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    raise TypeError(
        f"{layer_name}: `axis` must be an int or a list/tuple of ints, received axis={axis!r}."
    )


def broadcast_param(param, axes: list[int], x_shape) -> jax.Array:
    """Reshapes a parameter built as `tuple(shape[a] for a in axes)` to broadcast with `x`.

    Args:
        param: the parameter (e.g. `gamma`).
        axes: the normalized axes it spans.
        x_shape: the input's shape.

    Returns:
        The reshaped parameter.

    Example:
        >>> import numpy as np
        >>> from lamina.layers.normalization.layer_normalization import broadcast_param
        >>> broadcast_param(np.ones(3), [2], (4, 5, 3)).shape
        (1, 1, 3)
    """
    shape = [1] * len(x_shape)
    for a in axes:
        shape[a] = x_shape[a]
    return jnp.reshape(param, shape)


class LayerNormalization(Layer):
    """Normalizes each sample to zero mean and unit variance over `axis` (an int or a list),
    then applies a learned scale `gamma` and offset `beta` shaped like those axes.

    `rms_scaling=True` (deprecated, as in Keras) divides by the standard deviation without
    centering and drops `beta`; use `RMSNormalization` for a true RMS normalization.

    Args:
        axis: the axis (or axes) each sample is normalized over.
        epsilon: a small value added to the variance to avoid dividing by zero.
        center: add the learned offset `beta`.
        scale: multiply by the learned factor `gamma`.
        beta_initializer: the initializer of `beta`.
        gamma_initializer: the initializer of `gamma`.
        beta_regularizer: a regularizer applied to `beta`.
        gamma_regularizer: a regularizer applied to `gamma`.
        beta_constraint: a constraint applied to `beta`.
        gamma_constraint: a constraint applied to `gamma`.
        rms_scaling: divide by the root mean square only (no centering; `center` is then off).
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array; `axis` counts its axes.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> np.round(keras.layers.LayerNormalization()(np.array([[1.0, 3.0]])), 4)
        Array([[-0.9995,  0.9995]], dtype=float32)
    """

    def __init__(
        self,
        axis: int | list[int] = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        rms_scaling: bool = False,
        **kwargs,
    ):
        if rms_scaling:
            warnings.warn(
                "LayerNormalization: `rms_scaling=True` is deprecated; it scales by the "
                "standard deviation rather than the root mean square. Use "
                "`keras.layers.RMSNormalization` for RMS normalization.",
                stacklevel=2,
            )
        super().__init__(**kwargs)
        self.axis = parse_axis("LayerNormalization", axis)
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
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
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        shape = tuple(input_shape[a] for a in self.axis)
        if any(d is None for d in shape):
            raise ValueError(
                f"LayerNormalization '{self.name}': the normalized axes {self.axis} must have "
                f"known sizes, received input shape {tuple(input_shape)}."
            )
        self.gamma = None
        self.beta = None
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(
                name="gamma",
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                autocast=False,
            )
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(
                name="beta",
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                autocast=False,
            )
        self.built = True

    def call(self, inputs):
        x = inputs.astype(jnp.result_type(inputs.dtype, jnp.float32))
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        gamma = None if self.gamma is None else broadcast_param(self.gamma.value, axes, x.shape)
        beta = None if self.beta is None else broadcast_param(self.beta.value, axes, x.shape)
        variance = jnp.var(x, axis=tuple(axes), keepdims=True)
        inv = jax.lax.rsqrt(variance + self.epsilon)
        if self.rms_scaling:
            outputs = x * inv
            if gamma is not None:
                outputs = outputs * gamma.astype(x.dtype)
        else:
            mean = jnp.mean(x, axis=tuple(axes), keepdims=True)
            if gamma is not None:
                inv = inv * gamma.astype(x.dtype)
            shift = -mean * inv
            if beta is not None:
                shift = shift + beta.astype(x.dtype)
            outputs = x * inv + shift
        return outputs.astype(self.compute_dtype)

    def compute_output_shape(self, input_shape):
        check_axes_in_range(self, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "axis": self.axis,
                "epsilon": self.epsilon,
                "center": self.center,
                "scale": self.scale,
                "rms_scaling": self.rms_scaling,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
            }
        )
        return config
