"""Adaptive-rate optimizers: `RMSprop`, `Adagrad`, `Adadelta`."""

from __future__ import annotations

from typing import Any

from lamina.optimizers import transforms
from lamina.optimizers.optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop (Keras's `keras.optimizers.RMSprop`), with epsilon inside the square root.

    `w -= lr * g / sqrt(v + epsilon)` (centered: `v - mean_g**2 + epsilon`). Slots:
    `velocity` per variable, then `momentum` per variable when `momentum > 0`, then
    `average_gradient` per variable when `centered`.

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable taking no argument.
        rho: decay rate of the moving average of squared gradients.
        momentum: momentum factor (0 disables the momentum slot).
        epsilon: small constant added inside the square root.
        centered: whether to normalize by the estimated variance (subtracting the squared mean
            gradient) rather than the second moment.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name: the
            arguments every optimizer takes (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> w = keras.Variable(np.array([1.0, -2.0]))
        >>> opt = keras.optimizers.RMSprop(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(np.array([0.5, -0.5]), w)])
        >>> np.asarray(w.value, float).round(4)
        array([ 0.6838, -1.6838])
    """

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.9,
        momentum=0.0,
        epsilon=1e-7,
        centered=False,
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
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def _slot_groups(self):
        return (
            (("velocity",),)
            + ((("momentum",),) if self.momentum > 0 else ())
            + ((("average_gradient",),) if self.centered else ())
        )

    def _make_transform(self):
        return transforms.scale_by_keras_rmsprop(
            self.rho, self.momentum, self.epsilon, self.centered
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "rho": self.rho,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "centered": self.centered,
            }
        )
        return config


class Adagrad(Optimizer):
    """Adagrad (Keras's `keras.optimizers.Adagrad`): `w -= lr * g / sqrt(acc + epsilon)`.

    Slot: `accumulator` per variable, starting at `initial_accumulator_value`.

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable taking no argument.
        initial_accumulator_value: starting value of the squared-gradient accumulators.
        epsilon: small constant added inside the square root.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name: the
            arguments every optimizer takes (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> w = keras.Variable(np.array([1.0, -2.0]))
        >>> opt = keras.optimizers.Adagrad(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(np.array([0.5, -0.5]), w)])
        >>> np.asarray(w.value, float).round(4)
        array([ 0.9155, -1.9155])
    """

    def __init__(
        self,
        learning_rate=0.001,
        initial_accumulator_value=0.1,
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
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _slot_groups(self):
        return (("accumulator",),)

    def _make_transform(self):
        return transforms.scale_by_keras_adagrad(self.initial_accumulator_value, self.epsilon)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}
        )
        return config


class Adadelta(Optimizer):
    """Adadelta (Keras's `keras.optimizers.Adadelta`), scaled by the learning rate.

    Slots: `accumulated_grad` and `accumulated_delta_var` per variable (interleaved).

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable taking no argument.
        rho: decay rate of the accumulated squared gradients and updates.
        epsilon: small constant for stability.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name: the
            arguments every optimizer takes (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> w = keras.Variable(np.array([1.0, -2.0]))
        >>> opt = keras.optimizers.Adadelta(learning_rate=1.0)
        >>> _ = opt.apply_gradients([(np.array([0.5, -0.5]), w)])
        >>> np.asarray(w.value, float).round(4)
        array([ 0.9986, -1.9986])
    """

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.95,
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
        self.rho = rho
        self.epsilon = epsilon

    def _slot_groups(self):
        return (("accumulated_grad", "accumulated_delta_var"),)

    def _make_transform(self):
        return transforms.scale_by_keras_adadelta(self.rho, self.epsilon)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
