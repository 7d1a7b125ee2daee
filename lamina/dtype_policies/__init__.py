"""`keras.dtype_policies`: the dtype policies of layers (variable dtype and compute dtype),
their lookup and serialization. (The quantized policies belong to the quantization work and
are not here yet.)"""

from __future__ import annotations

from lamina.core.dtype_policy import DTypePolicy, dtype_policy


class FloatDTypePolicy(DTypePolicy):
    """A floating-point dtype policy: `"float32"`, `"bfloat16"`, `"mixed_float16"`, ...

    The same as `DTypePolicy`; Keras keeps this name for the float (non-quantized) policies.

    Args:
        name: the policy name (default: the global policy).

    Example:
    >>> FloatDTypePolicy("mixed_bfloat16").compute_dtype
    'bfloat16'
    """

    def __repr__(self) -> str:
        return f'<FloatDTypePolicy "{self.name}">'


_CLASSES = {"DTypePolicy": DTypePolicy, "FloatDTypePolicy": FloatDTypePolicy}


def serialize(dtype_policy):
    """The Keras record of a dtype policy.

    Args:
        dtype_policy: a `DTypePolicy`.

    Returns:
        `{"module": "keras", "class_name": ..., "config": {"name": ...}, "registered_name": None}`.

    Example:
    >>> serialize(DTypePolicy("float16"))["config"]
    {'name': 'float16'}
    """
    if not isinstance(dtype_policy, DTypePolicy):
        raise TypeError(
            f"dtype_policies.serialize: expected a DTypePolicy; received {dtype_policy!r}."
        )
    return {
        "module": "keras",
        "class_name": type(dtype_policy).__name__,
        "config": dtype_policy.get_config(),
        "registered_name": None,
    }


def deserialize(config, custom_objects=None):
    """Rebuilds a dtype policy from its record.

    Args:
        config: a record as `serialize` writes it.
        custom_objects: custom policy classes by name.

    Returns:
        The policy.

    Example:
    >>> deserialize({"class_name": "DTypePolicy", "config": {"name": "bfloat16"}}).name
    'bfloat16'
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "dtype_policies.deserialize: expected a record with 'class_name' and 'config'; "
            f"received {config!r}."
        )
    classes = {**_CLASSES, **(custom_objects or {})}
    cls = classes.get(config["class_name"])
    if cls is None:
        raise ValueError(
            f"dtype_policies.deserialize: unknown policy class {config['class_name']!r}; "
            f"known: {sorted(classes)}."
        )
    return cls.from_config(config.get("config") or {})


def get(identifier):
    """A dtype policy from a name, a record, or a policy.

    Args:
        identifier: `None` (the global policy), a name such as `"mixed_float16"`, a record, or
            a `DTypePolicy`.

    Returns:
        A `DTypePolicy`.

    Example:
    >>> get("mixed_float16").variable_dtype
    'float32'
    """
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    raise ValueError(
        f"dtype_policies.get: cannot interpret {identifier!r} as a dtype policy; pass a name "
        "such as 'float32' or 'mixed_bfloat16', a record, or a DTypePolicy."
    )


__all__ = ["DTypePolicy", "FloatDTypePolicy", "deserialize", "get", "serialize"]

# Quantized policies (issue 20): Keras's names, records and "<mode>_from_<source>" strings.
from lamina.core.quantized_dtype_policy import AWQDTypePolicy as AWQDTypePolicy  # noqa: E402
from lamina.core.quantized_dtype_policy import GPTQDTypePolicy as GPTQDTypePolicy  # noqa: E402
from lamina.core.quantized_dtype_policy import Int4DTypePolicy as Int4DTypePolicy  # noqa: E402
from lamina.core.quantized_dtype_policy import (  # noqa: E402
    QuantizedDTypePolicy as QuantizedDTypePolicy,
)
from lamina.core.quantized_dtype_policy import (  # noqa: E402
    QuantizedFloat8DTypePolicy as QuantizedFloat8DTypePolicy,
)

_CLASSES.update(
    {
        "QuantizedDTypePolicy": QuantizedDTypePolicy,
        "QuantizedFloat8DTypePolicy": QuantizedFloat8DTypePolicy,
        "Int4DTypePolicy": Int4DTypePolicy,
        "GPTQDTypePolicy": GPTQDTypePolicy,
        "AWQDTypePolicy": AWQDTypePolicy,
    }
)
_plain_get = get


def get(identifier):  # noqa: F811
    """A dtype policy from a name (quantized names such as `"int8_from_float32"` included), a
    record, or a policy.

    Args:
        identifier: `None`, a policy name, a record, or a `DTypePolicy`.

    Returns:
        A `DTypePolicy` (a `QuantizedDTypePolicy` for quantized names).

    Example:
    >>> get("int8_from_float32").quantization_mode
    'int8'
    """
    from lamina.core.quantized_dtype_policy import resolve_policy

    if isinstance(identifier, str):
        quantized = resolve_policy(identifier)
        if quantized is not None:
            return quantized
    return _plain_get(identifier)


__all__ += [
    "AWQDTypePolicy",
    "GPTQDTypePolicy",
    "Int4DTypePolicy",
    "QuantizedDTypePolicy",
    "QuantizedFloat8DTypePolicy",
]

# Issue 17: `DTypePolicyMap` (policies by layer path); Keras writes its record under the module
# "keras.dtype_policies".
from lamina.core.dtype_policy_map import DTypePolicyMap as DTypePolicyMap  # noqa: E402

_CLASSES["DTypePolicyMap"] = DTypePolicyMap
_serialize_one = serialize


def serialize(dtype_policy):  # noqa: F811
    """The Keras record of a dtype policy (a `DTypePolicyMap` included).

    Args:
        dtype_policy: a `DTypePolicy`.

    Returns:
        A dict with `module`, `class_name`, `config` and `registered_name`.

    Example:
    >>> record = serialize(DTypePolicyMap(policy_map={"a": "bfloat16"}))
    >>> record["module"], record["class_name"]
    ('keras.dtype_policies', 'DTypePolicyMap')
    >>> record["config"]["policy_map"]["a"]["config"]
    {'name': 'bfloat16'}
    """
    record = _serialize_one(dtype_policy)
    if isinstance(dtype_policy, (DTypePolicyMap, QuantizedDTypePolicy)):
        record["module"] = "keras.dtype_policies"
    return record


__all__ += ["DTypePolicyMap"]
