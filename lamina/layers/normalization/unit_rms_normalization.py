"""`UnitNormalization` (L2 norm 1 along axes) and `RMSNormalization` (learned scale)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.core.layer import Layer
from lamina.layers.normalization.layer_normalization import (
    broadcast_param,
    check_axes_in_range,
    parse_axis,
)


class UnitNormalization(Layer):
    """Divides each sample by its L2 norm over `axis` (an int or a list of ints); the inverse
    norm is capped at 1e12, so all-zero vectors stay zero. No weights.

    Args:
        axis: the axis (or axes) whose L2 norm becomes 1.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array; `axis` counts its axes.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.UnitNormalization()(np.array([[3.0, 4.0]]))
        Array([[0.6, 0.8]], dtype=float32)
    """

    def __init__(self, axis: int | list[int] = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = parse_axis("UnitNormalization", axis)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        x = inputs if inputs.ndim else inputs[None]
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        inv_norm = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
        return x * jnp.minimum(inv_norm, 1e12)

    def compute_output_shape(self, input_shape):
        check_axes_in_range(self, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class RMSNormalization(Layer):
    """Scales each sample by the inverse root mean square over `axis`, times a learned
    `scale` weight (initialized to ones): `x * rsqrt(mean(x**2) + epsilon) * scale`.

    Args:
        axis: the axis (or axes) the root mean square is taken over.
        epsilon: a small value added to the variance to avoid dividing by zero.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array; `axis` counts its axes.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> x = np.array([[3.0, 4.0]])
        >>> y = keras.layers.RMSNormalization()(x)  # x / sqrt((9 + 16) / 2)
        >>> [round(float(v), 4) for v in np.asarray(y).ravel()]
        [0.8485, 1.1314]
    """

    def __init__(self, axis: int | list[int] = -1, epsilon: float = 1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon

    def build(self, input_shape):
        check_axes_in_range(self, self.axis, input_shape)
        self.axis = sorted(self.axis) if isinstance(self.axis, (list, tuple)) else [self.axis]
        shape = tuple(input_shape[a] for a in self.axis)
        if any(d is None for d in shape):
            raise ValueError(
                f"RMSNormalization '{self.name}': the normalized axes {self.axis} must have "
                f"known sizes, received input shape {tuple(input_shape)}."
            )
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")
        self.built = True

    def call(self, inputs):
        x = inputs.astype(jnp.result_type(inputs.dtype, jnp.float32))
        if x.ndim == 0:
            x = x[None]
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        rrms = jax.lax.rsqrt(
            jnp.mean(jnp.square(x), axis=tuple(axes), keepdims=True) + self.epsilon
        )
        scale = broadcast_param(self.scale.value, axes, x.shape).astype(x.dtype)
        return (x * rrms * scale).astype(inputs.dtype)

    def compute_output_shape(self, input_shape):
        check_axes_in_range(self, self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config
