"""`ScheduleFreeAdamW`: AdamW without a learning-rate schedule (Defazio et al., 2024)."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina.optimizers.optimizer import Optimizer


class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW: Adam steps on an auxiliary sequence `z` (the `momentum` slot),
    whose running average `x` is interpolated with `z` to give the trained weights `y`.

    Each step, with `t` the step number and `v` Adam's second moment (`velocity` slot):
    `z -= lr * g / (sqrt(v / (1 - beta_2**t)) + epsilon)`, `x = (1 - 1/t) * x + z / t`, and the
    variable becomes `y = (1 - beta_1) * z + beta_1 * x` (`x` is recovered from `y` and the
    previous `z`). No decaying schedule is needed; `warmup_steps` ramps the rate linearly.
    Evaluate with the weights as they are (`y`), as Keras does.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable (default 0.0025).
        beta_1: interpolation between `z` and the average `x` (default 0.9).
        beta_2: decay of the squared-gradient average (default 0.999).
        epsilon: added to the denominator (default 1e-8).
        warmup_steps: steps of linear learning-rate warm-up (default 0: none).
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
            ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name:
            as for every optimizer (see `keras.optimizers.Optimizer`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> w = keras.Variable(np.array([1.0, -2.0], "float32"))
        >>> opt = keras.optimizers.ScheduleFreeAdamW(learning_rate=0.1)
        >>> opt.apply([np.array([0.5, -0.5], "float32")], [w])
        >>> np.round(np.asarray(w.value), 4)
        array([ 0.9, -1.9], dtype=float32)
    """

    def __init__(
        self,
        learning_rate=0.0025,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        warmup_steps=0,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        super().__init__(
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
            name=name,
            **kwargs,
        )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps

    def build(self, var_list) -> None:
        """Creates the `momentum` (the sequence `z`, starting at the weights) and `velocity`
        slots of each variable."""
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )
        for momentum, variable in zip(self._momentums, var_list):
            if momentum is not None:
                momentum.assign(jnp.copy(variable.value))  # its own buffer: steps donate both

    def update_step(self, gradient, variable, learning_rate) -> None:
        """One schedule-free step for `variable`."""
        dtype = variable.dtype
        lr = jnp.asarray(learning_rate, dtype)
        g = jnp.asarray(gradient, dtype)
        t = jnp.asarray(self.iterations, dtype) + 1
        b1 = jnp.asarray(self.beta_1, dtype)
        b2 = jnp.asarray(self.beta_2, dtype)
        if self.warmup_steps > 0:
            lr = lr * jnp.minimum(t / jnp.asarray(self.warmup_steps, dtype), 1.0)
        index = self._get_variable_index(variable)
        momentum, velocity = self._momentums[index], self._velocities[index]
        z_old = jnp.asarray(momentum.value)
        v = velocity.value + (g * g - velocity.value) * (1 - b2)
        velocity.assign(v)
        denom = jnp.sqrt(v / (1 - b2**t)) + jnp.asarray(self.epsilon, dtype)
        z = z_old - lr * g / denom
        momentum.assign(z)
        x_old = (jnp.asarray(variable.value) - (1 - b1) * z_old) / b1
        x = (1 - 1 / t) * x_old + z / t
        variable.assign((1 - b1) * z + b1 * x)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
                "warmup_steps": self.warmup_steps,
            }
        )
        return config
