"""`Rescaling` and `Normalization`: affine maps of the input values."""

from __future__ import annotations

import itertools
import math

import jax.numpy as jnp
import numpy as np

from lamina.core.layer import Layer


def serialize_value(value):
    """Makes a layer argument JSON-friendly for `get_config`, as Keras writes it.

    A NumPy (or JAX) array becomes a Keras `__numpy__` record holding its values and dtype;
    any other value (a float, a nested list) is returned as is.

    Args:
        value: the argument value.

    Returns:
        The value or its record.

    Example:

    >>> import numpy as np
    >>> from lamina.layers.preprocessing.rescaling_normalization import serialize_value
    >>> serialize_value(np.array([1.0, 2.0], "float32"))["config"]
    {'value': [1.0, 2.0], 'dtype': 'float32'}
    >>> serialize_value(0.5)
    0.5
    """
    if isinstance(value, (np.ndarray, np.generic)) or hasattr(value, "__jax_array__"):
        arr = np.asarray(value)
        return {
            "module": None,
            "class_name": "__numpy__",
            "config": {"value": arr.tolist(), "dtype": str(arr.dtype)},
            "registered_name": None,
        }
    return value


def deserialize_value(value):
    """Undoes `serialize_value`: a `__numpy__` record becomes a NumPy array again.

    Args:
        value: a value read from a layer config.

    Returns:
        The array, or `value` itself when it is not a `__numpy__` record.

    Example:

    >>> import numpy as np
    >>> from lamina.layers.preprocessing.rescaling_normalization import (
    ...     deserialize_value,
    ...     serialize_value,
    ... )
    >>> deserialize_value(serialize_value(np.array([1.0, 2.0], "float32")))
    array([1., 2.], dtype=float32)
    >>> deserialize_value(0.5)
    0.5
    """
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        cfg = value["config"]
        return np.asarray(cfg["value"], dtype=cfg.get("dtype"))
    return value


def iterate_batches(data, batch_size: int | None = None, steps: int | None = None):
    """Yields NumPy batches of the data passed to a preprocessing layer's `adapt()`.

    An array is split into batches of `batch_size` (or yielded whole); a list/tuple of
    batches, a generator and a `PyDataset`-like object yield their items. Of an `(x, y)`
    batch only `x` is kept.

    Args:
        data: an array, an iterable of batches, or a `PyDataset`-like object.
        batch_size: batch size for array data; `None` yields the array as one batch.
        steps: the most batches to yield; `None` for all.

    Yields:
        NumPy arrays.

    Raises:
        TypeError: for data of another kind.

    Example:

    >>> import numpy as np
    >>> from lamina.layers.preprocessing.rescaling_normalization import iterate_batches
    >>> [batch.shape for batch in iterate_batches(np.zeros((5, 2)), batch_size=2)]
    [(2, 2), (2, 2), (1, 2)]
    >>> [batch.shape for batch in iterate_batches([(np.zeros(3), np.ones(3))] * 4, steps=2)]
    [(3,), (3,)]
    """
    if (
        isinstance(data, (np.ndarray, np.generic))
        or hasattr(data, "__jax_array__")
        or (hasattr(data, "shape") and hasattr(data, "dtype"))
    ):
        arr = np.asarray(data)
        if batch_size is None or arr.ndim == 0:
            batches = iter([arr])
        else:
            batches = (arr[i : i + batch_size] for i in range(0, len(arr), batch_size))
    elif (
        hasattr(data, "__getitem__") and hasattr(data, "__len__") and hasattr(data, "on_epoch_end")
    ):
        batches = (data[i] for i in range(len(data)))
    elif hasattr(data, "__iter__"):
        batches = iter(data)
    else:
        raise TypeError(
            "adapt(): expected a NumPy array, a list of batches, a generator or a PyDataset, "
            f"received an object of type {type(data).__name__}."
        )
    if steps is not None:
        batches = itertools.islice(batches, steps)
    for batch in batches:
        if isinstance(batch, tuple) and batch and hasattr(batch[0], "shape"):
            batch = batch[0]
        yield np.asarray(batch)


class Rescaling(Layer):
    """Multiplies inputs by `scale` and adds `offset` (e.g. `scale=1/255` maps pixels to [0, 1]).

    Integer inputs are cast to the layer's compute dtype (float32 by default).

    Args:
        scale: the factor (a number, or one value per channel).
        offset: the value added after scaling. Defaults to `0.0`.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: a tensor of any shape (images, features).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.Rescaling(scale=1 / 127.5, offset=-1.0)
        >>> np.asarray(layer(np.array([[0, 127.5, 255]]))).tolist()
        [[-1.0, 0.0, 1.0]]
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = deserialize_value(scale)
        self.offset = deserialize_value(offset)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        from lamina.core.config import image_data_format

        dtype = self.compute_dtype
        scale = jnp.asarray(self.scale, dtype)
        offset = jnp.asarray(self.offset, dtype)
        if scale.ndim > 0 and image_data_format() == "channels_first":
            scale = jnp.reshape(scale, scale.shape + (1,) * (3 - scale.ndim))
        return inputs.astype(dtype) * scale + offset

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {"scale": serialize_value(self.scale), "offset": serialize_value(self.offset)}
        )
        return config


class Normalization(Layer):
    """Shifts and scales inputs to zero mean and unit variance: `(x - mean) / sqrt(var)`.

    The statistics are kept per position along `axis` (None: one mean and variance for all
    values). Give them as `mean`/`variance`, or learn them from data with `adapt(data)`;
    `invert=True` applies the inverse map. Adapted statistics live in the non-trainable
    weights `mean`, `variance` and `count` (as in Keras, `count` is created but stays 0).

    Args:
        axis: the axis or axes that keep their own statistics (default `-1`, one mean and
            variance per feature); `None` for a single mean and variance.
        mean: the mean to use instead of adapting (needs `variance`).
        variance: the variance to use instead of adapting (needs `mean`).
        invert: whether to apply the inverse map, `x * sqrt(var) + mean`. Defaults to `False`.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: a tensor whose `axis` dimensions match the statistics.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> data = np.array([[0.0, 10.0], [2.0, 30.0]], "float32")
        >>> layer = keras.layers.Normalization()
        >>> layer.adapt(data)
        >>> np.asarray(layer(data)).round(3).tolist()
        [[-1.0, -1.0], [1.0, 1.0]]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert: bool = False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            axis = tuple(axis)
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True
        self._build_input_shape = None
        if (mean is None) != (variance is None):
            raise ValueError(
                f"Normalization '{self.name}': give both `mean` and `variance` or neither, "
                f"received mean={mean!r} and variance={variance!r}."
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    f"Normalization '{self.name}': `mean` and `variance` must have the same "
                    f"shape, received {np.shape(mean)} and {np.shape(variance)}."
                )
            if np.ndim(mean) > len(self.axis):
                raise ValueError(
                    f"Normalization '{self.name}': `mean` has rank {np.ndim(mean)}, more than "
                    f"the number of axes in axis={self.axis}."
                )

    def build(self, input_shape):
        if input_shape is None:
            return
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        self._build_input_shape = input_shape
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                f"Normalization '{self.name}': every axis must lie in [-{ndim}, {ndim}) for "
                f"inputs of rank {ndim}, received axis={self.axis}."
            )
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    f"Normalization '{self.name}': axis {d} is kept, so its size must be "
                    f"known; received input shape {input_shape}."
                )
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(
            input_shape[d] if d in self._keep_axis else 1 for d in range(ndim)
        )
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(
                name="mean", shape=self._mean_and_var_shape, initializer="zeros", trainable=False
            )
            self.adapt_variance = self.add_weight(
                name="variance",
                shape=self._mean_and_var_shape,
                initializer="ones",
                trainable=False,
            )
            self.count = self.add_weight(
                name="count", shape=(), dtype="int32", initializer="zeros", trainable=False
            )
        else:
            mean = np.asarray(self.input_mean, dtype="float32")
            variance = np.asarray(self.input_variance, dtype="float32")
            if mean.ndim > 0:
                expanded = [1] * ndim
                for i in range(1, mean.ndim + 1):
                    expanded[self._keep_axis[-i]] = mean.shape[-i]
                mean = mean.reshape(expanded)
                variance = variance.reshape(expanded)
            self._fixed_mean = np.broadcast_to(mean, self._broadcast_shape)
            self._fixed_variance = np.broadcast_to(variance, self._broadcast_shape)
        self.built = True

    def adapt(self, data, batch_size: int | None = None, steps: int | None = None) -> None:
        """Computes the mean and variance of `data` (an array or batches) along the kept axes."""
        batches = iterate_batches(data, batch_size, steps)
        first = next(batches, None)
        if first is None:
            raise ValueError(f"Normalization '{self.name}'.adapt() received no data.")
        if not self.built:
            self._run_build(tuple(first.shape))
        elif self.input_mean is not None:
            raise ValueError(
                f"Normalization '{self.name}': cannot adapt a layer created with fixed "
                "`mean` and `variance`."
            )
        total_mean = np.zeros(self._mean_and_var_shape, "float64")
        total_var = np.zeros(self._mean_and_var_shape, "float64")
        total_count = 0
        for batch in itertools.chain([first], batches):
            batch = batch.astype("float64")
            for d in self._keep_axis:
                if batch.ndim != len(self._build_input_shape) or (
                    batch.shape[d] != self._build_input_shape[d]
                ):
                    raise ValueError(
                        f"Normalization '{self.name}': the layer was built for input shape "
                        f"{self._build_input_shape}, but adapt() received a batch of shape "
                        f"{batch.shape}."
                    )
            count = math.prod(batch.shape[d] for d in self._reduce_axis)
            if count == 0:
                continue
            mean = batch.mean(axis=self._reduce_axis)
            var = batch.var(axis=self._reduce_axis)
            # Chan et al.'s pairwise update, so batches can be streamed.
            total_count += count
            w = count / total_count
            new_mean = total_mean * (1 - w) + mean * w
            total_var = (total_var + (total_mean - new_mean) ** 2) * (1 - w) + (
                var + (mean - new_mean) ** 2
            ) * w
            total_mean = new_mean
        self.adapt_mean.assign(total_mean.astype("float32"))
        self.adapt_variance.assign(total_var.astype("float32"))

    def finalize_state(self) -> None:
        """Keras's hook that makes adapted or loaded statistics take effect; a no-op here.

        `call` reads the `mean`/`variance` variables directly, so `adapt`, weight loading and
        `set_weights` take effect at once. Kept so that code written for Keras runs unchanged.

        Example:

        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.Normalization()
        >>> layer.build((None, 2))
        >>> layer.set_weights([np.array([1.0, 2.0]), np.array([4.0, 4.0]), np.array(0)])
        >>> layer.finalize_state()
        >>> np.asarray(layer(np.array([[3.0, 2.0]])))
        array([[1., 0.]], dtype=float32)
        """

    def _statistics(self):
        if self.input_mean is not None:
            return self._fixed_mean, self._fixed_variance
        mean = jnp.reshape(self.adapt_mean.value, self._broadcast_shape)
        variance = jnp.reshape(self.adapt_variance.value, self._broadcast_shape)
        return mean, variance

    @property
    def mean(self):
        """The mean, shaped to broadcast against the inputs (as Keras's `layer.mean`; the adapted
        value after `adapt`); None before the layer is built."""
        if not self.built or self._build_input_shape is None:
            return None
        return jnp.asarray(self._statistics()[0], self.compute_dtype)

    @property
    def variance(self):
        """The variance, shaped like `mean`; None before the layer is built."""
        if not self.built or self._build_input_shape is None:
            return None
        return jnp.asarray(self._statistics()[1], self.compute_dtype)

    def call(self, inputs):
        dtype = self.compute_dtype
        inputs = inputs.astype(dtype)
        mean, variance = self._statistics()
        mean = jnp.asarray(mean, dtype)
        std = jnp.maximum(jnp.sqrt(jnp.asarray(variance, dtype)), 1e-7)
        if self.invert:
            return mean + inputs * std
        return (inputs - mean) / std

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "axis": self.axis,
                "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(),
                "variance": np.array(self.input_variance).tolist(),
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("axis"), list):
            config["axis"] = tuple(config["axis"])
        return cls(**config)

    def get_build_config(self):
        if self._build_input_shape:
            return {"input_shape": list(self._build_input_shape)}
        return None

    def build_from_config(self, config):
        if config and not self.built:
            self._run_build(tuple(config["input_shape"]))
