"""Window pooling: `MaxPooling1D/2D/3D`, `AveragePooling1D/2D/3D` (and `MaxPool*`/`AvgPool*`)."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.arg_utils import (
    spatial_axes,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
)


def _window(rank: int, data_format: str, values) -> tuple[int, ...]:
    """Per-axis window sizes (or strides) for `lax.reduce_window`: 1 on batch and channels."""
    full = [1] * (rank + 2)
    for axis, v in zip(spatial_axes(rank, data_format), values):
        full[axis] = v
    return tuple(full)


class BasePooling(Layer):
    """Reduces each window of `pool_size` (moved by `strides`, default `pool_size`) to its maximum
    or mean.

    With `padding='same'` the output has `ceil(n / strides)` steps; the mean of a window that
    overlaps the padding counts only the real inputs, as in Keras.

    Args:
        pool_size: the window size (an int or one per spatial axis).
        strides: the step between windows; None: `pool_size`.
        pool_dimensions: the number of spatial axes (1, 2 or 3).
        pool_mode: `"max"` or `"average"`.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"`; default: `image_data_format()`.
        **kwargs: other `Layer` arguments.

    Example:
        >>> import numpy as np
        >>> from lamina.layers.pooling import BasePooling
        >>> layer = BasePooling(2, None, pool_dimensions=1, pool_mode="average")
        >>> layer(np.array([[[1.0], [3.0], [5.0], [7.0]]]))[0, :, 0]
        Array([2., 6.], dtype=float32)
    """

    def __init__(
        self,
        pool_size,
        strides,
        pool_dimensions: int,
        pool_mode: str = "max",
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.pool_size = standardize_tuple(pool_size, pool_dimensions, "pool_size", owner)
        self.strides = standardize_tuple(
            pool_size if strides is None else strides, pool_dimensions, "strides", owner
        )
        self.pool_mode = pool_mode
        self.padding = standardize_padding(padding, owner)
        self.data_format = standardize_data_format(data_format, owner)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True  # no weights: built at construction, as in Keras

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)  # a window larger than the input: clear error
        rank = len(self.pool_size)
        window = _window(rank, self.data_format, self.pool_size)
        strides = _window(rank, self.data_format, self.strides)
        padding = self.padding.upper()
        # Python scalars as initial values let lax pick its differentiable max/sum reducers.
        if self.pool_mode == "max":
            return jax.lax.reduce_window(inputs, -jnp.inf, jax.lax.max, window, strides, padding)
        zero = 0.0
        total = jax.lax.reduce_window(inputs, zero, jax.lax.add, window, strides, padding)
        if self.padding == "valid":
            return total / math.prod(self.pool_size)
        # Count the real (unpadded) inputs of each window; only spatial axes matter.
        ones_shape = [1] * inputs.ndim
        for axis in spatial_axes(rank, self.data_format):
            ones_shape[axis] = inputs.shape[axis]
        ones = jnp.ones(ones_shape, inputs.dtype)
        counts = jax.lax.reduce_window(ones, zero, jax.lax.add, window, strides, padding)
        return total / counts

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        rank = len(self.pool_size)
        out = list(input_shape)
        for axis, k, s in zip(spatial_axes(rank, self.data_format), self.pool_size, self.strides):
            n = input_shape[axis]
            if n is None:
                continue
            size = (n - k) // s + 1 if self.padding == "valid" else (n - 1) // s + 1
            if size <= 0:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': Computed output size would be zero "
                    f"or negative: input shape {input_shape}, pool_size={self.pool_size}, "
                    f"strides={self.strides}, padding='{self.padding}'. Use a smaller "
                    "pool_size or padding='same'."
                )
            out[axis] = size
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "pool_size": self.pool_size,
                "padding": self.padding,
                "strides": self.strides,
                "data_format": self.data_format,
            }
        )
        return config


class MaxPooling1D(BasePooling):
    """Max pooling over the steps of `(batch, steps, features)`.

    Args:
        pool_size: the window size: an int, or one per spatial axis.
        strides: the step between windows (an int or one per spatial axis); None: `pool_size`.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has `ceil(input /
            strides)` positions).
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 3.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.MaxPooling1D(2)(np.zeros((2, 8, 3))).shape
        (2, 4, 3)
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, 1, "max", padding, data_format, **kwargs)


class MaxPooling2D(BasePooling):
    """Max pooling over the height and width of images.

    Args:
        pool_size: the window size: an int, or one per spatial axis.
        strides: the step between windows (an int or one per spatial axis); None: `pool_size`.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has `ceil(input /
            strides)` positions).
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 4.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.MaxPooling2D((2, 2))(np.zeros((2, 8, 8, 3))).shape
        (2, 4, 4, 3)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, 2, "max", padding, data_format, **kwargs)


class MaxPooling3D(BasePooling):
    """Max pooling over the three spatial axes of volumes.

    Args:
        pool_size: the window size: an int, or one per spatial axis.
        strides: the step between windows (an int or one per spatial axis); None: `pool_size`.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has `ceil(input /
            strides)` positions).
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 5.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.MaxPooling3D((2, 2, 2))(np.zeros((1, 4, 4, 4, 2))).shape
        (1, 2, 2, 2, 2)
    """

    def __init__(
        self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs
    ):
        super().__init__(pool_size, strides, 3, "max", padding, data_format, **kwargs)


class AveragePooling1D(BasePooling):
    """Average pooling over the steps of `(batch, steps, features)`.

    Args:
        pool_size: the window size: an int, or one per spatial axis.
        strides: the step between windows (an int or one per spatial axis); None: `pool_size`.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has `ceil(input /
            strides)` positions).
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 3.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.AveragePooling1D(2)(np.zeros((2, 8, 3))).shape
        (2, 4, 3)
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, 1, "average", padding, data_format, **kwargs)


class AveragePooling2D(BasePooling):
    """Average pooling over the height and width of images.

    Args:
        pool_size: the window size: an int, or one per spatial axis.
        strides: the step between windows (an int or one per spatial axis); None: `pool_size`.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has `ceil(input /
            strides)` positions).
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 4.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.AveragePooling2D((2, 2))(np.zeros((2, 8, 8, 3))).shape
        (2, 4, 4, 3)
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, 2, "average", padding, data_format, **kwargs)


class AveragePooling3D(BasePooling):
    """Average pooling over the three spatial axes of volumes.

    Args:
        pool_size: the window size: an int, or one per spatial axis.
        strides: the step between windows (an int or one per spatial axis); None: `pool_size`.
        padding: `"valid"` (no padding) or `"same"` (pad so that the output has `ceil(input /
            strides)` positions).
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 5.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.AveragePooling3D((2, 2, 2))(np.zeros((1, 4, 4, 4, 2))).shape
        (1, 2, 2, 2, 2)
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, 3, "average", padding, data_format, **kwargs)


MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
MaxPool3D = MaxPooling3D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
AvgPool3D = AveragePooling3D
