"""Dtype policies: the dtype of a layer's variables and of its computations.

`'float32'` computes and stores in float32; `'mixed_bfloat16'` / `'mixed_float16'` keep variables
in float32 and compute in the low precision (variables are cast when read inside the layer).
"""

from __future__ import annotations

from lamina.core.config import floatx

# The global policy's name (None: follow `floatx()`), process-wide as in a Keras setting.
_GLOBAL_POLICY: list[str | None] = [None]
_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_PLAIN = ("float16", "bfloat16", "float32", "float64", "int32", "int64", "uint8", "bool")


class DTypePolicy:
    """A named dtype policy: the dtype a layer stores its variables in and the dtype it computes in.

    `"float32"` (or any dtype name) uses the same dtype for both; `"mixed_bfloat16"` and
    `"mixed_float16"` keep variables in float32 and compute in the low precision (variables are
    cast when read inside the layer).

    Args:
        name: the policy's name (`"float32"`, `"bfloat16"`, `"mixed_bfloat16"`,
            `"mixed_float16"`, ...); default: the global policy (`keras.config.dtype_policy()`).

    Attributes:
        name: the policy's name.
        compute_dtype: the dtype layers compute in.
        variable_dtype: the dtype layer variables are stored in.

    Example:
        >>> import lamina as keras
        >>> policy = keras.DTypePolicy("mixed_bfloat16")
        >>> policy.compute_dtype, policy.variable_dtype
        ('bfloat16', 'float32')
        >>> keras.layers.Dense(2, dtype=policy).compute_dtype
        'bfloat16'
    """

    def __init__(self, name: str | None = None):
        if name is None:
            name = dtype_policy().name
        if isinstance(name, DTypePolicy):
            name = name.name
        if not isinstance(name, str) or (name not in _MIXED and name not in _PLAIN):
            raise ValueError(
                f"DTypePolicy: unknown policy {name!r}. Use a dtype such as 'float32' or "
                "'bfloat16', or 'mixed_float16' / 'mixed_bfloat16'."
            )
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return _MIXED.get(self._name, self._name)

    @property
    def variable_dtype(self) -> str:
        return "float32" if self._name in _MIXED else self._name

    @property
    def quantization_mode(self):
        """None: a float policy does not quantize (the quantized policies name their mode)."""
        return None

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict) -> DTypePolicy:
        return cls(**config)

    def __eq__(self, other) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self._name

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


def set_dtype_policy(policy) -> None:
    """Sets the dtype policy that layers created from now on get when given no `dtype`.

    Args:
        policy: a policy name (`"float32"`, `"mixed_bfloat16"`, `"mixed_float16"`, ...), a
            `DTypePolicy`, or None to go back to following `floatx()`.

    Example:
        >>> import lamina as keras
        >>> keras.config.set_dtype_policy("mixed_bfloat16")
        >>> layer = keras.layers.Dense(2)
        >>> layer.compute_dtype, layer.variable_dtype
        ('bfloat16', 'float32')
        >>> keras.config.set_dtype_policy(None)
    """
    if policy is None:
        _GLOBAL_POLICY[0] = None
        return
    _GLOBAL_POLICY[0] = DTypePolicy(policy.name if isinstance(policy, DTypePolicy) else policy).name


def dtype_policy() -> DTypePolicy:
    """The dtype policy new layers get when given no `dtype` (by default the policy named by
    `floatx()`).

    Args:
        None.

    Returns:
        A `DTypePolicy`.

    Example:
        >>> import lamina as keras
        >>> keras.config.dtype_policy()
        <DTypePolicy "float32">
    """
    name = _GLOBAL_POLICY[0]
    return DTypePolicy(name if name is not None else floatx())


def policy_name(dtype) -> str:
    """The policy name for a layer's `dtype=` argument: a dtype, a policy, a policy name or a
    serialized policy record; None gives the global policy's name.

    Args:
        dtype: what was passed as `dtype=`.

    Returns:
        A policy name such as `"float32"` or `"mixed_bfloat16"`.

    Example:
        >>> import numpy as np
        >>> from lamina.core.dtype_policy import policy_name
        >>> policy_name(np.float16), policy_name("mixed_bfloat16"), policy_name(None)
        ('float16', 'mixed_bfloat16', 'float32')
    """
    if dtype is None:
        return dtype_policy().name
    if isinstance(dtype, DTypePolicy):
        return dtype.name
    if isinstance(dtype, dict):
        return DTypePolicy(dtype.get("config", {}).get("name", "float32")).name
    from lamina.core.variable import standardize_dtype

    name = dtype if isinstance(dtype, str) and dtype in _MIXED else standardize_dtype(dtype)
    return DTypePolicy(name).name
