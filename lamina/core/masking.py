"""Masks that travel with arrays: `set_keras_mask` / `get_keras_mask`.

JAX arrays take no attributes, so masks are kept in a table keyed by the array's identity and
dropped when the array dies (the table lives in a context variable, as all lamina state does).
Layers read the mask of their input, pass it to `call(..., mask=...)`, and attach the mask that
`compute_mask` returns to their outputs; so padding marked by `Embedding(mask_zero=True)` or
`Masking` reaches the RNNs, pooling and losses downstream.
"""

from __future__ import annotations

import contextvars
import weakref

_MASKS: contextvars.ContextVar[dict | None] = contextvars.ContextVar("lamina_masks", default=None)


def _table() -> dict:
    table = _MASKS.get()
    if table is None:
        table = {}
        _MASKS.set(table)
    return table


def _forget(table: dict, key: int) -> None:
    table.pop(key, None)


def set_keras_mask(x, mask) -> None:
    """Attaches `mask` to `x` (None removes it).

    Args:
        x: a tensor (an attribute is set; a side table is used for arrays that refuse one).
        mask: the mask, or None.

    Example:
        >>> import numpy as np
        >>> from lamina.core.masking import get_keras_mask, set_keras_mask
        >>> x = np.zeros((2, 3))
        >>> set_keras_mask(x, np.array([[True, True, False]] * 2))
        >>> int(get_keras_mask(x).sum())
        4
    """
    try:
        object.__setattr__(x, "_keras_mask", mask)
        return
    except (AttributeError, TypeError):
        pass
    table = _table()
    key = id(x)
    if mask is None:
        table.pop(key, None)
        return
    if key not in table:
        try:
            weakref.finalize(x, _forget, table, key)
        except TypeError:
            return  # not weak-referenceable: no mask can follow it
    table[key] = mask


def get_keras_mask(x):
    """The mask attached to `x`, or None.

    Args:
        x: a tensor.

    Returns:
        The mask, or None.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.core.masking import get_keras_mask
        >>> y = keras.layers.Masking()(np.array([[[1.0], [0.0]]]))
        >>> get_keras_mask(y)
        Array([[ True, False]], dtype=bool)
    """
    try:
        mask = getattr(x, "_keras_mask", None)
    except Exception:
        mask = None
    if mask is not None:
        return mask
    table = _MASKS.get()
    if not table:
        return None
    return table.get(id(x))
