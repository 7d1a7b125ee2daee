"""Regularization layers: spatial dropout, Gaussian noise and dropout, alpha dropout, and
activity regularization. The random ones act only in training."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from lamina import regularizers
from lamina.core.config import image_data_format
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.core.random import SeedGenerator
from lamina.layers.core import Dropout

# SELU's constants: alpha dropout drops to SELU's negative saturation value.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _check_rate(layer: Layer, value, arg: str = "rate") -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}': `{arg}` must be a float between 0 and 1, "
            f"received {arg}={value!r}."
        )


def _data_format(layer_name: str, data_format: str | None) -> str:
    data_format = (data_format or image_data_format()).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{layer_name}: `data_format` must be 'channels_last' or 'channels_first', "
            f"received {data_format!r}."
        )
    return data_format


class _SpatialDropout(Dropout):
    """Dropout that drops whole feature maps (one draw per sample and channel)."""

    _ndim = 3

    def __init__(self, rate: float, seed: int | None = None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.input_spec = InputSpec(ndim=self._ndim)

    def _noise_shape(self, shape) -> tuple:
        if getattr(self, "data_format", "channels_last") == "channels_first":
            return (shape[0], shape[1]) + (1,) * (len(shape) - 2)
        return (shape[0],) + (1,) * (len(shape) - 2) + (shape[-1],)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate >= 1:
            return jnp.zeros_like(inputs)
        key = jax.random.wrap_key_data(self.seed_generator.next())
        keep = jax.random.bernoulli(key, 1.0 - self.rate, self._noise_shape(inputs.shape))
        return jnp.where(keep, inputs / (1.0 - self.rate), jnp.zeros_like(inputs))

    def get_config(self):
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}


class SpatialDropout1D(_SpatialDropout):
    """Drops entire channels of `(batch, steps, channels)` inputs in training, scaling the
    kept ones by `1 / (1 - rate)`.

    Args:
        rate: the fraction of the inputs to drop, between 0 and 1.
        seed: an int seed for the random draws (None: drawn from Python's `random`).
        name: the layer's name.
        dtype: the dtype policy.

    Call arguments:
        inputs: an array of rank 3.
        training: drop only when True (inside `fit`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.SpatialDropout1D(0.5, seed=3)
        >>> y = np.asarray(layer(np.ones((2, 5, 3)), training=True))
        >>> bool(np.all(y.std(axis=tuple(range(1, 2))) == 0))  # whole channels kept or dropped
        True
    """

    _ndim = 3


class _SpatialDropoutND(_SpatialDropout):
    def __init__(
        self,
        rate: float,
        data_format: str | None = None,
        seed: int | None = None,
        name=None,
        dtype=None,
    ):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = _data_format(type(self).__name__, data_format)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class SpatialDropout2D(_SpatialDropoutND):
    """Drops entire 2D feature maps (channels) of 4D inputs in training.

    Args:
        rate: the fraction of the inputs to drop, between 0 and 1.
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        seed: an int seed for the random draws (None: drawn from Python's `random`).
        name: the layer's name.
        dtype: the dtype policy.

    Call arguments:
        inputs: an array of rank 4.
        training: drop only when True (inside `fit`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.SpatialDropout2D(0.5, seed=3)
        >>> y = np.asarray(layer(np.ones((2, 4, 4, 3)), training=True))
        >>> bool(np.all(y.std(axis=tuple(range(1, 3))) == 0))  # whole channels kept or dropped
        True
    """

    _ndim = 4


class SpatialDropout3D(_SpatialDropoutND):
    """Drops entire 3D feature maps (channels) of 5D inputs in training.

    Args:
        rate: the fraction of the inputs to drop, between 0 and 1.
        data_format: `"channels_last"` or `"channels_first"`; default:
            `keras.config.image_data_format()`.
        seed: an int seed for the random draws (None: drawn from Python's `random`).
        name: the layer's name.
        dtype: the dtype policy.

    Call arguments:
        inputs: an array of rank 5.
        training: drop only when True (inside `fit`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.SpatialDropout3D(0.5, seed=3)
        >>> y = np.asarray(layer(np.ones((2, 2, 2, 2, 3)), training=True))
        >>> bool(np.all(y.std(axis=tuple(range(1, 4))) == 0))  # whole channels kept or dropped
        True
    """

    _ndim = 5


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise of standard deviation `stddev` in training.

    Args:
        stddev: the standard deviation of the noise.
        seed: an int seed for the random draws (None: drawn from Python's `random`).
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of any shape.
        training: add the noise only when True (inside `fit`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.GaussianNoise(0.1, seed=1)
        >>> x = np.zeros((1000,))
        >>> bool((layer(x) == 0).all()), 0.05 < float(np.std(layer(x, training=True))) < 0.15
        (True, True)
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        _check_rate(self, stddev, "stddev")
        self.stddev = stddev
        self.seed = seed
        if stddev > 0:
            self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.stddev <= 0:
            return inputs
        key = jax.random.wrap_key_data(self.seed_generator.next())
        noise = jax.random.normal(key, inputs.shape, dtype=self.compute_dtype) * self.stddev
        return inputs + noise

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


class GaussianDropout(Layer):
    """Multiplies inputs by Gaussian noise of mean 1 and standard deviation
    `sqrt(rate / (1 - rate))` in training.

    Args:
        rate: the fraction of the inputs to drop, between 0 and 1.
        seed: an int seed for the random draws (None: drawn from Python's `random`).
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of any shape.
        training: add the noise only when True (inside `fit`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.GaussianDropout(0.1, seed=1)
        >>> x = np.ones((2, 4))
        >>> bool((layer(x) == x).all()), bool((layer(x, training=True) != x).any())
        (True, True)
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        _check_rate(self, rate)
        self.rate = rate
        self.seed = seed
        if rate > 0:
            self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate <= 0:
            return inputs
        if self.rate >= 1:
            raise ValueError(
                f"GaussianDropout '{self.name}': rate=1 gives noise of infinite variance; use a "
                "rate below 1."
            )
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        key = jax.random.wrap_key_data(self.seed_generator.next())
        noise = 1.0 + jax.random.normal(key, inputs.shape, dtype=self.compute_dtype) * stddev
        return inputs * noise

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


class AlphaDropout(Layer):
    """Dropout for SELU networks: dropped inputs take SELU's negative saturation value and an
    affine correction keeps the mean and variance of the inputs (in training only).

    Args:
        rate: the fraction of the inputs to drop, between 0 and 1.
        noise_shape: the shape of the binary mask, broadcast over the input (e.g. `(batch, 1,
            features)` drops the same features at every step); None: the input's shape.
        seed: an int seed for the random draws (None: drawn from Python's `random`).
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of any shape.
        training: add the noise only when True (inside `fit`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.AlphaDropout(0.2, seed=1)
        >>> x = np.ones((2, 4))
        >>> bool((layer(x) == x).all()), layer(x, training=True).shape
        (True, (2, 4))
    """

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        _check_rate(self, rate)
        self.rate = rate
        self.seed = seed
        self.noise_shape = noise_shape
        if rate > 0:
            self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate <= 0:
            return inputs
        shape = inputs.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for s, n in zip(inputs.shape, self.noise_shape))
        key = jax.random.wrap_key_data(self.seed_generator.next())
        kept = (jax.random.uniform(key, shape) >= self.rate).astype(inputs.dtype)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (inputs * kept + alpha_p * (1 - kept)) + b

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config


class ActivityRegularization(Layer):
    """The identity, adding `l1 * sum(|x|) + l2 * sum(x**2)` (per batch sample) to the loss.

    Args:
        l1: the L1 factor.
        l2: the L2 factor.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array of any shape.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.ActivityRegularization(l1=0.1)
        >>> _ = layer(np.array([[1.0, -2.0]]))
        >>> [round(float(loss), 4) for loss in layer.losses]
        [0.3]
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config
