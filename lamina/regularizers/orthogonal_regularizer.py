"""OrthogonalRegularizer: pushes the rows (or columns) of a matrix toward orthogonality."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from lamina.core.config import epsilon
from lamina.regularizers.regularizer import Regularizer, validate_factor


def l2_normalize(x: jax.Array, axis: int) -> jax.Array:
    """`x` divided by its L2 norm along `axis` (norms below `epsilon()` count as `epsilon()`).

    Args:
        x: input array.
        axis: the axis the norm is taken over.

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import numpy as np
        >>> from lamina.regularizers.orthogonal_regularizer import l2_normalize
        >>> np.asarray(l2_normalize(np.array([[3.0, 4.0]]), axis=1), float).round(3)
        array([[0.6, 0.8]])
    """
    inverse_norm = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
    return x * jnp.minimum(inverse_norm, 1.0 / epsilon())


class OrthogonalRegularizer(Regularizer):
    """Penalty on the cosine similarity between the rows (or columns) of a 2-D weight.

    The penalty is `factor * 0.5 * sum(|P - diag(P)|) / (n * (n - 1) / 2)`, where `P` holds the
    dot products of the L2-normalized rows (or columns) and `n` is their number: `factor`
    times the mean absolute cosine over distinct pairs.

    Args:
        factor: the penalty factor.
        mode: "rows" or "columns".

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> penalty = keras.regularizers.OrthogonalRegularizer(factor=1.0, mode="rows")
        >>> float(penalty(np.eye(3)))  # orthogonal rows: no penalty
        0.0
        >>> round(float(penalty(np.array([[1.0, 0.0], [1.0, 1.0]]))), 3)
        0.707
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows"):
        self.factor = validate_factor(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(
                f"OrthogonalRegularizer: `mode` must be 'rows' or 'columns', received "
                f"mode={mode!r}."
            )
        self.mode = mode

    def __call__(self, x: jax.Array) -> jax.Array:
        x = jnp.asarray(x)
        if x.ndim != 2:
            raise ValueError(
                f"OrthogonalRegularizer: the weight must have rank 2, received shape {x.shape}."
            )
        if self.mode == "rows":
            vectors = l2_normalize(x, axis=1)
        else:
            vectors = l2_normalize(x, axis=0).T
        size = vectors.shape[0]
        products = vectors @ vectors.T
        off_diagonal = products * (1.0 - jnp.eye(size, dtype=x.dtype))
        pairs = size * (size - 1.0) / 2.0
        return self.factor * 0.5 * jnp.sum(jnp.abs(off_diagonal)) / pairs

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode}
