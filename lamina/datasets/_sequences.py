"""The word-index post-processing shared by the IMDB and Reuters loaders."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def check_options(num_words, skip_top, maxlen, start_char, oov_char, index_from) -> None:
    """Raises a `ValueError` naming the first option with an impossible value.

    Args:
        num_words: the vocabulary cap, or None.
        skip_top: how many most frequent words to drop.
        maxlen: the longest sequence kept, or None.
        start_char: the index marking a sequence's start, or None.
        oov_char: the index of dropped words, or None.
        index_from: the offset added to every word index.

    Raises:
        ValueError: an option is negative or not an integer.

    Example:
        >>> from lamina.datasets._sequences import check_options
        >>> check_options(1000, 0, None, 1, 2, 3)  # fine
        >>> check_options(-1, 0, None, 1, 2, 3)
        Traceback (most recent call last):
        ...
        ValueError: `num_words` must be a non-negative integer. Received: -1
    """
    for name, value, allow_none in (
        ("num_words", num_words, True),
        ("skip_top", skip_top, False),
        ("maxlen", maxlen, True),
        ("start_char", start_char, True),
        ("oov_char", oov_char, True),
        ("index_from", index_from, False),
    ):
        if value is None and allow_none:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"`{name}` must be a non-negative integer. Received: {value!r}")


def shift_and_filter(
    sequences: Sequence,
    labels: np.ndarray,
    maxlen: int | None,
    start_char: int | None,
    index_from: int,
) -> tuple[list[list[int]], np.ndarray]:
    """Raises every index by `index_from`, puts `start_char` first (if not None) and, with
    `maxlen`, keeps only the sequences shorter than `maxlen` (with their labels).

    Args:
        sequences: the sequences of word indices.
        labels: one label per sequence.
        maxlen: keep sequences shorter than this (None: all).
        start_char: the index put first, or None.
        index_from: the offset added to every index.

    Returns:
        A tuple `(sequences, labels)`.

    Example:
        >>> import numpy as np
        >>> from lamina.datasets._sequences import shift_and_filter
        >>> shift_and_filter([[1, 2], [3, 4, 5]], np.array([0, 1]), 4, 1, 3)
        ([[1, 4, 5]], array([0]))
    """
    prefix = [] if start_char is None else [int(start_char)]
    xs = [prefix + [int(w) + index_from for w in seq] for seq in sequences]
    labels = np.asarray(labels)
    if maxlen:
        keep = [i for i, seq in enumerate(xs) if len(seq) < maxlen]
        xs, labels = [xs[i] for i in keep], labels[np.asarray(keep, dtype=np.int64)]
    return xs, labels


def limit_vocabulary(
    sequences: list[list[int]], num_words: int | None, skip_top: int, oov_char: int | None
) -> list[list[int]]:
    """Replaces indices outside `[skip_top, num_words)` by `oov_char`, or drops them when
    `oov_char` is None; `num_words` defaults to the largest index present.

    Args:
        sequences: the sequences of word indices.
        num_words: the first index left out (None: keep all).
        skip_top: the first index kept.
        oov_char: the replacement index, or None to drop.

    Returns:
        The new sequences.

    Example:
        >>> from lamina.datasets._sequences import limit_vocabulary
        >>> limit_vocabulary([[1, 5, 9]], num_words=6, skip_top=2, oov_char=0)
        [[0, 5, 0]]
    """
    if not num_words:
        num_words = max((max(seq) for seq in sequences if seq), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in seq] for seq in sequences]
    return [[w for w in seq if skip_top <= w < num_words] for seq in sequences]


def as_object_array(sequences: list[list[int]]) -> np.ndarray:
    """A 1-D object array holding one Python list per sequence.

    Args:
        sequences: a list of lists.

    Returns:
        A NumPy object array.

    Example:
        >>> from lamina.datasets._sequences import as_object_array
        >>> as_object_array([[1, 2], [3]])
        array([list([1, 2]), list([3])], dtype=object)
    """
    out = np.empty(len(sequences), dtype=object)
    out[:] = sequences
    return out
