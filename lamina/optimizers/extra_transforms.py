"""Keras-exact optax transforms for `Ftrl`, `Lamb` and `Adafactor`.

Same conventions as `transforms`: the state is a tuple of slot lists aligned with the
parameters, `update` takes `learning_rate` and the 1-based step `count` as arrays, and the
outputs are deltas to add to the parameters. Optax has no FTRL, and its `lamb` (trust ratio
taken over the weight-decayed update) and `adafactor` (other decay, clipping and factoring
rules) do not reproduce Keras's numbers.
"""

from __future__ import annotations

import jax.numpy as jnp

from lamina.optimizers.transforms import _lr, _step_count, _transform, _zeros


def scale_by_keras_ftrl(
    learning_rate_power: float = -0.5,
    initial_accumulator_value: float = 0.1,
    l1_regularization_strength: float = 0.0,
    l2_regularization_strength: float = 0.0,
    l2_shrinkage_regularization_strength: float = 0.0,
    beta: float = 0.0,
    absolute: bool = False,
):
    """FTRL-proximal. State: `(accumulators, linears)`.

    Keras assigns the new weight outright (`w = (clip(z, -l1, l1) - z) / q`). The updates are
    the deltas `new - w`, or with `absolute=True` the new weights themselves (what `Ftrl` uses,
    so its weights equal Keras's bit for bit instead of up to rounding of `w + (new - w)`).

    Args:
        learning_rate_power: power of the accumulator in the per-coordinate rate (<= 0).
        initial_accumulator_value: starting value of the accumulators.
        l1_regularization_strength: L1 penalty.
        l2_regularization_strength: L2 penalty.
        l2_shrinkage_regularization_strength: L2 penalty folded into the gradient.
        beta: adds `beta / (2 * lr)` to the L2 strength.
        absolute: return the new weights instead of deltas.

    Returns:
        An optax `GradientTransformationExtraArgs`; its `update` takes `learning_rate` and
        the 1-based step `count` as keyword arguments.

    Example:
        >>> import jax.numpy as jnp
        >>> import numpy as np
        >>> from lamina.optimizers import extra_transforms
        >>> tx = extra_transforms.scale_by_keras_ftrl()
        >>> params = [jnp.array([1.0, -2.0])]
        >>> state = tx.init(params)
        >>> updates, state = tx.update(
        ...     [jnp.array([0.5, -0.5])], state, params, learning_rate=0.1, count=1
        ... )
        >>> np.asarray(updates[0], float).round(4)  # the delta to add to the parameters
        array([-0.619 ,  1.1536])
    """

    def init(params):
        return (_zeros(params, initial_accumulator_value), _zeros(params))

    def step(grads, state, params, learning_rate, count):
        news, accs, linears = [], [], []
        for g, p, acc, linear in zip(grads, params, state[0], state[1]):
            lr = _lr(learning_rate, p)
            l2 = l2_regularization_strength + beta / (2.0 * lr)
            shrunk = g + (2 * l2_shrinkage_regularization_strength) * p
            new_acc = acc + jnp.square(g)
            power_new = jnp.power(new_acc, -learning_rate_power)
            linear = linear + (
                shrunk - ((power_new - jnp.power(acc, -learning_rate_power)) / lr) * p
            )
            quadratic = power_new / lr + 2 * l2
            clipped = jnp.clip(linear, -l1_regularization_strength, l1_regularization_strength)
            new = (clipped - linear) / quadratic
            news.append(new if absolute else new - p)
            accs.append(new_acc)
            linears.append(linear)
        return news, (accs, linears)

    return _transform(init, step)


def scale_by_keras_lamb(beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7):
    """LAMB: Adam's bias-corrected direction times the trust ratio `||w|| / ||update||`
    (1 when either norm is zero). State: `(momentums, velocities)`.

    Args:
        beta_1: decay rate of the first moment.
        beta_2: decay rate of the second moment.
        epsilon: small constant added to the denominator.

    Returns:
        An optax `GradientTransformationExtraArgs`; its `update` takes `learning_rate` and
        the 1-based step `count` as keyword arguments.

    Example:
        >>> import jax.numpy as jnp
        >>> import numpy as np
        >>> from lamina.optimizers import extra_transforms
        >>> tx = extra_transforms.scale_by_keras_lamb()
        >>> params = [jnp.array([1.0, -2.0])]
        >>> state = tx.init(params)
        >>> updates, state = tx.update(
        ...     [jnp.array([0.5, -0.5])], state, params, learning_rate=0.1, count=1
        ... )
        >>> np.asarray(updates[0], float).round(4)  # the delta to add to the parameters
        array([-0.1581,  0.1581])
    """

    def init(params):
        return (_zeros(params), _zeros(params))

    def step(grads, state, params, learning_rate, count):
        deltas, ms, vs = [], [], []
        for g, p, m, v in zip(grads, params, state[0], state[1]):
            lr = _lr(learning_rate, p)
            t = _step_count(count, p)
            b1_power = jnp.power(jnp.asarray(beta_1, p.dtype), t)
            b2_power = jnp.power(jnp.asarray(beta_2, p.dtype), t)
            m = m + (g - m) * (1 - beta_1)
            v = v + (jnp.square(g) - v) * (1 - beta_2)
            ms.append(m)
            vs.append(v)
            update = (m / (1.0 - b1_power)) / (jnp.sqrt(v / (1.0 - b2_power)) + epsilon)
            w_norm = jnp.sqrt(jnp.sum(jnp.power(p, 2)))
            u_norm = jnp.sqrt(jnp.sum(jnp.power(update, 2)))
            ratio = jnp.where(w_norm > 0, jnp.where(u_norm > 0, w_norm / u_norm, 1.0), 1.0)
            deltas.append(-(ratio * lr * update))
        return deltas, (ms, vs)

    return _transform(init, step)


def _rms(x):
    return jnp.sqrt(jnp.mean(jnp.square(x)))


def adafactor_factored(shape: tuple) -> bool:
    """Whether Adafactor keeps factored row/column statistics for a variable of `shape`.

    Args:
        shape: the variable's shape.

    Returns:
        True for rank 2 and above.

    Example:
        >>> from lamina.optimizers.extra_transforms import adafactor_factored
        >>> adafactor_factored((3, 4)), adafactor_factored((4,))
        (True, False)
    """
    return len(shape) >= 2


def scale_by_keras_adafactor(
    beta_2_decay: float = -0.8,
    epsilon_1: float = 1e-30,
    epsilon_2: float = 1e-3,
    clip_threshold: float = 1.0,
):
    """Adafactor with Keras's rules. State: `(rows, columns, velocities)`.

    Variables of rank >= 2 keep row statistics (last axis reduced) and column statistics
    (second-last axis reduced) and rebuild the velocity from them; lower-rank variables keep a
    full velocity, and their row/column entries are int32 scalar placeholders passed through.
    Keras's `relative_step` caps the rate at `1/sqrt(t)`, which the step size `min(lr,
    1/sqrt(t))` already does, so it does not change the numbers.

    Args:
        beta_2_decay: the second-moment decay at step `t` is `1 - t**beta_2_decay`.
        epsilon_1: added to the squared gradients.
        epsilon_2: lower bound of the variable's RMS used to scale the step.
        clip_threshold: the normalized update is clipped to this RMS.

    Returns:
        An optax `GradientTransformationExtraArgs`; its `update` takes `learning_rate` and
        the 1-based step `count` as keyword arguments.

    Example:
        >>> import jax.numpy as jnp
        >>> import numpy as np
        >>> from lamina.optimizers import extra_transforms
        >>> tx = extra_transforms.scale_by_keras_adafactor()
        >>> params = [jnp.array([1.0, -2.0])]
        >>> state = tx.init(params)
        >>> updates, state = tx.update(
        ...     [jnp.array([0.5, -0.5])], state, params, learning_rate=0.1, count=1
        ... )
        >>> np.asarray(updates[0], float).round(4)  # the delta to add to the parameters
        array([-0.1581,  0.1581])
    """

    def init(params):
        rows, cols = [], []
        for p in params:
            if adafactor_factored(p.shape):
                rows.append(jnp.zeros(p.shape[:-1], p.dtype))
                cols.append(jnp.zeros(p.shape[:-2] + p.shape[-1:], p.dtype))
            else:
                rows.append(jnp.zeros((), jnp.int32))
                cols.append(jnp.zeros((), jnp.int32))
        return (rows, cols, _zeros(params))

    def step(grads, state, params, learning_rate, count):
        deltas, rows, cols, vels = [], [], [], []
        for g, p, r, c, v in zip(grads, params, *state):
            lr = _lr(learning_rate, p)
            t = _step_count(count, p)
            rho = jnp.minimum(lr, 1 / jnp.sqrt(t))
            alpha = jnp.maximum(jnp.asarray(epsilon_2, p.dtype), _rms(p)) * rho
            squared = jnp.square(g) + epsilon_1
            decay = 1 - jnp.power(t, beta_2_decay)
            if adafactor_factored(p.shape):
                r = decay * r + (1 - decay) * jnp.mean(squared, axis=-1)
                c = decay * c + (1 - decay) * jnp.mean(squared, axis=-2)
                row_factor = r / jnp.mean(r, axis=-1, keepdims=True)
                v = jnp.expand_dims(row_factor, -1) * jnp.expand_dims(c, -2)
            else:
                v = decay * v + (1 - decay) * squared
            u = g / jnp.sqrt(v)
            u = u / jnp.maximum(jnp.asarray(1.0, p.dtype), _rms(u) / clip_threshold)
            deltas.append(-(alpha * u))
            rows.append(r)
            cols.append(c)
            vels.append(v)
        return deltas, (rows, cols, vels)

    return _transform(init, step)
