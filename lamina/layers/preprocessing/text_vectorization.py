"""`TextVectorization`: strings to token ids (or multi-hot, count, TF-IDF vectors) on the host.

The steps are Keras's: standardize (ASCII lowercasing, as TensorFlow's `tf.strings.lower`
does, and removal of ASCII punctuation), split (whitespace or characters), n-grams joined
by a space, then a `StringLookup` with the padding token `""` at index 0 and `"[UNK]"` next.
`adapt` orders tokens by count, ties broken by the larger token first, as Keras does, so the
same corpus gives the same ids. Without TensorFlow, Keras 3.15 cannot create this layer at all;
lamina runs it with Python and NumPy.
"""

from __future__ import annotations

import collections
import itertools
import re

import jax.numpy as jnp
import numpy as np

from lamina.layers.preprocessing.host_layer import HostLayer, to_numpy
from lamina.layers.preprocessing.lookup import StringLookup

_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_PUNCTUATION_CHARS = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~'"
# One `str.translate` per standardization (3x faster than a lowercase pass plus a regex).
_TRANSLATE = {
    "lower": _ASCII_LOWER,
    "strip_punctuation": str.maketrans("", "", _PUNCTUATION_CHARS),
    "lower_and_strip_punctuation": str.maketrans(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", _PUNCTUATION_CHARS
    ),
}


def _splits_like_python(text: str) -> bool:
    """True when `text.split()` splits exactly as TensorFlow's whitespace split: ASCII text
    without the separators \\x1c-\\x1f that only Python treats as whitespace."""
    return text.isascii() and not any(c in text for c in "\x1c\x1d\x1e\x1f")


class _Ids(dict):
    """Token -> id table whose missing tokens map to the OOV id (one C-level lookup each)."""

    def __init__(self, index, oov):
        super().__init__(index)
        self.oov = oov

    def __missing__(self, token):
        return self.oov


# Texts joined per standardization pass in `adapt`.
_ADAPT_CHUNK = 1024


class _Rows(list):
    """Token lists per text, with the tokens also in one flat list and the row lengths
    (looking ids up over one flat list is ~8% faster than over chained rows)."""

    @classmethod
    def split(cls, texts: list[str]) -> _Rows:
        rows, flat, lengths = cls(), [], []
        for text in texts:
            row = text.split()
            rows.append(row)
            lengths.append(len(row))
            flat += row
        rows.flat, rows.lengths = flat, lengths
        return rows


_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class TextVectorization(HostLayer):
    """Turns strings into sequences of token ids or into per-string token vectors.

    Each string is standardized, split into tokens, optionally extended with n-grams, and looked
    up in a vocabulary (given with `vocabulary`, or learned from data with `adapt`). Index 0 is
    the padding token `""` and index 1 the out-of-vocabulary token `"[UNK]"` (in the vector
    modes, index 0 is `"[UNK]"`). It runs on the host: call it on strings (a list, a NumPy
    array, a dataset batch) before the model, e.g. in `Dataset.map`.

    Args:
        max_tokens: the largest vocabulary size, special tokens included (None: no limit).
        standardize: "lower_and_strip_punctuation", "lower", "strip_punctuation", None, or a
            callable receiving a NumPy array of strings and returning one.
        split: "whitespace", "character", None (each string is one token), or a callable
            receiving a NumPy array of strings and returning one list of tokens per string.
        ngrams: None, an int n (all 1..n-grams) or a tuple of n-gram widths.
        output_mode: "int", "multi_hot", "count", "tf_idf" (or "one_hot" with `split=None`).
        output_sequence_length: with "int", pad or cut every sequence to this length (None:
            pad to the longest one of the call).
        pad_to_max_tokens: in the vector modes, make vectors `max_tokens` long.
        vocabulary: a list of tokens or the path of a file with one token per line.
        idf_weights: with "tf_idf" and `vocabulary`, the inverse document frequencies.
        sparse: not supported (must be False).
        ragged: not supported (must be False).
        encoding: the text encoding of bytes inputs.
        name: the layer name.

    Call arguments:
        inputs: strings, shape `(batch,)` or `(batch, 1)` (or a single string).

    Returns:
        int32 ids of shape `(batch, length)`, or float32 vectors `(batch, vocabulary size)`.

    Example:

    >>> layer = TextVectorization(output_sequence_length=4)
    >>> layer.adapt(["The cat sat.", "The dog!"])
    >>> layer.get_vocabulary()
    ['', '[UNK]', 'the', 'sat', 'dog', 'cat']
    >>> np.asarray(layer(["the dog sat on"])).tolist()
    [[2, 4, 3, 1]]
    """

    def __init__(
        self,
        max_tokens=None,
        standardize="lower_and_strip_punctuation",
        split="whitespace",
        ngrams=None,
        output_mode="int",
        output_sequence_length=None,
        pad_to_max_tokens=False,
        vocabulary=None,
        idf_weights=None,
        sparse=False,
        ragged=False,
        encoding="utf-8",
        name=None,
        **kwargs,
    ):
        if not (standardize is None or callable(standardize) or standardize in _STANDARDIZE):
            raise ValueError(
                f"TextVectorization: `standardize` must be one of {(None, *_STANDARDIZE)} or a "
                f"callable. Received: standardize={standardize!r}"
            )
        if not (split is None or callable(split) or split in ("whitespace", "character")):
            raise ValueError(
                "TextVectorization: `split` must be one of (None, 'whitespace', 'character') or "
                f"a callable. Received: split={split!r}"
            )
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in _MODES:
            raise ValueError(
                f"TextVectorization: `output_mode` must be one of {_MODES}. Received: "
                f"output_mode={output_mode!r}"
            )
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (
            ngrams is None
            or (isinstance(ngrams, int) and not isinstance(ngrams, bool))
            or (isinstance(ngrams, tuple) and all(isinstance(i, int) for i in ngrams))
        ):
            raise ValueError(
                f"`ngrams` must be None, an integer, or a tuple of integers. Received: "
                f"ngrams={ngrams}"
            )
        if output_mode == "int" and not (
            output_sequence_length is None or isinstance(output_sequence_length, int)
        ):
            raise ValueError(
                "`output_sequence_length` must be either None or an integer when `output_mode` "
                f"is 'int'. Received: output_sequence_length={output_sequence_length}"
            )
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(
                "`output_sequence_length` must not be set if `output_mode` is not 'int'. "
                f"Received output_sequence_length={output_sequence_length}."
            )
        if ragged and output_mode != "int":
            raise ValueError(
                "`ragged` must not be true if `output_mode` is `'int'`. Received: "
                f"ragged={ragged} and output_mode={output_mode}"
            )
        if ragged:
            raise NotImplementedError(
                "TextVectorization: ragged=True is not supported by lamina (JAX has no ragged "
                "tensors); use output_sequence_length, or ragged=False to pad per call."
            )
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        for key in ("dtype", "autocast"):
            kwargs.pop(key, None)
        super().__init__(name=name, **kwargs)
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._ragged = ragged
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._has_input_vocabulary = has_input_vocabulary
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens,
            mask_token="",
            output_mode=output_mode,
            sparse=sparse,
            encoding=encoding,
            vocabulary_size=vocabulary_size,
            name=f"{self.name}_lookup",
        )
        self._lookup_layer._has_input_vocabulary = has_input_vocabulary
        self.built = True

    # ------------------------------------------------------------------ text steps
    def _standardized(self, strings: np.ndarray) -> np.ndarray:
        if callable(self._standardize):
            out = self._standardize(strings.astype(str))
            return np.asarray(to_numpy(out), dtype=object)
        flat = [str(s) for s in strings.ravel().tolist()]
        table = _TRANSLATE.get(self._standardize)
        if table is not None:
            flat = [s.translate(table) for s in flat]
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(strings.shape)

    def _tokens(self, inputs) -> tuple[list[list[str]] | np.ndarray, bool]:
        """`(rows, ragged)`: a list of token lists per string when splitting, else the array."""
        strings = to_numpy(inputs)
        if strings.dtype.kind not in ("U", "O", "S"):
            raise TypeError(
                f"TextVectorization '{self.name}' expects strings, received an array of dtype "
                f"{strings.dtype}. Pass text (a list or NumPy array of str)."
            )
        if strings.ndim == 0:
            strings = strings.reshape(1)
        strings = self._standardized(strings)
        if self._split is None:
            if self._ngrams is None:
                return strings, False
            rows = [[str(s)] for s in strings.ravel().tolist()]
        else:
            if strings.ndim > 1:
                if strings.shape[-1] != 1:
                    raise ValueError(
                        "When using `TextVectorization` to tokenize strings, the input rank must "
                        "be 1 or the last shape dimension must be 1. Received: "
                        f"inputs.shape={strings.shape} with rank={strings.ndim}"
                    )
                strings = strings[..., 0]
            if self._split == "whitespace":
                texts = strings.tolist()
                if _splits_like_python("".join(texts)):
                    rows = _Rows.split(texts)
                else:  # `str.split()` also splits on \x1c-\x1f and non-ASCII spaces
                    rows = [
                        t.split()
                        if _splits_like_python(t)
                        else [w for w in _WHITESPACE.split(t) if w]
                        for t in texts
                    ]
            elif self._split == "character":
                rows = [list(s) for s in strings.tolist()]
            else:
                rows = [
                    [t.decode(self._encoding) if isinstance(t, bytes) else str(t) for t in row]
                    for row in self._split(strings.astype(str))
                ]
        if self._ngrams is not None:
            rows = [self._with_ngrams(row) for row in rows]
        return rows, True

    def _with_ngrams(self, tokens: list[str]) -> list[str]:
        out = []
        for width in self._ngrams:
            out += [" ".join(tokens[i : i + width]) for i in range(len(tokens) - width + 1)]
        return out

    # ------------------------------------------------------------------ vocabulary
    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learns the vocabulary (and, for "tf_idf", the document frequencies) from `data`.

        Tokens are ordered by count, ties broken by the larger token first, then cut to
        `max_tokens`; every string is one document.

        Args:
            data: strings (a list or NumPy array), or an iterable of batches of strings (a
                lamina `Dataset`, a generator).
            batch_size: unused (Keras's argument).
            steps: read at most this many batches of an iterable.

        Example:

        >>> layer = TextVectorization(max_tokens=4)
        >>> layer.adapt(np.array(["a b b c c c"]))
        >>> layer.get_vocabulary()
        ['', '[UNK]', 'c', 'b']
        """
        if self._has_input_vocabulary:
            raise ValueError(
                f"Cannot adapt layer '{self.name}' after setting a static vocabulary via "
                "`vocabulary` argument or `set_vocabulary()` method."
            )
        if isinstance(data, (list, tuple, np.ndarray, str)) or hasattr(data, "__array__"):
            batches = [np.asarray(to_numpy(data), dtype=object).reshape(-1)]
        else:
            batches = data
        counts: collections.Counter = collections.Counter()
        doc_counts: collections.Counter = collections.Counter()
        num_docs = 0
        tf_idf = self._output_mode == "tf_idf"
        fast = (
            not callable(self._standardize)
            and self._split == "whitespace"
            and self._ngrams is None
            and not tf_idf
        )
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            if fast and not isinstance(batch, tuple):
                # Standardizing acts on single characters, so one pass over joined texts gives
                # the same tokens as one pass per text. Chunks of ~1k texts keep the token
                # strings in cache while they are counted (~10% faster than one big join).
                strings = np.asarray(to_numpy(batch), dtype=object).reshape(-1)
                for start in range(0, len(strings), _ADAPT_CHUNK):
                    chunk = "\n".join(map(str, strings[start : start + _ADAPT_CHUNK]))
                    joined = self._standardized(np.array([chunk], object))[0]
                    if _splits_like_python(joined):
                        counts.update(joined.split())
                    else:
                        counts.update(t for t in _WHITESPACE.split(joined) if t)
                num_docs += len(strings)
                continue
            if isinstance(batch, tuple):
                raise ValueError(
                    f"TextVectorization '{self.name}'.adapt() received batches of "
                    f"{len(batch)}-tuples (texts and labels?); pass the texts only, e.g. "
                    "`layer.adapt(dataset.map(lambda x, y: x))`."
                )
            rows, ragged = self._tokens(np.asarray(to_numpy(batch), dtype=object))
            if not ragged:
                array = np.asarray(rows, dtype=object)
                rows = [[str(t) for t in r] for r in array.reshape(len(array), -1).tolist()]
            for row in rows:
                counts.update(row)
                if tf_idf:
                    doc_counts.update(set(row))
            num_docs += len(rows)
        lookup = self._lookup_layer
        counts.pop("", None)
        counts.pop(lookup.oov_token, None)
        if not counts:
            return
        tokens = np.array(list(counts), dtype=object)
        freq = np.array([counts[t] for t in tokens], "int64")
        order = np.lexsort((tokens, freq))[::-1]
        if self._max_tokens:
            order = order[: self._max_tokens - lookup._token_start_index()]
        learned = [tokens[i] for i in order]
        lookup._set_tokens(learned)
        if tf_idf:
            df = np.array([doc_counts[t] for t in learned], "float64")
            idf = np.log(1 + num_docs / (1 + df)).astype("float32")
            idf = np.concatenate([np.full(lookup._token_start_index(), idf.mean(), "float32"), idf])
            lookup.idf_weights = lookup._pad_idf(idf)

    def update_state(self, data) -> None:
        """Not supported: call `adapt` with all the data (it reads iterables batch by batch)."""
        raise NotImplementedError(
            "TextVectorization.update_state: lamina learns the vocabulary in one `adapt(data)` "
            "call (data may be an iterable of batches)."
        )

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The vocabulary in index order (`""` and `"[UNK]"` first unless told otherwise).

        Args:
            include_special_tokens: include the padding and OOV tokens.

        Returns:
            A list of str.

        Example:

        >>> TextVectorization(vocabulary=["a", "b"]).get_vocabulary()
        ['', '[UNK]', 'a', 'b']
        """
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        """The number of token ids, special tokens included.

        Returns:
            An int.

        Example:

        >>> TextVectorization(vocabulary=["a", "b"]).vocabulary_size()
        4
        """
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Sets the vocabulary (a list or a file path) and, for "tf_idf", its idf weights.

        Args:
            vocabulary: the tokens, or the path of a file with one token per line.
            idf_weights: the inverse document frequencies (required for "tf_idf").

        Example:

        >>> layer = TextVectorization()
        >>> layer.set_vocabulary(["x"])
        >>> layer.vocabulary_size()
        3
        """
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = [line for line in f.read().splitlines() if line != ""]
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # ------------------------------------------------------------------ call
    def call(self, inputs):
        rows, ragged = self._tokens(inputs)
        lookup = self._lookup_layer
        if not ragged:
            return lookup.call(np.asarray(rows, dtype=object))
        if isinstance(rows, _Rows) and self._ngrams is None:
            lengths, tokens = rows.lengths, rows.flat
        else:
            lengths = [len(r) for r in rows]
            tokens = itertools.chain.from_iterable(rows)
        ids = self._ids(tokens, sum(lengths))
        starts = np.concatenate([[0], np.cumsum(lengths)])
        if self._output_mode == "int":
            width = self._output_sequence_length
            if width is None:
                width = max(lengths, default=0)
            out = np.zeros((len(rows), width), "int32")
            row = np.repeat(np.arange(len(rows)), lengths)
            column = np.arange(len(ids)) - np.repeat(starts[:-1], lengths)
            keep = column < width
            out[row[keep], column[keep]] = ids[keep]
            return jnp.asarray(out)
        if self._output_mode == "one_hot":
            raise ValueError(
                "TextVectorization: output_mode='one_hot' gives one vector per token, so it "
                "needs split=None and ngrams=None (one token per string); use 'multi_hot' or "
                "'count' for whole texts."
            )
        depth = lookup.max_tokens if lookup.pad_to_max_tokens else lookup.vocabulary_size()
        rows_index = np.repeat(np.arange(len(rows)), lengths)
        keep = ids >= 0
        out = np.zeros((len(rows), depth), "float32")
        np.add.at(out, (rows_index[keep], ids[keep]), 1.0)
        if self._output_mode == "multi_hot":
            out = np.minimum(out, 1.0)
        elif self._output_mode == "tf_idf":
            if lookup.idf_weights is None:
                raise ValueError(
                    f"TextVectorization '{self.name}': 'tf_idf' needs idf weights (call adapt "
                    "or pass idf_weights with the vocabulary)."
                )
            out = out * np.asarray(lookup.idf_weights, "float32")[:depth]
        return jnp.asarray(out)

    def _ids(self, tokens, count: int) -> np.ndarray:
        """Token ids by dictionary lookup (one OOV slot; `""` is the padding/mask token)."""
        lookup = self._lookup_layer
        cached = self.__dict__.get("_ids_table")
        if cached is None or cached[0] is not lookup._index:
            table = _Ids(lookup._index, lookup._oov_start_index())
            table.setdefault("", 0 if self._output_mode == "int" else -1)
            cached = (lookup._index, table)
            object.__setattr__(self, "_ids_table", cached)
        return np.fromiter(map(cached[1].__getitem__, tokens), "int32", count)

    _symbolic_input_kind = "string"

    def host_output_dtype(self) -> str:
        return "int32" if self._output_mode == "int" else "float32"

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        depth = (
            self._max_tokens
            if self._lookup_layer.pad_to_max_tokens
            else self._lookup_layer._frozen_vocab_size
        )
        return (input_shape[0], depth)

    # ------------------------------------------------------------------ saving
    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "max_tokens": self._lookup_layer.max_tokens,
                "standardize": self._standardize,
                "split": self._split,
                "ngrams": self._ngrams_arg,
                "output_mode": self._output_mode,
                "output_sequence_length": self._output_sequence_length,
                "pad_to_max_tokens": self._lookup_layer.pad_to_max_tokens,
                "sparse": self._lookup_layer.sparse,
                "ragged": self._ragged,
                "vocabulary": _listify(self._lookup_layer.input_vocabulary),
                "idf_weights": _listify(self._lookup_layer.input_idf_weights),
                "encoding": self._encoding,
                "vocabulary_size": self.vocabulary_size(),
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        from lamina.core.serialization import deserialize_keras_object

        config = dict(config)
        for key in ("standardize", "split"):
            if config.get(key) is not None and not isinstance(config[key], str):
                config[key] = deserialize_keras_object(config[key])
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)

    def save_own_variables(self, store) -> None:
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store) -> None:
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path) -> None:
        """Writes the adapted vocabulary to `vocabulary.txt` (Keras's asset file)."""
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path) -> None:
        """Reads the vocabulary back from `vocabulary.txt`."""
        self._lookup_layer.load_assets(dir_path)


def _listify(value):
    if value is None or isinstance(value, str):
        return value
    return np.asarray(value).tolist() if hasattr(value, "__array__") else list(value)
