"""`OptimizerMap` and `MultiOptimizer`: different optimizers for different variables.

An `OptimizerMap` names an optimizer per variable path (exact key first, then keys read as
regular expressions matched against the whole path), with a default for the rest. A
`MultiOptimizer` routes each trainable variable to the optimizer the map (or any callable taking
a variable) picks, and each of those optimizers steps its own share of the variables exactly as
it would alone: its own clipping, weight decay, slots and `iterations`.

Variables, in Keras's order: the wrapper's `iteration` and `learning_rate` (the latter unused,
as in Keras), then each inner optimizer's variables, inner optimizers in the order they were
first met (those of the map, then the default, then any new one a callable returns).
"""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping, Sequence
from typing import Any

import jax
import numpy as np

from lamina.core import state
from lamina.core.variable import Variable
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer
from lamina.optimizers.optimizer import Optimizer


class OptimizerMap(MutableMapping):
    """Maps variable paths to optimizers, with a default for the paths no key matches.

    A lookup (`optimizer_map[path]`, or `optimizer_map(variable)` for `variable.path`) first
    tries the path as an exact key; otherwise every key is read as a regular expression that
    must match the whole path (`re.fullmatch`): `"encoder/.*"` covers everything under
    `encoder`, `"encoder"` only that exact path. A path matched by two patterns is an error.

    Args:
        default_optimizer: the `Optimizer` for every variable that no key matches.
        optimizer_map: an optional dict `{key or pattern: Optimizer}` to start with.

    Example:

    >>> import lamina as keras
    >>> adam, sgd = keras.optimizers.Adam(), keras.optimizers.SGD()
    >>> optimizer_map = keras.optimizers.OptimizerMap(default_optimizer=sgd)
    >>> optimizer_map["encoder/.*"] = adam
    >>> optimizer_map["encoder/dense/kernel"] is adam
    True
    >>> optimizer_map["decoder/dense/kernel"] is sgd
    True
    """

    def __init__(self, default_optimizer: Optimizer, optimizer_map: dict | None = None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(
                "OptimizerMap: `default_optimizer` must be a keras Optimizer instance. "
                f"Received: {default_optimizer!r}"
            )
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(
                "OptimizerMap: `optimizer_map` must be a dict {path or pattern: Optimizer}. "
                f"Received: {optimizer_map!r}"
            )
        self._default_optimizer = default_optimizer
        self._optimizer_map = optimizer_map or {}

    @property
    def default_optimizer(self) -> Optimizer:
        """The optimizer of the variables that no key matches."""
        return self._default_optimizer

    def __getitem__(self, key: str) -> Optimizer:
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matches = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(
                f"Multiple optimizers assigned to variable {key}: the patterns {matches} all "
                "match its path. Make the keys of the OptimizerMap disjoint."
            )
        if matches:
            return self._optimizer_map[matches[0]]
        return self._default_optimizer

    def __setitem__(self, key: str, optimizer: Optimizer) -> None:
        if key in self._optimizer_map:
            raise ValueError(
                f"'{key}' already exists in the OptimizerMap with value "
                f"{self._optimizer_map[key]}. Please make sure to not use duplicated keys."
            )
        if not isinstance(key, str):
            raise ValueError(f"OptimizerMap: a key must be a string. Received: {key!r}")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(
                f"OptimizerMap['{key}']: the value must be a keras Optimizer instance. "
                f"Received: {optimizer!r}"
            )
        if isinstance(optimizer, LossScaleOptimizer):
            raise ValueError(
                f"OptimizerMap['{key}']: optimizer cannot be LossScaleOptimizer. Set "
                "`loss_scale_factor` on the MultiOptimizer instead."
            )
        if isinstance(optimizer, MultiOptimizer):
            raise ValueError(f"OptimizerMap['{key}']: optimizer cannot be MultiOptimizer.")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key: str) -> None:
        del self._optimizer_map[key]

    def __len__(self) -> int:
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable) -> Optimizer:
        return self[variable.path]

    def get_config(self) -> dict[str, Any]:
        from lamina.optimizers import serialization

        return {
            "default_optimizer": serialization.serialize(self._default_optimizer),
            "optimizer_map": {
                key: serialization.serialize(opt) for key, opt in self._optimizer_map.items()
            },
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict | None = None):
        from lamina.optimizers import serialization

        default = serialization.deserialize(config["default_optimizer"], custom_objects)
        entries = config.get("optimizer_map") or {}
        optimizer_map = {
            key: serialization.deserialize(record, custom_objects)
            for key, record in entries.items()
        }
        return cls(default, optimizer_map)


def _check_inner(opt, variable) -> None:
    if not isinstance(opt, Optimizer):
        raise ValueError(
            f"MultiOptimizer: the optimizer for variable {getattr(variable, 'path', variable)} "
            f"is not an Optimizer instance. Received: {opt!r}"
        )
    if isinstance(opt, LossScaleOptimizer):
        raise ValueError(
            "LossScaleOptimizer cannot be used inside a MultiOptimizer; set "
            "`loss_scale_factor` on the MultiOptimizer instead."
        )
    if isinstance(opt, MultiOptimizer):
        raise ValueError("MultiOptimizer cannot be used inside a MultiOptimizer.")


class MultiOptimizer(Optimizer):
    """Trains each variable with the optimizer an `OptimizerMap` (or a callable) picks for it.

    Each inner optimizer steps only its own variables, as it would alone (its clipping, weight
    decay, slots, `iterations`). The wrapper has no learning rate of its own: reading or
    setting `learning_rate` raises; use `optimizers` to reach the inner ones (callbacks such as
    `LearningRateScheduler` do so). `iterations` counts the wrapper's steps.

    Args:
        optimizer_map: an `OptimizerMap`, or a callable taking a variable and returning the
            `Optimizer` for it (called once per variable when the optimizer is built).
        loss_scale_factor: a fixed loss scale; it replaces the inner optimizers' own.
        name: the optimizer's name (default `"multi_optimizer"`).

    Example:

    >>> import numpy as np
    >>> import lamina as keras
    >>> inputs = keras.Input((3,))
    >>> hidden = keras.layers.Dense(4, name="encoder")(inputs)
    >>> model = keras.Model(inputs, keras.layers.Dense(1, name="head")(hidden))
    >>> optimizer_map = keras.optimizers.OptimizerMap(keras.optimizers.SGD(0.1, name="sgd"))
    >>> optimizer_map["encoder/.*"] = keras.optimizers.Adam(0.01, name="adam")
    >>> model.compile(optimizer=keras.optimizers.MultiOptimizer(optimizer_map), loss="mse")
    >>> x = np.ones((8, 3), "float32")
    >>> _ = model.fit(x, x[:, :1], epochs=2, batch_size=4, verbose=0)
    >>> [(opt.name, int(opt.iterations)) for opt in model.optimizer.optimizers]
    [('adam', 4), ('sgd', 4)]
    """

    def __init__(
        self,
        optimizer_map: OptimizerMap | Callable,
        loss_scale_factor: float | None = None,
        name: str | None = None,
    ):
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        if not callable(optimizer_map):
            raise TypeError(
                "MultiOptimizer: `optimizer_map` must be an OptimizerMap or a callable taking a "
                f"variable and returning its Optimizer. Received: {optimizer_map!r}"
            )
        self._optimizer_map = optimizer_map
        inner: list[Optimizer] = []
        candidates = list(optimizer_map.values()) if hasattr(optimizer_map, "values") else []
        default = getattr(optimizer_map, "default_optimizer", None)
        if default is not None:
            candidates.append(default)
        for opt in candidates:
            if not any(opt is known for known in inner):
                opt.loss_scale_factor = loss_scale_factor
                inner.append(opt)
        self._inner_optimizers = inner
        self._members: list[list[int]] = []

    @property
    def optimizers(self) -> list[Optimizer]:
        """The inner optimizers, in the order of their variables in `variables`."""
        return self._inner_optimizers

    @property
    def variables(self) -> list[Variable]:
        out = self._variables[:]
        for opt in self._inner_optimizers:
            out.extend(opt.variables)
        return out

    @property
    def learning_rate(self):
        raise AttributeError(
            "Learning rate cannot be accessed on a MultiOptimizer. Access the learning rate on "
            "the individual sub-optimizers instead (`optimizer.optimizers`)."
        )

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        raise AttributeError(
            "Learning rate cannot be set on a MultiOptimizer. Set the learning rate on the "
            "individual sub-optimizers instead (`optimizer.optimizers`)."
        )

    @property
    def loss_scale_factor(self):
        return self.__dict__.get("_loss_scale_factor")

    @loss_scale_factor.setter
    def loss_scale_factor(self, value) -> None:
        self.__dict__["_loss_scale_factor"] = value
        for opt in self.__dict__.get("_inner_optimizers", ()):
            opt.loss_scale_factor = value

    @property
    def iterations(self):
        return self._iterations

    def _index_of(self, opt) -> int:
        return next(i for i, known in enumerate(self._inner_optimizers) if known is opt)

    def build(self, var_list: Sequence[Variable]) -> None:
        """Routes each variable to its optimizer and builds each optimizer on its variables."""
        if self.built:
            return
        var_list = list(var_list)
        members: list[list[int]] = [[] for _ in self._inner_optimizers]
        for j, variable in enumerate(var_list):
            opt = self._optimizer_map(variable)
            _check_inner(opt, variable)
            if not any(opt is known for known in self._inner_optimizers):
                opt.loss_scale_factor = self.loss_scale_factor
                self._inner_optimizers.append(opt)
                members.append([])
            members[self._index_of(opt)].append(j)
        for opt, indices in zip(self._inner_optimizers, members):
            if indices:
                opt.build([var_list[j] for j in indices])
        self._members = members
        super().build(var_list)

    # --- applying gradients -------------------------------------------------------------------
    def stateless_apply(self, optimizer_variables: Sequence, grads: Sequence, trainable_variables):
        """Pure step: `(new_trainable_values, new_optimizer_values)`, aligned with `variables`."""
        if not self.built:
            raise ValueError(
                "To call `stateless_apply`, MultiOptimizer must be built. Call "
                "`optimizer.build(trainable_variables)` first."
            )
        expected = len(self.variables)
        if len(optimizer_variables) != expected:
            raise ValueError(
                "`optimizer_variables` must have one array per entry of "
                f"`MultiOptimizer.variables`: expected {expected}, received "
                f"{len(optimizer_variables)}."
            )
        if len(grads) != len(self._trainable_variables):
            raise ValueError(
                "Gradients must match trainable variables one-to-one. Received "
                f"{len(grads)} gradients and {len(self._trainable_variables)} variables."
            )
        return self._pure_step(list(optimizer_variables), list(grads), list(trainable_variables))

    def _pure_step(self, opt_values: list, grads: list, params: list) -> tuple[list, list]:
        opt_values, params = list(opt_values), list(params)
        offset = len(self._variables)
        for opt, indices in zip(self._inner_optimizers, self._members):
            count = len(opt.variables)
            sub_grads = [grads[j] for j in indices]
            if any(g is not None for g in sub_grads):
                new_params, new_opt = opt._pure_step(
                    opt_values[offset : offset + count], sub_grads, [params[j] for j in indices]
                )
                for j, value in zip(indices, new_params):
                    params[j] = value
                opt_values[offset : offset + count] = list(new_opt)
            offset += count
        at = next(i for i, v in enumerate(self._variables) if v is self._iterations)
        opt_values[at] = opt_values[at] + 1
        return params, opt_values

    def apply(self, grads: Sequence, trainable_variables: Sequence[Variable] | None = None):
        """Updates each variable with its optimizer (builds on first use)."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built. Call `optimizer.build(trainable_variables)` first."
                )
            if len(grads) != len(self._trainable_variables):
                raise ValueError(
                    "Gradients must match trainable variables one-to-one. Received "
                    f"{len(grads)} gradients and {len(self._trainable_variables)} variables."
                )
            full = grads
        else:
            trainable_variables = list(trainable_variables)
            if not self.built:
                with state.name_scope(self.name, owner=self):
                    self.build(trainable_variables)
            full = [None] * len(self._trainable_variables)
            for grad, variable in zip(grads, trainable_variables):
                index = self._trainable_variables_indices.get(id(variable))
                if index is None:
                    raise ValueError(
                        f"Unknown variable: {getattr(variable, 'path', variable)}. Optimizer "
                        f"'{self.name}' can only update the variables it was built with."
                    )
                full[index] = grad
        key = ("multi", tuple(g is None for g in full))
        step = self._step_cache.get(key)
        if step is None:
            step = jax.jit(self._pure_step)
            self._step_cache[key] = step
        variables = self.variables
        params = [v.value for v in self._trainable_variables]
        new_params, new_opt = step([v.value for v in variables], full, params)
        for variable, value in zip(self._trainable_variables, new_params):
            if variable.trainable:
                variable.assign(value)
        for variable, value in zip(variables, new_opt):
            variable.assign(value)

    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        """Lets each inner optimizer finalize its own variables (EMA swaps)."""
        routed: list[list[Variable]] = [[] for _ in self._inner_optimizers]
        for variable in var_list:
            index = self._trainable_variables_indices.get(id(variable))
            if index is None:
                continue
            for slot, indices in enumerate(self._members):
                if index in indices:
                    routed[slot].append(variable)
                    break
        for opt, variables in zip(self._inner_optimizers, routed):
            if variables:
                opt.finalize_variable_values(variables)

    def set_weights(self, weights: Sequence) -> None:
        """Sets the wrapper's variables, then each inner optimizer's, in `variables` order."""
        if not self.built:
            raise ValueError(
                "Call `optimizer.build(trainable_variables)` before `set_weights()` on a "
                "MultiOptimizer."
            )
        weights = list(weights)
        if len(weights) != len(self.variables):
            raise ValueError(
                f"MultiOptimizer '{self.name}' has {len(self.variables)} variables, but "
                f"{len(weights)} weights were given."
            )
        for variable, weight in zip(self.variables, weights):
            if tuple(variable.shape) != tuple(np.shape(weight)):
                raise ValueError(
                    f"Optimizer variable '{variable.path}' has shape {variable.shape}, but the "
                    f"weight given has shape {np.shape(weight)}."
                )
            variable.assign(weight)

    # --- config -------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        from lamina.core import serialization as core_serialization
        from lamina.optimizers import serialization

        if isinstance(self._optimizer_map, OptimizerMap):
            record = serialization.serialize(self._optimizer_map)
        else:
            record = core_serialization.serialize_keras_object(self._optimizer_map)
        return {
            "optimizer_map": record,
            "loss_scale_factor": self.loss_scale_factor,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict | None = None):
        from lamina.core import serialization as core_serialization
        from lamina.optimizers import serialization

        config = dict(config)
        record = config.pop("optimizer_map")
        if isinstance(record, dict) and record.get("class_name") == "OptimizerMap":
            optimizer_map = serialization.deserialize(record, custom_objects)
        else:
            optimizer_map = core_serialization.deserialize_keras_object(record, custom_objects)
        return cls(optimizer_map, **config)
