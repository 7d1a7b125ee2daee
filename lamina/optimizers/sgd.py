"""`SGD`: gradient descent with optional (Nesterov) momentum."""

from __future__ import annotations

from typing import Any

from lamina.optimizers import transforms
from lamina.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent, optionally with momentum (Keras's `keras.optimizers.SGD`).

    With momentum: `m = momentum * m - lr * g; w += m` (Nesterov: `w += momentum * m - lr * g`).
    Slot: one `momentum` per variable, only when `momentum != 0`.

    Args:
        learning_rate: float, schedule or callable (default 0.01).
        momentum: float in [0, 1].
        nesterov: whether to use Nesterov momentum.
        **kwargs: the common optimizer arguments (see `Optimizer`).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> w = keras.Variable(np.array([1.0, -2.0]))
        >>> opt = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
        >>> _ = opt.apply_gradients([(np.array([0.5, -0.5]), w)])
        >>> np.asarray(w.value, float).round(4)
        array([ 0.95, -1.95])
    """

    def __init__(
        self,
        learning_rate=0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
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
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: {momentum!r}")
        self.momentum = momentum
        self.nesterov = nesterov

    def _slot_groups(self):
        return (("momentum",),) if self.momentum != 0 else ()

    def _make_transform(self):
        return transforms.scale_by_keras_sgd(self.momentum, self.nesterov)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
