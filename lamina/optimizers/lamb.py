"""`Lamb`: Adam with a per-variable trust ratio (layer-wise adaptive moments)."""

from __future__ import annotations

from typing import Any

from lamina.optimizers import extra_transforms
from lamina.optimizers.optimizer import Optimizer


class Lamb(Optimizer):
    """LAMB (Keras's `keras.optimizers.Lamb`), with Keras's numerics.

    Each variable moves by `lr * ratio * m_hat / (sqrt(v_hat) + epsilon)`, where `ratio` is
    `||w|| / ||m_hat / (sqrt(v_hat) + epsilon)||` (1 when either norm is zero). Slots:
    `momentum` and `velocity` per variable (interleaved).

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable taking no argument.
        beta_1: decay rate of the first-moment (mean) estimate.
        beta_2: decay rate of the second-moment (uncentered variance) estimate.
        epsilon: small constant added to the denominator for stability.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name: the
            arguments every optimizer takes (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> w = keras.Variable(np.array([1.0, -2.0]))
        >>> opt = keras.optimizers.Lamb(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(np.array([0.5, -0.5]), w)])
        >>> np.asarray(w.value, float).round(4)
        array([ 0.8419, -1.8419])
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
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

    def _slot_groups(self):
        return (("momentum", "velocity"),)

    def _make_transform(self):
        return extra_transforms.scale_by_keras_lamb(self.beta_1, self.beta_2, self.epsilon)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
