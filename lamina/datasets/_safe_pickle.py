"""Reading the pickled parts of dataset files without running any code they name.

Two dataset formats need pickle: the CIFAR "python version" batches (a pickled dict whose
`data` entry is a numpy array) and the IMDB/Reuters `.npz` files (ragged sequences kept as
numpy object arrays, which `np.save` stores as a pickle). A plain `pickle.load` would import
and call whatever globals a tampered file names. `SafeUnpickler.find_class` never hands out
a real global: the few globals these files contain (numpy's array and dtype reconstructors,
and `_codecs.encode` for bytes written by Python 3) are mapped to small stand-ins defined
here, which only record their arguments and then build a plain `np.ndarray` from raw bytes
(or, for object arrays, from an already-decoded list). Every other global is refused.
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from typing import Any, BinaryIO

import numpy as np


class _NdarrayMarker:
    """Stands for `numpy.ndarray` as the first argument of the array reconstructor."""

    def __reduce__(self):  # pragma: no cover - never pickled
        raise TypeError("not picklable")


_NDARRAY = _NdarrayMarker()


class _DtypeStub:
    """Records a pickled `numpy.dtype(spec)` and its byte order; `resolve()` builds it."""

    def __init__(self, spec: Any):
        if isinstance(spec, bytes):
            spec = spec.decode("ascii")
        if not isinstance(spec, str) or not spec.isalnum():
            raise pickle.UnpicklingError(f"Unsupported dtype spec in pickle: {spec!r}")
        self.spec = spec
        self.order = "|"

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) < 2:
            raise pickle.UnpicklingError("Malformed dtype state in pickle.")
        order = state[1].decode("ascii") if isinstance(state[1], bytes) else state[1]
        if order not in ("<", ">", "|", "="):
            raise pickle.UnpicklingError(f"Unsupported byte order in pickle: {order!r}")
        self.order = order

    def resolve(self) -> np.dtype:
        """The numpy dtype, refusing structured or unknown kinds."""
        dtype = np.dtype(self.spec)
        if dtype.kind not in "biufcO" or dtype.fields is not None:
            raise pickle.UnpicklingError(f"Unsupported dtype in pickle: {self.spec!r}")
        if dtype.kind != "O" and self.order in "<>":
            dtype = dtype.newbyteorder(self.order)
        return dtype


class _ArrayStub:
    """Records a pickled array; `__setstate__` turns the raw state into `self.value`."""

    def __init__(self) -> None:
        self.value: np.ndarray | None = None

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise pickle.UnpicklingError("Malformed array state in pickle.")
        shape, dtype_stub, fortran, raw = state[-4:]
        if not isinstance(dtype_stub, _DtypeStub) or not isinstance(shape, tuple):
            raise pickle.UnpicklingError("Malformed array state in pickle.")
        if not all(isinstance(n, int) and n >= 0 for n in shape):
            raise pickle.UnpicklingError(f"Bad array shape in pickle: {shape!r}")
        dtype = dtype_stub.resolve()
        order = "F" if fortran else "C"
        size = int(np.prod(shape, dtype=np.int64))
        if dtype.kind == "O":
            if not isinstance(raw, list) or len(raw) != size:
                raise pickle.UnpicklingError("Malformed object array data in pickle.")
            flat = np.empty(size, dtype=object)
            flat[:] = [_finish(item) for item in raw]
            self.value = flat.reshape(shape, order=order)
            return
        if isinstance(raw, str):
            raw = raw.encode("latin1")
        if not isinstance(raw, (bytes, bytearray)) or len(raw) != size * dtype.itemsize:
            raise pickle.UnpicklingError("Array data in pickle does not match its shape.")
        array = np.frombuffer(bytes(raw), dtype=dtype).reshape(shape, order=order)
        self.value = array.astype(dtype.newbyteorder("="), copy=True)


def _reconstruct(marker: Any, shape: Any, code: Any) -> _ArrayStub:
    """Stand-in for numpy's array reconstructor: checks its arguments, returns an empty stub."""
    if marker is not _NDARRAY:
        raise pickle.UnpicklingError("Only plain numpy arrays may be rebuilt from a pickle.")
    return _ArrayStub()


def _make_dtype(spec: Any, align: Any = False, copy: Any = True) -> _DtypeStub:
    """Stand-in for `numpy.dtype(spec, align, copy)`."""
    return _DtypeStub(spec)


def _encode(text: Any, encoding: Any = "latin1") -> bytes:
    """Stand-in for `_codecs.encode(text, 'latin1')`, which Python 3 uses to pickle bytes."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("Unsupported `_codecs.encode` call in pickle.")
    return text.encode("latin1")


_STAND_INS = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _make_dtype,
    ("_codecs", "encode"): _encode,
}


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that imports nothing: known numpy globals map to local stand-ins.

    A dataset file that names any other global (`os.system`, ...) is refused with an
    `UnpicklingError` instead of importing it.

    Args:
        file: a binary file (as for `pickle.Unpickler`).
        **kwargs: `pickle.Unpickler` options (`encoding`, ...).

    Example:
        >>> import io, os, pickle
        >>> from lamina.datasets._safe_pickle import SafeUnpickler
        >>> SafeUnpickler(io.BytesIO(pickle.dumps({"labels": [1, 2]}))).load()
        {'labels': [1, 2]}
        >>> SafeUnpickler(io.BytesIO(pickle.dumps(os.getcwd))).load()
        Traceback (most recent call last):
        ...
        _pickle.UnpicklingError: Refusing to load the global `posix.getcwd` from a dataset file; ...
    """

    def find_class(self, module: str, name: str) -> Any:
        stand_in = _STAND_INS.get((module, name))
        if stand_in is None:
            raise pickle.UnpicklingError(
                f"Refusing to load the global `{module}.{name}` from a dataset file; the file "
                "is corrupted or was tampered with."
            )
        return stand_in


def _finish(value: Any) -> Any:
    """Replaces array stubs by their arrays, inside dicts, lists and tuples too."""
    if isinstance(value, _ArrayStub):
        if value.value is None:
            raise pickle.UnpicklingError("An array in the pickle has no data.")
        return value.value
    if isinstance(value, (_DtypeStub, _NdarrayMarker)):
        raise pickle.UnpicklingError("Unexpected numpy object at the top of a pickle.")
    if isinstance(value, dict):
        return {_finish(k): _finish(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finish(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_finish(v) for v in value)
    return value


def safe_load(handle: BinaryIO, encoding: str = "ASCII") -> Any:
    """Reads one pickle from `handle` with `SafeUnpickler`; arrays come back as `np.ndarray`.

    Args:
        handle: a binary file positioned at a pickle.
        encoding: how Python 2 byte strings are decoded (`"latin1"` for NumPy data).

    Returns:
        The unpickled value.

    Example:
        >>> import io, pickle
        >>> import numpy as np
        >>> from lamina.datasets._safe_pickle import safe_load
        >>> safe_load(io.BytesIO(pickle.dumps({"data": np.arange(3)})))
        {'data': array([0, 1, 2])}
    """
    return _finish(SafeUnpickler(handle, encoding=encoding).load())


def _read_npy(raw: bytes) -> np.ndarray:
    """One `.npy` member: numeric arrays without pickle, object arrays with `safe_load`."""
    handle = io.BytesIO(raw)
    version = np.lib.format.read_magic(handle)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
    if not dtype.hasobject:
        handle.seek(0)
        return np.lib.format.read_array(handle, allow_pickle=False)
    array = safe_load(handle, encoding="latin1")
    if not isinstance(array, np.ndarray) or array.shape != tuple(shape):
        raise ValueError("The object array in the .npy member does not match its header.")
    return array


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """All arrays of an `.npz` file, reading object arrays (IMDB's and Reuters' lists of word ids)
    with `SafeUnpickler`, which refuses to import anything, so a tampered file cannot run code.

    Args:
        path: the `.npz` file.

    Returns:
        A dict mapping each array's name to the array.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from lamina.datasets.imdb import load_npz
        >>> path = os.path.join(tempfile.mkdtemp(), "seqs.npz")
        >>> seqs = np.empty(2, dtype=object)
        >>> seqs[0], seqs[1] = [1, 2, 3], [4]
        >>> np.savez(path, x=seqs, y=np.array([0, 1]))
        >>> data = load_npz(path)
        >>> [list(s) for s in data["x"]], data["y"].tolist()
        ([[1, 2, 3], [4]], [0, 1])
    """
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                arrays[member[: -len(".npy")]] = _read_npy(archive.read(member))
    return arrays
