"""In-memory data for fit/evaluate/predict: converted and checked once, then planned in batches.

Each epoch's plan holds the batches' sample indices (one permutation drawn on the host for
`fit`) and a mask marking real samples: the last partial batch is padded to the full batch size,
so it reuses the compiled step and counts exactly. `lamina.training.feeds` cuts the blocks.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core.config import floatx
from lamina.core.host_batch import HostBatch
from lamina.distribution import engine as dist_engine


def _is_array(x) -> bool:
    return isinstance(x, (np.ndarray, jax.Array)) or (
        hasattr(x, "shape") and hasattr(x, "dtype") and hasattr(x, "__array__")
    )


def to_array(x, argument: str):
    """Converts an array-like (NumPy, JAX, pandas, lists of numbers) to an array.

    Float64 data becomes `floatx()`, int64 becomes int32 (unless JAX's x64 mode is on), and
    ragged or object data is refused with a clear message.

    Args:
        x: the data.
        argument: the argument's name, for messages (`"x"`, `"y['label']"`, ...).

    Returns:
        A NumPy (or JAX) array with a batch axis.

    Raises:
        TypeError: the data cannot be converted to a numeric array.
        ValueError: the data is a scalar.

    Example:
        >>> from lamina.training.data import to_array
        >>> to_array([[1.0, 2.0], [3.0, 4.0]], "x").dtype
        dtype('float32')
    """
    if isinstance(x, jax.Array):
        if x.dtype == jnp.float64:
            return x.astype(floatx())
        return x
    type_name = type(x).__name__
    if type_name in ("DataFrame", "Series"):
        x = x.to_numpy()
    elif hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        x = x.numpy()  # TensorFlow and torch tensors, by duck typing
    try:
        arr = np.asarray(x)
    except Exception as e:
        raise TypeError(
            f"`{argument}` must be an array (NumPy, JAX, pandas) or a list/tuple/dict of arrays; "
            f"received an object of type {type(x).__name__}."
        ) from e
    if arr.dtype == object:
        raise TypeError(
            f"`{argument}` could not be converted to a numeric array (got dtype=object, from "
            f"{type(x).__name__}). Make sure every sample has the same shape."
        )
    if arr.dtype == np.float64:
        arr = arr.astype(floatx())
    elif arr.dtype == np.int64 and not jax.config.jax_enable_x64:
        arr = arr.astype(np.int32)
    elif arr.dtype == np.uint64:
        arr = arr.astype(np.uint32)
    if arr.ndim == 0:
        raise ValueError(f"`{argument}` must have a batch axis; received a scalar.")
    return arr


def normalize_structure(x, argument: str):
    """Arrays, or lists/tuples/dicts of arrays, with every leaf converted.

    Args:
        x: the data: an array-like, a list/tuple/dict of them, or None.
        argument: the argument's name, for messages.

    Returns:
        The same structure of arrays (None stays None).

    Example:
        >>> import numpy as np
        >>> from lamina.training.data import normalize_structure
        >>> out = normalize_structure({"a": [1, 2], "b": np.zeros((2, 3))}, "x")
        >>> out["a"].dtype, out["b"].dtype
        (dtype('int32'), dtype('float32'))
    """
    if x is None:
        return None
    if isinstance(x, HostBatch):
        return x.map(lambda v: to_array(v, argument))
    if isinstance(x, dict):
        return {k: normalize_structure(v, f"{argument}['{k}']") for k, v in x.items()}
    if (
        isinstance(x, (list, tuple))
        and x
        and not all(isinstance(v, (int, float, bool, np.number)) for v in x)
    ):
        if all(_is_array(v) or isinstance(v, (list, tuple, dict)) for v in x):
            return type(x)(normalize_structure(v, f"{argument}[{i}]") for i, v in enumerate(x))
    return to_array(x, argument)


def num_samples(structure, argument: str) -> int:
    """The number of samples (first-axis length) of a structure of arrays, which must agree.

    Args:
        structure: an array or a nest of arrays.
        argument: the argument's name, for messages.

    Returns:
        An int.

    Raises:
        ValueError: the structure is empty or its arrays disagree.

    Example:
        >>> import numpy as np
        >>> from lamina.training.data import num_samples
        >>> num_samples({"a": np.zeros((5, 2)), "b": np.zeros(5)}, "x")
        5
    """
    leaves = jax.tree.leaves(structure)
    if not leaves:
        raise ValueError(f"`{argument}` is empty.")
    sizes = {int(leaf.shape[0]) for leaf in leaves}
    if len(sizes) > 1:
        raise ValueError(
            f"All arrays in `{argument}` must have the same number of samples (first axis); "
            f"received sizes {sorted(sizes)}."
        )
    return sizes.pop()


def check_same_samples(**structures) -> int:
    """Checks that x, y and sample_weight hold the same number of samples; returns it.

    Args:
        **structures: the structures by argument name (None ones are skipped).

    Returns:
        The common number of samples.

    Raises:
        ValueError: the counts differ (Keras's "Data cardinality is ambiguous" message).

    Example:
        >>> import numpy as np
        >>> from lamina.training.data import check_same_samples
        >>> check_same_samples(x=np.zeros((4, 2)), y=np.zeros(4), sample_weight=None)
        4
    """
    sizes = {name: num_samples(s, name) for name, s in structures.items() if s is not None}
    if len(set(sizes.values())) > 1:
        detail = ", ".join(f"{k} has {v}" for k, v in sizes.items())
        raise ValueError(
            f"Data cardinality is ambiguous: {detail} samples. Make sure all arrays contain the "
            "same number of samples."
        )
    return next(iter(sizes.values()))


def take(structure, start: int, stop: int):
    """Rows `start` to `stop` of every array of a structure.

    Args:
        structure: an array or a nest of arrays.
        start: the first row.
        stop: the row after the last.

    Returns:
        The same structure of slices.

    Example:
        >>> import numpy as np
        >>> from lamina.training.data import take
        >>> take({"x": np.arange(6)}, 2, 4)
        {'x': array([2, 3])}
    """
    return jax.tree.map(lambda a: a[start:stop], structure)


def bucket(n: int) -> int:
    """Rounds a sample count up to one of a few sizes per octave (at most 25% more), so that
    datasets of nearby sizes share one compiled step instead of compiling one each.

    Args:
        n: a number of samples.

    Returns:
        The bucketed count (`>= n`).

    Example:
        >>> from lamina.training.data import bucket
        >>> [bucket(n) for n in (3, 16, 17, 100, 1000)]
        [4, 16, 20, 112, 1024]
    """
    if n <= 16:
        return 1 << max(n - 1, 0).bit_length()
    step = 1 << (n.bit_length() - 3)
    return -(-n // step) * step


# Datasets up to this size are zero-padded to their bucketed row count (so nearby sizes share a
# compiled step); larger ones go to the device as they are, without a padded copy in memory.
PAD_LIMIT_BYTES = 64 * 2**20


def to_device(structure, size: int | None = None):
    """Puts every array on the device once, zero-padded along the batch axis to `size` rows
    when the data is small (see `PAD_LIMIT_BYTES`). Returns arrays of `size` or their own rows.

    Args:
        structure: an array or a nest of arrays.
        size: the padded row count, or None.

    Returns:
        The same structure of `jax.Array`s (split over the mesh under a distribution).

    Example:
        >>> import numpy as np
        >>> from lamina.training.data import to_device
        >>> to_device({"x": np.ones((3, 2))}, size=4)["x"].shape
        (4, 2)
    """
    leaves = jax.tree.leaves(structure)
    if size is not None and sum(a.size * a.dtype.itemsize for a in leaves) > PAD_LIMIT_BYTES:
        size = None

    def pad(a):
        n = a.shape[0]
        if size is None or size == n:
            return a
        widths = [(0, size - n)] + [(0, 0)] * (a.ndim - 1)
        return jnp.pad(a, widths) if isinstance(a, jax.Array) else np.pad(a, widths)

    structure = jax.tree.map(pad, structure)
    if dist_engine.distribution() is not None:
        # Under a distribution: split the arrays along the batch axis of the mesh.
        return dist_engine.place_data(structure)
    # `device_put` copies a NumPy array once (`jnp.asarray` made two copies at its peak).
    return jax.tree.map(lambda a: a if isinstance(a, jax.Array) else jax.device_put(a), structure)


def rows_of(structure) -> int:
    """The number of rows (first-axis length) of the first array of a structure.

    Args:
        structure: an array or a nest of arrays.

    Returns:
        An int.

    Example:
        >>> import numpy as np
        >>> from lamina.training.data import rows_of
        >>> rows_of((np.zeros((7, 2)), np.zeros(7)))
        7
    """
    return int(jax.tree.leaves(structure)[0].shape[0])


class BatchPlan(NamedTuple):
    """The batches of one pass: sample indices and a 0/1 mask (0 for padding), both of shape
    `(rows, batch)`; the number of batches `steps` and the size of the last one.

    Args:
        indices: the sample indices, `(rows, batch)`.
        mask: 1 for real samples, 0 for padding, `(rows, batch)`.
        steps: the number of batches.
        last: the number of samples of the last batch.

    Example:
        >>> from lamina.training.data import plan_batches
        >>> plan = plan_batches(5, batch_size=2, steps=3)
        >>> plan.indices.tolist(), plan.mask[-1].tolist(), plan.last
        ([[0, 1], [2, 3], [4, 0]], [1.0, 0.0], 1)
    """

    indices: np.ndarray
    mask: np.ndarray
    steps: int
    last: int


def plan_batches(n: int, batch_size: int, steps: int, shuffle=False, rows=None) -> BatchPlan:
    """The first `steps` batches of indices into `n` samples (a new order when `shuffle`);
    `rows` pads the plan with fully masked batches to a fixed number of rows, so its shape
    does not depend on `n`.

    Args:
        n: the number of samples.
        batch_size: the batch size.
        steps: how many batches to plan.
        shuffle: draw a new order with NumPy's global generator.
        rows: pad the plan to this many rows.

    Returns:
        A `BatchPlan`.

    Example:
        >>> from lamina.training.data import plan_batches
        >>> plan = plan_batches(3, batch_size=2, steps=2, rows=3)
        >>> plan.indices.shape, float(plan.mask.sum()), plan.steps
        ((3, 2), 3.0, 2)
    """
    order = np.random.permutation(n) if shuffle else np.arange(n)
    rows = max(rows or steps, steps)
    used = min(n, steps * batch_size)
    indices = np.zeros(rows * batch_size, dtype=np.int32)
    mask = np.zeros(rows * batch_size, dtype=np.float32)
    indices[:used] = order[:used]
    mask[:used] = 1.0
    shape = (rows, batch_size)
    return BatchPlan(
        indices.reshape(shape), mask.reshape(shape), steps, used - (steps - 1) * batch_size
    )


def class_weight_to_sample_weights(y, class_weight: dict) -> np.ndarray:
    """Per-sample weights from a `{class index: weight}` dict (classes not in it weigh 1).

    Args:
        y: the targets: class indices, shape `(n,)` or `(n, 1)`, or one-hot rows `(n, classes)`.
        class_weight: the weight of each class index.

    Returns:
        A `floatx()` NumPy array of shape `(n,)`.

    Example:

    >>> from lamina.training.data import class_weight_to_sample_weights
    >>> class_weight_to_sample_weights(np.array([0, 1, 1, 2]), {1: 3.0}).tolist()
    [1.0, 3.0, 3.0, 1.0]
    """
    labels = np.asarray(y)
    if labels.ndim > 1:
        labels = np.argmax(labels, axis=-1) if labels.shape[-1] != 1 else labels[..., 0]
    labels = np.round(labels).astype("int32")
    weights = np.ones(labels.shape[0], dtype=floatx())
    for cls, weight in class_weight.items():
        weights[labels == int(cls)] = weight
    return weights
