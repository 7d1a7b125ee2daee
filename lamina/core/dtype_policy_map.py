"""`DTypePolicyMap`: dtype policies by layer path, with a default for the paths it lacks."""

from __future__ import annotations

import re
from collections.abc import MutableMapping

from lamina.core.dtype_policy import DTypePolicy


def _get_policy(identifier):
    from lamina import dtype_policies

    return dtype_policies.get(identifier)


class DTypePolicyMap(DTypePolicy, MutableMapping):
    """A dict-like dtype policy: maps layer paths (or regular expressions over paths) to
    `DTypePolicy` objects, and answers every other path with a default policy.

    Give it as `dtype=` to a layer: the layer then computes and stores its weights with the
    policy its `path` maps to. As a policy itself, its `compute_dtype` and `variable_dtype` are
    those of the default policy. Looking up a key tries the exact key first, then every key as
    a regular expression (`re.fullmatch`); a path matched by several patterns is an error.

    Args:
        default_policy: the policy (or its name) for paths that match no key; None means the
            global policy, `keras.config.dtype_policy()`.
        policy_map: optional dict mapping paths (or patterns) to `DTypePolicy` objects.

    Example:
        >>> import lamina as keras
        >>> policies = keras.dtype_policies.DTypePolicyMap(default_policy="float32")
        >>> policies["encoder/.*"] = "bfloat16"
        >>> policies["head"] = keras.dtype_policies.DTypePolicy("mixed_float16")
        >>> policies["encoder/dense"].name, policies["decoder/dense"].name
        ('bfloat16', 'float32')
        >>> layer = keras.layers.Dense(2, dtype=policies, name="head")
        >>> layer.compute_dtype, layer.variable_dtype, policies.name
        ('float16', 'float32', 'map_float32')
    """

    def __init__(self, default_policy=None, policy_map=None):
        if isinstance(default_policy, DTypePolicyMap):
            raise ValueError(
                "DTypePolicyMap: `default_policy` cannot be a DTypePolicyMap; pass a "
                "DTypePolicy or a policy name."
            )
        if policy_map is not None and not isinstance(policy_map, dict):
            raise TypeError(
                "DTypePolicyMap: `policy_map` must be a dict (path -> DTypePolicy), received "
                f"policy_map={policy_map!r} of type {type(policy_map).__name__}."
            )
        self._default_policy_arg = default_policy
        self._default_policy = _get_policy(default_policy)
        self._policy_map = {}
        for key, value in (policy_map or {}).items():
            self[key] = value

    @property
    def name(self) -> str:
        return f"map_{self.default_policy.name}"

    @property
    def _name(self) -> str:  # DTypePolicy's equality and hash read it
        return self.name

    @property
    def default_policy(self) -> DTypePolicy:
        """The policy of the paths that match no key."""
        return _get_policy(self._default_policy)

    @property
    def variable_dtype(self) -> str:
        return self.default_policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        return self.default_policy.compute_dtype

    @property
    def quantization_mode(self):
        return getattr(self.default_policy, "quantization_mode", None)

    def __getitem__(self, key) -> DTypePolicy:
        """The policy of `key` (a layer path): its exact entry, else the one pattern matching
        it, else the default policy."""
        if key in self._policy_map:
            return self._policy_map[key]
        matches = [pattern for pattern in self._policy_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(
                f"Path '{key}' matches multiple dtype policy specification keys: {matches}. "
                "Make each path match at most one key of the DTypePolicyMap."
            )
        if matches:
            return self._policy_map[matches[0]]
        return self.default_policy

    def __setitem__(self, key, policy) -> None:
        if key in self._policy_map:
            raise ValueError(
                f"DTypePolicyMap: the key {key!r} already exists (with value "
                f"{self._policy_map[key]}); delete it first, keys must be unique."
            )
        try:
            policy = _get_policy(policy)
        except Exception:
            raise ValueError(
                "DTypePolicyMap: cannot interpret the assigned value as a dtype policy "
                f"(keras.dtype_policies.get); received {policy!r} of type "
                f"{type(policy).__name__}."
            ) from None
        self._policy_map[key] = policy

    def __delitem__(self, key):
        return self._policy_map.pop(key)

    def __contains__(self, key) -> bool:
        return key in self._policy_map

    def __len__(self) -> int:
        return len(self._policy_map)

    def __iter__(self):
        return iter(self._policy_map)

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, DTypePolicyMap)
            and other.default_policy == self.default_policy
            and other._policy_map == self._policy_map
        )

    __hash__ = object.__hash__

    def get_config(self) -> dict:
        from lamina import dtype_policies

        return {
            "default_policy": self._default_policy_arg
            if not isinstance(self._default_policy_arg, DTypePolicy)
            else self._default_policy_arg.name,
            "policy_map": {k: dtype_policies.serialize(v) for k, v in self._policy_map.items()},
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamina import dtype_policies

        config = dict(config)
        entries = config.get("policy_map") or {}
        if isinstance(entries, dict) and entries.get("class_name") == "__dict__":
            entries = entries.get("config") or {}
        config["policy_map"] = {
            k: dtype_policies.deserialize(v, custom_objects=custom_objects)
            if isinstance(v, dict)
            else dtype_policies.get(v)
            for k, v in entries.items()
        }
        return cls(**config)

    def __repr__(self) -> str:
        mapping = [(k, v.name) for k, v in self._policy_map.items()]
        return (
            f"<DTypePolicyMap at {hex(id(self))} default_policy={self._default_policy.name}, "
            f"mapping={mapping}>"
        )
