"""The Reuters newswire topic dataset as word-index sequences, downloaded on first use."""

from __future__ import annotations

import json

import numpy as np

from lamina.datasets import _sequences
from lamina.datasets._safe_pickle import load_npz
from lamina.utils.file_utils import get_file

_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters.npz"
_FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
_WORD_INDEX_ORIGIN = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/reuters_word_index.json"
)
_WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"
_LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)  # fmt: skip


def load_data(
    path: str = "reuters.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    test_split: float = 0.2,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    **kwargs,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads Reuters: 11,228 newswires labeled with one of 46 topics.

    Each newswire is a list of word indices, a word's index being its frequency rank. The
    samples are shuffled with `seed`, then the last `test_split` of them form the test set.

    Args:
        path: the file's name in the cache (`~/.lamina/datasets`).
        num_words: keep only the `num_words` most frequent words (others become `oov_char`).
        skip_top: also treat the `skip_top` most frequent indices as out of vocabulary.
        maxlen: keep only the sequences shorter than `maxlen`.
        test_split: fraction of the samples used for testing, in `[0, 1]`.
        seed: seed of the shuffle.
        start_char: index marking the start of each sequence (None for no marker).
        oov_char: index replacing dropped words (None removes them instead).
        index_from: offset added to every word index.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: `x_*` are 1-D object arrays of Python lists of
        ints, `y_*` are integer topic arrays (`0..45`).

    Example:
        >>> from lamina.datasets import reuters
        >>> (x_train, y_train), _ = reuters.load_data(num_words=1000)  # doctest: +SKIP
        >>> max(max(seq) for seq in x_train) < 1000  # doctest: +SKIP
        True
    """
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    if isinstance(test_split, bool) or not 0.0 <= float(test_split) <= 1.0:
        raise ValueError(f"`test_split` must be a number in [0, 1]. Received: {test_split!r}")
    _sequences.check_options(num_words, skip_top, maxlen, start_char, oov_char, index_from)
    data = load_npz(get_file(fname=path, origin=_ORIGIN, file_hash=_FILE_HASH))
    order = np.arange(len(data["x"]))
    np.random.RandomState(seed).shuffle(order)
    xs, labels = _sequences.shift_and_filter(
        data["x"][order], data["y"][order], maxlen, start_char, index_from
    )
    xs = _sequences.limit_vocabulary(xs, num_words, skip_top, oov_char)
    boundary = int(len(xs) * (1 - float(test_split)))
    return (
        (_sequences.as_object_array(xs[:boundary]), np.array(labels[:boundary])),
        (_sequences.as_object_array(xs[boundary:]), np.array(labels[boundary:])),
    )


def get_word_index(path: str = "reuters_word_index.json") -> dict[str, int]:
    """The dict mapping each word to its index (before the `index_from` offset that `load_data`
    adds), downloaded on first use.

    Args:
        path: the file's name in the cache (`~/.lamina/datasets`).

    Returns:
        A dict `{word: index}`; index 1 is the most frequent word.

    Example:
        >>> from lamina.datasets import reuters
        >>> index = reuters.get_word_index()  # doctest: +SKIP
        >>> words = {i + 3: w for w, i in index.items()}  # load_data's index_from=3  # doctest: +SKIP
    """
    path = get_file(fname=path, origin=_WORD_INDEX_ORIGIN, file_hash=_WORD_INDEX_HASH)
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def get_label_names() -> tuple[str, ...]:
    """The 46 topic names of the Reuters newswire dataset; the name of topic `i` is at position
    `i` (no download needed).

    Args:
        None.

    Returns:
        A tuple of 46 strings.

    Example:
        >>> from lamina.datasets import reuters
        >>> names = reuters.get_label_names()
        >>> len(names), names[:3]
        (46, ('cocoa', 'grain', 'veg-oil'))
    """
    return _LABEL_NAMES
