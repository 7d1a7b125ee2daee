"""What the training engine asks of the current distribution: where the state and the data go.

The engine calls these helpers; with no distribution set they do nothing. Variables are placed
by their layouts (optimizer slots take the layout of the variable they belong to, metric
variables are replicated); data arrays are split along their first axis over the mesh's batch
axis; inside the jitted steps, each gathered batch and the new state are pinned to those same
shardings so layouts persist from step to step.
"""

from __future__ import annotations

import jax

from lamina.distribution.distribution_lib import (
    ModelParallel,
    TensorLayout,
    distribution,
    warn_unused_keys,
)
from lamina.distribution.mesh import axis_size


def _replicated(dist) -> jax.sharding.NamedSharding:
    return jax.sharding.NamedSharding(dist.device_mesh.backend_mesh, jax.sharding.PartitionSpec())


def batch_shards(dist=None) -> int:
    """How many pieces each batch is split into (1 without a distribution)."""
    dist = dist or distribution()
    return 1 if dist is None else axis_size(dist.device_mesh, dist.batch_dim_name)


def _variable_sharding(dist, variable, used: set):
    own = getattr(variable, "_layout", None)
    if isinstance(own, TensorLayout):
        if own.device_mesh is None:
            own.device_mesh = dist.device_mesh
        return own.backend_layout
    if isinstance(dist, ModelParallel):
        key = dist.layout_map.matching_key(variable.path)
        if key is not None:
            used.add(key)
    return dist.get_variable_layout(variable).backend_layout


def _slot_owner(slot, by_mangled: dict):
    """The trainable variable an optimizer slot belongs to, from its name
    (`<optimizer>/<variable path with '/' as '_'>_<slot>`) and its shape."""
    rest = slot.path.split("/", 1)[-1]
    best = None
    for mangled, variable in by_mangled.items():
        if rest.startswith(mangled + "_") and (best is None or len(mangled) > len(best[0])):
            best = (mangled, variable)
    if best is not None and tuple(best[1].shape) == tuple(slot.shape):
        return best[1]
    return None


def state_shardings(builder):
    """Per-variable shardings for a step builder's state under the current distribution, as
    `(trainable, non_trainable, optimizer, metrics)` lists (computed once per distribution);
    `None` without a distribution."""
    dist = distribution()
    if dist is None:
        return None
    cache = builder.__dict__.setdefault("_distribution_shardings", {})
    if id(dist) in cache and cache[id(dist)][0] is dist:
        return cache[id(dist)][1]
    used: set = set()
    trainable = [_variable_sharding(dist, v, used) for v in builder.trainable_vars]
    non_trainable = [_variable_sharding(dist, v, used) for v in builder.non_trainable_vars]
    by_mangled = {
        v.path.replace("/", "_").replace(":", "_"): (v, s)
        for v, s in zip(builder.trainable_vars, trainable)
    }
    owners = {k: v for k, (v, _) in by_mangled.items()}
    sharding_of = {id(v): s for v, s in by_mangled.values()}
    replicated = _replicated(dist)
    optimizer = []
    for slot in builder.optimizer_vars:
        owner = _slot_owner(slot, owners)
        optimizer.append(sharding_of[id(owner)] if owner is not None else replicated)
    metrics = [replicated] * len(builder.metric_vars)
    if isinstance(dist, ModelParallel):
        warn_unused_keys(dist.layout_map, used)
    result = (trainable, non_trainable, optimizer, metrics)
    cache[id(dist)] = (dist, result)
    return result


def place_state(builder, state):
    """Puts each state value on the devices with its variable's sharding (a no-op for values
    already placed so); returns the state unchanged without a distribution."""
    shardings = state_shardings(builder)
    if shardings is None:
        return state
    return type(state)(
        *[
            [jax.device_put(value, s) for value, s in zip(values, group)]
            for values, group in zip(state, shardings)
        ]
    )


def constrain_state(builder, state):
    """Inside a step: pins the new state to the variables' shardings."""
    shardings = state_shardings(builder)
    if shardings is None:
        return state
    groups = []
    for values, group in zip(state, shardings):
        if len(values) != len(group):
            return state  # a user step changed the structure: let the compiler decide
        groups.append([jax.lax.with_sharding_constraint(v, s) for v, s in zip(values, group)])
    return type(state)(*groups)


def _batch_sharding(dist, array):
    shards = batch_shards(dist)
    if array.ndim == 0 or array.shape[0] % shards != 0:
        return None
    return dist.get_data_layout(array.shape).backend_layout


def place_data(structure):
    """Puts whole in-memory arrays on the mesh, split along the first axis over the batch axis
    (replicated when the row count does not divide evenly)."""
    dist = distribution()
    if dist is None:
        return structure

    def put(a):
        return jax.device_put(a, _batch_sharding(dist, a) or _replicated(dist))

    return jax.tree.map(put, structure)


def constrain_batch(batch):
    """Inside a step: splits a gathered batch along its first axis over the batch axis. Batches
    whose size does not divide evenly (an exact last partial batch) are left to the compiler."""
    dist = distribution()
    if dist is None:
        return batch

    def pin(a):
        sharding = _batch_sharding(dist, a)
        return a if sharding is None else jax.lax.with_sharding_constraint(a, sharding)

    return jax.tree.map(pin, batch)


def replicate(tree):
    """Inside a step: makes outputs whole on every device (and so on every process)."""
    dist = distribution()
    if dist is None:
        return tree
    sharding = _replicated(dist)
    return jax.tree.map(lambda a: jax.lax.with_sharding_constraint(a, sharding), tree)


def check_batch_size(batch_size: int, method: str = "fit") -> None:
    """Raises when `batch_size` does not split evenly over the batch axis."""
    dist = distribution()
    shards = batch_shards(dist)
    if shards > 1 and batch_size % shards != 0:
        raise ValueError(
            f"{method}(): batch_size={batch_size} does not split evenly over the "
            f"{shards} devices of the mesh axis {dist.batch_dim_name!r}; use a multiple of "
            f"{shards} (with fewer samples than that, batch_size is the number of samples)."
        )


def cache_key():
    """What the compiled steps depend on: the current distribution object (or `None`)."""
    return distribution()
