"""`Ftrl`: follow-the-regularized-leader (FTRL-proximal) optimizer."""

from __future__ import annotations

from typing import Any

from lamina.optimizers import extra_transforms
from lamina.optimizers.optimizer import Optimizer


class Ftrl(Optimizer):
    """FTRL-proximal (Keras's `keras.optimizers.Ftrl`), with Keras's numerics.

    Args:
        learning_rate: the step size (float, schedule or callable).
        learning_rate_power: power of the accumulator in the per-coordinate rate (<= 0).
        initial_accumulator_value: starting value of the squared-gradient accumulators (>= 0).
        l1_regularization_strength: L1 penalty (>= 0).
        l2_regularization_strength: L2 penalty (>= 0), stabilizing rather than shrinking.
        l2_shrinkage_regularization_strength: L2 penalty folded into the gradient (>= 0).
        beta: adds `beta / (2 * lr)` to the L2 strength.

    The other arguments are `Optimizer`'s. Slots: `accumulator` and `linear` per variable
    (interleaved).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> w = keras.Variable(np.array([1.0, -2.0]))
        >>> opt = keras.optimizers.Ftrl(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(np.array([0.5, -0.5]), w)])
        >>> np.asarray(w.value, float).round(4)
        array([ 0.381 , -0.8464])
    """

    _transform_returns_values = True

    def __init__(
        self,
        learning_rate=0.001,
        learning_rate_power=-0.5,
        initial_accumulator_value=0.1,
        l1_regularization_strength=0.0,
        l2_regularization_strength=0.0,
        l2_shrinkage_regularization_strength=0.0,
        beta=0.0,
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
        checks = (
            ("initial_accumulator_value", initial_accumulator_value, "positive or zero"),
            ("l1_regularization_strength", l1_regularization_strength, "positive or zero"),
            ("l2_regularization_strength", l2_regularization_strength, "positive or zero"),
            (
                "l2_shrinkage_regularization_strength",
                l2_shrinkage_regularization_strength,
                "positive or zero",
            ),
        )
        for arg, value, expected in checks:
            if value < 0.0:
                raise ValueError(f"`{arg}` needs to be {expected}. Received: {arg}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError(
                "`learning_rate_power` needs to be negative or zero. Received: "
                f"learning_rate_power={learning_rate_power}."
            )
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _slot_groups(self):
        return (("accumulator", "linear"),)

    def _make_transform(self):
        return extra_transforms.scale_by_keras_ftrl(
            self.learning_rate_power,
            self.initial_accumulator_value,
            self.l1_regularization_strength,
            self.l2_regularization_strength,
            self.l2_shrinkage_regularization_strength,
            self.beta,
            absolute=True,
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": (self.l2_shrinkage_regularization_strength),
                "beta": self.beta,
            }
        )
        return config
