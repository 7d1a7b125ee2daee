"""`InputSpec`: what a layer accepts, checked at call time with errors that say how to fix it."""

from __future__ import annotations


class InputSpec:
    """Describes the rank, shape, dtype and fixed axes a layer expects.

    Args:
        dtype: expected dtype, or None.
        shape: full expected shape (None entries are free), or None.
        ndim, max_ndim, min_ndim: rank constraints.
        axes: dict mapping an axis index to its required size.
        allow_last_axis_squeeze: accept a trailing axis of size 1 missing or extra.
        name: the input's name, for dict inputs.
        optional: whether the input may be None.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> class RowsOf3(keras.Layer):
        ...     def __init__(self, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.input_spec = keras.InputSpec(ndim=2, axes={-1: 3})
        ...     def call(self, x):
        ...         return x
        >>> RowsOf3()(np.ones((2, 4)))
        Traceback (most recent call last):
        ...
        ValueError: Input 0 of layer "rows_of3..." is incompatible with the layer: expected axis -1 of the input shape to have value 3, ...
    """

    def __init__(
        self,
        dtype=None,
        shape=None,
        ndim=None,
        max_ndim=None,
        min_ndim=None,
        axes=None,
        allow_last_axis_squeeze=False,
        name=None,
        optional=False,
    ):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name
        self.optional = optional

    def __repr__(self):
        parts = [
            f"{k}={v}"
            for k, v in (
                ("dtype", self.dtype),
                ("shape", self.shape),
                ("ndim", self.ndim),
                ("max_ndim", self.max_ndim),
                ("min_ndim", self.min_ndim),
                ("axes", self.axes or None),
            )
            if v is not None
        ]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self):
        return {
            "dtype": self.dtype,
            "shape": self.shape,
            "ndim": self.ndim,
            "max_ndim": self.max_ndim,
            "min_ndim": self.min_ndim,
            "axes": self.axes,
        }


def check_input_spec(layer_name: str, spec: InputSpec | None, x) -> None:
    """Raises a ValueError naming the layer when `x` does not fit `spec`.

    Args:
        layer_name: the layer's name, for the message.
        spec: an `InputSpec`, or None (no check).
        x: the input (anything with a `shape`).

    Raises:
        ValueError: the rank, an axis size or the shape does not fit.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.core.input_spec import check_input_spec
        >>> check_input_spec("dense", keras.InputSpec(min_ndim=2), np.zeros((4, 3)))  # fits
        >>> check_input_spec("dense", keras.InputSpec(min_ndim=2), np.zeros(3))
        Traceback (most recent call last):
        ...
        ValueError: Input 0 of layer "dense" is incompatible with the layer: ...
    """
    if spec is None or x is None or not hasattr(x, "shape"):
        return
    shape = tuple(d if isinstance(d, int) else None for d in x.shape)
    ndim = len(shape)
    where = f'Input 0 of layer "{layer_name}" is incompatible with the layer'
    if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
        raise ValueError(
            f"{where}: expected ndim={spec.ndim}, found ndim={ndim}. Full shape received: "
            f"{shape}. Reshape the input to rank {spec.ndim}."
        )
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        raise ValueError(
            f"{where}: expected max_ndim={spec.max_ndim}, found ndim={ndim}. Full shape "
            f"received: {shape}."
        )
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        raise ValueError(
            f"{where}: expected min_ndim={spec.min_ndim}, found ndim={ndim}. Full shape "
            f"received: {shape}. A batch of feature vectors has shape (batch_size, features): "
            "add the batch axis (e.g. `x[None]` or `x.reshape(1, -1)`)."
        )
    for axis, size in spec.axes.items():
        if size is None:
            continue
        if axis >= ndim or axis < -ndim:
            continue
        got = shape[axis]
        if got is not None and got != size:
            raise ValueError(
                f"{where}: expected axis {axis} of the input shape to have value {size}, but "
                f"received input with shape {shape}. The layer was built for inputs whose axis "
                f"{axis} is {size}; feed data of that width or use a new layer."
            )
    if spec.shape is not None:
        for i, (want, got) in enumerate(zip(spec.shape, shape)):
            if want is not None and got is not None and want != got:
                raise ValueError(
                    f"{where}: expected shape={spec.shape}, found shape={shape} (axis {i} differs)."
                )
