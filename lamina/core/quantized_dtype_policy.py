"""Quantized dtype policies (`"int8_from_float32"`, `"int4/128_from_float32"`, ...).

A quantized policy names the quantization mode of a layer and the float policy it came from
(`source_name`); the compute and variable dtypes are the source's.
"""

from __future__ import annotations

from lamina.core.dtype_policy import DTypePolicy

QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")


class QuantizedDTypePolicy(DTypePolicy):
    """The policy of a layer quantized with `mode` from the float policy `source_name`.

    Args:
        mode: `"int8"`, `"int4"` or `"float8"` (`"gptq"`/`"awq"` are recognised names).
        source_name: the float policy before quantization (default: the global policy).

    Returns:
        A policy named `f"{mode}_from_{source_name}"`.

    Example:
        >>> from lamina.core.quantized_dtype_policy import QuantizedDTypePolicy
        >>> p = QuantizedDTypePolicy("int8", "float32")
        >>> p.name, p.compute_dtype, p.quantization_mode
        ('int8_from_float32', 'float32', 'int8')
    """

    def __init__(self, mode, source_name=None):
        if source_name is None:
            from lamina.core.dtype_policy import dtype_policy

            source_name = dtype_policy().name
        source = DTypePolicy(source_name)
        if mode not in QUANTIZATION_MODES:
            raise ValueError(
                f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. "
                f"Received: mode={mode}"
            )
        if source.compute_dtype == "float16" and mode == "int8":
            raise ValueError(
                f"Quantization mode='{mode}' doesn't work well with compute_dtype='float16'."
            )
        self._source = source
        self._source_name = source_name
        self._quantization_mode = mode
        self._name = f"{mode}_from_{source_name}"

    @property
    def compute_dtype(self) -> str:
        return self._source.compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self._source.variable_dtype

    @property
    def quantization_mode(self):
        return self._quantization_mode

    @property
    def source_name(self) -> str:
        return self._source_name

    def get_config(self) -> dict:
        return {"mode": self._quantization_mode, "source_name": self._source_name}

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.name == self.name

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._name))

    def __repr__(self) -> str:
        return f'<{type(self).__name__} "{self._name}">'


class QuantizedFloat8DTypePolicy(QuantizedDTypePolicy):
    """The policy of a layer trained in float8, with the length of its amax history.

    Args:
        mode: `"float8"`.
        source_name: the float policy before quantization.
        amax_history_length: how many recent abs maxima set the delayed scales (1024).

    Returns:
        A policy named `"float8_from_<source_name>"`.

    Example:
        >>> from lamina.core.quantized_dtype_policy import QuantizedFloat8DTypePolicy
        >>> QuantizedFloat8DTypePolicy("float8", "float32").amax_history_length
        1024
    """

    default_amax_history_length = 1024

    def __init__(self, mode, source_name=None, amax_history_length=1024):
        super().__init__(mode=mode, source_name=source_name)
        if not isinstance(amax_history_length, int):
            raise TypeError(
                "QuantizedFloat8DTypePolicy: `amax_history_length` must be an integer. "
                f"Received: amax_history_length={amax_history_length}"
            )
        self._amax_history_length = amax_history_length

    @property
    def amax_history_length(self) -> int:
        return self._amax_history_length

    def __eq__(self, other) -> bool:
        return super().__eq__(other) and self._amax_history_length == other._amax_history_length

    __hash__ = QuantizedDTypePolicy.__hash__

    def get_config(self) -> dict:
        config = super().get_config()
        config["amax_history_length"] = self._amax_history_length
        return config


class Int4DTypePolicy(QuantizedDTypePolicy):
    """The policy of an int4 layer with its group size: mode `"int4/<block_size>"` (-1:
    per-channel scales).

    Args:
        mode: `"int4/<block_size>"`, e.g. `"int4/128"`.
        source_name: the float policy before quantization.

    Returns:
        A policy named `"int4/<block_size>_from_<source_name>"`.

    Example:
        >>> from lamina.core.quantized_dtype_policy import Int4DTypePolicy
        >>> p = Int4DTypePolicy("int4/128", "float32")
        >>> p.name, p.block_size, p.quantization_mode
        ('int4/128_from_float32', 128, 'int4')
    """

    def __init__(self, mode, source_name=None):
        parts = str(mode).split("/")
        expected = "'int4/<block_size>'"
        if len(parts) != 2 or parts[0] != "int4":
            raise ValueError(
                f"Invalid mode for Int4DTypePolicy. Expected format {expected}, but got '{mode}'."
            )
        try:
            block_size = int(parts[1])
        except ValueError:
            raise ValueError(
                "Invalid mode for Int4DTypePolicy. <block_size> must be an integer. "
                f"Expected format {expected}, but got '{mode}'."
            ) from None
        if block_size < -1 or block_size == 0:
            raise ValueError(
                "Invalid block_size in mode. Supported values are -1 (per-channel) or a "
                f"positive integer (sub-channel), but got {block_size} from '{mode}'."
            )
        super().__init__(mode="int4", source_name=source_name)
        self._name = f"{mode}_from_{self._source_name}"
        self.block_size = block_size

    def get_config(self) -> dict:
        config = super().get_config()
        config["mode"] = f"int4/{self.block_size}"
        return config


_CLASSES = {
    "QuantizedDTypePolicy": QuantizedDTypePolicy,
    "QuantizedFloat8DTypePolicy": QuantizedFloat8DTypePolicy,
    "Int4DTypePolicy": Int4DTypePolicy,
}


def quantized_policy_from_name(name: str) -> QuantizedDTypePolicy:
    """The quantized policy for a name such as `"int8_from_float32"` or
    `"int4/128_from_mixed_bfloat16"`.

    Args:
        name: `"<mode>_from_<source policy>"`, with mode `int8`, `int4`, `int4/<block size>`
            or `float8`.

    Returns:
        A `QuantizedDTypePolicy` (or its int4 / float8 subclass).

    Raises:
        ValueError: the name has no `_from_` part.
        NotImplementedError: GPTQ / AWQ modes.

    Example:
        >>> from lamina.core.quantized_dtype_policy import quantized_policy_from_name
        >>> policy = quantized_policy_from_name("int8_from_float32")
        >>> type(policy).__name__, policy.name
        ('QuantizedDTypePolicy', 'int8_from_float32')
    """
    parts = name.split("_from_")
    if len(parts) != 2:
        raise ValueError(
            "Cannot convert `policy` into a valid pair (`mode`, `source_name`) to instantiate "
            f"`QuantizedDTypePolicy`. Received: policy={name}"
        )
    mode, source = parts
    if mode.startswith("int4") and "/" in mode:
        return Int4DTypePolicy(mode, source)
    if mode.startswith("float8"):
        return QuantizedFloat8DTypePolicy(mode, source)
    if mode.startswith(("gptq", "awq")):
        raise NotImplementedError(
            f"dtype policy '{name}': GPTQ/AWQ quantization is not built in lamina yet "
            "(see docs/differences.md)."
        )
    return QuantizedDTypePolicy(mode, source)


def resolve_policy(dtype):
    """The policy for a layer's `dtype=` argument when it is quantized (an instance, a
    `"<mode>_from_<source>"` name or a Keras record); None when `dtype` is not quantized.

    Args:
        dtype: what was passed as `dtype=`.

    Returns:
        A `QuantizedDTypePolicy`, or None.

    Example:
        >>> from lamina.core.quantized_dtype_policy import resolve_policy
        >>> resolve_policy("float8_from_float32").name, resolve_policy("float32")
        ('float8_from_float32', None)
    """
    if isinstance(dtype, QuantizedDTypePolicy):
        return dtype
    if isinstance(dtype, str) and dtype.startswith(QUANTIZATION_MODES):
        return quantized_policy_from_name(dtype)
    if isinstance(dtype, dict) and dtype.get("class_name") in _CLASSES:
        if dtype["class_name"].startswith(("GPTQ", "AWQ")):
            return quantized_policy_from_name("gptq_from_x")
        return _CLASSES[dtype["class_name"]](**dtype.get("config", {}))
    return None


def serialize_policy(policy) -> dict:
    """A quantized policy's Keras record.

    Args:
        policy: a quantized policy.

    Returns:
        A dict `{"module", "class_name", "config", "registered_name"}`.

    Example:
        >>> from lamina.core.quantized_dtype_policy import (
        ...     quantized_policy_from_name, serialize_policy)
        >>> serialize_policy(quantized_policy_from_name("int8_from_float32"))["class_name"]
        'QuantizedDTypePolicy'
    """
    return {
        "module": "keras.dtype_policies",
        "class_name": type(policy).__name__,
        "config": policy.get_config(),
        "registered_name": None,
    }
