"""`StringLookup` and `IntegerLookup`: map tokens to vocabulary indices (and back).

Both run on the host with NumPy (see `HostLayer`): apply them to data before the model, in a
data pipeline, or on the arrays given to `predict`. Index layout, as in Keras: the mask token
(index 0, only when `mask_token` is set and `output_mode='int'`), then `num_oov_indices` OOV
slots, then the vocabulary.
"""

from __future__ import annotations

import collections
import os

import jax.numpy as jnp
import numpy as np

from lamina.layers.preprocessing.categorical import encode_indices, encoded_shape
from lamina.layers.preprocessing.host_layer import HostLayer, to_numpy
from lamina.layers.preprocessing.rescaling_normalization import iterate_batches
from lamina.layers.preprocessing.string_hash import fingerprint64, siphash24

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _listify(value):
    if value is None or isinstance(value, str):
        return value
    return np.asarray(value).tolist() if hasattr(value, "__array__") else list(value)


class IndexLookup(HostLayer):
    """Shared machinery of `StringLookup` and `IntegerLookup`.

    Args:
        max_tokens: the largest vocabulary `adapt` keeps, OOV and mask slots included (None: no
            limit).
        num_oov_indices: how many indices unknown tokens share.
        mask_token: the padding token (index 0 in `int` mode), or None.
        oov_token: the token returned for unknown indices by `invert=True`.
        vocabulary: the vocabulary (a list, an array or a file), or None to `adapt` one.
        idf_weights: IDF weights for `output_mode="tf_idf"`.
        invert: map indices back to tokens.
        output_mode: `"int"`, `"one_hot"`, `"multi_hot"`, `"count"` or `"tf_idf"`.
        sparse: must be False.
        pad_to_max_tokens: make the vector modes `max_tokens` wide.
        oov_method: `"floormod"` or `"farmhash"` (how unknown integers pick an OOV slot).
        salt: a key for hashing unknown tokens, or None.
        name: the layer's name.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: the tokens (or indices with `invert=True`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.layers.preprocessing.lookup import IndexLookup
        >>> issubclass(keras.layers.StringLookup, IndexLookup)
        True
    """

    _is_string = True

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices: int = 1,
        mask_token=None,
        oov_token=None,
        vocabulary=None,
        idf_weights=None,
        invert: bool = False,
        output_mode: str = "int",
        sparse: bool = False,
        pad_to_max_tokens: bool = False,
        oov_method: str = "floormod",
        salt=None,
        name=None,
        **kwargs,
    ):
        cls = type(self).__name__
        frozen_size = kwargs.pop("vocabulary_size", None)
        kwargs.pop("has_input_vocabulary", None)
        kwargs.pop("dtype", None)
        trainable = kwargs.pop("trainable", True)
        if kwargs:
            raise ValueError(f"{cls}: unrecognized keyword arguments {sorted(kwargs)}.")
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{cls}: `max_tokens` must be > 1 (or None), received {max_tokens}.")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{cls}: `pad_to_max_tokens=True` needs `max_tokens`.")
        if num_oov_indices < 0:
            raise ValueError(f"{cls}: `num_oov_indices` must be >= 0, received {num_oov_indices}.")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(
                f"{cls}: `oov_method` must be 'floormod' or 'farmhash', received {oov_method!r}."
            )
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in _MODES:
            raise ValueError(
                f"{cls}: `output_mode` must be one of {_MODES}, received {output_mode!r}."
            )
        if invert and output_mode != "int":
            raise ValueError(
                f"{cls}: `invert=True` needs output_mode='int', received {output_mode!r}."
            )
        if sparse:
            raise NotImplementedError(f"{cls}: sparse outputs are not supported by lamina.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{cls}: `idf_weights` is only used with output_mode='tf_idf'.")
        if isinstance(salt, int):
            salt = [salt, salt]
        elif salt is not None:
            salt = list(salt)
        super().__init__(name=name, trainable=trainable)
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = invert
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.oov_method = oov_method
        self.salt = salt
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = vocabulary is not None
        self._tokens: list = []
        self._index: dict = {}
        self.idf_weights = None
        self._frozen_vocab_size = frozen_size
        if vocabulary is not None:
            if isinstance(vocabulary, str):
                with open(vocabulary, encoding="utf-8") as f:
                    vocabulary = [line for line in f.read().splitlines() if line != ""]
                    if not self._is_string:
                        vocabulary = [int(v) for v in vocabulary]
            self.set_vocabulary(vocabulary, idf_weights)
        elif output_mode == "tf_idf" and idf_weights is not None:
            self.idf_weights = np.asarray(idf_weights, "float32")
        self.built = True

    # ------------------------------------------------------------------ vocabulary
    def _oov_start_index(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self) -> int:
        return self._oov_start_index() + self.num_oov_indices

    def _key(self, token):
        if self._is_string:
            return token.decode("utf-8") if isinstance(token, bytes) else str(token)
        return int(token)

    def vocabulary_size(self) -> int:
        """The number of indices, special tokens included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary in index order (with the mask and OOV tokens unless told otherwise)."""
        specials = [self.mask_token] * self._oov_start_index() + [self.oov_token] * (
            self.num_oov_indices
        )
        vocab = list(self._tokens)
        return specials + vocab if include_special_tokens else vocab

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Sets the vocabulary (and, for 'tf_idf', the inverse document frequencies)."""
        cls = type(self).__name__
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(
                f"{cls}: output_mode='tf_idf' needs `idf_weights` with the vocabulary."
            )
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f"{cls}: `idf_weights` is only used with output_mode='tf_idf'.")
        vocab = [self._key(t) for t in np.asarray(to_numpy(vocabulary)).ravel().tolist()]
        if not vocab:
            raise ValueError(f"{cls}: the vocabulary must not be empty.")
        start = self._token_start_index()
        specials = [self.mask_token] * self._oov_start_index() + [self.oov_token] * (
            self.num_oov_indices
        )
        found_specials = vocab[:start] == specials
        tokens = vocab[start:] if found_specials else vocab
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(f"{cls}: the vocabulary has repeated tokens: {repeated}.")
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(
                f"{cls}: the mask token {self.mask_token!r} must not be in the vocabulary (it is "
                "added at index 0)."
            )
        if self.invert and self.oov_token is not None and self.oov_token in tokens:
            raise ValueError(
                f"{cls}: the OOV token {self.oov_token!r} must not be in the vocabulary."
            )
        if self.max_tokens is not None and start + len(tokens) > self.max_tokens:
            raise ValueError(
                f"{cls}: the vocabulary has {start + len(tokens)} entries (special tokens "
                f"included), more than max_tokens={self.max_tokens}."
            )
        self._set_tokens(tokens)
        if idf_weights is not None:
            idf = np.asarray(idf_weights, "float32").ravel()
            if len(idf) != len(vocab):
                raise ValueError(
                    f"{cls}: `idf_weights` has {len(idf)} entries but the vocabulary {len(vocab)}."
                )
            if not found_specials:
                idf = np.concatenate([np.full(start, idf.mean(), "float32"), idf])
            self.idf_weights = self._pad_idf(idf)

    def _pad_idf(self, idf):
        if self.pad_to_max_tokens and self.max_tokens is not None:
            idf = np.pad(idf, (0, max(self.max_tokens - len(idf), 0)))
        return idf.astype("float32")

    def _set_tokens(self, tokens) -> None:
        start = self._token_start_index()
        self._tokens = list(tokens)
        self._index = {t: i + start for i, t in enumerate(self._tokens)}
        self._frozen_vocab_size = self.vocabulary_size()

    def adapt(self, data, batch_size: int | None = None, steps: int | None = None) -> None:
        """Builds the vocabulary from `data`: tokens by decreasing count (ties: larger token
        first), truncated to `max_tokens`; for 'tf_idf', also the document frequencies (each
        row of the data is one document)."""
        if self._has_input_vocabulary:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': cannot adapt a layer whose vocabulary was "
                "given with `vocabulary=` or `set_vocabulary()`."
            )
        counts: collections.Counter = collections.Counter()
        doc_counts: collections.Counter = collections.Counter()
        num_docs = 0
        if isinstance(data, (list, tuple, np.ndarray)) or hasattr(data, "__array__"):
            arr = to_numpy(data)
            arr = arr[:, None] if arr.ndim == 1 else arr
            batches = [arr]
        else:
            batches = (
                b[None] if b.ndim <= 1 else b for b in iterate_batches(data, batch_size, steps)
            )
        for batch in batches:
            batch = to_numpy(batch)
            counts.update(self._key(t) for t in batch.ravel().tolist())
            if self.output_mode == "tf_idf":
                rows = batch.reshape(batch.shape[0], -1)
                for row in rows:
                    doc_counts.update({self._key(t) for t in row.tolist()})
                num_docs += rows.shape[0]
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(special, None)
        if not counts:
            return
        tokens = np.array(list(counts.keys()), dtype=object if self._is_string else "int64")
        freq = np.array([counts[t] for t in counts], "int64")
        order = np.lexsort((tokens, freq))[::-1]
        if self.max_tokens:
            order = order[: self.max_tokens - self._token_start_index()]
        learned = [tokens[i] if self._is_string else int(tokens[i]) for i in order]
        self._set_tokens(learned)
        if self.output_mode == "tf_idf":
            df = np.array([doc_counts[t] for t in learned], "float64")
            idf = np.log(1 + num_docs / (1 + df)).astype("float32")
            idf = np.concatenate([np.full(self._token_start_index(), idf.mean(), "float32"), idf])
            self.idf_weights = self._pad_idf(idf)

    # ------------------------------------------------------------------ lookup
    def _oov_bucket(self, value) -> int:
        if not self._is_string and self.oov_method != "farmhash":
            return int(value) % self.num_oov_indices
        data = str(value).encode("utf-8")
        h = siphash24(tuple(self.salt), data) if self.salt else fingerprint64(data)
        return h % self.num_oov_indices

    def _lookup(self, values: np.ndarray) -> np.ndarray:
        uniques, inverse = np.unique(values.ravel(), return_inverse=True)
        default = self._oov_start_index() if self.num_oov_indices == 1 else -1
        mask_index = 0 if self.output_mode == "int" else -1
        table = np.empty(len(uniques), "int64")
        missing = []
        for i, u in enumerate(uniques.tolist()):
            key = self._key(u)
            if self.mask_token is not None and key == self.mask_token:
                table[i] = mask_index
            elif key in self._index:
                table[i] = self._index[key]
            elif self.num_oov_indices > 1:
                table[i] = self._oov_start_index() + self._oov_bucket(key)
            else:
                table[i] = default
                if self.num_oov_indices == 0:
                    missing.append(key)
        if missing:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': with num_oov_indices=0 every input must be "
                f"in the vocabulary, found out-of-vocabulary values {missing[:10]}; consider "
                "num_oov_indices=1."
            )
        return table[inverse].reshape(values.shape)

    def _invert(self, indices: np.ndarray) -> np.ndarray:
        vocab = self.get_vocabulary()
        start = self._token_start_index()
        out = np.empty(indices.shape, dtype=object if self._is_string else "int64")
        flat = indices.ravel().astype("int64")
        res = out.reshape(-1)
        for i, idx in enumerate(flat.tolist()):
            if self.mask_token is not None and idx == 0:
                res[i] = self.mask_token
            elif start <= idx < len(vocab):
                res[i] = vocab[idx]
            else:
                res[i] = self.oov_token
        return out

    def call(self, inputs):
        if self.invert:
            tokens = self._invert(np.asarray(inputs))
            return tokens if self._is_string else jnp.asarray(tokens.astype("int32"))
        if inputs.ndim == 0:
            indices = self._lookup(inputs[None])
        else:
            indices = self._lookup(inputs)
        if self.output_mode == "int":
            out = jnp.asarray(indices.astype("int32"))
            return out[0] if inputs.ndim == 0 else out
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = encode_indices(jnp.asarray(indices, "int32"), mode, depth, "float32")
        if self.output_mode == "tf_idf":
            if self.idf_weights is None:
                raise ValueError(
                    f"{type(self).__name__}: 'tf_idf' needs idf weights (adapt first)."
                )
            out = out * jnp.asarray(self.idf_weights)
        return out

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        return encoded_shape(
            input_shape, "one_hot" if self.output_mode == "one_hot" else "count", depth
        )

    @property
    def _symbolic_input_kind(self):
        if self.invert:
            return "int"
        return "string" if self._is_string else "int"

    def host_output_dtype(self) -> str:
        if self.invert:
            return "string" if self._is_string else "int32"
        return "int32" if self.output_mode == "int" else "float32"

    # ------------------------------------------------------------------ saving
    def save_own_variables(self, store) -> None:
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            store["idf_weights"] = np.asarray(self.idf_weights)

    def load_own_variables(self, store) -> None:
        if self.output_mode == "tf_idf" and "idf_weights" in store:
            self.idf_weights = np.asarray(store["idf_weights"], "float32")

    def save_assets(self, dir_path: str) -> None:
        """Writes an adapted vocabulary (special tokens included) to `vocabulary.txt`."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(t) for t in self.get_vocabulary()))

    def load_assets(self, dir_path: str) -> None:
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        values = lines if self._is_string else [int(v) for v in lines]
        idf, self.input_idf_weights = self.idf_weights, None
        self._has_input_vocabulary = False
        self.set_vocabulary(values, idf_weights=idf if self.output_mode == "tf_idf" else None)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "invert": self.invert,
                "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices,
                "oov_token": self.oov_token,
                "mask_token": self.mask_token,
                "output_mode": self.output_mode,
                "sparse": self.sparse,
                "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary_dtype": "string" if self._is_string else "int64",
                "idf_weights": _listify(self.input_idf_weights),
                "vocabulary": _listify(self.input_vocabulary),
                "vocabulary_size": self._frozen_vocab_size,
                "oov_method": self.oov_method,
                "salt": self.salt,
            }
        )
        return config


class StringLookup(IndexLookup):
    """Maps strings to integer indices from a vocabulary (given, or learned with `adapt`);
    unknown strings go to the OOV index (hashed among `num_oov_indices` slots when > 1).
    `invert=True` maps indices back to strings. Other output modes encode the indices as
    one-hot, multi-hot, count or TF-IDF vectors. Outputs are JAX arrays (NumPy object arrays
    of `str` for `invert=True`).

    Args:
        max_tokens: the largest vocabulary `adapt` keeps, OOV and mask slots included (None: no
            limit).
        num_oov_indices: how many indices unknown tokens share (0: unknown tokens are an error).
        mask_token: the token standing for padding (index 0 in `int` mode), or None.
        oov_token: the token returned for unknown indices by `invert=True`.
        vocabulary: the vocabulary: a list, an array, or a text file with one token per line; None:
            learn it with `adapt`.
        idf_weights: the IDF weight of each vocabulary entry (`output_mode="tf_idf"` with a given
            vocabulary).
        invert: map indices back to tokens instead.
        output_mode: `"int"` (indices), `"one_hot"`, `"multi_hot"`, `"count"` or `"tf_idf"` (vectors
            over the vocabulary).
        pad_to_max_tokens: make the vector modes `max_tokens` wide even when the vocabulary is
            smaller.
        sparse: must be False: lamina has no sparse tensors.
        encoding: the text encoding of byte strings.
        name: the layer's name.
        salt: a key for hashing unknown tokens into several OOV slots (None: Keras's default hash).
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an array (or list) of strings.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.StringLookup(vocabulary=["a", "b", "c"])
        >>> layer(np.array([["a", "z", "c"]]))  # 0 is the OOV index
        Array([[1, 0, 3]], dtype=int32)
        >>> keras.layers.StringLookup(vocabulary=["a", "b", "c"], invert=True)(np.array([[1, 3]]))
        array([['a', 'c']], dtype=object)
        >>> learned = keras.layers.StringLookup()
        >>> learned.adapt(np.array(["x", "y", "y"]))
        >>> learned.get_vocabulary()  # most frequent first
        ['[UNK]', 'y', 'x']
    """

    _is_string = True

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices: int = 1,
        mask_token=None,
        oov_token: str = "[UNK]",
        vocabulary=None,
        idf_weights=None,
        invert: bool = False,
        output_mode: str = "int",
        pad_to_max_tokens: bool = False,
        sparse: bool = False,
        encoding: str = "utf-8",
        name=None,
        salt=None,
        **kwargs,
    ):
        kwargs.pop("vocabulary_dtype", None)
        self.encoding = encoding
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=mask_token,
            oov_token=oov_token,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            sparse=sparse,
            pad_to_max_tokens=pad_to_max_tokens,
            salt=salt,
            name=name,
            **kwargs,
        )

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"]
        config["encoding"] = self.encoding
        return config


class IntegerLookup(IndexLookup):
    """Maps integers to indices from a vocabulary (given, or learned with `adapt`); unknown
    values go to the OOV index (`value mod num_oov_indices` among several OOV slots, or a
    FarmHash of the value with `oov_method='farmhash'`). See `StringLookup` for the modes.

    Args:
        max_tokens: the largest vocabulary `adapt` keeps, OOV and mask slots included (None: no
            limit).
        num_oov_indices: how many indices unknown tokens share (0: unknown tokens are an error).
        mask_token: the token standing for padding (index 0 in `int` mode), or None.
        oov_token: the value returned for unknown indices by `invert=True`.
        vocabulary: the vocabulary: a list, an array, or a text file with one token per line; None:
            learn it with `adapt`.
        vocabulary_dtype: the dtype of the vocabulary (`"int64"` or `"int32"`).
        idf_weights: the IDF weight of each vocabulary entry (`output_mode="tf_idf"` with a given
            vocabulary).
        invert: map indices back to tokens instead.
        output_mode: `"int"` (indices), `"one_hot"`, `"multi_hot"`, `"count"` or `"tf_idf"` (vectors
            over the vocabulary).
        sparse: must be False: lamina has no sparse tensors.
        pad_to_max_tokens: make the vector modes `max_tokens` wide even when the vocabulary is
            smaller.
        oov_method: `"floormod"` (value mod `num_oov_indices`) or `"farmhash"` to pick the OOV slot.
        salt: a key for hashing unknown tokens into several OOV slots (None: Keras's default hash).
        name: the layer's name.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: an integer array.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.IntegerLookup(vocabulary=[12, 36])(np.array([[12, 7, 36]]))
        Array([[1, 0, 2]], dtype=int32)
    """

    _is_string = False

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices: int = 1,
        mask_token=None,
        oov_token: int = -1,
        vocabulary=None,
        vocabulary_dtype: str = "int64",
        idf_weights=None,
        invert: bool = False,
        output_mode: str = "int",
        sparse: bool = False,
        pad_to_max_tokens: bool = False,
        oov_method: str = "floormod",
        salt=None,
        name=None,
        **kwargs,
    ):
        if vocabulary_dtype != "int64":
            raise ValueError(
                f"IntegerLookup: only vocabulary_dtype='int64' is supported, received "
                f"{vocabulary_dtype!r}."
            )
        if salt is not None and oov_method != "farmhash":
            raise ValueError("IntegerLookup: `salt` is only used with oov_method='farmhash'.")
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=mask_token,
            oov_token=oov_token,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            sparse=sparse,
            pad_to_max_tokens=pad_to_max_tokens,
            oov_method=oov_method,
            salt=salt,
            name=name,
            **kwargs,
        )
