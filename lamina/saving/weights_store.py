"""`WeightsStore`: the HDF5 file of `vars` groups that Keras 3 writes for `.weights.h5`.

Each saveable object owns one group, `<inner path>/vars` (the model itself owns the root `vars`),
with the HDF5 attribute `name` and one dataset per variable, named `"0"`, `"1"`, ...
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import jax.numpy as jnp
import numpy as np

from lamina.distribution.multihost import to_host
from lamina.saving.lazy_h5py import h5py

_BFLOAT16 = np.dtype(jnp.bfloat16)

# An old TF 2.13 writer named the `layers` groups this way; Keras still reads it.
_LEGACY_LAYERS = "_layer_checkpoint_dependencies"


def vars_group_path(path: str) -> str:
    """The HDF5 path of the `vars` group of the object at `path` (`""` is the model itself).

    Args:
        path: the object's path in the weights file (from `weights_walk.walk`).

    Returns:
        The group's path.

    Example:
        >>> from lamina.saving.weights_store import vars_group_path
        >>> vars_group_path("layers/dense"), vars_group_path("")
        ('layers/dense/vars', 'vars')
    """
    return f"{path}/vars" if path else "vars"


class VarsWriter:
    """Write side of one `vars` group: `writer["0"] = array` adds a dataset.

    The group is created at once when there is metadata (so that objects without variables
    still get their empty, named group, as in Keras), else on the first write.

    Args:
        h5file: the open `h5py.File`.
        path: the object's path (`""` for the model).
        metadata: attributes of the group (e.g. `{"name": ...}`), or None.

    Example:
        >>> import io
        >>> import h5py
        >>> import numpy as np
        >>> from lamina.saving.weights_store import VarsWriter
        >>> h5file = h5py.File(io.BytesIO(), "w")
        >>> writer = VarsWriter(h5file, "layers/dense", {"name": "dense"})
        >>> writer["0"] = np.zeros((3, 2))
        >>> len(writer), list(h5file["layers/dense/vars"]), h5file["layers/dense/vars"].attrs["name"]
        (1, ['0'], 'dense')
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
        array = to_host(value)
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

    Args:
        values: the arrays, by dataset name (`"0"`, `"1"`, ...).
        found: whether the group exists in the file.
        name: the group's `name` attribute, or None.

    Example:
        >>> import numpy as np
        >>> from lamina.saving.weights_store import VarsEntry
        >>> entry = VarsEntry({"0": np.zeros(2)}, found=True, name="dense")
        >>> list(entry), entry.found, entry.name
        (['0'], True, 'dense')
    """

    def __init__(self, values: dict[str, np.ndarray], found: bool, name: str | None):
        super().__init__(values)
        self.found = found
        self.name = name


# A compressed dataset over this size that expands more than 1000x is refused (a bomb).
_BOMB_FLOOR = 1 << 32
_MAX_EXPANSION = 1000


def read_dataset(dataset: h5py.Dataset) -> np.ndarray:
    """A dataset as a NumPy array (bfloat16 when Keras tagged it so: HDF5 has no bfloat16, so Keras
    stores the raw 2-byte values with a `dtype="bfloat16"` attribute). Datasets that would expand
    far beyond their stored size are refused.

    Args:
        dataset: an `h5py.Dataset`.

    Returns:
        A NumPy array.

    Example:
        >>> import io
        >>> import h5py
        >>> import numpy as np
        >>> from lamina.saving.weights_store import read_dataset
        >>> h5file = h5py.File(io.BytesIO(), "w")
        >>> read_dataset(h5file.create_dataset("x", data=np.arange(3)))
        array([0, 1, 2])
    """
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


def _tagged_bfloat16(oid) -> bool:
    """Whether a dataset carries Keras's `dtype="bfloat16"` tag (low-level, no h5py objects)."""
    if not h5py.h5a.exists(oid, b"dtype"):
        return False
    attr = h5py.h5a.open(oid, b"dtype")
    value = np.empty(attr.shape, dtype=attr.dtype)
    attr.read(value)
    value = value.item() if value.shape == () else value
    return (value.decode() if isinstance(value, bytes) else str(value)) == "bfloat16"


class WeightsStore:
    """An HDF5 weights file open for writing (`make`) or reading (`get`).

    Args:
        h5file: the open `h5py.File`.
        mode: `"w"` (write with `make`) or `"r"` (read with `get`).

    Example:
        >>> import io
        >>> import numpy as np
        >>> from lamina.saving.weights_store import WeightsStore
        >>> buffer = io.BytesIO()
        >>> with WeightsStore.open(buffer, "w") as store:
        ...     store.make("layers/dense", {"name": "dense"})["0"] = np.ones(2)
        >>> with WeightsStore.open(io.BytesIO(buffer.getvalue()), "r") as store:
        ...     entry = store.get("layers/dense")
        ...     entry["0"], entry.name, store.get("layers/missing").found
        (array([1., 1.]), 'dense', False)
    """

    def __init__(self, h5file: h5py.File, mode: str):
        if mode not in ("r", "w"):
            raise ValueError(f"WeightsStore: mode must be 'r' or 'w', received {mode!r}.")
        self.h5file = h5file
        self.mode = mode
        self._index: dict[str, dict] | None = None

    def _read_all(self) -> dict[str, dict]:
        """Every `vars` group, read in one pass: group path -> {dataset name: array}.

        h5py's object layer costs a few hundred microseconds per node; naming the nodes once and
        reading datasets through the low-level API makes loading linear and cheap (a 200-layer
        model's file, optimizer included, in a fraction of a second)."""
        if self._index is None:
            names: list[str] = []
            self.h5file.visit(names.append)
            index: dict[str, dict] = {}
            for name in names:
                parent, _, leaf = name.rpartition("/")
                if leaf == "vars":
                    index.setdefault(name, {})
                    continue
                if not parent.endswith("vars") or parent.rpartition("/")[2] != "vars":
                    continue
                oid = h5py.h5o.open(self.h5file.id, name.encode())
                if not isinstance(oid, h5py.h5d.DatasetID):
                    continue
                if oid.get_type().get_class() == h5py.h5t.STRING or _tagged_bfloat16(oid):
                    value = read_dataset(self.h5file[name])  # tagged or unusual: the slow path
                else:
                    # Check the declared size before allocating: a forged shape must not
                    # allocate terabytes.
                    declared = int(np.prod(oid.shape, dtype=object)) * oid.dtype.itemsize
                    if declared > _BOMB_FLOOR and declared > _MAX_EXPANSION * max(
                        oid.get_storage_size(), 1
                    ):
                        raise ValueError(
                            f"Refusing to read HDF5 dataset '{name}': it declares {declared} "
                            f"bytes but stores {oid.get_storage_size()} (a decompression bomb)."
                        )
                    value = np.empty(oid.shape, dtype=oid.dtype)
                    if value.size:
                        oid.read(h5py.h5s.ALL, h5py.h5s.ALL, value)
                index.setdefault(parent, {})[leaf] = value
            self._index = index
        return self._index

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
        target = vars_group_path(path)
        index = self._read_all()
        if target in index:
            name = self.h5file[target].attrs.get("name")
            if isinstance(name, bytes):
                name = name.decode()
            return VarsEntry(dict(index[target]), found=True, name=name)
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
        for name, datasets in self._read_all().items():
            yield name[: -len("vars")].rstrip("/"), len(datasets)

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
