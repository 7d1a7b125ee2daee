"""`Discretization` (bucketing by boundaries) and `Hashing` (bucketing by a string hash)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from lamina.core.layer import Layer
from lamina.layers.preprocessing.categorical import OUTPUT_MODES, encode_indices, encoded_shape
from lamina.layers.preprocessing.host_layer import HostLayer
from lamina.layers.preprocessing.rescaling_normalization import iterate_batches
from lamina.layers.preprocessing.string_hash import fingerprint64, siphash24


def _check_output_mode(layer: str, output_mode: str, sparse: bool) -> None:
    if output_mode not in OUTPUT_MODES:
        raise ValueError(
            f"{layer}: `output_mode` must be one of {OUTPUT_MODES}, received {output_mode!r}."
        )
    if sparse:
        raise NotImplementedError(f"{layer}: sparse outputs are not supported by lamina.")


# Quantile summaries for `Discretization.adapt`: row 0 holds values, row 1 their weights. The
# scheme (and so the boundaries it finds) is the one Keras uses.
def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    values = np.sort(np.reshape(values, [-1]))
    step = max(values.size * epsilon, 1)
    picked = values[int(step - 1) :: int(step)]
    return np.stack([picked, np.full_like(picked, step)])


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    frac = cum / cum[-1]
    bins = np.interp(percents, frac, summary[0])
    cum = np.interp(percents, frac, cum)
    weights = cum - np.concatenate(([0.0], cum[:-1]))
    return np.stack([bins, weights]).astype("float32")


def _merge(a: np.ndarray, b: np.ndarray, epsilon: float) -> np.ndarray:
    merged = np.concatenate([a, b], axis=1)
    return _compress(np.take(merged, np.argsort(merged[0]), axis=1), epsilon)


class Discretization(Layer):
    """Buckets numbers by `bin_boundaries` (bucket i holds `boundaries[i-1] <= x <
    boundaries[i]`), or learns `num_bins` quantile boundaries with `adapt(data)`; outputs bucket
    ids (`'int'`) or their one-hot/multi-hot/count encoding.

    Args:
        bin_boundaries: the sorted boundaries between buckets (None: learned with `adapt`).
        num_bins: the number of buckets `adapt` learns (from quantiles of the data).
        epsilon: the error tolerance of the learned quantiles.
        output_mode: `"int"` (bucket ids), `"one_hot"`, `"multi_hot"` or `"count"`.
        sparse: must be False: lamina has no sparse tensors.
        dtype: the output dtype (for the vector modes) or dtype policy.
        name: the layer's name.

    Call arguments:
        inputs: a numeric array.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.Discretization(bin_boundaries=[0.0, 1.0])(np.array([[-0.5, 0.5, 2.0]]))
        Array([[0, 1, 2]], dtype=int32)
        >>> layer = keras.layers.Discretization(num_bins=2)
        >>> layer.adapt(np.array([1.0, 2.0, 3.0, 4.0]))
        >>> layer(np.array([1.0, 4.0]))
        Array([0, 1], dtype=int32)
    """

    def __init__(
        self,
        bin_boundaries=None,
        num_bins=None,
        epsilon: float = 0.01,
        output_mode: str = "int",
        sparse: bool = False,
        dtype=None,
        name=None,
    ):
        super().__init__(name=name, dtype=dtype)
        _check_output_mode("Discretization", output_mode, sparse)
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"Discretization: `num_bins` must be >= 0, received {num_bins}.")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                "Discretization: set `num_bins` or `bin_boundaries`, not both; received "
                f"num_bins={num_bins} and bin_boundaries={bin_boundaries}."
            )
        if num_bins is None and bin_boundaries is None:
            raise ValueError("Discretization: set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = list(bin_boundaries) if bin_boundaries is not None else None
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary = None if self.bin_boundaries else np.zeros((2, 0), "float32")
        self.built = True

    def adapt(self, data, batch_size: int | None = None, steps: int | None = None) -> None:
        """Estimates `num_bins` quantile boundaries from `data` (an array or batches)."""
        if self.num_bins is None:
            raise ValueError(
                "Discretization: a layer created with `bin_boundaries` cannot be adapted; use "
                "`num_bins` instead."
            )
        self.summary = np.zeros((2, 0), "float32")
        for batch in iterate_batches(data, batch_size, steps):
            summary = _summarize(batch.astype("float32"), self.epsilon)
            self.summary = _merge(summary, self.summary, self.epsilon)
        self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(
                f"Discretization '{self.name}': pass `bin_boundaries` or call `adapt(data)` "
                "before using the layer."
            )
        bins = jnp.asarray(self.bin_boundaries, "float32")
        indices = jnp.digitize(inputs, bins)
        dtype = "int32" if self.output_mode == "int" else self.compute_dtype
        return encode_indices(indices, self.output_mode, len(self.bin_boundaries) + 1, dtype)

    def compute_output_shape(self, input_shape):
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        return encoded_shape(input_shape, self.output_mode, depth)

    def get_config(self):
        return {
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.dtype,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name")
        config.pop("trainable", None)
        boundaries = config.get("bin_boundaries")
        if boundaries is not None and config.get("num_bins") is not None:
            config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = boundaries
            return layer
        return cls(**config)


def _hash_bytes(value) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (float, np.floating)):
        value = int(value)
    return str(int(value)).encode("ascii")


class Hashing(HostLayer):
    """Maps values (strings or integers; floats are truncated to integers) to `num_bins`
    buckets by hashing their text form with FarmHash Fingerprint64, or with SipHash-2-4 keyed
    by `salt` when one is given, as Keras does; so bucket ids match Keras. With `mask_value`,
    that value maps to 0 and the others to buckets 1..num_bins-1.

    Runs on the host (NumPy); see `HostLayer`.

    Args:
        num_bins: the number of buckets (the mask bucket included when `mask_value` is set).
        mask_value: a value mapped to bucket 0 (padding), or None.
        salt: a key (an int or two ints) for keyed SipHash hashing; None: FarmHash.
        output_mode: `"int"` (bucket ids), `"one_hot"`, `"multi_hot"` or `"count"`.
        sparse: must be False: lamina has no sparse tensors.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: strings or integers.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.Hashing(num_bins=3)(np.array([["A"], ["B"], ["C"]]))  # as in Keras
        Array([[1],
               [0],
               [1]], dtype=int32)
    """

    def __init__(
        self,
        num_bins: int,
        mask_value=None,
        salt=None,
        output_mode: str = "int",
        sparse: bool = False,
        **kwargs,
    ):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"Hashing: `num_bins` must be a positive int, received {num_bins!r}.")
        _check_output_mode("Hashing", output_mode, sparse)
        if output_mode == "int" and self.dtype_policy.name not in ("int32", "int64"):
            raise ValueError(
                "Hashing: with output_mode='int', `dtype` must be 'int32' or 'int64', received "
                f"{kwargs['dtype']!r}."
            )
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.output_mode = output_mode
        self.sparse = sparse
        self.salt = None
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                self.salt = list(salt)
            elif isinstance(salt, int):
                self.salt = [salt, salt]
            else:
                raise ValueError(
                    f"Hashing: `salt` must be an int or a pair of ints, received {salt!r}."
                )
        self.built = True

    def _bucket(self, value, bins: int) -> int:
        data = _hash_bytes(value)
        h = siphash24(tuple(self.salt), data) if self.salt else fingerprint64(data)
        return h % bins

    def hash_values(self, values: np.ndarray) -> np.ndarray:
        """Bucket ids (int64) of a NumPy array of values."""
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = values == self.mask_value
        uniques, inverse = np.unique(values.ravel(), return_inverse=True)
        table = np.array([self._bucket(v, bins) for v in uniques], dtype="int64")
        out = table[inverse].reshape(values.shape)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        return out

    def call(self, inputs):
        if self.output_mode == "one_hot" and inputs.ndim and inputs.shape[-1] == 1:
            inputs = inputs[..., 0]
        indices = self.hash_values(inputs)
        if self.output_mode == "int":
            return jnp.asarray(indices.astype("int32"))
        return encode_indices(jnp.asarray(indices, "int32"), self.output_mode, self.num_bins)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_bins,)
        return tuple(input_shape[:-1]) + (self.num_bins,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_bins": self.num_bins,
                "salt": self.salt,
                "mask_value": self.mask_value,
                "output_mode": self.output_mode,
                "sparse": self.sparse,
            }
        )
        return config
