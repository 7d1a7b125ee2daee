"""`h5py`, imported on first use: it costs ~50 ms, and most programs never read or write HDF5."""

from __future__ import annotations

import importlib


class _LazyModule:
    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str):
        module = importlib.import_module(self._name)
        return getattr(module, attr)


h5py = _LazyModule("h5py")
