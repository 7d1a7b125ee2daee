"""The IMDB movie-review sentiment dataset as word-index sequences, downloaded on first use."""

from __future__ import annotations

import json

import numpy as np

from lamina.datasets import _sequences
from lamina.datasets._safe_pickle import load_npz
from lamina.utils.file_utils import get_file

_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz"
_FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
_WORD_INDEX_ORIGIN = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb_word_index.json"
)
_WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(
    path: str = "imdb.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    **kwargs,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads IMDB: 25,000 training and 25,000 test reviews labeled positive (1) or negative (0).

    Each review is a list of word indices, a word's index being its frequency rank (1 is the
    most frequent word). The train and test sets are each shuffled with `seed`.

    Args:
        path: the file's name in the cache (`~/.lamina/datasets`).
        num_words: keep only the `num_words` most frequent words (others become `oov_char`).
        skip_top: also treat the `skip_top` most frequent indices as out of vocabulary.
        maxlen: keep only the sequences shorter than `maxlen`.
        seed: seed of the shuffle.
        start_char: index marking the start of each sequence (None for no marker).
        oov_char: index replacing dropped words (None removes them instead).
        index_from: offset added to every word index.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: `x_*` are 1-D object arrays of Python lists of
        ints, `y_*` are integer label arrays.

    Example:
        >>> from lamina.datasets import imdb
        >>> (x_train, y_train), _ = imdb.load_data(num_words=1000)  # doctest: +SKIP
        >>> max(max(seq) for seq in x_train) < 1000  # doctest: +SKIP
        True
    """
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    _sequences.check_options(num_words, skip_top, maxlen, start_char, oov_char, index_from)
    data = load_npz(get_file(fname=path, origin=_ORIGIN, file_hash=_FILE_HASH))
    rng = np.random.RandomState(seed)
    order = np.arange(len(data["x_train"]))
    rng.shuffle(order)
    x_train, y_train = data["x_train"][order], data["y_train"][order]
    order = np.arange(len(data["x_test"]))
    rng.shuffle(order)
    x_test, y_test = data["x_test"][order], data["y_test"][order]

    train, y_train = _sequences.shift_and_filter(x_train, y_train, maxlen, start_char, index_from)
    test, y_test = _sequences.shift_and_filter(x_test, y_test, maxlen, start_char, index_from)
    if maxlen and (not train or not test):
        raise ValueError(
            f"No sequence is shorter than maxlen={maxlen} in the training or the test set; "
            "increase `maxlen`."
        )
    both = _sequences.limit_vocabulary(train + test, num_words, skip_top, oov_char)
    return (
        (_sequences.as_object_array(both[: len(train)]), y_train),
        (_sequences.as_object_array(both[len(train) :]), y_test),
    )


def get_word_index(path: str = "imdb_word_index.json") -> dict[str, int]:
    """The dict mapping each word to its index (before the `index_from` offset that `load_data`
    adds), downloaded on first use.

    Args:
        path: the file's name in the cache (`~/.lamina/datasets`).

    Returns:
        A dict `{word: index}`; index 1 is the most frequent word.

    Example:
        >>> from lamina.datasets import imdb
        >>> index = imdb.get_word_index()  # doctest: +SKIP
        >>> words = {i + 3: w for w, i in index.items()}  # load_data's index_from=3  # doctest: +SKIP
    """
    path = get_file(fname=path, origin=_WORD_INDEX_ORIGIN, file_hash=_WORD_INDEX_HASH)
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
