"""Learning-rate schedules: functions of the optimizer's step counter.

Each schedule is a small config-holding object whose `__call__(step)` is traceable with JAX, so
it is evaluated inside the jitted training step from the `iterations` array (changing the step
never retraces). The formulas follow Keras 3 operation by operation so results agree to float32
rounding; they are written with `jnp` rather than optax's schedules because optax's versions
round differently (e.g. the warmup and restart variants).
"""

from __future__ import annotations

import math
from typing import Any

import jax.numpy as jnp

from lamina.core import registry
from lamina.core.config import floatx


def _as_float(value) -> jnp.ndarray:
    """Converts a Python number to an array the way Keras's `convert_to_tensor` does."""
    array = jnp.asarray(value)
    if jnp.issubdtype(array.dtype, jnp.floating) and isinstance(value, float):
        array = array.astype(floatx())
    return array


class LearningRateSchedule:
    """Base class of learning-rate schedules.

    Subclasses implement `__call__(step)`, returning the learning rate for an integer step
    (a JAX array, possibly traced), and `get_config()`.

    Example:
        >>> import lamina as keras
        >>> class Halving(keras.optimizers.schedules.LearningRateSchedule):
        ...     def __init__(self, initial):
        ...         self.initial = initial
        ...     def __call__(self, step):
        ...         return self.initial * 0.5 ** keras.ops.cast(step, "float32")
        ...     def get_config(self):
        ...         return {"initial": self.initial}
        >>> opt = keras.optimizers.SGD(learning_rate=Halving(1.0))
        >>> [float(Halving(1.0)(step)) for step in range(3)]
        [1.0, 0.5, 0.25]
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must implement `__call__(self, step)`."
        )

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must implement `get_config()` to "
            "be serializable."
        )

    @classmethod
    def from_config(cls, config: dict[str, Any]):
        return cls(**config)


def _check_steps(argument: str, value) -> None:
    if value <= 0:
        raise ValueError(f"Argument `{argument}` must be > 0. Received: {argument}={value}")


class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)` (floored if `staircase`).

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the number of steps over which the rate is multiplied by `decay_rate` (> 0).
        decay_rate: the decay factor.
        staircase: whether to decay in discrete jumps (integer division of the step).
        name: the schedule's name.

    Example:
        >>> import lamina as keras
        >>> schedules = keras.optimizers.schedules
        >>> schedule = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
        >>> [round(float(schedule(step)), 4) for step in (0, 5, 10, 20)]
        [0.1, 0.0707, 0.05, 0.025]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ):
        _check_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        lr0 = _as_float(self.initial_learning_rate)
        dtype = lr0.dtype
        p = jnp.asarray(step).astype(dtype) / jnp.asarray(self.decay_steps, dtype)
        if self.staircase:
            p = jnp.floor(p)
        return lr0 * jnp.power(jnp.asarray(self.decay_rate, dtype), p)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[i]` while `boundaries[i-1] < step <= boundaries[i]`.

    Args:
        boundaries: increasing step boundaries.
        values: the rates, one more than `boundaries`.
        name: the schedule's name.

    Example:
        >>> import lamina as keras
        >>> schedules = keras.optimizers.schedules
        >>> schedule = schedules.PiecewiseConstantDecay([5, 10], [0.1, 0.01, 0.001])
        >>> [round(float(schedule(step)), 4) for step in (0, 5, 6, 11)]
        [0.1, 0.1, 0.01, 0.001]
    """

    def __init__(self, boundaries: list, values: list, name: str = "PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of `boundaries` must be one less than the length of `values`. "
                f"Received: boundaries={boundaries} (length {len(boundaries)}) and "
                f"values={values} (length {len(values)})."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = jnp.asarray(step)
        bounds = [jnp.asarray(b).astype(step.dtype) for b in self.boundaries]
        values = [_as_float(v) for v in self.values]
        dtype = values[0].dtype
        result = jnp.asarray(0, dtype)
        result = result + (step <= bounds[0]).astype(dtype) * values[0]
        result = result + (step > bounds[-1]).astype(dtype) * values[-1]
        for low, high, value in zip(bounds[:-1], bounds[1:], values[1:-1]):
            result = result + ((step > low) & (step <= high)).astype(dtype) * value
        return result

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Polynomial interpolation from `initial_learning_rate` to `end_learning_rate`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the step at which `end_learning_rate` is reached (> 0).
        end_learning_rate: the final rate.
        power: the exponent of the polynomial (1: linear).
        cycle: whether to restart the decay beyond `decay_steps` (with a longer period).
        name: the schedule's name.

    Example:
        >>> import lamina as keras
        >>> schedules = keras.optimizers.schedules
        >>> schedule = schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01)
        >>> [round(float(schedule(step)), 4) for step in (0, 5, 10, 20)]
        [0.1, 0.055, 0.01, 0.01]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str = "PolynomialDecay",
    ):
        _check_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        lr0 = _as_float(self.initial_learning_rate)
        dtype = lr0.dtype
        end = jnp.asarray(self.end_learning_rate, dtype)
        power = jnp.asarray(self.power, dtype)
        t = jnp.asarray(step).astype(dtype)
        steps = jnp.asarray(self.decay_steps, dtype)
        if self.cycle:
            multiplier = jnp.where(t == 0, 1.0, jnp.ceil(t / self.decay_steps))
            steps = steps * multiplier
        else:
            t = jnp.minimum(t, steps)
        p = t / steps
        return (lr0 - end) * jnp.power(1 - p, power) + end

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the step unit of the decay (> 0).
        decay_rate: the decay factor.
        staircase: whether to decay in discrete jumps.
        name: the schedule's name.

    Example:
        >>> import lamina as keras
        >>> schedules = keras.optimizers.schedules
        >>> schedule = schedules.InverseTimeDecay(0.1, decay_steps=10, decay_rate=1.0)
        >>> [round(float(schedule(step)), 4) for step in (0, 5, 10, 20)]
        [0.1, 0.0667, 0.05, 0.0333]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ):
        _check_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        lr0 = _as_float(self.initial_learning_rate)
        dtype = lr0.dtype
        p = jnp.asarray(step).astype(dtype) / jnp.asarray(self.decay_steps, dtype)
        if self.staircase:
            p = jnp.floor(p)
        return lr0 / (jnp.asarray(1, dtype) + jnp.asarray(self.decay_rate, dtype) * p)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


def _cosine(fraction, dtype, alpha: float):
    decayed = 0.5 * (1.0 + jnp.cos(jnp.asarray(math.pi, dtype) * fraction))
    return (1 - alpha) * decayed + alpha


class CosineDecay(LearningRateSchedule):
    """Cosine decay to `alpha * lr`, after an optional linear warmup to `warmup_target`.

    Args:
        initial_learning_rate: the rate at step 0 (the start of the warmup, if any).
        decay_steps: the length of the cosine decay (> 0).
        alpha: the final rate, as a fraction of the peak rate.
        name: the schedule's name.
        warmup_target: the peak rate reached after the warmup (None: no warmup).
        warmup_steps: the length of the linear warmup.

    Example:
        >>> import lamina as keras
        >>> schedules = keras.optimizers.schedules
        >>> schedule = schedules.CosineDecay(0.1, decay_steps=10, warmup_target=0.2, warmup_steps=5)
        >>> [round(float(schedule(step)), 4) for step in (0, 5, 10, 20)]
        [0.1, 0.2, 0.1, 0.0]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ):
        _check_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def __call__(self, step):
        lr0 = _as_float(self.initial_learning_rate)
        dtype = lr0.dtype
        steps = jnp.asarray(self.decay_steps, dtype)
        t = jnp.asarray(step).astype(dtype)
        if self.warmup_target is None:
            t = jnp.minimum(t, steps)
            return lr0 * _cosine(t / steps, dtype, self.alpha)
        target = jnp.asarray(self.warmup_target, dtype)
        warmup = jnp.asarray(self.warmup_steps, dtype)
        t = jnp.minimum(t, steps + warmup)
        warm = (target - lr0) * (t / warmup) + lr0
        decay = target * _cosine((t - warmup) / steps, dtype, self.alpha)
        return jnp.where(t < warmup, warm, decay)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): periods grow by `t_mul`, peaks by `m_mul`.

    Args:
        initial_learning_rate: the peak rate of the first period.
        first_decay_steps: the length of the first period (> 0).
        t_mul: the factor by which each period is longer than the previous one.
        m_mul: the factor by which each peak is lower than the previous one.
        alpha: the lowest rate, as a fraction of the initial rate.
        name: the schedule's name.

    Example:
        >>> import lamina as keras
        >>> schedules = keras.optimizers.schedules
        >>> schedule = schedules.CosineDecayRestarts(0.1, first_decay_steps=5, m_mul=0.5)
        >>> [round(float(schedule(step)), 4) for step in (0, 4, 5, 10, 15)]
        [0.1, 0.0095, 0.05, 0.025, 0.025]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        first_decay_steps: int,
        t_mul: float = 2.0,
        m_mul: float = 1.0,
        alpha: float = 0.0,
        name: str = "SGDRDecay",
    ):
        _check_steps("first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        lr0 = _as_float(self.initial_learning_rate)
        dtype = lr0.dtype
        alpha = jnp.asarray(self.alpha, dtype)
        t_mul = jnp.asarray(self._t_mul, dtype)
        m_mul = jnp.asarray(self._m_mul, dtype)
        fraction = jnp.asarray(step).astype(dtype) / jnp.asarray(self.first_decay_steps, dtype)
        if float(self._t_mul) == 1.0:
            restart = jnp.floor(fraction)
            fraction = fraction - restart
        else:
            restart = jnp.floor(jnp.log(1.0 - fraction * (1.0 - t_mul)) / jnp.log(t_mul))
            done = (1.0 - jnp.power(t_mul, restart)) / (1.0 - t_mul)
            fraction = (fraction - done) / jnp.power(t_mul, restart)
        peak = jnp.power(m_mul, restart)
        decayed = 0.5 * peak * (1.0 + jnp.cos(jnp.asarray(math.pi, dtype) * fraction))
        return lr0 * ((1 - alpha) * decayed + alpha)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


def _objects() -> dict[str, Any]:
    classes = (
        LearningRateSchedule,
        ExponentialDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
        InverseTimeDecay,
        CosineDecay,
        CosineDecayRestarts,
    )
    return {cls.__name__: cls for cls in classes}


def serialize(learning_rate_schedule: LearningRateSchedule) -> dict:
    """The Keras record of a schedule (module `keras.optimizers.schedules`).

    Args:
        learning_rate_schedule: the schedule.

    Returns:
        The record (a dict).

    Example:
        >>> import lamina as keras
        >>> schedule = keras.optimizers.schedules.InverseTimeDecay(0.1, 10, 1.0)
        >>> keras.optimizers.schedules.serialize(schedule)["class_name"]
        'InverseTimeDecay'
    """
    return registry.serialize(learning_rate_schedule, "keras.optimizers.schedules")


def deserialize(config: dict, custom_objects: dict | None = None) -> LearningRateSchedule:
    """Rebuilds a schedule from its Keras record.

    Args:
        config: a record made by `serialize`.
        custom_objects: optional dict of extra names to classes.

    Returns:
        The schedule.

    Example:
        >>> import lamina as keras
        >>> record = {"class_name": "ExponentialDecay",
        ...           "config": {"initial_learning_rate": 1.0, "decay_steps": 2, "decay_rate": 0.5}}
        >>> float(keras.optimizers.schedules.deserialize(record)(4))
        0.25
    """
    with registry.custom_object_scope(custom_objects):
        return registry.deserialize(config, kind="learning rate schedule", objects=_objects())
