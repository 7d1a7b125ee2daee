"""`pad_sequences`: variable-length sequences to one rectangular NumPy array."""

from __future__ import annotations

from typing import Any

import numpy as np

_SIDES = ("pre", "post")


def _is_text_dtype(dtype: Any) -> bool:
    try:
        return np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    except TypeError:
        return False


def pad_sequences(
    sequences,
    maxlen: int | None = None,
    dtype: Any = "int32",
    padding: str = "pre",
    truncating: str = "pre",
    value: Any = 0.0,
) -> np.ndarray:
    """Pads (or cuts) each sequence to a common length and stacks them.

    The result has shape `(len(sequences), maxlen) + sample_shape`, where `sample_shape` is the
    shape of one step of the first non-empty sequence and `maxlen` defaults to the longest
    sequence. Shorter sequences are filled with `value` at the front (`padding="pre"`) or the
    back (`"post"`); longer ones lose steps at the front (`truncating="pre"`) or the back.
    Strings of varying length need `dtype=object` (or a NumPy string dtype).

    Differs from Keras only in that `maxlen=0` gives an array with zero columns (Keras raises a
    NumPy broadcasting error).

    Args:
        sequences: a list (anything with `len`) of sequences.
        maxlen: length of the output sequences; None for the longest input.
        dtype: dtype of the result.
        padding: `"pre"` or `"post"`: where the fill values go.
        truncating: `"pre"` or `"post"`: which end of a too-long sequence is dropped.
        value: the fill value (a number, or a string for string/object dtypes).

    Returns:
        A NumPy array of `dtype`.

    Example:
        >>> import lamina as keras
        >>> keras.utils.pad_sequences([[1, 2, 3], [4]], maxlen=2)
        array([[2, 3],
               [0, 4]], dtype=int32)
        >>> keras.utils.pad_sequences([[1, 2, 3], [4]], padding="post")
        array([[1, 2, 3],
               [4, 0, 0]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(
            "pad_sequences: `sequences` must be a list (or another sized collection) of "
            f"sequences; received a {type(sequences).__name__}. Wrap it with `list(...)`."
        )
    lengths: list[int] = []
    sample_shape: tuple[int, ...] | None = None
    for position, seq in enumerate(sequences):
        try:
            n = len(seq)
        except TypeError:
            raise ValueError(
                "pad_sequences: `sequences` must be a list of sequences; the element at "
                f"position {position} is not one: {seq!r}."
            ) from None
        lengths.append(n)
        if sample_shape is None and n:
            sample_shape = np.asarray(seq).shape[1:]
    sample_shape = sample_shape or ()

    if maxlen is None:
        if not lengths:
            raise ValueError(
                "pad_sequences: cannot infer `maxlen` from an empty list of sequences; "
                "pass `maxlen`."
            )
        maxlen = max(lengths)

    if isinstance(value, str) and dtype is not object and not _is_text_dtype(dtype):
        raise ValueError(
            f"pad_sequences: a string `value` ({value!r}) needs `dtype=object` or a string "
            f"dtype; received dtype={dtype!r}."
        )

    out = np.full((len(sequences), maxlen) + tuple(sample_shape), value, dtype=dtype)
    for position, seq in enumerate(sequences):
        if not lengths[position]:
            continue
        if truncating not in _SIDES:
            raise ValueError(
                f'pad_sequences: truncating="{truncating}" is not understood; use "pre" or "post".'
            )
        if maxlen == 0:
            kept = seq[:0]
        else:
            kept = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(
                f"pad_sequences: the sequence at position {position} has steps of shape "
                f"{kept.shape[1:]}, but the first non-empty sequence's steps have shape "
                f"{sample_shape}."
            )
        if padding not in _SIDES:
            raise ValueError(
                f'pad_sequences: padding="{padding}" is not understood; use "pre" or "post".'
            )
        if not len(kept):
            continue
        if padding == "pre":
            out[position, maxlen - len(kept) :] = kept
        else:
            out[position, : len(kept)] = kept
    return out
