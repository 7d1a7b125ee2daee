"""`keras.quantizers`: quantizers, quantization configs and the int8/int4/float8 primitives."""

from __future__ import annotations

import inspect

from lamina.quantizers.gptq_config import AWQConfig as AWQConfig
from lamina.quantizers.gptq_config import GPTQConfig as GPTQConfig
from lamina.quantizers.quantization_config import (
    Float8QuantizationConfig as Float8QuantizationConfig,
)
from lamina.quantizers.quantization_config import Int4QuantizationConfig as Int4QuantizationConfig
from lamina.quantizers.quantization_config import Int8QuantizationConfig as Int8QuantizationConfig
from lamina.quantizers.quantization_config import QuantizationConfig as QuantizationConfig
from lamina.quantizers.quantizers import AbsMaxQuantizer as AbsMaxQuantizer
from lamina.quantizers.quantizers import Quantizer as Quantizer
from lamina.quantizers.quantizers import abs_max_quantize as abs_max_quantize
from lamina.quantizers.quantizers import (
    abs_max_quantize_grouped_with_zero_point as abs_max_quantize_grouped_with_zero_point,
)
from lamina.quantizers.quantizers import compute_float8_amax_history as compute_float8_amax_history
from lamina.quantizers.quantizers import compute_float8_scale as compute_float8_scale
from lamina.quantizers.quantizers import dequantize_with_sz_map as dequantize_with_sz_map
from lamina.quantizers.quantizers import (
    fake_quant_with_min_max_vars as fake_quant_with_min_max_vars,
)
from lamina.quantizers.quantizers import pack_int4 as pack_int4
from lamina.quantizers.quantizers import quantize_and_dequantize as quantize_and_dequantize
from lamina.quantizers.quantizers import unpack_int4 as unpack_int4

_ALL = (
    Quantizer,
    AbsMaxQuantizer,
    QuantizationConfig,
    Int8QuantizationConfig,
    Int4QuantizationConfig,
    Float8QuantizationConfig,
    GPTQConfig,
    AWQConfig,
)


def _objects() -> dict:
    from lamina.core.naming import to_snake_case

    out = {cls.__name__: cls for cls in _ALL}
    out.update({to_snake_case(cls.__name__): cls for cls in _ALL})
    return out


def serialize(initializer):
    """The Keras record (`{"module": "keras.quantizers", "class_name": ..., "config": ...}`)
    of a quantizer or quantization config.

    Args:
        initializer: the quantizer (Keras names this argument so).

    Returns:
        A JSON-ready dict.

    Example:
        >>> from lamina import quantizers
        >>> quantizers.serialize(quantizers.AbsMaxQuantizer())["class_name"]
        'AbsMaxQuantizer'
    """
    from lamina.core.serialization import serialize_keras_object

    return serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """Rebuilds a quantizer or quantization config from its Keras record.

    Args:
        config: the record written by `serialize`.
        custom_objects: a dict of custom classes by name.

    Returns:
        The object.

    Example:
        >>> from lamina import quantizers
        >>> q = quantizers.deserialize(quantizers.serialize(quantizers.AbsMaxQuantizer()))
        >>> q.value_range
        (-127, 127)
    """
    from lamina.core import registry

    objects = dict(_objects())
    objects.update(custom_objects or {})
    with registry.custom_object_scope(objects):
        from lamina.core.serialization import deserialize_keras_object

        return deserialize_keras_object(config, custom_objects=objects)


def get(identifier, **kwargs):
    """A quantizer from a name, a record or an instance (None stays None).

    Args:
        identifier: a class name (`"AbsMaxQuantizer"`, `"abs_max_quantizer"`), a record, a
            quantizer or a callable.
        **kwargs: passed through (Keras instantiates a named class with them as one dict).

    Returns:
        The quantizer.

    Example:
        >>> from lamina import quantizers
        >>> type(quantizers.get("AbsMaxQuantizer")).__name__
        'AbsMaxQuantizer'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = _objects().get(identifier)
    else:
        obj = identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj(kwargs) if kwargs else obj()
        return obj
    raise ValueError(f"Could not interpret quantizer identifier: {identifier}")
