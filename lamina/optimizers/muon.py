"""`Muon`: momentum orthogonalized by Newton-Schulz for matrices, AdamW for the rest."""

from __future__ import annotations

import re
from typing import Any

import jax.numpy as jnp

from lamina.core.variable import Variable
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.transforms import _lr, _step_count, _transform, _zeros


def newton_schulz(x, steps: int, a: float, b: float, c: float):
    """Approximately orthogonalizes the matrix `x` (Keras's quintic Newton-Schulz iteration).

    Args:
        x: a matrix (or a batch of matrices in the last two axes).
        steps: the number of iterations.
        a: the first coefficient of the quintic polynomial.
        b: the second coefficient.
        c: the third coefficient.

    Returns:
        An array of the shape of `x` whose singular values are close to 1.

    Example:
        >>> import jax.numpy as jnp
        >>> from lamina.optimizers.muon import newton_schulz
        >>> x = jnp.array([[2.0, 0.0], [0.0, 0.5]])
        >>> s = jnp.linalg.svd(newton_schulz(x, 5, 3.4445, -4.7750, 2.0315), compute_uv=False)
        >>> bool(jnp.all((s > 0.6) & (s < 1.2)))
        True
    """
    wide = x.shape[-2] > x.shape[-1]
    if wide:
        x = jnp.swapaxes(x, -1, -2)
    x = x / (jnp.linalg.norm(x, axis=(-2, -1), keepdims=True) + 1e-7)
    for _ in range(steps):
        gram = x @ jnp.swapaxes(x, -1, -2)
        poly = b * gram + c * gram @ gram
        x = a * x + poly @ x
    if wide:
        x = jnp.swapaxes(x, -1, -2)
    return x


def scale_by_keras_muon(
    adam_beta_1: float = 0.9,
    adam_beta_2: float = 0.999,
    epsilon: float = 1e-7,
    muon_a: float = 3.4445,
    muon_b: float = -4.7750,
    muon_c: float = 2.0315,
    adam_lr_ratio: float = 1,
    momentum: float = 0.95,
    ns_steps: int = 5,
    nesterov: bool = True,
    rms_rate: float | None = 0.2,
):
    """Muon's update. State: `(momentums, velocities)`; a velocity of None marks a matrix
    trained by Muon, any other variable gets Keras's Adam step at `lr * adam_lr_ratio`.

    Args:
        adam_beta_1: `beta_1` of the Adam steps.
        adam_beta_2: `beta_2` of the Adam steps.
        epsilon: small constant of the Adam steps.
        muon_a: the first coefficient of the Newton-Schulz polynomial.
        muon_b: the second coefficient.
        muon_c: the third coefficient.
        adam_lr_ratio: the Adam variables' learning rate, relative to the given one.
        momentum: the momentum of the Muon variables.
        ns_steps: the number of Newton-Schulz iterations.
        nesterov: whether to use Nesterov momentum.
        rms_rate: the target RMS factor of the Muon update (None: no rescaling).

    Returns:
        An optax `GradientTransformationExtraArgs`; its `update` takes `learning_rate` and
        the 1-based step `count` as keyword arguments.

    Example:
        >>> import jax.numpy as jnp
        >>> import numpy as np
        >>> from lamina.optimizers import muon
        >>> tx = muon.scale_by_keras_muon()
        >>> params = [jnp.array([1.0, -2.0])]
        >>> state = tx.init(params)
        >>> updates, state = tx.update(
        ...     [jnp.array([0.5, -0.5])], state, params, learning_rate=0.1, count=1
        ... )
        >>> np.asarray(updates[0], float).round(4)  # the delta to add to the parameters
        array([-0.1,  0.1])
    """

    def init(params):
        return (_zeros(params), _zeros(params))

    def step(grads, state, params, learning_rate, count):
        deltas, ms, vs = [], [], []
        for g, p, m, v in zip(grads, params, state[0], state[1]):
            if v is None:
                m = m + (g + m * (momentum - 1))
                direction = g + momentum * m if nesterov else m
                update = learning_rate * newton_schulz(direction, ns_steps, muon_a, muon_b, muon_c)
                if rms_rate is not None:
                    update = update * jnp.sqrt(max(p.shape[0], p.shape[1])) * rms_rate
                deltas.append(-update)
            else:
                lr = _lr(learning_rate * adam_lr_ratio, p)
                t = _step_count(count, p)
                b1_power = jnp.power(jnp.asarray(adam_beta_1, p.dtype), t)
                b2_power = jnp.power(jnp.asarray(adam_beta_2, p.dtype), t)
                alpha = lr * jnp.sqrt(1 - b2_power) / (1 - b1_power)
                m = m + (g - m) * (1 - adam_beta_1)
                v = v + (jnp.square(g) - v) * (1 - adam_beta_2)
                deltas.append(-((m * alpha) / (jnp.sqrt(v) + epsilon)))
            ms.append(m)
            vs.append(v)
        return deltas, (ms, vs)

    return _transform(init, step)


class Muon(Optimizer):
    """Muon (Keras's `keras.optimizers.Muon`), with Keras's numerics.

    2-D variables (except those whose path contains "embedding" when `exclude_embeddings`, or
    matches a regex of `exclude_layers`) follow Muon: momentum, then a Newton-Schulz
    orthogonalization of the (Nesterov) momentum, scaled by `sqrt(max(rows, cols)) *
    rms_rate`. All other variables follow Adam with `lr * adam_lr_ratio`. Decoupled weight
    decay uses `weight_decay` for Muon variables and `adam_weight_decay` for Adam ones.
    Slots, in Keras's order, per variable: `momentum`, then `velocity` for Adam variables.

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable taking no argument.
        adam_beta_1: `beta_1` of the Adam steps.
        adam_beta_2: `beta_2` of the Adam steps.
        adam_weight_decay: the decoupled weight decay of the variables trained by Adam.
        epsilon: small constant of the Adam steps and of the normalization before Newton-Schulz.
        weight_decay: the decoupled weight decay of the variables trained by Muon.
        clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps,
        name: the
            arguments every optimizer takes (see `Optimizer`).
        exclude_layers: optional list of regular expressions; matching variable paths use Adam.
        exclude_embeddings: whether variables with "embedding" in their path use Adam.
        muon_a: the first coefficient of the Newton-Schulz polynomial.
        muon_b: the second coefficient.
        muon_c: the third coefficient.
        adam_lr_ratio: the Adam variables' learning rate, relative to `learning_rate`.
        momentum: the momentum of the Muon variables.
        ns_steps: the number of Newton-Schulz iterations.
        nesterov: whether to use Nesterov momentum for the Muon variables.
        rms_rate: the target RMS factor of the Muon update (None: no rescaling).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> w = keras.Variable(np.array([1.0, -2.0]))
        >>> opt = keras.optimizers.Muon(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(np.array([0.5, -0.5]), w)])
        >>> np.asarray(w.value, float).round(4)
        array([ 0.8996, -1.8992])
    """

    def __init__(
        self,
        learning_rate=0.001,
        adam_beta_1=0.9,
        adam_beta_2=0.999,
        adam_weight_decay=0.004,
        epsilon=1e-7,
        weight_decay=0.004,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        exclude_layers=None,
        exclude_embeddings=True,
        muon_a=3.4445,
        muon_b=-4.7750,
        muon_c=2.0315,
        adam_lr_ratio=1,
        momentum=0.95,
        ns_steps=5,
        nesterov=True,
        rms_rate=0.2,
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
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = exclude_layers or []
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _should_use_adamw(self, variable: Variable) -> bool:
        """Whether `variable` is trained by the Adam branch rather than Muon."""
        if len(variable.shape) != 2:
            return True
        if self.exclude_embeddings and "embedding" in variable.path.lower():
            return True
        return any(re.search(keyword, variable.path) for keyword in self.exclude_layers)

    def _make_transform(self):
        return scale_by_keras_muon(
            self.adam_beta_1,
            self.adam_beta_2,
            self.epsilon,
            self.muon_a,
            self.muon_b,
            self.muon_c,
            self.adam_lr_ratio,
            self.momentum,
            self.ns_steps,
            self.nesterov,
            self.rms_rate,
        )

    def _build_slots(self, var_list: list[Variable], transform) -> None:
        momentums: list[Variable | None] = []
        velocities: list[Variable | None] = []
        for variable in var_list:
            if variable.overwrite_with_gradient:
                momentums.append(None)
                velocities.append(None)
                continue
            momentums.append(self.add_variable_from_reference(variable, "momentum"))
            velocities.append(
                self.add_variable_from_reference(variable, "velocity")
                if self._should_use_adamw(variable)
                else None
            )
        self._slot_variables = [momentums, velocities]
        self._extra_variables = []

    def _weight_decay_rate(self, variable: Variable) -> float | None:
        if not self._use_weight_decay(variable):
            return None
        if self._should_use_adamw(variable):
            return self.adam_weight_decay
        return self.weight_decay

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            {
                "adam_beta_1": self.adam_beta_1,
                "adam_beta_2": self.adam_beta_2,
                "epsilon": self.epsilon,
                "exclude_layers": self.exclude_layers,
                "muon_a": self.muon_a,
                "muon_b": self.muon_b,
                "muon_c": self.muon_c,
                "adam_lr_ratio": self.adam_lr_ratio,
                "momentum": self.momentum,
                "ns_steps": self.ns_steps,
                "nesterov": self.nesterov,
                "exclude_embeddings": self.exclude_embeddings,
                "adam_weight_decay": self.adam_weight_decay,
                "rms_rate": self.rms_rate,
            }
        )
        return config
