"""`standardize_dtype` as `keras.utils` exposes it: also accepts Python and NumPy scalar types."""

from __future__ import annotations

import numpy as np

from lamina.core.variable import standardize_dtype as _standardize_dtype

_PYTHON_DTYPES = {bool: "bool", int: "int32", float: "float32", complex: "complex64"}


def standardize_dtype(dtype) -> str:
    """A dtype's canonical name (`'float32'`, `'int32'`, ...); None gives `floatx()`.

    Accepts names, NumPy/JAX dtypes, NumPy scalar types (`np.int64`) and the Python types `bool`,
    `int` (`'int32'`), `float` (`'float32'`) and `complex` (`'complex64'`), as Keras does.
    """
    if isinstance(dtype, type):
        if dtype in _PYTHON_DTYPES:
            return _PYTHON_DTYPES[dtype]
        if issubclass(dtype, np.generic):
            dtype = np.dtype(dtype)
    return _standardize_dtype(dtype)
