"""Up-sampling by repetition (or image interpolation): `UpSampling1D/2D/3D`."""

from __future__ import annotations

import numbers

import jax
import jax.numpy as jnp

from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.arg_utils import spatial_axes, standardize_data_format, standardize_tuple

_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")


def _scaled_shape(layer, input_shape, axes) -> tuple:
    out = list(input_shape)
    for axis, factor in zip(axes, layer.size):
        if out[axis] is not None:
            out[axis] *= factor
    return tuple(out)


class UpSampling1D(Layer):
    """Repeats each step `size` times along the steps axis of `(batch, steps, features)`.

    Args:
        size: how many times each step is repeated.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array `(batch, steps, features)`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.UpSampling1D(2)(np.array([[[1.0], [2.0]]]))[0, :, 0]
        Array([1., 1., 2., 2.], dtype=float32)
    """

    def __init__(self, size: int = 2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(size, numbers.Integral) or isinstance(size, bool):
            raise TypeError(f"UpSampling1D: `size` must be an integer, received size={size!r}.")
        if size <= 0:
            raise ValueError(
                f"UpSampling1D: `size` must be a positive integer, received size={size!r}."
            )
        self.size = int(size)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return jnp.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        n = input_shape[1]
        return (input_shape[0], None if n is None else n * self.size, input_shape[2])

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config


class UpSampling2D(Layer):
    """Scales the height and width of images by `size`: rows and columns are repeated
    (`interpolation='nearest'`) or interpolated (`'bilinear'`, `'bicubic'`, `'lanczos3'`,
    `'lanczos5'`, with half-pixel centres as `jax.image.resize`).

    Args:
        size: the factors of the rows and columns (an int for both).
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        interpolation: `"nearest"` (repeat), or `"bilinear"`, `"bicubic"`, `"lanczos3"`
            or `"lanczos5"` (resize).
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 4.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.UpSampling2D((2, 3))(np.zeros((1, 4, 4, 3))).shape
        (1, 8, 12, 3)
    """

    def __init__(
        self,
        size=(2, 2),
        data_format: str | None = None,
        interpolation: str = "nearest",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format, "UpSampling2D")
        self.size = standardize_tuple(size, 2, "size", "UpSampling2D")
        method = interpolation.lower() if isinstance(interpolation, str) else interpolation
        if method not in _INTERPOLATIONS:
            raise ValueError(
                f"UpSampling2D: `interpolation` must be one of {_INTERPOLATIONS}, received "
                f"interpolation={interpolation!r}."
            )
        self.interpolation = method
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        axes = spatial_axes(2, self.data_format)
        if self.interpolation == "nearest":
            for axis, factor in zip(axes, self.size):
                inputs = jnp.repeat(inputs, factor, axis=axis)
            return inputs
        shape = list(inputs.shape)
        for axis, factor in zip(axes, self.size):
            shape[axis] = shape[axis] * factor
        return jax.image.resize(inputs, tuple(shape), method=self.interpolation, antialias=False)

    def compute_output_shape(self, input_shape):
        return _scaled_shape(self, input_shape, spatial_axes(2, self.data_format))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "size": self.size,
                "data_format": self.data_format,
                "interpolation": self.interpolation,
            }
        )
        return config


class UpSampling3D(Layer):
    """Repeats the entries of the three spatial axes of volumes `size` times each.

    Args:
        size: the factor of each spatial axis (an int for all).
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 5.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.UpSampling3D(2)(np.zeros((1, 2, 2, 2, 1))).shape
        (1, 4, 4, 4, 1)
    """

    def __init__(self, size=(2, 2, 2), data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format, "UpSampling3D")
        self.size = standardize_tuple(size, 3, "size", "UpSampling3D")
        self.input_spec = InputSpec(ndim=5)

    def call(self, inputs):
        for axis, factor in zip(spatial_axes(3, self.data_format), self.size):
            inputs = jnp.repeat(inputs, factor, axis=axis)
        return inputs

    def compute_output_shape(self, input_shape):
        return _scaled_shape(self, input_shape, spatial_axes(3, self.data_format))

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config
