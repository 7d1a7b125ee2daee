"""Adaptive pooling layers: pool to a fixed output size whatever the input size."""

from __future__ import annotations

from lamina.core.config import image_data_format
from lamina.core.layer import Layer


class _AdaptivePooling(Layer):
    _rank = 2
    _kind = "average"

    def __init__(self, output_size, data_format=None, **kwargs):
        name = type(self).__name__
        if isinstance(output_size, int) and not isinstance(output_size, bool):
            output_size = (output_size,) * self._rank
        elif isinstance(output_size, (tuple, list)) and len(output_size) == self._rank:
            output_size = tuple(output_size)
        else:
            raise ValueError(
                f"{name}: `output_size` must be an int or a tuple of {self._rank} ints; "
                f"received output_size={output_size!r}."
            )
        super().__init__(**kwargs)
        self.output_size = output_size
        self.data_format = data_format or image_data_format()
        if self.data_format not in ("channels_first", "channels_last"):
            raise ValueError(
                f"{name}: `data_format` must be 'channels_first' or 'channels_last'; received "
                f"{self.data_format!r}."
            )

    def call(self, inputs):
        from lamina.ops.signal_linalg import adaptive_average_pool, adaptive_max_pool

        pool = adaptive_average_pool if self._kind == "average" else adaptive_max_pool
        return pool(inputs, self.output_size, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self):
        config = super().get_config()
        config.update({"output_size": self.output_size, "data_format": self.data_format})
        return config


_DOC = """Adaptive {kind} pooling of {rank}D data to a fixed `output_size`: output cell `i`
    pools input positions `floor(i * n / out)` to `ceil((i + 1) * n / out)` on each spatial
    axis, so any input size maps to the same output size.

    Args:
        output_size: an int (the same size on every spatial axis) or a tuple of {rank} ints.
        data_format: `"channels_last"` or `"channels_first"` (default
            `keras.config.image_data_format()`).
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: a {ndim}D tensor.

    Returns:
        The pooled tensor, with `output_size` spatial dimensions.

    Example:
    >>> import numpy as np
    >>> layer = {cls}({example})
    >>> layer(np.ones({shape}, "float32")).shape
    {out}
    """


def _make(kind: str, rank: int):
    cls_name = f"Adaptive{'Average' if kind == 'average' else 'Max'}Pooling{rank}D"
    shape = (1,) + (6,) * rank + (2,)
    out = (1,) + (3,) * rank + (2,)
    doc = _DOC.format(
        kind=kind,
        rank=rank,
        ndim=rank + 2,
        cls=cls_name,
        example=3,
        shape=shape,
        out=out,
    )
    return type(
        cls_name,
        (_AdaptivePooling,),
        {"_rank": rank, "_kind": kind, "__doc__": doc, "__module__": __name__},
    )


AdaptiveAveragePooling1D = _make("average", 1)
AdaptiveAveragePooling2D = _make("average", 2)
AdaptiveAveragePooling3D = _make("average", 3)
AdaptiveMaxPooling1D = _make("max", 1)
AdaptiveMaxPooling2D = _make("max", 2)
AdaptiveMaxPooling3D = _make("max", 3)
