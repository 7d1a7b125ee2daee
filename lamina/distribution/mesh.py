"""Devices, meshes and layouts: `list_devices`, `DeviceMesh`, `TensorLayout`, `LayoutMap`.

A `DeviceMesh` names the axes of an n-d grid of devices (backed by `jax.sharding.Mesh`); a
`TensorLayout` says, per tensor axis, which mesh axis splits it (`None`: not split); a `LayoutMap`
maps regular expressions over variable paths to layouts.
"""

from __future__ import annotations

import collections.abc
import re
from collections.abc import Sequence

import jax
import numpy as np


def _jax_devices(device_type: str | None = None) -> list:
    if device_type:
        return jax.devices(device_type.lower())
    return jax.devices()


def list_devices(device_type: str | None = None) -> list[str]:
    """Every device of the job (all processes), as strings like `"cpu:0"` or `"gpu:3"`.

    Args:
        device_type: `"cpu"`, `"gpu"` or `"tpu"`; default: the default backend's devices.

    Returns:
        A list of device strings.

    Example:
        >>> import lamina as keras
        >>> keras.distribution.list_devices("cpu")[0]
        'cpu:0'
    """
    return [f"{d.platform}:{d.id}" for d in _jax_devices(device_type)]


def get_device_count(device_type: str | None = None) -> int:
    """How many devices of `device_type` the job has (all processes).

    Args:
        device_type: `"cpu"`, `"gpu"` or `"tpu"`; default: the default backend's devices.

    Returns:
        An int.

    Example:
        >>> import lamina as keras
        >>> keras.distribution.get_device_count() == len(keras.distribution.list_devices())
        True
    """
    return len(_jax_devices(device_type))


def _to_jax_device(device):
    """A `jax.Device` from a device or a `"platform:id"` string."""
    if not isinstance(device, str):
        return device
    platform, _, index = device.partition(":")
    platform = platform.lower()
    if platform == "gpu":
        platform = jax.default_backend() if jax.default_backend() in ("gpu", "cuda") else "gpu"
    for d in jax.devices(platform):
        if str(d.id) == index:
            return d
    raise ValueError(f"Unknown device {device!r}; available: {list_devices(platform)}.")


class DeviceMesh:
    """An n-d grid of devices with one name per axis.

    Args:
        shape: the grid's shape; its product must equal the number of devices.
        axis_names: one name per axis of `shape` (e.g. `("batch", "model")`).
        devices: the devices (strings like `"cpu:0"` or `jax.Device`s); all devices by default.

    Example:
        >>> import lamina as keras
        >>> mesh = keras.distribution.DeviceMesh((1, 1), ["batch", "model"], devices=["cpu:0"])
        >>> mesh.shape, mesh.axis_names
        ((1, 1), ('batch', 'model'))
    """

    def __init__(self, shape, axis_names, devices=None):
        shape = tuple(int(s) for s in shape)
        axis_names = tuple(str(a) for a in axis_names)
        if not shape:
            raise ValueError("DeviceMesh: `shape` must not be empty.")
        if len(shape) != len(axis_names):
            raise ValueError(
                f"DeviceMesh: `shape` {shape} and `axis_names` {axis_names} must have the same "
                "length."
            )
        if len(set(axis_names)) != len(axis_names):
            raise ValueError(f"DeviceMesh: `axis_names` must be unique, got {axis_names}.")
        if devices is None:
            devices = list_devices()
        flat = list(np.asarray(devices, dtype=object).reshape(-1))
        if int(np.prod(shape)) != len(flat):
            raise ValueError(
                f"DeviceMesh: a mesh of shape {shape} needs {int(np.prod(shape))} devices, but "
                f"{len(flat)} were given."
            )
        self._shape = shape
        self._axis_names = axis_names
        self._devices = np.asarray(flat, dtype=object).reshape(shape)
        self._jax_mesh = None

    @property
    def shape(self) -> tuple:
        return self._shape

    @property
    def axis_names(self) -> tuple:
        return self._axis_names

    @property
    def devices(self) -> np.ndarray:
        return self._devices

    @property
    def backend_mesh(self) -> jax.sharding.Mesh:
        """The equivalent `jax.sharding.Mesh` (built once)."""
        if self._jax_mesh is None:
            flat = [_to_jax_device(d) for d in self._devices.reshape(-1)]
            grid = np.asarray(flat, dtype=object).reshape(self._shape)
            self._jax_mesh = jax.sharding.Mesh(grid, self._axis_names)
        return self._jax_mesh

    def __repr__(self) -> str:
        return f"<DeviceMesh shape={self._shape}, axis_names={self._axis_names}>"


class TensorLayout:
    """How one tensor is split over a mesh: per tensor axis, a mesh axis name or `None`.

    Args:
        axes: one entry per tensor axis (a mesh axis name, or `None` for not split).
        device_mesh: the mesh; may be set later (once) by a `LayoutMap` or a distribution.

    Example:
        >>> import lamina as keras
        >>> mesh = keras.distribution.DeviceMesh((1,), ["model"], devices=["cpu:0"])
        >>> layout = keras.distribution.TensorLayout((None, "model"), mesh)
        >>> layout.axes, layout.device_mesh is mesh
        ((None, 'model'), True)
    """

    def __init__(self, axes, device_mesh: DeviceMesh | None = None):
        self._axes = tuple(axes)
        self._device_mesh = None
        if device_mesh is not None:
            self.device_mesh = device_mesh

    @property
    def axes(self) -> tuple:
        return self._axes

    @property
    def device_mesh(self) -> DeviceMesh | None:
        return self._device_mesh

    @device_mesh.setter
    def device_mesh(self, mesh: DeviceMesh) -> None:
        if self._device_mesh is not None and self._device_mesh is not mesh:
            raise ValueError("TensorLayout: its `device_mesh` is already set.")
        names = set(mesh.axis_names)
        for axis in self._axes:
            for name in axis if isinstance(axis, (tuple, list)) else (axis,):
                if name is not None and name not in names:
                    raise ValueError(
                        f"TensorLayout{self._axes}: axis name {name!r} is not an axis of the "
                        f"mesh (its axes are {mesh.axis_names})."
                    )
        self._device_mesh = mesh

    @property
    def backend_layout(self) -> jax.sharding.NamedSharding:
        """The equivalent `jax.sharding.NamedSharding`."""
        if self._device_mesh is None:
            raise ValueError(f"TensorLayout{self._axes} has no `device_mesh` yet.")
        spec = jax.sharding.PartitionSpec(
            *(tuple(a) if isinstance(a, list) else a for a in self._axes)
        )
        return jax.sharding.NamedSharding(self._device_mesh.backend_mesh, spec)

    def __repr__(self) -> str:
        return f"<TensorLayout axes={self._axes}>"


class LayoutMap(collections.abc.MutableMapping):
    """A dict from regular expressions to `TensorLayout`s, looked up by variable path.

    Lookup tries the exact key first, then every key as a regex that must match the whole path
    (`re.fullmatch`); two matching keys are an error, no match gives `None` (replicated).
    Tuples are accepted as values and become `TensorLayout`s on this map's mesh. Note that inside
    a `Sequential` model, paths start with the model's name (`"sequential/d1/kernel"`).

    Args:
        device_mesh: the mesh the layouts refer to.

    Example:
        >>> import lamina as keras
        >>> mesh = keras.distribution.DeviceMesh((1,), ["model"], devices=["cpu:0"])
        >>> layout_map = keras.distribution.LayoutMap(mesh)
        >>> layout_map[".*dense.*/kernel"] = (None, "model")
        >>> layout_map["sequential/dense_1/kernel"]
        <TensorLayout axes=(None, 'model')>
        >>> layout_map["sequential/dense_1/bias"] is None  # no key matches: replicated
        True
    """

    def __init__(self, device_mesh: DeviceMesh):
        self._device_mesh = device_mesh
        self._layouts: dict[str, TensorLayout] = {}

    @property
    def device_mesh(self) -> DeviceMesh:
        return self._device_mesh

    def __getitem__(self, key: str) -> TensorLayout | None:
        if key in self._layouts:
            return self._layouts[key]
        matches = [k for k in self._layouts if re.fullmatch(k, key)]
        if len(matches) > 1:
            raise ValueError(
                f"LayoutMap: path {key!r} matches several keys {matches}; make the keys disjoint."
            )
        return self._layouts[matches[0]] if matches else None

    def matching_key(self, path: str) -> str | None:
        """The key that `path` resolves to (for bookkeeping), or `None`."""
        if path in self._layouts:
            return path
        for k in self._layouts:
            if re.fullmatch(k, path):
                return k
        return None

    def __setitem__(self, key: str, layout) -> None:
        if key in self._layouts:
            raise ValueError(f"LayoutMap: key {key!r} already has a layout.")
        if isinstance(layout, (tuple, list)):
            layout = TensorLayout(layout)
        if not isinstance(layout, TensorLayout):
            raise ValueError(
                f"LayoutMap values must be TensorLayouts or tuples; received {layout!r}."
            )
        if layout.device_mesh is None:
            layout.device_mesh = self._device_mesh
        self._layouts[key] = layout

    def __delitem__(self, key: str) -> None:
        del self._layouts[key]

    def __len__(self) -> int:
        return len(self._layouts)

    def __iter__(self):
        return iter(self._layouts)


def axis_size(mesh: DeviceMesh, names: Sequence | str | None) -> int:
    """The number of shards along mesh axis `names`: the product of those axes' sizes.

    Args:
        mesh: a `DeviceMesh`.
        names: an axis name, a tuple of names, or None (1).

    Returns:
        An int.

    Example:
        >>> import lamina as keras
        >>> from lamina.distribution.mesh import axis_size
        >>> mesh = keras.distribution.DeviceMesh((1, 1), ["batch", "model"], devices=["cpu:0"])
        >>> axis_size(mesh, "batch"), axis_size(mesh, ("batch", "model")), axis_size(mesh, None)
        (1, 1, 1)
    """
    if names is None:
        return 1
    if isinstance(names, str):
        names = (names,)
    return int(np.prod([mesh.shape[mesh.axis_names.index(n)] for n in names]))
