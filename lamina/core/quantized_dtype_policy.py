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
        mode: `"int8"`, `"int4"` or `"float8"` (`"gptq"`/`"awq"`: see `GPTQDTypePolicy`).
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


def _parse_bits_group(kind: str, mode, allowed_bits: tuple[int, ...]) -> tuple[int, int]:
    """`(weight_bits, group_size)` from a mode such as `"gptq/4/128"`, checked as Keras does."""
    parts = str(mode).split("/")
    expected = f"'{kind}/<weight_bits>/<group_size>'"
    cls = f"{kind.upper()}DTypePolicy"
    if len(parts) != 3 or parts[0] != kind:
        raise ValueError(f"Invalid mode for {cls}. Expected format {expected}, but got '{mode}'.")
    try:
        weight_bits, group_size = int(parts[1]), int(parts[2])
    except ValueError:
        raise ValueError(
            f"Invalid mode for {cls}. <weight_bits> and <group_size> must be integers. "
            f"Expected format {expected}, but got '{mode}'."
        ) from None
    if weight_bits not in allowed_bits:
        if kind == "awq":
            raise ValueError(
                "Invalid weight_bits in mode. AWQ only supports 4-bit quantization, but got "
                f"{weight_bits} from '{mode}'."
            )
        raise ValueError(
            "Invalid weight_bits in mode. Supported values are 2, 3, 4, and 8, but got "
            f"{weight_bits} from '{mode}'."
        )
    if group_size < -1 or group_size == 0:
        what = "whole-tensor" if kind == "gptq" else "per-channel"
        raise ValueError(
            f"Invalid group_size in mode. Supported values are -1 ({what}) or a positive "
            f"integer, but got {group_size} from '{mode}'."
        )
    return weight_bits, group_size


class _BitsGroupPolicy(QuantizedDTypePolicy):
    _kind = ""
    _bits: tuple[int, ...] = ()

    def __init__(self, mode, source_name=None):
        weight_bits, group_size = _parse_bits_group(self._kind, mode, self._bits)
        super().__init__(mode=self._kind, source_name=source_name)
        self._name = f"{mode}_from_{self._source_name}"
        self.weight_bits = weight_bits
        self.group_size = group_size

    def __eq__(self, other) -> bool:
        return (
            super().__eq__(other)
            and self.weight_bits == other.weight_bits
            and self.group_size == other.group_size
        )

    __hash__ = QuantizedDTypePolicy.__hash__

    def get_config(self) -> dict:
        config = super().get_config()
        config["mode"] = f"{self._kind}/{self.weight_bits}/{self.group_size}"
        return config


class GPTQDTypePolicy(_BitsGroupPolicy):
    """The policy of a GPTQ-quantized layer: mode `"gptq/<weight_bits>/<group_size>"`.

    lamina reads and writes this policy with Keras's name and record, but does not build
    GPTQ-quantized layers yet: a layer given this policy raises `NotImplementedError` when it
    is built (see docs/differences.md).

    Args:
        mode: `"gptq/<weight_bits>/<group_size>"`: 2, 3, 4 or 8 bits; a group size of -1
            (whole tensor) or a positive integer. E.g. `"gptq/4/128"`.
        source_name: the float policy before quantization (default: the global policy).

    Returns:
        A policy named `"gptq/<weight_bits>/<group_size>_from_<source_name>"`.

    Example:
        >>> from lamina.dtype_policies import GPTQDTypePolicy
        >>> p = GPTQDTypePolicy("gptq/4/128", "float32")
        >>> p.name, p.weight_bits, p.group_size, p.quantization_mode
        ('gptq/4/128_from_float32', 4, 128, 'gptq')
    """

    _kind = "gptq"
    _bits = (2, 3, 4, 8)


class AWQDTypePolicy(_BitsGroupPolicy):
    """The policy of an AWQ-quantized layer: mode `"awq/4/<group_size>"` (AWQ is 4-bit only).

    lamina reads and writes this policy with Keras's name and record, but does not build
    AWQ-quantized layers yet: a layer given this policy raises `NotImplementedError` when it is
    built (see docs/differences.md).

    Args:
        mode: `"awq/4/<group_size>"`, with a group size of -1 (per-channel) or a positive
            integer. E.g. `"awq/4/128"`.
        source_name: the float policy before quantization (default: the global policy).

    Returns:
        A policy named `"awq/4/<group_size>_from_<source_name>"`.

    Example:
        >>> from lamina.dtype_policies import AWQDTypePolicy
        >>> AWQDTypePolicy("awq/4/-1", "bfloat16").name
        'awq/4/-1_from_bfloat16'
    """

    _kind = "awq"
    _bits = (4,)


_CLASSES = {
    "GPTQDTypePolicy": GPTQDTypePolicy,
    "AWQDTypePolicy": AWQDTypePolicy,
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
    if mode.startswith("gptq"):
        return GPTQDTypePolicy(mode, source)
    if mode.startswith("awq"):
        return AWQDTypePolicy(mode, source)
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
