"""Tracking: how a layer finds its sublayers, variables, seed generators and metrics.

Assigning a layer, a variable, a seed generator or a metric to an attribute (directly, or in a
list/tuple/dict) registers it; lists stay tracked when appended to later. The variable views
(`weights`, `variables`, `trainable_variables`, ...) derive from what was registered.
"""

from __future__ import annotations

from typing import Any

import jax

from lamina.core.random import SeedGenerator
from lamina.core.variable import Variable, bump_structure

_INTERNAL_ATTRS = frozenset(
    {
        "_layers",
        "_trainable_variables",
        "_non_trainable_variables",
        "_seed_generators",
        "_metrics",
        "_losses",
        "_tracked_ids",
        "_inbound_nodes",
        "_build_shapes_dict",
        "_input_shape_arg",
    }
)


def _is_trackable(value) -> bool:
    # `is True`: objects that answer every attribute (a `unittest.mock.Mock` patched onto a
    # model, as scikeras's tests do) are not metrics.
    return isinstance(value, (Tracker, Variable, SeedGenerator)) or (
        getattr(value, "_is_lamina_metric", False) is True
    )


class TrackedList(list):
    """A list attribute of a layer that keeps tracking the layers and variables appended to it.

    Args:
        values: the initial items.
        owner: the layer whose attribute this is.

    Example:
        >>> import lamina as keras
        >>> class Stack(keras.Layer):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.blocks = []
        ...         self.blocks.append(keras.layers.Dense(2))
        >>> stack = Stack()
        >>> type(stack.blocks).__name__, len(stack._layers)
        ('TrackedList', 1)
    """

    def __init__(self, values, owner):
        super().__init__(values)
        self._owner = owner

    def append(self, value):
        super().append(value)
        self._owner._track(value)

    def extend(self, values):
        values = list(values)
        super().extend(values)
        for v in values:
            self._owner._track(v)

    def insert(self, index, value):
        super().insert(index, value)
        self._owner._track(value)

    def __setitem__(self, index, value):
        super().__setitem__(index, value)
        if isinstance(index, slice):
            for v in value:
                self._owner._track(v)
        else:
            self._owner._track(value)


class TrackedDict(dict):
    """A dict attribute of a layer that keeps tracking the layers and variables put in it.

    Args:
        values: the initial items.
        owner: the layer whose attribute this is.

    Example:
        >>> import lamina as keras
        >>> class Heads(keras.Layer):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.heads = {}
        ...         self.heads["score"] = keras.layers.Dense(1)
        >>> heads = Heads()
        >>> type(heads.heads).__name__, len(heads._layers)
        ('TrackedDict', 1)
    """

    def __init__(self, values, owner):
        super().__init__(values)
        self._owner = owner

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self._owner._track(value)

    def update(self, *args, **kwargs):
        new = dict(*args, **kwargs)
        super().update(new)
        for v in new.values():
            self._owner._track(v)

    def setdefault(self, key, default=None):
        value = super().setdefault(key, default)
        self._owner._track(value)
        return value


# Tracked containers are still lists and dicts to JAX's tree utilities (model inputs and outputs
# are often lists or dicts).
jax.tree_util.register_pytree_node(
    TrackedList, lambda values: (list(values), None), lambda _, children: list(children)
)
jax.tree_util.register_pytree_node(
    TrackedDict,
    lambda d: (tuple(d[k] for k in sorted(d)), tuple(sorted(d))),
    lambda keys, children: dict(zip(keys, children)),
)


class Tracker:
    """The tracking half of `Layer`: registration and the variable views.

    Assigning a layer, variable, seed generator or metric to an attribute (also inside a list,
    tuple or dict) registers it; `weights`, `trainable_variables`, ... are built from what was
    registered.

    Args:
        (none: a mixin of `Layer`)

    Example:
        >>> import lamina as keras
        >>> from lamina.core.tracking import Tracker
        >>> class Pair(keras.Layer):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.first, self.second = keras.layers.Dense(2), keras.layers.Dense(1)
        >>> pair = Pair()
        >>> isinstance(pair, Tracker), len(pair._layers)
        (True, 2)
    """

    def _init_tracking(self):
        d = self.__dict__
        d["_layers"] = []
        d["_trainable_variables"] = []
        d["_non_trainable_variables"] = []
        d["_seed_generators"] = []
        d["_metrics"] = []
        d["_losses"] = []
        d["_tracked_ids"] = set()
        d["_inbound_nodes"] = []
        d["_auto_config"] = None
        d["built"] = False
        d["_trainable"] = True

    # ------------------------------------------------------------------------ tracking
    def __setattr__(self, name: str, value: Any) -> None:
        if name in _INTERNAL_ATTRS:
            object.__setattr__(self, name, value)
            return
        # Keep tracking what is added later (`self.blocks = []; self.blocks.append(...)`).
        if type(value) is list:
            value = TrackedList(value, self)
        elif type(value) is dict:
            value = TrackedDict(value, self)
        object.__setattr__(self, name, value)
        self._track(value)

    def _track(self, value) -> None:
        if isinstance(value, (list, tuple)):
            for v in value:
                self._track(v)
            return
        if isinstance(value, dict):
            for v in value.values():
                self._track(v)
            return
        if not _is_trackable(value) or value is self:
            return
        key = id(value)
        if key in self._tracked_ids:
            return
        self._tracked_ids.add(key)
        if isinstance(value, (Tracker, Variable)):
            bump_structure()
        if isinstance(value, Tracker):
            self._layers.append(value)
        elif isinstance(value, Variable):
            if value.trainable:
                self._trainable_variables.append(value)
            else:
                self._non_trainable_variables.append(value)
        elif isinstance(value, SeedGenerator):
            self._seed_generators.append(value)
        else:
            self._metrics.append(value)

    # ------------------------------------------------------------------------ trainable
    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        value = bool(value)
        self.__dict__["_trainable"] = value
        for v in self._trainable_variables:
            v.trainable = value
        for layer in self._layers:
            layer.trainable = value

    def _flatten_layers(self, include_self=True):
        seen, out, stack = set(), [], [self] if include_self else list(reversed(self._layers))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            if getattr(layer, "_is_operation", False) and layer is not self:
                continue  # a `keras.ops` call in a functional graph: an operation, not a layer
            out.append(layer)
            stack.extend(reversed(layer._layers))
        return out

    @property
    def layers(self) -> list:
        assigned = self.__dict__.get("_assigned_layers")
        return assigned if assigned is not None else list(self._layers)

    @layers.setter
    def layers(self, value) -> None:
        # Keras's `Layer` has no `layers` attribute of its own, so a layer may name one of its
        # attributes so (KerasTuner's RandAugment does); `__setattr__` tracks the value.
        self.__dict__["_assigned_layers"] = value

    @property
    def weights(self) -> list[Variable]:
        """Own trainable, own non-trainable, then the sublayers' weights (deduplicated)."""
        out, seen = [], set()
        for v in self._trainable_variables + self._non_trainable_variables:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._layers:
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def variables(self) -> list[Variable]:
        """Like `weights`, plus the states of seed generators."""
        out, seen = [], set()
        own = self._trainable_variables + self._non_trainable_variables
        own = own + [sg.state for sg in self._seed_generators]
        for v in own:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._layers:
            for v in layer.variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def trainable_variables(self) -> list[Variable]:
        if not self.trainable:
            return []
        return [v for v in self.variables if v.trainable]

    @property
    def non_trainable_variables(self) -> list[Variable]:
        if not self.trainable:
            return self.variables
        return [v for v in self.variables if not v.trainable]

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []
        return [v for v in self.weights if v.trainable]

    @property
    def non_trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    @property
    def metrics(self) -> list:
        out = list(self._metrics)
        for layer in self._layers:
            out.extend(layer.metrics)
        return out

    @property
    def metrics_variables(self) -> list[Variable]:
        return [v for m in self.metrics for v in m.variables]
