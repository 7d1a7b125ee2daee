"""The einsum equations of MultiHeadAttention's query/key/value/output projections (which are
`EinsumDense` sublayers, as in Keras, so that weight names, files and quantization match)."""

from __future__ import annotations

import string


def projection_equation(free_dims: int, bound_dims: int, output_dims: int) -> tuple[str, str]:
    """An einsum contracting the last `bound_dims` input axes into `output_dims` new axes,
    keeping the first `free_dims` axes. Returns `(equation, bias_axes)`.

    Args:
        free_dims: the leading input axes kept (batch and sequence axes).
        bound_dims: the trailing input axes contracted (features).
        output_dims: the new trailing axes (heads and size per head).

    Returns:
        A tuple `(equation, bias_axes)`.

    Example:
        >>> from lamina.layers.attention.einsum_projection import projection_equation
        >>> projection_equation(2, 1, 2)
        ('abc,cde->abde', 'de')
    """
    letters = iter(string.ascii_lowercase)
    free = "".join(next(letters) for _ in range(free_dims))
    bound = "".join(next(letters) for _ in range(bound_dims))
    out = "".join(next(letters) for _ in range(output_dims))
    return f"{free}{bound},{bound}{out}->{free}{out}", out
