"""Sharded weights, Keras 3 style: `m.weights.json` indexes `m_00000.weights.h5`, ...

Each shard is an ordinary weights file holding some of the `vars` groups; a group whose
variables do not fit in one shard continues in the next. The index maps each non-empty group
(`"/layers/dense/vars"`) to the list of shard files that hold it (Keras also reads a bare name).
"""

from __future__ import annotations

import json
import os
import uuid

from lamina.distribution.multihost import to_host
from lamina.saving.lazy_h5py import h5py
from lamina.saving.weights_store import VarsEntry, WeightsStore, read_dataset, vars_group_path

_GIB = 1024**3


def shard_base(index_path: str) -> str:
    """The common prefix of the shard files of a sharded weights index:
    `dir/m.weights.json` -> `dir/m` (the shards are `dir/m_00000.weights.h5`, ...).

    Args:
        index_path: the `.weights.json` index file.

    Returns:
        The prefix.

    Example:
        >>> from lamina.saving.weights_sharded import shard_base
        >>> shard_base("out/model.weights.json")
        'out/model'
    """
    stem = os.path.splitext(index_path)[0]
    return stem[: -len(".weights")] if stem.endswith(".weights") else stem


def _temp_beside(path: str) -> str:
    directory, name = os.path.split(os.path.abspath(path))
    return os.path.join(directory, f".{name}.{uuid.uuid4().hex[:12]}.tmp")


class _ShardVarsWriter:
    def __init__(self, owner: ShardedWriter, path: str, metadata: dict | None):
        self._owner = owner
        self._path = path
        self._metadata = metadata
        self._count = 0
        if metadata:
            self._group()

    def _group(self) -> h5py.Group:
        h5file = self._owner.current
        parent = h5file.require_group(self._path) if self._path else h5file
        if "vars" in parent:
            return parent["vars"]
        group = parent.create_group("vars")
        for key, value in (self._metadata or {}).items():
            group.attrs[key] = value
        return group

    def __setitem__(self, key: str, value) -> None:
        array = to_host(value)
        self._owner.reserve(key, array.nbytes)
        group = self._group()
        dataset = group.create_dataset(key, data=array)
        if array.dtype.name == "bfloat16":
            dataset.attrs["dtype"] = "bfloat16"
        self._owner.record(group.name)
        self._count += 1

    def __len__(self) -> int:
        return self._count


class ShardedWriter:
    """Writes shards of at most `max_shard_size` GiB to temporary files; `commit` renames them.

    Args:
        index_path: the `.weights.json` index to write.
        max_shard_size: the largest shard, in GiB.

    Example:
        >>> import os, tempfile
        >>> import lamina as keras
        >>> from lamina.saving.weights_io import write_weights
        >>> from lamina.saving.weights_sharded import ShardedWriter
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> index = os.path.join(tempfile.mkdtemp(), "model.weights.json")
        >>> writer = ShardedWriter(index, max_shard_size=1.0)
        >>> write_weights(model, writer)
        >>> writer.commit()
        >>> sorted(os.listdir(os.path.dirname(index)))
        ['model.weights.json', 'model_00000.weights.h5']
    """

    def __init__(self, index_path: str, max_shard_size: float):
        self.index_path = index_path
        self.base = shard_base(index_path)
        self.max_bytes = float(max_shard_size) * _GIB
        self.shards: list[tuple[str, str]] = []  # (final path, temporary path)
        self.total = 0.0
        self.current_size = 0.0
        self.weight_map: dict[str, list[str]] = {}
        self.current: h5py.File = self._new_shard()

    def _new_shard(self) -> h5py.File:
        final = f"{self.base}_{len(self.shards):05}.weights.h5"
        tmp = _temp_beside(final)
        self.shards.append((final, tmp))
        return h5py.File(tmp, "w")

    def make(self, path: str, metadata: dict | None = None) -> _ShardVarsWriter:
        return _ShardVarsWriter(self, path, metadata)

    def reserve(self, key: str, nbytes: int) -> None:
        """Accounts for `nbytes` more, starting a new shard when the current one is full."""
        if nbytes > self.max_bytes:
            raise ValueError(
                f"The variable '{key}' takes {nbytes} bytes, more than max_shard_size "
                f"({self.max_bytes:.0f} bytes). Increase `max_shard_size`."
            )
        self.total += nbytes
        self.current_size += nbytes
        if self.current_size > self.max_bytes:
            self.current.close()
            self.current = self._new_shard()
            self.current_size = nbytes

    def record(self, group_name: str) -> None:
        shard = os.path.basename(self.shards[-1][0])
        known = self.weight_map.setdefault(group_name, [])
        if shard not in known:
            known.append(shard)

    def commit(self) -> None:
        """Closes the shards and moves them, then the index, into place."""
        self.current.close()
        index_tmp = _temp_beside(self.index_path)
        with open(index_tmp, "w") as f:
            json.dump(
                {"metadata": {"total_size": self.total}, "weight_map": self.weight_map},
                f,
                indent=4,
            )
        for final, tmp in self.shards:
            os.replace(tmp, final)
        os.replace(index_tmp, self.index_path)

    def abort(self) -> None:
        """Closes and deletes the temporary files."""
        try:
            self.current.close()
        except Exception:
            pass
        for _, tmp in self.shards:
            if os.path.exists(tmp):
                os.remove(tmp)


class ShardedReader:
    """Reads `vars` groups through the index, gathering groups that span shards.

    Args:
        index_path: the `.weights.json` index written by `save_weights(..., max_shard_size=...)`.

    Example:
        >>> import os, tempfile
        >>> import lamina as keras
        >>> from lamina.saving.weights_sharded import ShardedReader
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> index = os.path.join(tempfile.mkdtemp(), "model.weights.json")
        >>> model.save_weights(index, max_shard_size=1.0)
        >>> reader = ShardedReader(index)
        >>> reader.get("layers/dense")["0"].shape
        (3, 2)
        >>> reader.close()
    """

    def __init__(self, index_path: str):
        with open(index_path) as f:
            self.index = json.load(f)
        self.directory = os.path.dirname(os.path.abspath(index_path))
        self.files: dict[str, WeightsStore] = {}

    def _shard(self, name: str) -> h5py.File:
        if name not in self.files:
            self.files[name] = WeightsStore.open(os.path.join(self.directory, name), "r")
        return self.files[name].h5file

    def get(self, path: str) -> VarsEntry:
        group_name = "/" + vars_group_path(path)
        names = self.index.get("weight_map", {}).get(group_name)
        if names is None:
            return VarsEntry({}, found=False, name=None)
        values, label = {}, None
        for name in [names] if isinstance(names, str) else names:
            group = self._shard(name).get(group_name)
            if not isinstance(group, h5py.Group):
                continue
            label = label or group.attrs.get("name")
            for key, node in group.items():
                values[key] = read_dataset(node)
        return VarsEntry(values, found=True, name=label)

    def vars_paths(self):
        for group_name in self.index.get("weight_map", {}):
            path = group_name.strip("/")[: -len("vars")].rstrip("/")
            yield path, len(self.get(path))

    def is_legacy_keras2(self) -> bool:
        return False

    def close(self) -> None:
        for store in self.files.values():
            store.close()
        self.files.clear()
