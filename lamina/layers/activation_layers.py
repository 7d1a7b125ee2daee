"""Activation layers: `ReLU`, `LeakyReLU`, `PReLU`, `ELU`, `Softmax`."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp

from lamina import activations, constraints, initializers, regularizers
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer


def _nonnegative(layer: Layer, arg: str, value, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if value is None or value < 0:
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}': `{arg}` must be a non-negative number, "
            f"received {arg}={value!r}."
        )


class ReLU(Layer):
    """Rectified linear unit: `x` above `threshold` (capped at `max_value`), else
    `negative_slope * (x - threshold)`.

    Args:
        max_value: the largest output value (None: no cap).
        negative_slope: the slope below `threshold`.
        threshold: the input value below which the slope applies.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of any shape.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.ReLU(max_value=6.0)(np.array([-1.0, 3.0, 8.0]))
        Array([0., 3., 6.], dtype=float32)
    """

    def __init__(
        self,
        max_value: float | None = None,
        negative_slope: float = 0.0,
        threshold: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        _nonnegative(self, "max_value", max_value, allow_none=True)
        _nonnegative(self, "negative_slope", negative_slope)
        _nonnegative(self, "threshold", threshold)
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.relu(
            inputs,
            negative_slope=self.negative_slope,
            max_value=self.max_value,
            threshold=self.threshold,
        )

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "max_value": self.max_value,
                "negative_slope": self.negative_slope,
                "threshold": self.threshold,
            }
        )
        return config


class LeakyReLU(Layer):
    """Leaky ReLU: `x` for positive inputs, `negative_slope * x` otherwise (the Keras 2
    argument name `alpha` is accepted with a warning).

    Args:
        negative_slope: the slope for negative inputs.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of any shape.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.LeakyReLU(negative_slope=0.1)(np.array([-2.0, 3.0]))
        Array([-0.2,  3. ], dtype=float32)
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("LeakyReLU: `alpha` is deprecated, use `negative_slope`.", stacklevel=2)
        super().__init__(**kwargs)
        _nonnegative(self, "negative_slope", negative_slope)
        self.negative_slope = negative_slope
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class PReLU(Layer):
    """Parametric ReLU: `x` for positive inputs, `alpha * x` otherwise, with a learned `alpha`
    shaped like one sample (size 1 along `shared_axes`, which are 1-based input axes).

    Args:
        alpha_initializer: the initializer of `alpha`.
        alpha_regularizer: a regularizer applied to `alpha`.
        alpha_constraint: a constraint applied to `alpha`.
        shared_axes: the (1-based) input axes along which one `alpha` is shared, e.g. `[1, 2]` for
            one slope per channel of an image.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of any shape.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25))
        >>> layer(np.array([[-4.0, 4.0]]))
        Array([[-1.,  4.]], dtype=float32)
        >>> keras.layers.PReLU(shared_axes=[1, 2])(np.zeros((1, 8, 8, 3))).shape, layer.alpha.shape
        ((1, 8, 8, 3), (2,))
    """

    def __init__(
        self,
        alpha_initializer="Zeros",
        alpha_regularizer=None,
        alpha_constraint=None,
        shared_axes=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if not 1 <= axis < len(input_shape):
                raise ValueError(
                    f"PReLU '{self.name}': shared axis {axis} is not a non-batch axis of inputs "
                    f"of shape {tuple(input_shape)} (axes are 1-based)."
                )
            param_shape[axis - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(
                f"PReLU '{self.name}': every non-shared axis must have a known size to build "
                f"`alpha`, received input shape {tuple(input_shape)}; share the unknown axes "
                "with `shared_axes`."
            )
        self.alpha = self.add_weight(
            shape=param_shape,
            name="alpha",
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )
        axes = {}
        if self.shared_axes:
            axes = {
                i: input_shape[i] for i in range(1, len(input_shape)) if i not in self.shared_axes
            }
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs):
        return jax.nn.relu(inputs) - self.alpha.value * jax.nn.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes,
            }
        )
        return config


class ELU(Layer):
    """Exponential linear unit: `x` if positive, else `alpha * (exp(x) - 1)`.

    Args:
        alpha: the scale of the negative part.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of any shape.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> np.round(keras.layers.ELU()(np.array([-1.0, 2.0])), 4)  # exp(-1) - 1 for -1
        Array([-0.6321,  2.    ], dtype=float32)
    """

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


def _check_mask_broadcasts(layer: Layer, inputs, mask) -> None:
    bad = mask.ndim > inputs.ndim or any(
        m != 1 and m != i for m, i in zip(mask.shape[::-1], inputs.shape[::-1])
    )
    if bad:
        raise ValueError(
            f"Softmax '{layer.name}': the mask must broadcast to the inputs (each mask axis 1 "
            f"or equal to the input's, counted from the right), received "
            f"inputs.shape={inputs.shape}, mask.shape={mask.shape}."
        )


class Softmax(Layer):
    """Softmax along `axis` (an int or a list of ints). With a mask (True = keep), masked
    positions get probability 0; the mask may have fewer axes and is broadcast from the right.

    Args:
        axis: the axis (or list of axes) normalized to sum to 1.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of logits.
        mask: optional: True for the positions to keep.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.Softmax()(np.array([[0.0, 0.0]]))
        Array([[0.5, 0.5]], dtype=float32)
        >>> keras.layers.Softmax()(np.array([[0.0, 0.0]]), mask=np.array([[True, False]]))
        Array([[1., 0.]], dtype=float32)
    """

    def __init__(self, axis: int | list[int] = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs, mask=None):
        if mask is not None:
            _check_mask_broadcasts(self, inputs, mask)
            if mask.dtype != jnp.bool_:
                mask = mask > 0.5
            large_negative = -3e4 if inputs.dtype == jnp.float16 else -1e9
            inputs = jnp.where(mask, inputs, jnp.asarray(large_negative, inputs.dtype))
        axis = self.axis
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]
        if isinstance(axis, (list, tuple)):
            axes = tuple(axis)
            outputs = jnp.exp(inputs - jax.nn.logsumexp(inputs, axis=axes, keepdims=True))
        else:
            outputs = activations.softmax(inputs, axis=axis)
        if mask is not None:
            # A fully masked row would otherwise come out uniform.
            outputs = jnp.where(mask, outputs, jnp.zeros_like(outputs))
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
