"""`WeightsStore`: the HDF5 file of `vars` groups that Keras 3 writes for `.weights.h5`.

Each saveable object owns one group, `<inner path>/vars` (the model itself owns the root `vars`),
with the HDF5 attribute `name` and one dataset per variable, named `"0"`, `"1"`, ...
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import h5py
import jax.numpy as jnp
import numpy as np

_BFLOAT16 = np.dtype(jnp.bfloat16)

# An old TF 2.13 writer named the `layers` groups this way; Keras still reads it.
_LEGACY_LAYERS = "_layer_checkpoint_dependencies"


def vars_group_path(path: str) -> str:
    """The HDF5 path of the `vars` group of the object at `path` ("" is the model)."""
    return f"{path}/vars" if path else "vars"


class VarsWriter:
    """Write side of one `vars` group: `writer["0"] = array` adds a dataset.

    The group is created at once when there is metadata (so that objects without variables
    still get their empty, named group, as in Keras), else on the first write.
    """

    def __init__(self, h5file: h5py.File, path: str, metadata: dict | None):
        self._file = h5file
        self._path = path
        self._group: h5py.Group | None = None
        if metadata:
            self._create(metadata)

    def _create(self, metadata: dict | None = None) -> h5py.Group:
        parent = self._file.require_group(self._path) if self._path else self._file
        group = parent.create_group("vars")
        for key, value in (metadata or {}).items():
            group.attrs[key] = value
        self._group = group
        return group

    def __setitem__(self, key: str, value) -> None:
        group = self._group if self._group is not None else self._create()
        array = np.asarray(value)
        if array.dtype == _BFLOAT16:
            # HDF5 has no bfloat16: Keras stores the raw 2-byte values and tags the dataset.
            dataset = group.create_dataset(key, data=array)
            dataset.attrs["dtype"] = "bfloat16"
        else:
            group.create_dataset(key, data=array)

    def __len__(self) -> int:
        return 0 if self._group is None else len(self._group)

    def keys(self) -> list[str]:
        return [] if self._group is None else list(self._group.keys())

    def __contains__(self, key: str) -> bool:
        return self._group is not None and key in self._group


class VarsEntry(dict):
    """Read side of one `vars` group: a dict from dataset name to NumPy array.

    `found` says whether the group exists in the file; `name` is its `name` attribute.
    """

    def __init__(self, values: dict[str, np.ndarray], found: bool, name: str | None):
        super().__init__(values)
        self.found = found
        self.name = name


# A compressed dataset over this size that expands more than 1000x is refused (a bomb).
_BOMB_FLOOR = 1 << 32
_MAX_EXPANSION = 1000


def read_dataset(dataset: h5py.Dataset) -> np.ndarray:
    """A dataset as a NumPy array (bfloat16 when Keras tagged it so)."""
    declared = int(np.prod(dataset.shape, dtype=np.int64)) * dataset.dtype.itemsize
    if declared > _BOMB_FLOOR:
        stored = dataset.id.get_storage_size()
        if declared > _MAX_EXPANSION * max(stored, 1):
            raise ValueError(
                f"Refusing to read HDF5 dataset '{dataset.name}': it declares {declared} bytes "
                f"but stores {stored} (a decompression bomb)."
            )
    value = np.asarray(dataset[()])
    tag = dataset.attrs.get("dtype")
    if isinstance(tag, bytes):
        tag = tag.decode()
    if tag == "bfloat16":
        value = value.view(_BFLOAT16) if value.dtype.itemsize == 2 else value.astype(_BFLOAT16)
    return value


class WeightsStore:
    """An HDF5 weights file open for writing (`make`) or reading (`get`)."""

    def __init__(self, h5file: h5py.File, mode: str):
        if mode not in ("r", "w"):
            raise ValueError(f"WeightsStore: mode must be 'r' or 'w', received {mode!r}.")
        self.h5file = h5file
        self.mode = mode

    @classmethod
    def open(cls, source: str | io.BytesIO, mode: str = "r") -> WeightsStore:
        """Opens a file path (or an in-memory file) as a store."""
        return cls(h5py.File(source, mode), mode)

    def make(self, path: str, metadata: dict | None = None) -> VarsWriter:
        """Returns the writer of the `vars` group of the object at `path`."""
        if self.mode != "w":
            raise ValueError("WeightsStore.make() needs a store opened for writing.")
        return VarsWriter(self.h5file, path, metadata)

    def _find_group(self, path: str) -> h5py.Group | None:
        target = vars_group_path(path)
        node = self.h5file.get(target)
        if isinstance(node, h5py.Group):
            return node
        if path and _LEGACY_LAYERS in self.h5file:
            node = self.h5file.get(vars_group_path(path.replace("layers", _LEGACY_LAYERS)))
            if isinstance(node, h5py.Group):
                return node
        return None

    def get(self, path: str) -> VarsEntry:
        """Reads the `vars` group of the object at `path` (empty, `found=False`, if missing)."""
        if self.mode != "r":
            raise ValueError("WeightsStore.get() needs a store opened for reading.")
        group = self._find_group(path)
        if group is None:
            return VarsEntry({}, found=False, name=None)
        values = {}
        for key, node in group.items():
            if isinstance(node, h5py.Dataset):
                values[key] = read_dataset(node)
        name = group.attrs.get("name")
        if isinstance(name, bytes):
            name = name.decode()
        return VarsEntry(values, found=True, name=name)

    def vars_paths(self) -> Iterator[tuple[str, int]]:
        """Yields `(object path, number of datasets)` for every `vars` group in the file."""
        found: list[tuple[str, int]] = []

        def visit(name: str, node) -> None:
            if isinstance(node, h5py.Group) and name.rsplit("/", 1)[-1] == "vars":
                parent = name[: -len("vars")].rstrip("/")
                count = sum(isinstance(v, h5py.Dataset) for v in node.values())
                found.append((parent, count))

        self.h5file.visititems(visit)
        yield from found

    def is_legacy_keras2(self) -> bool:
        """True for a Keras 2 (`tf.keras`) HDF5 weights or model file, which uses another layout."""
        root = self.h5file
        return "layer_names" in root.attrs or "model_weights" in root

    def close(self) -> None:
        self.h5file.close()

    def __enter__(self) -> WeightsStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
