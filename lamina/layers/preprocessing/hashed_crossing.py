"""`HashedCrossing`: crosses categorical features into `num_bins` buckets by hashing.

The hash is TensorFlow's `tf.sparse.cross_hashed` (what Keras runs): starting from the key
0xDECAFCAFFE, each feature's hash (FarmHash Fingerprint64 of a string, the value itself for an
integer) is folded in with `FingerprintCat64`, and the result is taken modulo `num_bins`, so the
bucket ids equal Keras's.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from lamina.layers.preprocessing.categorical import encode_indices
from lamina.layers.preprocessing.host_layer import HostLayer, is_traced, to_numpy
from lamina.layers.preprocessing.string_hash import fingerprint64

_MASK = (1 << 64) - 1
_MUL = 0xC6A4A7935BD1E995
_HASH_KEY = 0xDECAFCAFFE


def _shift_mix(v: int) -> int:
    return v ^ (v >> 47)


def _cat64(fp1: int, fp2: int) -> int:
    result = fp1 ^ _MUL
    result ^= (_shift_mix((fp2 * _MUL) & _MASK) * _MUL) & _MASK
    result = (result * _MUL) & _MASK
    result = (_shift_mix(result) * _MUL) & _MASK
    return _shift_mix(result)


def _feature_hash(value) -> int:
    if isinstance(value, bytes):
        return fingerprint64(value)
    if isinstance(value, str):
        return fingerprint64(value.encode("utf-8"))
    return int(value) & _MASK


class HashedCrossing(HostLayer):
    """Crosses two or more categorical features and hashes each combination into a bucket.

    For every sample, the values of the inputs (strings or integers) are combined into one
    hash, giving a bucket in `[0, num_bins)`: the same bucket as Keras for the same values.
    It runs on the host (see `StringLookup`): apply it to data before the model.

    Args:
        num_bins: the number of buckets.
        output_mode: "int" (bucket ids) or "one_hot".
        sparse: not supported (must be False).
        name: the layer name.
        dtype: the output dtype (default int for "int", float32 for "one_hot").

    Call arguments:
        inputs: a list or tuple of at least two arrays of the same shape: `()`, `(batch,)` or
            `(batch, 1)`.

    Returns:
        Bucket ids with the inputs' shape, or their one-hot vectors.

    Example:

    >>> layer = HashedCrossing(num_bins=5)
    >>> np.asarray(layer((np.array(["A", "B"]), np.array([1, 2])))).shape
    (2,)
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None, **kwargs):
        kwargs.pop("trainable", None)
        if kwargs:
            raise ValueError(f"HashedCrossing: unrecognized keyword arguments {sorted(kwargs)}.")
        if output_mode not in ("int", "one_hot"):
            raise ValueError(
                "Invalid value for argument `output_mode`. Expected one of ('int', 'one_hot'). "
                f"Received: output_mode={output_mode}"
            )
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        if not isinstance(num_bins, int) or num_bins < 1:
            raise ValueError(
                f"HashedCrossing: `num_bins` must be a positive int, received {num_bins!r}."
            )
        super().__init__(name=name, dtype=dtype or ("int64" if output_mode == "int" else None))
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = sparse

    def __call__(self, inputs, *args, **kwargs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                "`HashedCrossing` should be called on a list or tuple of inputs. "
                f"Received: inputs={inputs!r}"
            )
        if len(inputs) < 2:
            raise ValueError(
                "`HashedCrossing` should be called on at least two inputs. "
                f"Received: inputs={inputs!r}"
            )
        if is_traced(inputs):
            return super().__call__(inputs)  # raises HostLayer's error for symbolic inputs
        self.built = True
        return self.call(tuple(to_numpy(x) for x in inputs))

    def call(self, inputs):
        arrays = [np.asarray(x) for x in inputs]
        shape = arrays[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError(
                "All `HashedCrossing` inputs should have shape `()`, `(batch_size)` or "
                f"`(batch_size, 1)`. Received: shapes {[a.shape for a in arrays]}"
            )
        if any(a.shape != shape for a in arrays[1:]):
            raise ValueError(
                "All `HashedCrossing` inputs should have equal shape. Received: shapes "
                f"{[a.shape for a in arrays]}"
            )
        columns = [a.reshape(-1).tolist() for a in arrays]
        buckets = []
        for values in zip(*columns):
            h = _HASH_KEY
            for v in values:
                h = _cat64(h, _feature_hash(v))
            buckets.append(h % self.num_bins)
        ids = np.asarray(buckets, "int64").reshape(shape)
        if self.output_mode == "int":
            return jnp.asarray(ids.astype("int32"))
        squeeze = ids.reshape(ids.shape[:-1]) if len(shape) == 2 else ids
        return encode_indices(jnp.asarray(squeeze, "int32"), "one_hot", self.num_bins, "float32")

    def compute_output_shape(self, input_shape):
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        if not first:
            return (self.num_bins,)
        if first[-1] != 1:
            return first + (self.num_bins,)
        return first[:-1] + (self.num_bins,)

    def get_config(self):
        return {
            "num_bins": self.num_bins,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.dtype_policy.name if hasattr(self, "dtype_policy") else self.dtype,
        }
