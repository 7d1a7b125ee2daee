"""Many devices and many machines (`keras.distribution`), on `jax.sharding` and
`jax.distributed`."""

from lamina.distribution.distribution_lib import (
    DataParallel,
    Distribution,
    ModelParallel,
    distribute_tensor,
    distribution,
    set_distribution,
)
from lamina.distribution.mesh import (
    DeviceMesh,
    LayoutMap,
    TensorLayout,
    get_device_count,
    list_devices,
)
from lamina.distribution.multi_process import initialize

__all__ = [
    "DataParallel",
    "DeviceMesh",
    "Distribution",
    "LayoutMap",
    "ModelParallel",
    "TensorLayout",
    "distribute_tensor",
    "distribution",
    "get_device_count",
    "initialize",
    "list_devices",
    "set_distribution",
]
