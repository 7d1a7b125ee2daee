"""Array helpers with Keras's names: one-hot encoding of labels and norm scaling."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core import config


def to_categorical(x: Any, num_classes: int | None = None) -> Any:
    """One-hot encodes integer class labels, putting the class axis last.

    A trailing axis of size 1 is dropped first (labels of shape `(n, 1)` give `(n, classes)`).

    Args:
        x: integer labels from `0` to `num_classes - 1` (array-like or JAX array).
        num_classes: number of classes; `None` (or `0`) uses `max(x) + 1`.

    Returns:
        For a JAX array, a JAX array of `floatx()` (labels out of range give all-zero rows).
        Otherwise, as in Keras, a NumPy `float64` array (labels are cast to `int64` first).

    Example:
        >>> import lamina as keras
        >>> keras.utils.to_categorical([0, 2, 1], num_classes=3)
        array([[1., 0., 0.],
               [0., 0., 1.],
               [0., 1., 0.]])
    """
    if isinstance(x, jax.Array):
        if x.ndim > 1 and x.shape[-1] == 1:
            x = jnp.reshape(x, x.shape[:-1])
        if not num_classes:
            num_classes = int(jnp.max(x)) + 1
        return jax.nn.one_hot(x, num_classes, dtype=config.floatx())
    x = np.array(x, dtype="int64")
    input_shape = x.shape
    if len(input_shape) > 1 and input_shape[-1] == 1:
        input_shape = input_shape[:-1]
    x = x.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(x)) + 1
    # Negative labels wrap around as NumPy indexing (and Keras) does; beyond that is an error.
    if x.size and (x.min() < -num_classes or x.max() >= num_classes):
        bad = int(x.min()) if x.min() < -num_classes else int(x.max())
        raise ValueError(
            f"to_categorical: labels must be integers in [0, {num_classes - 1}] for "
            f"num_classes={num_classes}, received label {bad}. Pass a larger `num_classes` "
            "(or None to use max(x) + 1), or remap the labels."
        )
    categorical = np.zeros((x.shape[0], num_classes))
    categorical[np.arange(x.shape[0]), x] = 1
    return categorical.reshape(input_shape + (num_classes,))


def normalize(x: Any, axis: int = -1, order: int = 2) -> Any:
    """Scales `x` to unit `order`-norm along `axis`.

    A NumPy array gives a NumPy array (slices whose norm is 0 are left unchanged); anything
    else is computed with JAX like `keras.ops.normalize` (the norm is clamped at `epsilon()`).

    Args:
        x: the array to normalize.
        axis: the axis along which the norm is taken.
        order: the norm order (`2` for the L2 norm).

    Returns:
        A normalized copy of `x`, of the same shape.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.utils.normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
        array([[0.6, 0.8],
               [0. , 0. ]])
    """
    if isinstance(x, np.ndarray):
        norm = np.linalg.norm(x, order, axis, keepdims=True)
        norm[norm == 0] = 1
        return x / norm
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"`order` must be an int >= 1. Received: order={order!r}")
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(config.floatx())
    if x.ndim == 0:
        x = jnp.expand_dims(x, 0)
    epsilon = config.epsilon()
    if order == 2:
        square_sum = jnp.sum(jnp.square(x), axis=axis, keepdims=True)
        return x * jnp.minimum(jax.lax.rsqrt(square_sum), 1.0 / epsilon)
    norm = jnp.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / jnp.maximum(norm, epsilon)
