"""`Adafactor`: adaptive rates from factored second-moment statistics."""

from __future__ import annotations

from typing import Any

from lamina.core import state
from lamina.core.variable import Variable
from lamina.optimizers import extra_transforms
from lamina.optimizers.optimizer import Optimizer


class Adafactor(Optimizer):
    """Adafactor (Keras's `keras.optimizers.Adafactor`), with Keras's numerics.

    Args:
        learning_rate: the step size, capped at `1 / sqrt(step)`.
        beta_2_decay: the second-moment decay at step `t` is `1 - t**beta_2_decay`.
        epsilon_1: added to the squared gradients.
        epsilon_2: lower bound of the variable's RMS used to scale the step.
        clip_threshold: the normalized update is clipped to this RMS.
        relative_step: kept for Keras compatibility; the cap above applies either way.

    The other arguments are `Optimizer`'s. Variables, in Keras's order, per trained variable:
    for rank >= 2, a row and a column statistic (both named after the variable's `name`, shapes
    `shape[:-1]` and `shape[:-2] + shape[-1:]`); for lower ranks two int32 scalar placeholders
    (named after the variable, outside the optimizer's scope, as in Keras); then `velocity`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> w = keras.Variable(np.array([1.0, -2.0]))
        >>> opt = keras.optimizers.Adafactor(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(np.array([0.5, -0.5]), w)])
        >>> np.asarray(w.value, float).round(4)
        array([ 0.8419, -1.8419])
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_2_decay=-0.8,
        epsilon_1=1e-30,
        epsilon_2=1e-3,
        clip_threshold=1.0,
        relative_step=True,
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
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def _make_transform(self):
        return extra_transforms.scale_by_keras_adafactor(
            self.beta_2_decay, self.epsilon_1, self.epsilon_2, self.clip_threshold
        )

    def _build_slots(self, var_list: list[Variable], transform) -> None:
        rows: list[Variable | None] = []
        cols: list[Variable | None] = []
        vels: list[Variable | None] = []
        for variable in var_list:
            shape = tuple(variable.shape)
            if not extra_transforms.adafactor_factored(shape):
                # Keras creates these placeholders as plain variables in the current scope.
                placeholders = [
                    Variable(0, dtype="int32", name=variable.name, trainable=False)
                    for _ in range(2)
                ]
                for placeholder in placeholders:
                    self._track_variable(placeholder)
                rows.append(placeholders[0])
                cols.append(placeholders[1])
            elif variable.overwrite_with_gradient:
                rows.append(None)
                cols.append(None)
            else:
                with state.name_scope(self.name, owner=self):
                    for target, sub_shape in (
                        (rows, shape[:-1]),
                        (cols, shape[:-2] + shape[-1:]),
                    ):
                        target.append(
                            self.add_variable(sub_shape, dtype=variable.dtype, name=variable.name)
                        )
            if variable.overwrite_with_gradient:
                vels.append(None)
            else:
                vels.append(self.add_variable_from_reference(variable, "velocity"))
        self._slot_variables = [rows, cols, vels]
        self._extra_variables = []

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "beta_2_decay": self.beta_2_decay,
                "epsilon_1": self.epsilon_1,
                "epsilon_2": self.epsilon_2,
                "clip_threshold": self.clip_threshold,
                "relative_step": self.relative_step,
            }
        )
        return config
