"""Zero padding and cropping of spatial axes: `ZeroPadding1D/2D/3D`, `Cropping1D/2D/3D`."""

from __future__ import annotations

import numbers

import jax.numpy as jnp

from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.arg_utils import spatial_axes, standardize_data_format, standardize_tuple

_ORDINALS = ("1st", "2nd", "3rd")


def _pairs(value, rank: int, name: str, owner: str) -> tuple[tuple[int, int], ...]:
    """Normalizes an int, `rank` ints or `rank` (before, after) pairs to `rank` pairs."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"{owner}: `{name}` cannot be negative, received {name}={value!r}.")
        return ((int(value), int(value)),) * rank
    if not hasattr(value, "__len__") or len(value) != rank:
        raise ValueError(
            f"{owner}: `{name}` must be an int, a tuple of {rank} ints or a tuple of {rank} "
            f"(before, after) pairs, received {name}={value!r}."
        )
    return tuple(
        standardize_tuple(v, 2, f"{_ORDINALS[i]} entry of {name}", owner, allow_zero=True)
        for i, v in enumerate(value)
    )


class _Spatial(Layer):
    """Shared by the padding and cropping layers: per spatial axis (before, after) amounts."""

    def _setup(self, rank: int, amounts, data_format) -> None:
        self.rank = rank
        self.data_format = standardize_data_format(data_format, type(self).__name__)
        self._amounts = amounts
        self.input_spec = InputSpec(ndim=rank + 2)

    @property
    def _axes(self) -> tuple[int, ...]:
        return spatial_axes(self.rank, self.data_format)


class _ZeroPadding(_Spatial):
    def call(self, inputs):
        widths = [(0, 0)] * inputs.ndim
        for axis, pair in zip(self._axes, self._amounts):
            widths[axis] = pair
        return jnp.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, (lo, hi) in zip(self._axes, self._amounts):
            if out[axis] is not None:
                out[axis] += lo + hi
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config


class ZeroPadding1D(_ZeroPadding):
    """Adds zeros at the start and end of the steps axis. `padding`: an int or `(before, after)`.

    Args:
        padding: `(start, end)`: the zero steps added at each end, or one int for both.
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array `(batch, steps, features)`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.ZeroPadding1D(2)(np.ones((1, 3, 1)))[0, :, 0]
        Array([0., 0., 1., 1., 1., 0., 0.], dtype=float32)
    """

    def __init__(self, padding=1, data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.padding = standardize_tuple(padding, 2, "padding", "ZeroPadding1D", allow_zero=True)
        self._setup(1, (self.padding,), data_format)


class ZeroPadding2D(_ZeroPadding):
    """Adds rows and columns of zeros. `padding`: an int, `(h, w)` or `((top, bottom), (left,
    right))`.

    Args:
        padding: `((top, bottom), (left, right))`, `(rows, cols)` for symmetric padding, or one int
            for all.
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 4.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.ZeroPadding2D((1, 2))(np.zeros((2, 4, 4, 3))).shape
        (2, 6, 8, 3)
    """

    def __init__(self, padding=(1, 1), data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, 2, "padding", "ZeroPadding2D")
        self._setup(2, self.padding, data_format)


class ZeroPadding3D(_ZeroPadding):
    """Adds zeros around the three spatial axes of volumes.

    Args:
        padding: one `(start, end)` pair per spatial axis, one int per axis, or one int for all.
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 5.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.ZeroPadding3D(1)(np.zeros((1, 2, 2, 2, 3))).shape
        (1, 4, 4, 4, 3)
    """

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, 3, "padding", "ZeroPadding3D")
        self._setup(3, self.padding, data_format)


class _Cropping(_Spatial):
    def _check(self, shape) -> None:
        for axis, (lo, hi) in zip(self._axes, self._amounts):
            n = shape[axis]
            if isinstance(n, int) and lo + hi >= n:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': the cropping must be smaller than the "
                    f"input's spatial size, received input shape {tuple(shape)} and "
                    f"cropping={self.cropping}."
                )

    def call(self, inputs):
        self._check(inputs.shape)
        index = [slice(None)] * inputs.ndim
        for axis, (lo, hi) in zip(self._axes, self._amounts):
            index[axis] = slice(lo, -hi if hi else None)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        out = list(input_shape)
        for axis, (lo, hi) in zip(self._axes, self._amounts):
            if out[axis] is not None:
                out[axis] -= lo + hi
        return tuple(out)


class Cropping1D(_Cropping):
    """Removes steps at the start and end. `cropping`: an int or `(before, after)`.

    Args:
        cropping: `(start, end)`: the steps removed at each end (an int removes as many at both).
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array `(batch, steps, features)`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.Cropping1D((1, 2))(np.zeros((2, 10, 3))).shape
        (2, 7, 3)
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = standardize_tuple(cropping, 2, "cropping", "Cropping1D", allow_zero=True)
        self._setup(1, (self.cropping,), "channels_last")

    def get_config(self):
        config = super().get_config()
        config["cropping"] = self.cropping
        return config


class Cropping2D(_Cropping):
    """Removes rows and columns at the borders of images.

    Args:
        cropping: `((top, bottom), (left, right))`, `(rows, cols)` for symmetric cropping, or one
            int for all.
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 4.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.Cropping2D(((1, 1), (2, 0)))(np.zeros((2, 8, 8, 3))).shape
        (2, 6, 6, 3)
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, 2, "cropping", "Cropping2D")
        self._setup(2, self.cropping, data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config


class Cropping3D(_Cropping):
    """Removes borders of the three spatial axes of volumes.

    Args:
        cropping: one `(start, end)` pair per spatial axis, one int per axis, or one int for all.
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 5.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.Cropping3D(1)(np.zeros((1, 6, 6, 6, 2))).shape
        (1, 4, 4, 4, 2)
    """

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, 3, "cropping", "Cropping3D")
        self._setup(3, self.cropping, data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config
