"""Distributions (`DataParallel`, `ModelParallel`), the current one, and `distribute_tensor`.

A distribution decides the layout of data batches (split along the batch axis of the mesh) and of
variables (replicated, or per a `LayoutMap`). `set_distribution(d)` sets the process-wide
distribution (seen by every thread); `with d.scope():` overrides it for the block, in the current
thread or task only (a `ContextVar`). Only the training engine
reads it (through `lamina.distribution.engine`); layers never see shardings.
"""

from __future__ import annotations

import contextlib
import contextvars
import warnings

import jax

from lamina.distribution.mesh import DeviceMesh, LayoutMap, TensorLayout, list_devices

# The module state: the process-wide distribution (None: one device), and the one a
# `Distribution.scope()` puts in effect for its block (`_NO_SCOPE` outside any scope).
_GLOBAL: list = [None]
_NO_SCOPE = object()
_SCOPED: contextvars.ContextVar = contextvars.ContextVar("lamina_distribution", default=_NO_SCOPE)


class Distribution:
    """Base class: a mesh, the name of its batch axis, and the layouts it gives.

    Args:
        device_mesh: the `DeviceMesh`.
        batch_dim_name: the mesh axis that splits the batch (default: the mesh's first axis).
        auto_shard_dataset: in a job of several processes, `True` (default): every process
            passes the same full arrays and each hands over only its own rows; `False`: each
            process passes its own part of the data, and the parts are joined in process order
            into one dataset (`batch_size` stays global, unlike Keras where it is per process).

    Example:
        >>> import lamina as keras
        >>> mesh = keras.distribution.DeviceMesh((1,), ["batch"], devices=["cpu:0"])
        >>> strategy = keras.distribution.DataParallel(device_mesh=mesh)
        >>> isinstance(strategy, keras.distribution.Distribution), strategy.batch_dim_name
        (True, 'batch')
    """

    def __init__(
        self,
        device_mesh: DeviceMesh,
        batch_dim_name: str | None = None,
        auto_shard_dataset: bool = True,
    ):
        if not isinstance(device_mesh, DeviceMesh):
            raise ValueError(f"Expected a DeviceMesh, received {device_mesh!r}.")
        batch_dim_name = batch_dim_name or device_mesh.axis_names[0]
        if batch_dim_name not in device_mesh.axis_names:
            raise ValueError(
                f"batch_dim_name {batch_dim_name!r} is not an axis of the mesh "
                f"{device_mesh.axis_names}."
            )
        self._device_mesh = device_mesh
        self._batch_dim_name = batch_dim_name
        self.auto_shard_dataset = auto_shard_dataset

    @property
    def device_mesh(self) -> DeviceMesh:
        return self._device_mesh

    @property
    def batch_dim_name(self) -> str:
        return self._batch_dim_name

    def get_data_layout(self, data_shape) -> TensorLayout:
        """The layout of a batch: split along its first axis over the batch axis."""
        axes = [None] * len(data_shape)
        if axes:
            axes[0] = self._batch_dim_name
        return TensorLayout(axes, self._device_mesh)

    def get_variable_layout(self, variable) -> TensorLayout:
        """The layout of `variable` (replicated unless a subclass says otherwise)."""
        return TensorLayout([None] * len(variable.shape), self._device_mesh)

    def get_tensor_layout(self, path: str) -> TensorLayout | None:
        """The layout of an intermediate tensor named `path`, if any."""
        return None

    def distribute_dataset(self, dataset):
        """Datasets are fed as they are (every process yields the same global batches); the
        engine splits each batch (see the engine)."""
        return dataset

    @contextlib.contextmanager
    def scope(self):
        """Makes this the current distribution inside the `with` block."""
        token = _SCOPED.set(self)
        try:
            yield self
        finally:
            _SCOPED.reset(token)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} mesh={self._device_mesh.shape} "
            f"axes={self._device_mesh.axis_names} batch_dim={self._batch_dim_name!r}>"
        )


class DataParallel(Distribution):
    """Every device holds all variables; each batch is split over the devices.

    Args:
        device_mesh: a mesh (its first axis splits the batch); or
        devices: the devices for a 1-d mesh named `"batch"` (all devices by default).
        auto_shard_dataset: see `Distribution`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> strategy = keras.distribution.DataParallel()  # all devices split each batch
        >>> strategy.batch_dim_name, strategy.device_mesh.shape == (len(keras.distribution.list_devices()),)
        ('batch', True)
        >>> with strategy.scope():
        ...     model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        ...     model.compile("sgd", "mse")
        ...     _ = model.fit(np.ones((8, 3)), np.ones((8, 1)), batch_size=8, verbose=0)
        >>> strategy.get_data_layout((8, 3))
        <TensorLayout axes=('batch', None)>
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset: bool = True):
        if device_mesh is None:
            devices = list(devices) if devices is not None else list_devices()
            device_mesh = DeviceMesh((len(devices),), ("batch",), devices)
        super().__init__(device_mesh, device_mesh.axis_names[0], auto_shard_dataset)


class ModelParallel(Distribution):
    """Variables are laid out by a `LayoutMap` (replicated when no key matches); batches are
    split along `batch_dim_name`.

    Args:
        layout_map: the `LayoutMap` (its mesh is the distribution's mesh).
        batch_dim_name: the mesh axis splitting the batch (default: the mesh's first axis).
        auto_shard_dataset: see `Distribution`.
        device_mesh: accepted for the older form `ModelParallel(device_mesh, layout_map, ...)`;
            it must be the layout map's mesh.

    Example:
        >>> import lamina as keras
        >>> devices = keras.distribution.list_devices()
        >>> mesh = keras.distribution.DeviceMesh((1, len(devices)), ["batch", "model"], devices)
        >>> layout_map = keras.distribution.LayoutMap(mesh)
        >>> layout_map[".*dense.*kernel"] = (None, "model")  # split the kernels' columns
        >>> strategy = keras.distribution.ModelParallel(layout_map=layout_map,
        ...                                             batch_dim_name="batch")
        >>> with strategy.scope():
        ...     model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="dense")])
        >>> strategy.get_variable_layout(model.layers[0].kernel)
        <TensorLayout axes=(None, 'model')>
    """

    def __init__(
        self,
        *args,
        layout_map: LayoutMap | None = None,
        batch_dim_name: str | None = None,
        auto_shard_dataset: bool = True,
        device_mesh: DeviceMesh | None = None,
    ):
        # Older form: ModelParallel(device_mesh, layout_map, batch_dim_name).
        positional = list(args)
        if positional and isinstance(positional[0], DeviceMesh):
            device_mesh = positional.pop(0)
        if positional:
            layout_map = positional.pop(0)
        if positional:
            batch_dim_name = positional.pop(0)
        if positional:
            raise TypeError(f"ModelParallel: too many positional arguments {args!r}.")
        if layout_map is None:
            if device_mesh is None:
                raise ValueError("ModelParallel needs a `layout_map` (or a `device_mesh`).")
            layout_map = LayoutMap(device_mesh)
        if not isinstance(layout_map, LayoutMap):
            raise ValueError(f"`layout_map` must be a LayoutMap, received {layout_map!r}.")
        if device_mesh is not None and device_mesh is not layout_map.device_mesh:
            raise ValueError("ModelParallel: `device_mesh` differs from the layout map's mesh.")
        super().__init__(layout_map.device_mesh, batch_dim_name, auto_shard_dataset)
        self._layout_map = layout_map

    @property
    def layout_map(self) -> LayoutMap:
        return self._layout_map

    def get_variable_layout(self, variable) -> TensorLayout:
        layout = self._layout_map[variable.path]
        if layout is None:
            return super().get_variable_layout(variable)
        if len(layout.axes) != len(variable.shape):
            raise ValueError(
                f"The layout {layout.axes} for variable '{variable.path}' has {len(layout.axes)} "
                f"axes, but the variable has shape {tuple(variable.shape)}."
            )
        return layout

    def get_tensor_layout(self, path: str) -> TensorLayout | None:
        return self._layout_map[path]


def set_distribution(value: Distribution | None) -> None:
    """Sets the process-wide distribution (`None`: back to one device); every thread sees it.
    Models built and trained afterwards lay out their variables and batches by it.

    Args:
        value: a `Distribution`, or None.

    Example:
        >>> import lamina as keras
        >>> strategy = keras.distribution.DataParallel()
        >>> keras.distribution.set_distribution(strategy)
        >>> keras.distribution.distribution() is strategy
        True
        >>> keras.distribution.set_distribution(None)
    """
    if value is not None and not isinstance(value, Distribution):
        raise ValueError(f"Expected a Distribution or None, received {value!r}.")
    _GLOBAL[0] = value


def distribution() -> Distribution | None:
    """The current distribution: the innermost `scope()`'s, else the process-wide one, or `None`
    (everything on one device).

    Args:
        None.

    Returns:
        A `Distribution`, or None.

    Example:
        >>> import lamina as keras
        >>> keras.distribution.distribution() is None
        True
        >>> strategy = keras.distribution.DataParallel()
        >>> with strategy.scope():
        ...     keras.distribution.distribution() is strategy
        True
    """
    scoped = _SCOPED.get()
    return _GLOBAL[0] if scoped is _NO_SCOPE else scoped


def _as_sharding(layout) -> jax.sharding.Sharding:
    if isinstance(layout, TensorLayout):
        return layout.backend_layout
    if isinstance(layout, jax.sharding.Sharding):
        return layout
    raise ValueError(f"Expected a TensorLayout or a jax Sharding, received {layout!r}.")


def distribute_tensor(tensor, layout):
    """Lays `tensor` out as `layout` says: placed on the devices outside `jit`, a sharding
    constraint inside a traced function.

    Args:
        tensor: an array.
        layout: a `TensorLayout` (with its mesh set) or a `jax.sharding.Sharding`.

    Returns:
        The laid-out array.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> mesh = keras.distribution.DeviceMesh((1,), ["batch"], devices=["cpu:0"])
        >>> layout = keras.distribution.TensorLayout(("batch", None), mesh)
        >>> x = keras.distribution.distribute_tensor(np.ones((4, 2)), layout)
        >>> x.shape, tuple(x.sharding.spec)
        ((4, 2), ('batch', None))
    """
    sharding = _as_sharding(layout)
    if isinstance(tensor, jax.core.Tracer):
        return jax.lax.with_sharding_constraint(tensor, sharding)
    return jax.device_put(tensor, sharding)


def warn_unused_keys(layout_map: LayoutMap, used: set) -> None:
    """Warns about `LayoutMap` keys that matched no variable path (a typo, or a `Sequential`
    model's name missing from the pattern).

    Args:
        layout_map: the `LayoutMap`.
        used: the keys that matched at least one variable.

    Example:
        >>> import warnings
        >>> import lamina as keras
        >>> from lamina.distribution.distribution_lib import warn_unused_keys
        >>> layout_map = keras.distribution.LayoutMap(
        ...     keras.distribution.DeviceMesh((1,), ["model"], devices=["cpu:0"]))
        >>> layout_map["dense/kernel"] = (None, "model")
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     warn_unused_keys(layout_map, used=set())
        >>> "matched no variable path" in str(caught[0].message)
        True
    """
    for key in layout_map:
        if key not in used:
            warnings.warn(
                f"LayoutMap key {key!r} matched no variable path, so it lays out nothing. "
                "Paths of layers inside a Sequential model start with the model's name "
                "(e.g. 'sequential/dense/kernel'); try a key like '.*dense/kernel'.",
                stacklevel=3,
            )
