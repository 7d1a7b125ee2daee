"""What the training engine asks of the current distribution: where the state and the data go.

The engine calls these helpers; with no distribution set they do nothing. Variables are placed
by their layouts (optimizer slots take the layout of the variable they belong to, metric
variables are replicated); data arrays are split along their first axis over the mesh's batch
axis; inside the jitted steps, each gathered batch and the new state are pinned to those same
shardings so layouts persist from step to step.

With several processes, in-memory data becomes global arrays through
`jax.make_array_from_process_local_data` (`place_data`, `process_data`), and loaded weights are
put back by layout (`place_loaded`). The helpers that talk to other processes are in
`lamina.distribution.multihost`.
"""

from __future__ import annotations

import jax
import numpy as np

from lamina.distribution import multihost
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
    """How many pieces each batch is split into: the size of the distribution's batch axis (1
    without a distribution).

    Args:
        dist: a `Distribution`; default: the current one.

    Returns:
        An int.

    Example:
        >>> import lamina as keras
        >>> from lamina.distribution.engine import batch_shards
        >>> strategy = keras.distribution.DataParallel()
        >>> batch_shards(), batch_shards(strategy) == keras.distribution.get_device_count()
        (1, True)
    """
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


def _shardings_for(dist, trainable_vars, non_trainable_vars, optimizer_vars, metric_vars, warn):
    used: set = set()
    trainable = [_variable_sharding(dist, v, used) for v in trainable_vars]
    non_trainable = [_variable_sharding(dist, v, used) for v in non_trainable_vars]
    by_mangled = {
        v.path.replace("/", "_").replace(":", "_"): (v, s)
        for v, s in zip(trainable_vars, trainable)
    }
    owners = {k: v for k, (v, _) in by_mangled.items()}
    sharding_of = {id(v): s for v, s in by_mangled.values()}
    replicated = _replicated(dist)
    optimizer = []
    for slot in optimizer_vars:
        owner = _slot_owner(slot, owners)
        optimizer.append(sharding_of[id(owner)] if owner is not None else replicated)
    metrics = [replicated] * len(metric_vars)
    if warn and isinstance(dist, ModelParallel):
        warn_unused_keys(dist.layout_map, used)
    return (trainable, non_trainable, optimizer, metrics)


def state_shardings(builder):
    """Per-variable shardings of a step builder's state under the current distribution, as
    `(trainable, non_trainable, optimizer, metrics)` lists (computed once per distribution and
    cached on the builder): variables by their layouts, optimizer slots like the variable they
    belong to, metric variables replicated.

    Args:
        builder: the step builder (anything with `trainable_vars`, `non_trainable_vars`,
            `optimizer_vars` and `metric_vars` lists).

    Returns:
        A tuple of four lists of `jax.sharding.NamedSharding`, or None without a distribution.

    Example:
        >>> from types import SimpleNamespace
        >>> import lamina as keras
        >>> from lamina.distribution.engine import state_shardings
        >>> kernel = keras.Variable(initializer="ones", shape=(2, 2), name="kernel")
        >>> builder = SimpleNamespace(trainable_vars=[kernel], non_trainable_vars=[],
        ...                           optimizer_vars=[], metric_vars=[])
        >>> state_shardings(builder) is None
        True
        >>> with keras.distribution.DataParallel().scope():
        ...     trainable, *_ = state_shardings(builder)
        >>> tuple(trainable[0].spec)  # not split: replicated on every device
        (None, None)
    """
    dist = distribution()
    if dist is None:
        return None
    cache = builder.__dict__.setdefault("_distribution_shardings", {})
    if id(dist) in cache and cache[id(dist)][0] is dist:
        return cache[id(dist)][1]
    result = _shardings_for(
        dist,
        builder.trainable_vars,
        builder.non_trainable_vars,
        builder.optimizer_vars,
        builder.metric_vars,
        warn=True,
    )
    cache[id(dist)] = (dist, result)
    return result


def put(value, sharding):
    """`jax.device_put(value, sharding)`; in a job of several processes, a value held whole by
    this process (the same on every process) goes through `make_array_from_process_local_data`,
    each process handing over only the part its devices hold.

    Args:
        value: an array.
        sharding: a `jax.sharding.Sharding`.

    Returns:
        The placed `jax.Array`.

    Example:
        >>> import jax
        >>> import numpy as np
        >>> from lamina.distribution.engine import put
        >>> put(np.ones(3), jax.sharding.SingleDeviceSharding(jax.devices()[0])).shape
        (3,)
    """
    if (
        multihost.is_multi_process()
        and not sharding.is_fully_addressable
        and (not isinstance(value, jax.Array) or value.is_fully_addressable)
    ):
        return multihost.from_full_array(np.asarray(value), sharding)
    return jax.device_put(value, sharding)


def place_state(builder, state):
    """Puts each state value on the devices with its variable's sharding (a no-op for values
    already placed so); returns the state unchanged without a distribution.

    Args:
        builder: the step builder (see `state_shardings`).
        state: the train state: a tuple-like of lists of arrays, in the builder's groups.

    Returns:
        The state, with every value placed.

    Example:
        >>> from types import SimpleNamespace
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.distribution.engine import place_state
        >>> from lamina.training.steps import TrainState
        >>> kernel = keras.Variable(initializer="ones", shape=(2,), name="kernel")
        >>> builder = SimpleNamespace(trainable_vars=[kernel], non_trainable_vars=[],
        ...                           optimizer_vars=[], metric_vars=[])
        >>> with keras.distribution.DataParallel().scope():
        ...     state = place_state(builder, TrainState([np.ones(2)], [], [], []))
        >>> type(state[0][0]).__name__
        'ArrayImpl'
    """
    shardings = state_shardings(builder)
    if shardings is None:
        return state
    return type(state)(
        *[
            [put(value, s) for value, s in zip(values, group)]
            for values, group in zip(state, shardings)
        ]
    )


def constrain_state(builder, state):
    """Inside a step: pins the new state to the variables' shardings.

    Args:
        builder: the step builder (see `state_shardings`).
        state: the new train state, inside a traced step.

    Returns:
        The state with sharding constraints (unchanged without a distribution, or when a custom
        step changed its structure).

    Example:
        >>> from types import SimpleNamespace
        >>> import jax
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.distribution.engine import constrain_state
        >>> from lamina.training.steps import TrainState
        >>> kernel = keras.Variable(initializer="ones", shape=(2,), name="kernel")
        >>> builder = SimpleNamespace(trainable_vars=[kernel], non_trainable_vars=[],
        ...                           optimizer_vars=[], metric_vars=[])
        >>> with keras.distribution.DataParallel().scope():
        ...     step = jax.jit(lambda s: constrain_state(builder, s))
        ...     out = step(TrainState([np.ones(2)], [], [], []))
        >>> out[0][0].shape
        (2,)
    """
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
    (replicated when the row count does not divide evenly).

    In a job of several processes, an array this process holds whole (the same full array on
    every process: `auto_shard_dataset=True`) is split automatically: each process hands over
    only the rows its own devices hold. Arrays already global (the per-process parts joined by
    `process_data`) are only resharded.

    Args:
        structure: an array or a nest of arrays (samples first).

    Returns:
        The same structure of placed `jax.Array`s (unchanged without a distribution).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.distribution.engine import place_data
        >>> with keras.distribution.DataParallel().scope():
        ...     x = place_data({"x": np.ones((4, 3))})["x"]
        >>> tuple(x.sharding.spec)[0]
        'batch'
    """
    dist = distribution()
    if dist is None:
        return structure

    def place(a):
        return put(a, _batch_sharding(dist, a) or _replicated(dist))

    return jax.tree.map(place, structure)


def constrain_batch(batch):
    """Inside a step: splits a gathered batch along its first axis over the batch axis. Batches
    whose size does not divide evenly (an exact last partial batch) are left to the compiler.

    Args:
        batch: a nest of arrays, inside a traced step.

    Returns:
        The batch with sharding constraints (unchanged without a distribution).

    Example:
        >>> import jax
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.distribution.engine import constrain_batch
        >>> with keras.distribution.DataParallel().scope():
        ...     out = jax.jit(constrain_batch)(np.ones((4, 3)))
        >>> out.shape
        (4, 3)
    """
    dist = distribution()
    if dist is None:
        return batch

    def pin(a):
        sharding = _batch_sharding(dist, a)
        return a if sharding is None else jax.lax.with_sharding_constraint(a, sharding)

    return jax.tree.map(pin, batch)


def replicate(tree):
    """Inside a step: makes outputs whole on every device (and so on every process).

    Args:
        tree: a nest of arrays, inside a traced step.

    Returns:
        The same nest, constrained to be replicated (unchanged without a distribution).

    Example:
        >>> import jax
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.distribution.engine import replicate
        >>> with keras.distribution.DataParallel().scope():
        ...     out = jax.jit(replicate)(np.ones((4, 3)))
        >>> tuple(out.sharding.spec)
        ()
    """
    dist = distribution()
    if dist is None:
        return tree
    sharding = _replicated(dist)
    return jax.tree.map(lambda a: jax.lax.with_sharding_constraint(a, sharding), tree)


def check_batch_size(batch_size: int, method: str = "fit") -> None:
    """Raises when `batch_size` does not split evenly over the batch axis.

    Args:
        batch_size: the batch size asked for.
        method: the calling method's name, for the message.

    Raises:
        ValueError: the batch size is not a multiple of the batch axis's size.

    Example:
        >>> from lamina.distribution.engine import check_batch_size
        >>> check_batch_size(7)  # no distribution: any size is fine
    """
    dist = distribution()
    shards = batch_shards(dist)
    if shards > 1 and batch_size % shards != 0:
        raise ValueError(
            f"{method}(): batch_size={batch_size} does not split evenly over the "
            f"{shards} devices of the mesh axis {dist.batch_dim_name!r}; use a multiple of "
            f"{shards} (with fewer samples than that, batch_size is the number of samples)."
        )


def cache_key():
    """What the compiled steps depend on: the current distribution object (or `None`).

    Args:
        None.

    Returns:
        The current `Distribution`, or None.

    Example:
        >>> from lamina.distribution.engine import cache_key
        >>> cache_key() is None
        True
    """
    return distribution()


# ------------------------------------------------------------------ several processes
def _process_data_error(method: str, detail: str) -> ValueError:
    return ValueError(
        f"{method}(): with several processes and `auto_shard_dataset=False`, each process "
        f"passes its own part of the data, and the parts are joined in process order. {detail} "
        "Or set `auto_shard_dataset=True` (the default) and pass the same full arrays on every "
        "process."
    )


def process_data(x, y, sample_weight, n: int, method: str):
    """Joins each process's own part of the data into global arrays (in process order), when
    the job has several processes and the distribution has `auto_shard_dataset=False`.

    Returns `(x, y, sample_weight, n)`, with `n` the global number of samples; unchanged
    otherwise (one process, or every process passing the same full arrays).

    Args:
        x: this process's features (a nest of arrays).
        y: this process's targets, or None.
        sample_weight: this process's sample weights, or None.
        n: this process's number of samples.
        method: the calling method's name, for messages.

    Raises:
        ValueError: the parts differ in size or do not split evenly over the devices.

    Example:
        >>> import numpy as np
        >>> from lamina.distribution.engine import process_data
        >>> x, y, w, n = process_data(np.ones((4, 2)), None, None, 4, "fit")  # one process
        >>> x.shape, n
        ((4, 2), 4)
    """
    dist = distribution()
    if dist is None or dist.auto_shard_dataset or not multihost.is_multi_process():
        return x, y, sample_weight, n
    counts = multihost.gather_counts(n)
    if len(set(counts)) > 1:
        raise _process_data_error(
            method,
            f"The parts must have the same number of samples, but the processes passed "
            f"{counts} samples (in process order); drop or repeat samples so that they match.",
        )
    total = sum(counts)
    shards = batch_shards(dist)
    per_process = shards // jax.process_count()
    if total % shards != 0 or shards % jax.process_count() != 0:
        raise _process_data_error(
            method,
            f"Each part ({n} samples) must split evenly over the {max(per_process, 1)} "
            f"device(s) of this process on the mesh axis {dist.batch_dim_name!r} "
            f"({shards} in all); pass a multiple of {max(per_process, 1)} samples per process.",
        )
    own = slice(jax.process_index() * n, (jax.process_index() + 1) * n)

    def join(a):
        sharding = dist.get_data_layout((total, *a.shape[1:])).backend_layout
        rows = multihost.row_slices(sharding, (total, *a.shape[1:]))
        if [(s.start, s.stop) for s in rows] != [(own.start, own.stop)]:
            raise _process_data_error(
                method,
                "The mesh does not give each process one block of the batch axis (its devices "
                "must be listed process by process, as `list_devices()` does).",
            )
        return multihost.from_process_parts(np.asarray(a), sharding, total)

    def join_tree(structure):
        return None if structure is None else jax.tree.map(join, structure)

    return join_tree(x), join_tree(y), join_tree(sample_weight), total


# ------------------------------------------------------------------ loaded weights
def _model_variables(model):
    trainable = list(getattr(model, "trainable_variables", []))
    non_trainable = list(getattr(model, "non_trainable_variables", []))
    optimizer = getattr(model, "optimizer", None)
    slots = list(getattr(optimizer, "variables", []) or []) if optimizer is not None else []
    return trainable, non_trainable, slots


def current_shardings(model) -> dict:
    """`{id(variable): NamedSharding}` for the model's (and optimizer's) variables that are laid
    out on a mesh now; taken before a load so the load can keep them.

    Args:
        model: a model.

    Returns:
        A dict from `id(variable)` to its `NamedSharding`.

    Example:
        >>> import lamina as keras
        >>> from lamina.distribution.engine import current_shardings
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> current_shardings(model)  # placed on one device, not on a mesh
        {}
    """
    out = {}
    for group in _model_variables(model):
        for v in group:
            value = getattr(v, "_value", None)
            sharding = getattr(value, "sharding", None)
            if isinstance(sharding, jax.sharding.NamedSharding):
                out[id(v)] = sharding
    return out


def place_loaded(model, before: dict) -> None:
    """Right after a load: puts each variable back on the devices by its layout: the current
    distribution's layout when one is set, else the sharding the variable had before.

    Args:
        model: the model whose weights were just loaded.
        before: `current_shardings(model)` taken before the load.

    Example:
        >>> import lamina as keras
        >>> from lamina.distribution.engine import current_shardings, place_loaded
        >>> with keras.distribution.DataParallel().scope():
        ...     model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        ...     before = current_shardings(model)
        ...     model.set_weights(model.get_weights())
        ...     place_loaded(model, before)
        >>> type(model.layers[0].kernel.value).__name__
        'ArrayImpl'
    """
    trainable, non_trainable, slots = _model_variables(model)
    targets = dict(before)
    dist = distribution()
    if dist is not None:
        groups = _shardings_for(dist, trainable, non_trainable, slots, [], warn=False)
        for variables, shardings in zip((trainable, non_trainable, slots), groups):
            targets.update({id(v): s for v, s in zip(variables, shardings)})
    for v in trainable + non_trainable + slots:
        target = targets.get(id(v))
        value = getattr(v, "_value", None)
        if target is not None and value is not None and getattr(value, "sharding", None) != target:
            v._value = put(value, target)
