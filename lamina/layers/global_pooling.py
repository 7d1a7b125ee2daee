"""Global pooling over every spatial axis: `GlobalMax/AveragePooling1D/2D/3D` (and aliases)."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.arg_utils import spatial_axes, standardize_data_format


class BaseGlobalPooling(Layer):
    """Reduces all spatial axes to one value per channel: `(batch, channels)`, or with
    `keepdims=True` size-1 spatial axes.

    Args:
        pool_dimensions: the number of spatial axes (1, 2 or 3).
        data_format: `"channels_last"` or `"channels_first"`; default: `image_data_format()`.
        keepdims: keep the spatial axes with size 1.
        **kwargs: other `Layer` arguments.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.layers.global_pooling import BaseGlobalPooling
        >>> issubclass(keras.layers.GlobalMaxPooling2D, BaseGlobalPooling)
        True
    """

    def __init__(
        self,
        pool_dimensions: int,
        data_format: str | None = None,
        keepdims: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format, type(self).__name__)
        self.keepdims = keepdims
        self.pool_dimensions = pool_dimensions
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True  # no weights: built at construction, as in Keras

    @property
    def _axes(self) -> tuple[int, ...]:
        return spatial_axes(self.pool_dimensions, self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.keepdims:
            return tuple(1 if i in self._axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in self._axes)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class _GlobalMax(BaseGlobalPooling):
    def call(self, inputs):
        return jnp.max(inputs, axis=self._axes, keepdims=self.keepdims)


class _GlobalAverage(BaseGlobalPooling):
    def call(self, inputs):
        return jnp.mean(inputs, axis=self._axes, keepdims=self.keepdims)


class GlobalAveragePooling1D(BaseGlobalPooling):
    """The mean over the steps of `(batch, steps, features)`.

    A mask `(batch, steps)` (from `Masking` or `Embedding(mask_zero=True)`) excludes the masked
    steps from the mean; the output carries no mask.

    Args:
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        keepdims: keep the pooled spatial axes with size 1.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 3.
        mask: a `(batch, steps)` boolean mask; masked steps are left out of the mean.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.GlobalAveragePooling1D()(np.ones((2, 5, 3))).shape
        (2, 3)
    """

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs):
        super().__init__(1, data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        axis = self._axes[0]
        if mask is None:
            return jnp.mean(inputs, axis=axis, keepdims=self.keepdims)
        keep = jnp.expand_dims(mask.astype(bool), 2 if self.data_format == "channels_last" else 1)
        total = jnp.sum(jnp.where(keep, inputs, 0), axis=axis, keepdims=self.keepdims)
        count = jnp.sum(keep.astype(inputs.dtype), axis=axis, keepdims=self.keepdims)
        return total / count

    def compute_mask(self, inputs, previous_mask=None):
        return None


class GlobalAveragePooling2D(_GlobalAverage):
    """The mean over the height and width of images.

    Args:
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        keepdims: keep the pooled spatial axes with size 1.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 4.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.GlobalAveragePooling2D()(np.ones((2, 4, 4, 3))).shape
        (2, 3)
    """

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs):
        super().__init__(2, data_format=data_format, keepdims=keepdims, **kwargs)


class GlobalAveragePooling3D(_GlobalAverage):
    """The mean over the three spatial axes of volumes.

    Args:
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        keepdims: keep the pooled spatial axes with size 1.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 5.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.GlobalAveragePooling3D(keepdims=True)(np.ones((1, 2, 2, 2, 3))).shape
        (1, 1, 1, 1, 3)
    """

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs):
        super().__init__(3, data_format=data_format, keepdims=keepdims, **kwargs)


class GlobalMaxPooling1D(_GlobalMax):
    """The maximum over the steps of `(batch, steps, features)` (masks are not applied).

    Args:
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        keepdims: keep the pooled spatial axes with size 1.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 3.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.GlobalMaxPooling1D()(np.ones((2, 5, 3))).shape
        (2, 3)
    """

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs):
        super().__init__(1, data_format=data_format, keepdims=keepdims, **kwargs)


class GlobalMaxPooling2D(_GlobalMax):
    """The maximum over the height and width of images.

    Args:
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        keepdims: keep the pooled spatial axes with size 1.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 4.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.GlobalMaxPooling2D()(np.ones((2, 4, 4, 3))).shape
        (2, 3)
    """

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs):
        super().__init__(2, data_format=data_format, keepdims=keepdims, **kwargs)


class GlobalMaxPooling3D(_GlobalMax):
    """The maximum over the three spatial axes of volumes.

    Args:
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        keepdims: keep the pooled spatial axes with size 1.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of rank 5.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.GlobalMaxPooling3D(keepdims=True)(np.ones((1, 2, 2, 2, 3))).shape
        (1, 1, 1, 1, 3)
    """

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs):
        super().__init__(3, data_format=data_format, keepdims=keepdims, **kwargs)


GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
