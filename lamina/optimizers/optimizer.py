"""`Optimizer`: the Keras optimizer API over pure, array-only update steps.

An optimizer's state (step counter, learning rate, slots) lives in non-trainable `Variable`s,
in Keras 3's order and with Keras's names, so `.keras` files line up slot for slot. Every update
runs through `_pure_step`, a pure function of lists of arrays: `stateless_apply` calls it inside
the training engine's `jax.jit`, and the stateful `apply` calls a cached jitted copy of it and
writes the results back. The learning rate is read from its variable (or a schedule evaluated at
`iterations`) inside the step, so assigning a new rate never recompiles anything.

Built-in optimizers describe their update as an optax transformation (`_make_transform`) and
their slots as groups of names (`_slot_groups`). A Keras-style subclass that overrides
`build`/`update_step` instead runs its `update_step` inside a `StateScope`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from lamina.core import naming, state
from lamina.core.config import floatx
from lamina.core.variable import Variable, bump_structure
from lamina.optimizers import stateless
from lamina.optimizers.schedules import learning_rate_schedule as lrs
from lamina.optimizers.variables import OptimizerVariablesMixin


class Optimizer(OptimizerVariablesMixin):
    """Base class of all optimizers (Keras's `keras.optimizers.Optimizer`).

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable taking no argument.
        weight_decay: if set, each updated variable first loses `w * weight_decay * lr`.
        clipnorm: clip each gradient to this L2 norm, separately.
        clipvalue: clip gradients elementwise to `[-clipvalue, clipvalue]`.
        global_clipnorm: clip all gradients jointly to this global L2 norm.
        use_ema: keep an exponential moving average of the trained variables.
        ema_momentum: momentum of that average.
        ema_overwrite_frequency: every this many steps, overwrite the variables with their
            average (None: only at `finalize_variable_values`).
        loss_scale_factor: multiply the loss by this (`scale_loss`) and divide gradients by it.
        gradient_accumulation_steps: apply the mean gradient once every this many steps (>= 2).
        name: the optimizer's name, which prefixes its variable paths.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> w = keras.Variable(np.array([1.0, -2.0]))
        >>> opt = keras.optimizers.SGD(learning_rate=0.1, global_clipnorm=1.0)
        >>> _ = opt.apply_gradients([(np.array([3.0, 4.0]), w)])  # clipped to norm 1
        >>> np.asarray(w.value, float).round(4), int(opt.iterations)
        (array([ 0.94, -2.08]), 1)
    """

    # Whether `_make_transform`'s updates are the new weights rather than deltas (Ftrl).
    _transform_returns_values: bool = False

    def __init__(
        self,
        learning_rate,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **kwargs,
    ):
        object.__setattr__(self, "_variables", [])
        object.__setattr__(self, "_tracked", set())
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if kwargs:
            raise ValueError(f"{type(self).__name__}: argument(s) not recognized: {kwargs}.")
        if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 2. Received: "
                f"gradient_accumulation_steps={gradient_accumulation_steps}"
            )
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError(
                    f"`ema_momentum` must be in the range [0, 1]. Received: {ema_momentum}"
                )
            if ema_overwrite_frequency and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1
            ):
                raise ValueError(
                    "`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                    f"ema_overwrite_frequency={ema_overwrite_frequency}"
                )
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}"
            )
        self.name = name or naming.auto_name(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._trainable_variables: list[Variable] = []
        self._trainable_variables_indices: dict[int, int] = {}
        self._averages: list[Variable | None] = []
        self._accumulators: list[Variable] = []
        self._slot_variables: list[list[Variable | None]] = []
        self._extra_variables: list[Variable] = []
        self._exclude_ids: set[int] = set()
        self._exclude_pattern: re.Pattern | None = None
        self._step_cache: dict = {}
        with state.name_scope(self.name, owner=self):
            self._iterations = Variable(0, dtype="int32", name="iteration", trainable=False)
        self._track_variable(self._iterations)
        if isinstance(learning_rate, lrs.LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
        else:
            try:
                value = float(learning_rate)
            except (TypeError, ValueError):
                raise ValueError(
                    "Argument `learning_rate` should be a float, a LearningRateSchedule, or a "
                    "callable taking no argument and returning the learning rate. Received: "
                    f"learning_rate={learning_rate!r}"
                ) from None
            with state.name_scope(self.name, owner=self):
                variable = Variable(value, dtype=floatx(), name="learning_rate", trainable=False)
            self._track_variable(variable)
            self._learning_rate = variable

    # --- variable tracking --------------------------------------------------------------------
    def _track_variable(self, variable: Variable) -> None:
        if id(variable) not in self._tracked:
            self._tracked.add(id(variable))
            self._variables.append(variable)
            self._step_cache.clear()
            bump_structure()

    def _untrack_variable(self, variable: Variable) -> None:
        if id(variable) in self._tracked:
            self._tracked.discard(id(variable))
            self._variables = [v for v in self._variables if v is not variable]
            self._step_cache.clear()
            bump_structure()

    def __setattr__(self, name: str, value) -> None:
        if not hasattr(self, "_tracked"):
            raise RuntimeError(
                f"In optimizer '{type(self).__name__}', call `super().__init__()` before setting "
                "attributes."
            )
        if name == "_trainable_variables":
            pass  # the model's variables, not the optimizer's
        elif isinstance(value, Variable):
            self._track_variable(value)
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, Variable):
                    self._track_variable(item)
        object.__setattr__(self, name, value)

    @property
    def variables(self) -> list[Variable]:
        """The optimizer's variables, in Keras's order (the order saved in `.keras` files)."""
        return self._variables[:]

    @property
    def iterations(self):
        """The number of optimizer steps taken (accumulation steps divided out)."""
        if self.gradient_accumulation_steps:
            return self._iterations.value // self.gradient_accumulation_steps
        return self._iterations

    # --- building -----------------------------------------------------------------------------
    def _slot_groups(self) -> tuple[tuple[str, ...], ...]:
        """Slot names; names in one group are created interleaved per variable (Keras order)."""
        return ()

    def _extra_slots(self) -> tuple[str, ...]:
        """Names of scalar state entries that follow the per-variable slots."""
        return ()

    def _make_transform(self) -> optax.GradientTransformationExtraArgs | None:
        """The update rule as an optax transformation (see `transforms`), or None when the
        subclass implements Keras's `update_step` instead."""
        return None

    def build(self, var_list: Sequence[Variable]) -> None:
        """Creates the optimizer's slot variables for `var_list` (the trainable variables)."""
        if self.built:
            return
        var_list = list(var_list)
        if self.use_ema:
            self._averages = self.add_optimizer_variables(var_list, "average")
        if self.gradient_accumulation_steps:
            self._accumulators = [
                self.add_variable_from_reference(v, "gradient_accumulator") for v in var_list
            ]
        self._trainable_variables = var_list
        self._trainable_variables_indices = {id(v): i for i, v in enumerate(var_list)}
        transform = self._make_transform()
        if transform is not None:
            self._build_slots(var_list, transform)
        self.built = True

    def _build_slots(self, var_list: list[Variable], transform) -> None:
        slotted = [v for v in var_list if not v.overwrite_with_gradient]
        # Slots depend only on shapes and dtypes; evaluate eagerly even under a trace.
        with jax.ensure_compile_time_eval():
            initial = transform.init([jax.ShapeDtypeStruct(v.shape, v.dtype) for v in slotted])
        position = {id(v): i for i, v in enumerate(slotted)}
        slots: list[list[Variable | None]] = []
        for group in self._slot_groups():
            base = len(slots)
            columns: list[list[Variable | None]] = [[None] * len(var_list) for _ in group]
            for j, variable in enumerate(var_list):
                if variable.overwrite_with_gradient:
                    continue
                for offset, name in enumerate(group):
                    value = initial[base + offset][position[id(variable)]]
                    columns[offset][j] = self.add_variable_from_reference(variable, name, value)
            slots.extend(columns)
        self._slot_variables = slots
        extras = []
        with state.name_scope(self.name, owner=self):
            for e, name in enumerate(self._extra_slots()):
                extras.append(Variable(initial[len(slots) + e], name=name, trainable=False))
        for variable in extras:
            self._track_variable(variable)
        self._extra_variables = extras

    def _get_variable_index(self, variable: Variable) -> int:
        return self._trainable_variables_indices[id(variable)]

    def _var_key(self, variable) -> int:
        return id(variable)

    # --- Keras-style update helpers (for subclasses implementing `update_step`) ---------------
    def assign(self, variable: Variable, value) -> None:
        variable.assign(value)

    def assign_add(self, variable: Variable, value) -> None:
        variable.assign_add(value)

    def assign_sub(self, variable: Variable, value) -> None:
        variable.assign_sub(value)

    def update_step(self, gradient, variable: Variable, learning_rate) -> None:
        raise NotImplementedError(
            f"{type(self).__name__} must implement `update_step(gradient, variable, "
            "learning_rate)` or `_make_transform()`."
        )

    def _backend_update_step(self, grads, trainable_variables, learning_rate) -> None:
        for grad, variable in zip(grads, trainable_variables):
            self.update_step(grad, variable, learning_rate)

    # --- learning rate ------------------------------------------------------------------------
    @property
    def learning_rate(self):
        """The current learning rate: the variable, or the schedule's value at `iterations`."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return lr
        if isinstance(lr, lrs.LearningRateSchedule):
            return lr(self._iterations.value)
        if callable(lr):
            return lr()
        return lr

    @learning_rate.setter
    def learning_rate(self, learning_rate) -> None:
        previous = self._learning_rate
        if isinstance(learning_rate, lrs.LearningRateSchedule) or callable(learning_rate):
            object.__setattr__(self, "_learning_rate", learning_rate)
            if isinstance(previous, Variable):
                self._untrack_variable(previous)
            return
        if not isinstance(previous, Variable):
            raise TypeError(
                f"Optimizer '{self.name}' was created with a schedule or callable as its "
                "`learning_rate`, so the rate cannot be set to a number. Create the optimizer "
                "with a float `learning_rate` to make it settable."
            )
        previous.assign(jnp.asarray(learning_rate, previous.dtype))

    def _lr_position(self) -> int | None:
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return next(i for i, v in enumerate(self._variables) if v is lr)
        return None

    # --- applying gradients -------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars: Iterable) -> Variable:
        """Applies `(gradient, variable)` pairs; returns `iterations`."""
        grads, variables = zip(*grads_and_vars)
        self.apply(list(grads), list(variables))
        return self._iterations

    def apply(self, grads: Sequence, trainable_variables: Sequence[Variable] | None = None):
        """Updates the variables from their gradients (builds the optimizer on first use).

        `grads` align with `trainable_variables`, or with the variables the optimizer was built
        with when `trainable_variables` is None. A None gradient leaves its variable unchanged;
        variables with `trainable=False` are never updated.
        """
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
                    f"Received {len(grads)} gradients, but optimizer '{self.name}' was built "
                    f"with {len(self._trainable_variables)} trainable variables."
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
                        f"'{self.name}' can only update the variables it was built with; create "
                        "a new optimizer for a new set of variables."
                    )
                full[index] = grad
        opt_values = [v.value for v in self._variables]
        params = [v.value for v in self._trainable_variables]
        step = self._cached_step(full)
        new_params, new_opt = step(opt_values, full, params)
        for variable, old, new in zip(self._trainable_variables, params, new_params):
            if new is not old and variable.trainable:  # a frozen variable stays as it is
                variable.assign(new)
        for variable, value in zip(self._variables, new_opt):
            variable.assign(value)

    def _cached_step(self, grads):
        lr = self._learning_rate
        plain_callable = not isinstance(lr, (Variable, lrs.LearningRateSchedule))
        if plain_callable or self._make_transform() is None:
            return self._pure_step
        key = (
            id(lr),
            tuple(g is None for g in grads),
            tuple(v.trainable for v in self._trainable_variables),
        )
        step = self._step_cache.get(key)
        if step is None:
            step = jax.jit(self._pure_step)
            self._step_cache[key] = step
        return step

    def stateless_apply(self, optimizer_variables: Sequence, grads: Sequence, trainable_variables):
        """Pure form of `apply`, traceable inside `jax.jit`; touches no variable.

        Args:
            optimizer_variables: arrays aligned with `self.variables`.
            grads: gradients aligned with the variables the optimizer was built with (None
                leaves a variable unchanged).
            trainable_variables: the current values of those variables.

        Returns:
            `(new_trainable_values, new_optimizer_values)`, two lists of arrays.
        """
        if not self.built:
            raise ValueError(
                f"To call `stateless_apply`, {type(self).__name__} must be built. Call "
                "`optimizer.build(trainable_variables)` first."
            )
        if len(optimizer_variables) != len(self._variables):
            raise ValueError(
                f"`optimizer_variables` must have one array per entry of "
                f"`{type(self).__name__}.variables`: expected {len(self._variables)}, received "
                f"{len(optimizer_variables)}."
            )
        if len(trainable_variables) != len(self._trainable_variables):
            raise ValueError(
                f"`trainable_variables` must have one array per variable the optimizer was "
                f"built with: expected {len(self._trainable_variables)}, received "
                f"{len(trainable_variables)}. If layers were frozen or unfrozen (`trainable`) "
                "after compile(), call model.compile() again, as in Keras."
            )
        if len(grads) != len(self._trainable_variables):
            raise ValueError(
                f"`grads` must have one entry (or None) per variable the optimizer was built "
                f"with: expected {len(self._trainable_variables)}, received {len(grads)}."
            )
        return self._pure_step(list(optimizer_variables), list(grads), list(trainable_variables))

    def _pure_step(self, opt_values: list, grads: list, params: list) -> tuple[list, list]:
        return stateless.pure_step(self, list(opt_values), list(grads), list(params))

    def scale_loss(self, loss):
        """Multiplies the loss by `loss_scale_factor` (when set) before differentiation."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    # --- weight decay -------------------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Exempts variables from weight decay: those in `var_list`, and those whose name
        contains one of `var_names`. Call before the optimizer is built."""
        if self.built:
            raise ValueError(
                "`exclude_from_weight_decay()` can only be configured before the optimizer is "
                "built."
            )
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _weight_decay_rate(self, variable: Variable) -> float | None:
        """The decoupled weight decay applied to `variable` (None: none)."""
        if self.weight_decay is None or not self._use_weight_decay(variable):
            return None
        return self.weight_decay

    def _use_weight_decay(self, variable: Variable) -> bool:
        if id(variable) in self._exclude_ids:
            return False
        pattern = self._exclude_pattern
        return pattern is None or re.search(pattern, variable.name) is None

    # --- EMA ----------------------------------------------------------------------------------
    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        """With `use_ema`, overwrites the trainable variables with their moving averages."""
        if not self.use_ema:
            return
        for variable, average in zip(var_list, self._averages):
            if average is not None and variable.trainable:
                # A copy: the training steps donate the weights' buffers, which must not
                # take the average's buffer with them.
                variable.assign(jnp.copy(average.value))

    # --- config -------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Keras's optimizer config (same keys and values)."""
        lr = self._learning_rate
        if isinstance(lr, lrs.LearningRateSchedule):
            learning_rate = lrs.serialize(lr)
        elif isinstance(lr, Variable):
            learning_rate = float(np.asarray(lr.value))
        elif callable(lr):
            from lamina.core import registry

            learning_rate = registry.serialize(lr, "keras.optimizers.schedules")
        else:
            learning_rate = float(lr)
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict | None = None):
        """Rebuilds an optimizer from `get_config()` (the rate may be a schedule record)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = lrs.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"
