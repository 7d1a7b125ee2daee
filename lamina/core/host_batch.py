"""`HostBatch`: what a model's host part (string and vocabulary layers run with NumPy, see
`lamina.models.host_part`) hands to the compiled part for one batch. It lives in `core` because
both the training feeds and the models use it."""

from __future__ import annotations

import jax


@jax.tree_util.register_pytree_node_class
class HostBatch:
    """The values that the host part of a model computed for one batch (one per boundary
    tensor, in the model's boundary order). A pytree, so the feeds slice and place it like any
    other batch structure.

    Args:
        values: the arrays, one per boundary tensor.

    Example:
        >>> import jax
        >>> import numpy as np
        >>> from lamina.core.host_batch import HostBatch
        >>> batch = HostBatch([np.zeros((4, 1)), np.ones((4, 3))])
        >>> batch
        HostBatch([(4, 1), (4, 3)])
        >>> jax.tree.map(lambda a: a[:2], batch)  # sliced like any batch structure
        HostBatch([(2, 1), (2, 3)])
    """

    def __init__(self, values):
        self.values = tuple(values)

    def tree_flatten(self):
        return self.values, None

    @classmethod
    def tree_unflatten(cls, aux, children):
        return cls(children)

    def map(self, fn):
        return HostBatch(fn(v) for v in self.values)

    def __repr__(self) -> str:
        shapes = [getattr(v, "shape", None) for v in self.values]
        return f"HostBatch({shapes})"
