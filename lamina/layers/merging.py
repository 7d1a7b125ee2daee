"""Merging layers: combine a list of inputs elementwise (`Add`, ...) or by concatenation."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.layer import Layer


class _Merge(Layer):
    """Base of the elementwise merges: inputs of broadcast-compatible shapes."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        if (
            not isinstance(input_shape, (list, tuple))
            or len(input_shape) < 1
            or not isinstance(input_shape[0], (list, tuple))
        ):
            raise ValueError(
                f"{type(self).__name__} '{self.name}' must be called on a list of inputs, "
                f"received input shape {input_shape}."
            )
        self.built = True

    def _merge(self, inputs):
        raise NotImplementedError

    def _merge_masked(self, inputs, masks):
        """The merge given the inputs' masks (one per input, None for an unmasked one); the
        elementwise merges other than Multiply/Maximum/Minimum merge raw values."""
        return self._merge(inputs)

    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"{type(self).__name__} '{self.name}' must be called on a list of tensors."
            )
        masks = list(mask) if isinstance(mask, (list, tuple)) else [None] * len(inputs)
        try:
            if any(m is not None for m in masks):
                return self._merge_masked(list(inputs), masks)
            return self._merge(list(inputs))
        except TypeError as e:
            shapes = [tuple(d if isinstance(d, int) else None for d in x.shape) for x in inputs]
            raise ValueError(
                f"{type(self).__name__} '{self.name}': inputs of shapes {shapes} cannot be "
                "combined elementwise; they must have the same (or broadcastable) shapes."
            ) from e

    def compute_mask(self, inputs, previous_mask=None):
        """The logical or of the inputs' masks; None as soon as one input has no mask (as in
        Keras: an unmasked input makes every step of the merge real)."""
        if previous_mask is None:
            return None
        masks = previous_mask if isinstance(previous_mask, (list, tuple)) else [previous_mask]
        if any(m is None for m in masks):
            return None
        out = jnp.asarray(masks[0]).astype(bool)
        for m in masks[1:]:
            out = jnp.logical_or(out, jnp.asarray(m).astype(bool))
        return out


def _expand_mask(mask, x):
    """A (batch, steps) mask broadcast over the features of `x`."""
    return jnp.broadcast_to(jnp.expand_dims(jnp.asarray(mask).astype(bool), -1), x.shape)


def _merge_keep_other(layer, op, inputs, masks):
    """Maximum/Minimum with masks (Keras's rule): where one side is masked, the other side's
    value is taken; masked where every input is masked (when all inputs carry masks)."""
    out, out_mask = inputs[0], None if masks[0] is None else _expand_mask(masks[0], inputs[0])
    for x, m in zip(inputs[1:], masks[1:]):
        m = None if m is None else _expand_mask(m, x)
        if m is not None:
            x = jnp.where(m, x, out)
        if out_mask is not None:
            out = jnp.where(out_mask, out, x)
        out_mask = jnp.logical_or(out_mask, m) if (m is not None and out_mask is not None) else None
        out = op(out, x)
    return out


class Add(_Merge):
    """Sums a list of inputs.

    Args:
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: a list of arrays of the same shape (or shapes that broadcast).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> a, b = np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])
        >>> keras.layers.Add()([a, b])  # the element-wise sum
        Array([[4., 6.]], dtype=float32)
    """

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out


class Subtract(_Merge):
    """Subtracts the second input from the first (exactly two inputs).

    Args:
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: a list of arrays of the same shape (or shapes that broadcast).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> a, b = np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])
        >>> keras.layers.Subtract()([a, b])  # the first input minus the second (exactly two inputs)
        Array([[-2., -2.]], dtype=float32)
    """

    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError(
                f"Subtract '{self.name}' takes exactly 2 inputs, received {len(inputs)}."
            )
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    """Multiplies a list of inputs elementwise (masked entries count as 1; with every input
    masked, entries masked in all of them are 0).

    Args:
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: a list of arrays of the same shape (or shapes that broadcast).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> a, b = np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])
        >>> keras.layers.Multiply()([a, b])  # the element-wise product
        Array([[3., 8.]], dtype=float32)
    """

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out * x
        return out

    def _merge_masked(self, inputs, masks):
        expanded = [None if m is None else _expand_mask(m, x) for x, m in zip(inputs, masks)]
        ones = [
            x if m is None else jnp.where(m, x, jnp.ones((), x.dtype))
            for x, m in zip(inputs, expanded)
        ]
        out = self._merge(ones)
        if all(m is not None for m in expanded):
            keep = expanded[0]
            for m in expanded[1:]:
                keep = jnp.logical_or(keep, m)
            out = jnp.where(keep, out, jnp.zeros((), out.dtype))
        return out


class Average(_Merge):
    """Averages a list of inputs.

    Args:
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: a list of arrays of the same shape (or shapes that broadcast).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> a, b = np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])
        >>> keras.layers.Average()([a, b])  # the element-wise mean
        Array([[2., 3.]], dtype=float32)
    """

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out / len(inputs)


class Maximum(_Merge):
    """Elementwise maximum of a list of inputs.

    Args:
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: a list of arrays of the same shape (or shapes that broadcast).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> a, b = np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])
        >>> keras.layers.Maximum()([a, b])  # the element-wise maximum
        Array([[3., 4.]], dtype=float32)
    """

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = jnp.maximum(out, x)
        return out

    def _merge_masked(self, inputs, masks):
        return _merge_keep_other(self, jnp.maximum, inputs, masks)


class Minimum(_Merge):
    """Elementwise minimum of a list of inputs.

    Args:
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: a list of arrays of the same shape (or shapes that broadcast).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> a, b = np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])
        >>> keras.layers.Minimum()([a, b])  # the element-wise minimum
        Array([[1., 2.]], dtype=float32)
    """

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = jnp.minimum(out, x)
        return out

    def _merge_masked(self, inputs, masks):
        return _merge_keep_other(self, jnp.minimum, inputs, masks)


class Concatenate(_Merge):
    """Concatenates a list of inputs along `axis` (default: the last).

    Args:
        axis: the axis along which the inputs are joined; the other axes must match.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: a list of arrays.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.Concatenate()([np.zeros((2, 3)), np.ones((2, 1))]).shape
        (2, 4)
    """

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _merge(self, inputs):
        ranks = {x.ndim for x in inputs}
        if len(ranks) > 1:
            raise ValueError(
                f"Concatenate '{self.name}': all inputs must have the same rank, received "
                f"shapes {[tuple(x.shape) for x in inputs]}."
            )
        self._check_axis(inputs[0].ndim, [tuple(x.shape) for x in inputs])
        return jnp.concatenate(inputs, axis=self.axis)

    def build(self, input_shape):
        super().build(input_shape)
        self._check_axis(len(input_shape[0]), [tuple(s) for s in input_shape])

    def _check_axis(self, rank: int, shapes) -> None:
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"Concatenate '{self.name}': axis={self.axis} is out of range for inputs of rank "
                f"{rank} (shapes {shapes}); use an axis in [{-rank}, {rank - 1}], e.g. -1."
            )

    def compute_mask(self, inputs, previous_mask=None):
        """Masks concatenated along `axis` (an unmasked input counts as all real), then reduced
        over the last axis with `any`, as in Keras; None when no input has a mask."""
        if previous_mask is None:
            return None
        masks = previous_mask if isinstance(previous_mask, (list, tuple)) else [previous_mask]
        if all(m is None for m in masks):
            return None
        full = []
        for x, m in zip(inputs, masks):
            if m is None:
                full.append(jnp.ones(x.shape, bool))
            elif jnp.ndim(m) < x.ndim:
                full.append(_expand_mask(m, x))
            else:
                full.append(jnp.asarray(m).astype(bool))
        return jnp.any(jnp.concatenate(full, axis=self.axis), axis=-1)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(_Merge):
    """Dot product of two inputs along `axes`; with `normalize`, of their L2-normalized forms
    (cosine proximity).

    Args:
        axes: the axis (an int, or one per input) along which the products are summed.
        normalize: L2-normalize both inputs along `axes` first (the result is then the cosine
            similarity).
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        inputs: a list of two arrays with a batch axis.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> a, b = np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])
        >>> keras.layers.Dot(axes=1)([a, b])
        Array([[11.]], dtype=float32)
    """

    def __init__(self, axes, normalize: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.axes = axes
        self.normalize = normalize

    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"Dot '{self.name}' takes exactly 2 inputs, received {len(inputs)}.")
        x, y = inputs
        axes = self.axes if isinstance(self.axes, (list, tuple)) else [self.axes, self.axes]
        axes = [a % x.ndim if i == 0 else a % y.ndim for i, a in enumerate(axes)]
        if self.normalize:
            x = x / jnp.sqrt(jnp.maximum(jnp.sum(x * x, axis=axes[0], keepdims=True), 1e-12))
            y = y / jnp.sqrt(jnp.maximum(jnp.sum(y * y, axis=axes[1], keepdims=True), 1e-12))
        # Batched contraction: the batch axis 0 is kept (so the output labels are explicit).
        y_rest = [x.ndim + i for i in range(1, y.ndim) if i != axes[1]]
        out = jnp.einsum(
            x,
            list(range(x.ndim)),
            y,
            [0] + y_rest[: axes[1] - 1] + [axes[0]] + y_rest[axes[1] - 1 :],
            [0] + [i for i in range(1, x.ndim) if i != axes[0]] + y_rest,
        )
        if out.ndim == 1:
            out = out[:, None]
        return out

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def add(inputs, **kwargs):
    """Functional form of `Add`.

    Args:
        inputs: a list of arrays (or symbolic tensors) of the same shape.
        **kwargs: arguments of the `Add` layer (`name`, `dtype`, ...).

    Returns:
        The element-wise sum of the inputs.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.add([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])])
        Array([[4., 6.]], dtype=float32)
    """
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of `Subtract`.

    Args:
        inputs: a list of arrays (or symbolic tensors) of the same shape.
        **kwargs: arguments of the `Subtract` layer (`name`, `dtype`, ...).

    Returns:
        The first input minus the second (exactly two inputs) of the inputs.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.subtract([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])])
        Array([[-2., -2.]], dtype=float32)
    """
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of `Multiply`.

    Args:
        inputs: a list of arrays (or symbolic tensors) of the same shape.
        **kwargs: arguments of the `Multiply` layer (`name`, `dtype`, ...).

    Returns:
        The element-wise product of the inputs.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.multiply([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])])
        Array([[3., 8.]], dtype=float32)
    """
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of `Average`.

    Args:
        inputs: a list of arrays (or symbolic tensors) of the same shape.
        **kwargs: arguments of the `Average` layer (`name`, `dtype`, ...).

    Returns:
        The element-wise mean of the inputs.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.average([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])])
        Array([[2., 3.]], dtype=float32)
    """
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of `Maximum`.

    Args:
        inputs: a list of arrays (or symbolic tensors) of the same shape.
        **kwargs: arguments of the `Maximum` layer (`name`, `dtype`, ...).

    Returns:
        The element-wise maximum of the inputs.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.maximum([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])])
        Array([[3., 4.]], dtype=float32)
    """
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of `Minimum`.

    Args:
        inputs: a list of arrays (or symbolic tensors) of the same shape.
        **kwargs: arguments of the `Minimum` layer (`name`, `dtype`, ...).

    Returns:
        The element-wise minimum of the inputs.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.minimum([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])])
        Array([[1., 2.]], dtype=float32)
    """
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis: int = -1, **kwargs):
    """Functional form of `Concatenate`.

    Args:
        inputs: a list of arrays (or symbolic tensors).
        axis: the axis along which the inputs are joined.
        **kwargs: arguments of the `Concatenate` layer.

    Returns:
        The inputs joined along `axis`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> keras.layers.concatenate([np.zeros((2, 3)), np.ones((2, 2))], axis=-1).shape
        (2, 5)
    """
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize: bool = False, **kwargs):
    """Functional form of `Dot`.

    Args:
        inputs: a list of two arrays (or symbolic tensors).
        axes: the axis (or one per input) summed over.
        normalize: L2-normalize the inputs first (cosine similarity).
        **kwargs: arguments of the `Dot` layer.

    Returns:
        The batch-wise dot products.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> a = np.array([[1.0, 0.0]])
        >>> keras.layers.dot([a, a], axes=1, normalize=True)
        Array([[1.]], dtype=float32)
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
