"""`LossScaleOptimizer`: dynamic loss scaling around another optimizer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp

from lamina.core import state
from lamina.core.variable import Variable
from lamina.optimizers.optimizer import Optimizer

# Base arguments Keras still accepts from old configs, but only at their default values.
_FIXED_BASE_ARGUMENTS = (
    ("weight_decay", None),
    ("clipnorm", None),
    ("global_clipnorm", None),
    ("clipvalue", None),
    ("use_ema", False),
    ("ema_momentum", 0.99),
    ("ema_overwrite_frequency", None),
    ("loss_scale_factor", None),
    ("gradient_accumulation_steps", None),
)


class LossScaleOptimizer(Optimizer):
    """Wraps an optimizer with dynamic loss scaling (Keras's `LossScaleOptimizer`).

    `scale_loss` multiplies the loss by the current scale; each step divides the gradients by
    it. A step whose gradients hold an inf or NaN changes no weight and no inner slot: it
    halves the scale and resets the counter of good steps. After `dynamic_growth_steps`
    consecutive finite steps the scale doubles (the gradients of that step are still divided
    by the old scale).

    Args:
        inner_optimizer: the optimizer that applies the unscaled gradients. Its own
            `loss_scale_factor` is cleared.
        initial_scale: the starting loss scale.
        dynamic_growth_steps: finite steps between two doublings of the scale.
        name: the optimizer's name.

    Variables, in Keras's order: this optimizer's `iteration` and `learning_rate` (both unused,
    as in Keras), `step_counter`, `dynamic_scale`, then the inner optimizer's variables.
    `iterations` and `learning_rate` read and write the inner optimizer's.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> w = keras.Variable(np.array([1.0, -2.0]))
        >>> opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1), initial_scale=4.0)
        >>> float(opt.scale_loss(1.5))
        6.0
        >>> _ = opt.apply_gradients([(np.array([2.0, -2.0]), w)])  # scaled gradients
        >>> np.asarray(w.value, float).round(4)
        array([ 0.95, -1.95])
        >>> _ = opt.apply_gradients([(np.array([np.inf, 0.0]), w)])  # skipped; the scale halves
        >>> float(opt.dynamic_scale), np.asarray(w.value, float).round(4)
        (2.0, array([ 0.95, -1.95]))
    """

    def __init__(
        self,
        inner_optimizer: Optimizer,
        initial_scale: float = 2.0**15,
        dynamic_growth_steps: int = 2000,
        name: str | None = None,
        **kwargs,
    ):
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer no longer supports `dynamic=False`. Set "
                "`loss_scale_factor` on the inner optimizer for a fixed scale."
            )
        for arg, default in _FIXED_BASE_ARGUMENTS:
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(
                    f"LossScaleOptimizer does not support `{arg}`. Set `{arg}` on the "
                    "`inner_optimizer` instead."
                )
        if kwargs:
            raise ValueError(
                f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`."
            )
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        inner_optimizer.loss_scale_factor = None

    def build(self, var_list: Sequence[Variable]) -> None:
        """Creates `step_counter` and `dynamic_scale`, then builds the inner optimizer."""
        if self.built:
            return
        var_list = list(var_list)
        with state.name_scope(self.name, owner=self):
            self.step_counter = self.add_variable((), "zeros", dtype="int32", name="step_counter")
            self.dynamic_scale = self.add_variable(
                (),
                jnp.asarray(self.initial_scale, jnp.float32),
                dtype="float32",
                name="dynamic_scale",
            )
        self.inner_optimizer.build(var_list)
        super().build(var_list)

    @property
    def variables(self) -> list[Variable]:
        return self._variables + self.inner_optimizer.variables

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate) -> None:
        self.inner_optimizer.learning_rate = learning_rate

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def scale_loss(self, loss):
        """Multiplies the loss by the current dynamic scale (`initial_scale` before build)."""
        scale = self.dynamic_scale.value if self.built else self.initial_scale
        return loss * scale

    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        self.inner_optimizer.finalize_variable_values(var_list)

    # --- applying gradients -------------------------------------------------------------------
    def stateless_apply(self, optimizer_variables: Sequence, grads: Sequence, trainable_variables):
        """Pure step: `(new_trainable_values, new_optimizer_values)`, aligned with `variables`."""
        if not self.built:
            raise ValueError(
                "To call `stateless_apply`, LossScaleOptimizer must be built. Call "
                "`optimizer.build(trainable_variables)` first."
            )
        expected = len(self._variables) + len(self.inner_optimizer.variables)
        if len(optimizer_variables) != expected:
            raise ValueError(
                "`optimizer_variables` must have one array per entry of "
                f"`LossScaleOptimizer.variables`: expected {expected}, received "
                f"{len(optimizer_variables)}."
            )
        return self._pure_step(list(optimizer_variables), list(grads), list(trainable_variables))

    def _pure_step(self, opt_values: list, grads: list, params: list) -> tuple[list, list]:
        n_own = len(self._variables)
        own, inner = list(opt_values[:n_own]), list(opt_values[n_own:])
        counter_at = self._variables.index(self.step_counter)
        scale_at = self._variables.index(self.dynamic_scale)
        counter, scale = own[counter_at], own[scale_at]
        present = [g for g in grads if g is not None]
        finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(g)) for g in present]))
        variables = self._trainable_variables

        def finite_step(operands):
            params, inner, counter, scale = operands
            grow = counter == self.dynamic_growth_steps - 1
            new_counter = jnp.where(grow, jnp.zeros_like(counter), counter + 1)
            new_scale = jnp.where(grow, scale * 2.0, scale)
            unscaled = [
                g if g is None or v.overwrite_with_gradient else g / scale
                for g, v in zip(grads, variables)
            ]
            new_params, new_inner = self.inner_optimizer._pure_step(inner, unscaled, params)
            return new_params, new_inner, new_counter, new_scale

        def skipped_step(operands):
            params, inner, counter, scale = operands
            return params, inner, jnp.zeros_like(counter), scale * 0.5

        new_params, new_inner, counter, scale = jax.lax.cond(
            finite, finite_step, skipped_step, (params, inner, counter, scale)
        )
        own[counter_at] = counter
        own[scale_at] = scale
        return list(new_params), list(own) + list(new_inner)

    def apply(self, grads: Sequence, trainable_variables: Sequence[Variable] | None = None):
        """Updates the variables from scaled gradients (see the class docstring)."""
        grads = list(grads)
        if not self.built:
            if trainable_variables is None:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built. Call `optimizer.build(trainable_variables)` first."
                )
            with state.name_scope(self.name, owner=self):
                self.build(list(trainable_variables))
        if trainable_variables is None:
            full = grads
        else:
            full = [None] * len(self._trainable_variables)
            for grad, variable in zip(grads, trainable_variables):
                full[self._trainable_variables_indices[id(variable)]] = grad
        key = ("loss_scale", tuple(g is None for g in full))
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

    # --- config -------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        from lamina.optimizers import serialization

        return {
            "name": self.name,
            "inner_optimizer": serialization.serialize(self.inner_optimizer),
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict | None = None):
        from lamina.optimizers import serialization

        config = dict(config)
        inner = serialization.deserialize(config.pop("inner_optimizer"), custom_objects)
        return cls(inner, **config)
