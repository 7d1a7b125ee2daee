"""The word-index post-processing shared by the IMDB and Reuters loaders."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def check_options(num_words, skip_top, maxlen, start_char, oov_char, index_from) -> None:
    """Raises a `ValueError` naming the first option with an impossible value."""
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
    `maxlen`, keeps only the sequences shorter than `maxlen` (with their labels)."""
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
    `oov_char` is None; `num_words` defaults to the largest index present."""
    if not num_words:
        num_words = max((max(seq) for seq in sequences if seq), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in seq] for seq in sequences]
    return [[w for w in seq if skip_top <= w < num_words] for seq in sequences]


def as_object_array(sequences: list[list[int]]) -> np.ndarray:
    """A 1-D object array holding one Python list per sequence."""
    out = np.empty(len(sequences), dtype=object)
    out[:] = sequences
    return out
