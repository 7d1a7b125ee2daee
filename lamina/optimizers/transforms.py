"""Optax gradient transformations with Keras 3's exact update formulas.

Optax's stock transforms (`scale_by_adam`, `scale_by_rms`, ...) place epsilon and the bias
correction differently from Keras, so a model trained with them drifts away from the same model
trained by Keras. The transforms here reproduce Keras operation by operation.

Conventions shared by every `scale_by_keras_*` transform:

* The state is a tuple of *slot lists* (one list per slot kind, aligned with the parameter
  list), optionally followed by scalar entries (Nadam's running product). The optimizer maps
  these entries to its Keras-named, Keras-ordered slot variables.
* `update(grads, state, params, *, learning_rate, count)` takes the learning rate and the
  1-based step number `count` as arrays, so neither is baked into a compiled program.
* The returned updates are the deltas to *add* to the parameters (negated steps), as with
  `optax.apply_updates`; `w + (-u)` is bit-identical to Keras's `w - u`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import optax

Arrays = list


def _cast(grads, params):
    return [g.astype(p.dtype) for g, p in zip(grads, params)]


def _zeros(params, value: float = 0.0) -> Arrays:
    return [jnp.full(p.shape, value, p.dtype) for p in params]


def _transform(
    init: Callable, step: Callable[..., tuple[Arrays, tuple]]
) -> optax.GradientTransformationExtraArgs:
    """Wraps a list-based update rule as an optax transformation.

    `step(grads, state, params, lr, count)` receives gradients cast to the parameter dtypes and
    returns `(deltas, new_state)`.
    """

    def update(updates, state, params=None, *, learning_rate, count, **_extra):
        if params is None:
            raise ValueError("Keras-style optimizer transforms need `params`.")
        grads = _cast(list(updates), list(params))
        return step(grads, state, list(params), learning_rate, count)

    return optax.GradientTransformationExtraArgs(init, update)


def _lr(learning_rate, p):
    return jnp.asarray(learning_rate).astype(p.dtype)


def _step_count(count, p):
    return jnp.asarray(count).astype(p.dtype)


# --- gradient clipping ------------------------------------------------------------------------
def clip_by_norm_keras(max_norm: float) -> optax.GradientTransformation:
    """Clips each gradient to L2 norm `max_norm` on its own (Keras's `clipnorm`).

    Args:
        max_norm: the largest L2 norm of each gradient.

    Returns:
        An optax `GradientTransformation`.

    Example:
        >>> import jax.numpy as jnp
        >>> import numpy as np
        >>> from lamina.optimizers.transforms import clip_by_norm_keras
        >>> tx = clip_by_norm_keras(1.0)
        >>> grads = [jnp.array([3.0, 4.0]), jnp.array([0.1, 0.0])]
        >>> clipped, _ = tx.update(grads, tx.init(grads))
        >>> [np.asarray(g, float).round(3).tolist() for g in clipped]
        [[0.6, 0.8], [0.1, 0.0]]
    """

    def update(updates, state, params=None):
        out = []
        for g in updates:
            sq = jnp.sum(jnp.square(g), keepdims=True)
            positive = sq > 0
            norm = jnp.where(positive, jnp.sqrt(jnp.where(positive, sq, jnp.ones_like(sq))), sq)
            out.append((g * max_norm) / jnp.maximum(norm, max_norm))
        return out, state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


def clip_by_global_norm_keras(max_norm: float) -> optax.GradientTransformation:
    """Scales all gradients jointly so their global L2 norm is at most `max_norm`.

    A non-finite global norm makes every gradient NaN, as in Keras.

    Args:
        max_norm: the largest global L2 norm of all gradients together.

    Returns:
        An optax `GradientTransformation`.

    Example:
        >>> import jax.numpy as jnp
        >>> import numpy as np
        >>> from lamina.optimizers.transforms import clip_by_global_norm_keras
        >>> tx = clip_by_global_norm_keras(1.0)
        >>> grads = [jnp.array([3.0]), jnp.array([4.0])]
        >>> clipped, _ = tx.update(grads, tx.init(grads))
        >>> [np.asarray(g, float).round(3).tolist() for g in clipped]
        [[0.6], [0.8]]
    """

    def update(updates, state, params=None):
        updates = list(updates)
        if not updates:
            return updates, state
        norm = jnp.sqrt(jnp.sum(jnp.stack([jnp.sum(jnp.square(g)) for g in updates])))
        scale = max_norm * jnp.minimum(1.0 / norm, 1.0 / max_norm)
        scale = scale + (norm - norm)
        return [g * scale for g in updates], state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


def keras_clipping(
    clipnorm: float | None, clipvalue: float | None, global_clipnorm: float | None
) -> optax.GradientTransformation:
    """The clipping Keras applies for its `clipnorm` / `global_clipnorm` / `clipvalue` args.

    Args:
        clipnorm: per-gradient L2 norm bound, or None.
        clipvalue: elementwise bound, or None.
        global_clipnorm: global L2 norm bound, or None.

    Returns:
        The matching optax transformation (the identity when none is set).

    Example:
        >>> import jax.numpy as jnp
        >>> import numpy as np
        >>> from lamina.optimizers.transforms import keras_clipping
        >>> tx = keras_clipping(clipnorm=None, clipvalue=0.5, global_clipnorm=None)
        >>> clipped, _ = tx.update([jnp.array([2.0, -0.1])], tx.init(None))
        >>> np.asarray(clipped[0], float).round(3).tolist()
        [0.5, -0.1]
    """
    if clipnorm and clipnorm > 0:
        return clip_by_norm_keras(clipnorm)
    if global_clipnorm and global_clipnorm > 0:
        return clip_by_global_norm_keras(global_clipnorm)
    if clipvalue and clipvalue > 0:
        return optax.clip(clipvalue)
    return optax.identity()


# --- update rules -----------------------------------------------------------------------------
def scale_by_keras_sgd(momentum: float = 0.0, nesterov: bool = False):
    """SGD; with momentum `m = mu*m - lr*g`, then `w += m` (or `w += mu*m - lr*g`).

    Args:
        momentum: momentum factor (0: plain gradient descent, no state).
        nesterov: whether to use Nesterov momentum.

    Returns:
        An optax `GradientTransformationExtraArgs`; its `update` takes `learning_rate` and
        the 1-based step `count` as keyword arguments.

    Example:
        >>> import jax.numpy as jnp
        >>> import numpy as np
        >>> from lamina.optimizers import transforms
        >>> tx = transforms.scale_by_keras_sgd(momentum=0.9)
        >>> params = [jnp.array([1.0, -2.0])]
        >>> state = tx.init(params)
        >>> updates, state = tx.update(
        ...     [jnp.array([0.5, -0.5])], state, params, learning_rate=0.1, count=1
        ... )
        >>> np.asarray(updates[0], float).round(4)  # the delta to add to the parameters
        array([-0.05,  0.05])
    """

    def init(params):
        return (_zeros(params),) if momentum != 0 else ()

    def step(grads, state, params, learning_rate, count):
        if momentum == 0:
            return [-(g * _lr(learning_rate, p)) for g, p in zip(grads, params)], state
        deltas, new_m = [], []
        for g, p, m in zip(grads, params, state[0]):
            lr = _lr(learning_rate, p)
            mu = jnp.asarray(momentum, p.dtype)
            m = m * mu - g * lr
            new_m.append(m)
            deltas.append(m * mu - g * lr if nesterov else m)
        return deltas, (new_m,)

    return _transform(init, step)


def scale_by_keras_adam(
    beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False
):
    """Adam with the bias correction folded into the step size and epsilon outside the root.

    State: `(momentums, velocities)` plus `(velocity_hats,)` when `amsgrad`.

    Args:
        beta_1: decay rate of the first moment.
        beta_2: decay rate of the second moment.
        epsilon: small constant added to the denominator.
        amsgrad: whether to use the maximum of the past second moments.

    Returns:
        An optax `GradientTransformationExtraArgs`; its `update` takes `learning_rate` and
        the 1-based step `count` as keyword arguments.

    Example:
        >>> import jax.numpy as jnp
        >>> import numpy as np
        >>> from lamina.optimizers import transforms
        >>> tx = transforms.scale_by_keras_adam()
        >>> params = [jnp.array([1.0, -2.0])]
        >>> state = tx.init(params)
        >>> updates, state = tx.update(
        ...     [jnp.array([0.5, -0.5])], state, params, learning_rate=0.1, count=1
        ... )
        >>> np.asarray(updates[0], float).round(4)  # the delta to add to the parameters
        array([-0.1,  0.1])
    """

    def init(params):
        return (_zeros(params), _zeros(params)) + ((_zeros(params),) if amsgrad else ())

    def step(grads, state, params, learning_rate, count):
        deltas, ms, vs, vhats = [], [], [], []
        for i, (g, p) in enumerate(zip(grads, params)):
            lr = _lr(learning_rate, p)
            t = _step_count(count, p)
            b1_power = jnp.power(jnp.asarray(beta_1, p.dtype), t)
            b2_power = jnp.power(jnp.asarray(beta_2, p.dtype), t)
            alpha = lr * jnp.sqrt(1 - b2_power) / (1 - b1_power)
            m = state[0][i] + (g - state[0][i]) * (1 - beta_1)
            v = state[1][i] + (jnp.square(g) - state[1][i]) * (1 - beta_2)
            ms.append(m)
            vs.append(v)
            if amsgrad:
                v = jnp.maximum(state[2][i], v)
                vhats.append(v)
            deltas.append(-((m * alpha) / (jnp.sqrt(v) + epsilon)))
        return deltas, (ms, vs) + ((vhats,) if amsgrad else ())

    return _transform(init, step)


def scale_by_keras_adamax(beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7):
    """Adamax (infinity-norm Adam). State: `(momentums, norms)`.

    Args:
        beta_1: decay rate of the first moment.
        beta_2: decay rate of the infinity norm.
        epsilon: small constant added to the denominator.

    Returns:
        An optax `GradientTransformationExtraArgs`; its `update` takes `learning_rate` and
        the 1-based step `count` as keyword arguments.

    Example:
        >>> import jax.numpy as jnp
        >>> import numpy as np
        >>> from lamina.optimizers import transforms
        >>> tx = transforms.scale_by_keras_adamax()
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
        deltas, ms, us = [], [], []
        for i, (g, p) in enumerate(zip(grads, params)):
            lr = _lr(learning_rate, p)
            b1_power = jnp.power(jnp.asarray(beta_1, p.dtype), _step_count(count, p))
            m = state[0][i] + (g - state[0][i]) * (1 - beta_1)
            u = jnp.maximum(beta_2 * state[1][i], jnp.abs(g))
            ms.append(m)
            us.append(u)
            deltas.append(-((lr * m) / ((1 - b1_power) * (u + epsilon))))
        return deltas, (ms, us)

    return _transform(init, step)


def scale_by_keras_nadam(beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7):
    """Nadam with Keras's momentum schedule `u_t = beta_1 * (1 - 0.5 * 0.96**t)`.

    State: `(momentums, velocities, u_product)`, the last a scalar starting at 1.

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
        >>> from lamina.optimizers import transforms
        >>> tx = transforms.scale_by_keras_nadam()
        >>> params = [jnp.array([1.0, -2.0])]
        >>> state = tx.init(params)
        >>> updates, state = tx.update(
        ...     [jnp.array([0.5, -0.5])], state, params, learning_rate=0.1, count=1
        ... )
        >>> np.asarray(updates[0], float).round(4)  # the delta to add to the parameters
        array([-0.1063,  0.1063])
    """

    def init(params):
        dtype = params[0].dtype if params else jnp.float32
        return (_zeros(params), _zeros(params), jnp.asarray(1.0, dtype))

    def step(grads, state, params, learning_rate, count):
        u_product = state[2]
        t = _step_count(count, u_product)
        u_product = u_product * beta_1 * (1.0 - 0.5 * jnp.power(0.96, t))
        deltas, ms, vs = [], [], []
        for i, (g, p) in enumerate(zip(grads, params)):
            dtype = p.dtype
            lr = _lr(learning_rate, p)
            t = _step_count(count, p)
            decay = jnp.asarray(0.96, dtype)
            b1 = jnp.asarray(beta_1, dtype)
            b2 = jnp.asarray(beta_2, dtype)
            u_t = b1 * (1.0 - 0.5 * jnp.power(decay, t))
            u_t_1 = b1 * (1.0 - 0.5 * jnp.power(decay, t + 1))
            u_prod_t = u_product.astype(dtype)
            u_prod_t_1 = u_prod_t * u_t_1
            m = state[0][i] + (g - state[0][i]) * (1 - b1)
            v = state[1][i] + (jnp.square(g) - state[1][i]) * (1 - b2)
            ms.append(m)
            vs.append(v)
            m_hat = (u_t_1 * m) / (1 - u_prod_t_1) + ((1 - u_t) * g) / (1 - u_prod_t)
            v_hat = v / (1 - jnp.power(b2, t))
            deltas.append(-((m_hat * lr) / (jnp.sqrt(v_hat) + epsilon)))
        return deltas, (ms, vs, u_product)

    return _transform(init, step)


def scale_by_keras_rmsprop(
    rho: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-7, centered: bool = False
):
    """RMSprop with epsilon inside the root: `lr * g / sqrt(v + eps)`.

    State: `(velocities,)`, then `(momentums,)` if `momentum > 0`, then `(average_gradients,)`
    if `centered`.

    Args:
        rho: decay rate of the moving average of squared gradients.
        momentum: momentum factor (0: no momentum state).
        epsilon: small constant added inside the square root.
        centered: whether to subtract the squared mean gradient from the second moment.

    Returns:
        An optax `GradientTransformationExtraArgs`; its `update` takes `learning_rate` and
        the 1-based step `count` as keyword arguments.

    Example:
        >>> import jax.numpy as jnp
        >>> import numpy as np
        >>> from lamina.optimizers import transforms
        >>> tx = transforms.scale_by_keras_rmsprop()
        >>> params = [jnp.array([1.0, -2.0])]
        >>> state = tx.init(params)
        >>> updates, state = tx.update(
        ...     [jnp.array([0.5, -0.5])], state, params, learning_rate=0.1, count=1
        ... )
        >>> np.asarray(updates[0], float).round(4)  # the delta to add to the parameters
        array([-0.3162,  0.3162])
    """

    def init(params):
        state = (_zeros(params),)
        if momentum > 0:
            state += (_zeros(params),)
        if centered:
            state += (_zeros(params),)
        return state

    def step(grads, state, params, learning_rate, count):
        velocities = state[0]
        moms = state[1] if momentum > 0 else None
        avgs = state[-1] if centered else None
        deltas, new_v, new_m, new_a = [], [], [], []
        for i, (g, p) in enumerate(zip(grads, params)):
            lr = _lr(learning_rate, p)
            v = rho * velocities[i] + (1 - rho) * jnp.square(g)
            new_v.append(v)
            if centered:
                a = rho * avgs[i] + (1 - rho) * g
                new_a.append(a)
                denominator = v - jnp.square(a) + epsilon
            else:
                denominator = v + epsilon
            increment = (lr * g) / jnp.sqrt(denominator)
            if momentum > 0:
                m = momentum * moms[i] + increment
                new_m.append(m)
                deltas.append(-m)
            else:
                deltas.append(-increment)
        new_state = (new_v,)
        if momentum > 0:
            new_state += (new_m,)
        if centered:
            new_state += (new_a,)
        return deltas, new_state

    return _transform(init, step)


def scale_by_keras_adagrad(initial_accumulator_value: float = 0.1, epsilon: float = 1e-7):
    """Adagrad: `acc += g**2; w -= lr * g / sqrt(acc + eps)`. State: `(accumulators,)`.

    Args:
        initial_accumulator_value: starting value of the accumulators.
        epsilon: small constant added inside the square root.

    Returns:
        An optax `GradientTransformationExtraArgs`; its `update` takes `learning_rate` and
        the 1-based step `count` as keyword arguments.

    Example:
        >>> import jax.numpy as jnp
        >>> import numpy as np
        >>> from lamina.optimizers import transforms
        >>> tx = transforms.scale_by_keras_adagrad()
        >>> params = [jnp.array([1.0, -2.0])]
        >>> state = tx.init(params)
        >>> updates, state = tx.update(
        ...     [jnp.array([0.5, -0.5])], state, params, learning_rate=0.1, count=1
        ... )
        >>> np.asarray(updates[0], float).round(4)  # the delta to add to the parameters
        array([-0.0845,  0.0845])
    """

    def init(params):
        return (_zeros(params, initial_accumulator_value),)

    def step(grads, state, params, learning_rate, count):
        deltas, accs = [], []
        for g, p, acc in zip(grads, params, state[0]):
            acc = acc + jnp.square(g)
            accs.append(acc)
            deltas.append(-((_lr(learning_rate, p) * g) / jnp.sqrt(acc + epsilon)))
        return deltas, (accs,)

    return _transform(init, step)


def scale_by_keras_adadelta(rho: float = 0.95, epsilon: float = 1e-7):
    """Adadelta scaled by the learning rate. State: `(accumulated_grads, accumulated_deltas)`.

    Args:
        rho: decay rate of the accumulators.
        epsilon: small constant for stability.

    Returns:
        An optax `GradientTransformationExtraArgs`; its `update` takes `learning_rate` and
        the 1-based step `count` as keyword arguments.

    Example:
        >>> import jax.numpy as jnp
        >>> import numpy as np
        >>> from lamina.optimizers import transforms
        >>> tx = transforms.scale_by_keras_adadelta()
        >>> params = [jnp.array([1.0, -2.0])]
        >>> state = tx.init(params)
        >>> updates, state = tx.update(
        ...     [jnp.array([0.5, -0.5])], state, params, learning_rate=0.1, count=1
        ... )
        >>> np.asarray(updates[0], float).round(4)  # the delta to add to the parameters
        array([-0.0001,  0.0001])
    """

    def init(params):
        return (_zeros(params), _zeros(params))

    def step(grads, state, params, learning_rate, count):
        deltas, acc_gs, acc_ds = [], [], []
        for g, p, acc_g, acc_d in zip(grads, params, state[0], state[1]):
            acc_g = rho * acc_g + (1 - rho) * jnp.square(g)
            delta = -((jnp.sqrt(acc_d + epsilon) * g) / jnp.sqrt(acc_g + epsilon))
            acc_d = rho * acc_d + (1 - rho) * jnp.square(delta)
            acc_gs.append(acc_g)
            acc_ds.append(acc_d)
            deltas.append(_lr(learning_rate, p) * delta)
        return deltas, (acc_gs, acc_ds)

    return _transform(init, step)


def scale_by_keras_lion(beta_1: float = 0.9, beta_2: float = 0.99):
    """Lion: `w -= lr * sign(b1*m + (1-b1)*g)`, then `m = b2*m + (1-b2)*g`.

    Args:
        beta_1: interpolation factor for the update sign.
        beta_2: decay rate of the momentum.

    Returns:
        An optax `GradientTransformationExtraArgs`; its `update` takes `learning_rate` and
        the 1-based step `count` as keyword arguments.

    Example:
        >>> import jax.numpy as jnp
        >>> import numpy as np
        >>> from lamina.optimizers import transforms
        >>> tx = transforms.scale_by_keras_lion()
        >>> params = [jnp.array([1.0, -2.0])]
        >>> state = tx.init(params)
        >>> updates, state = tx.update(
        ...     [jnp.array([0.5, -0.5])], state, params, learning_rate=0.1, count=1
        ... )
        >>> np.asarray(updates[0], float).round(4)  # the delta to add to the parameters
        array([-0.1,  0.1])
    """

    def init(params):
        return (_zeros(params),)

    def step(grads, state, params, learning_rate, count):
        deltas, ms = [], []
        for g, p, m in zip(grads, params, state[0]):
            b1 = jnp.asarray(beta_1, p.dtype)
            b2 = jnp.asarray(beta_2, p.dtype)
            deltas.append(-(_lr(learning_rate, p) * jnp.sign(m * b1 + g * (1.0 - b1))))
            ms.append(m * b2 + g * (1.0 - b2))
        return deltas, (ms,)

    return _transform(init, step)


def apply_updates(params: Sequence[jax.Array], updates: Sequence[jax.Array]) -> list:
    """Adds the deltas to the parameters, keeping each parameter's dtype.

    Args:
        params: the parameter arrays.
        updates: the deltas, one per parameter.

    Returns:
        The list of `param + update`, in each parameter's dtype.

    Example:
        >>> import jax.numpy as jnp
        >>> from lamina.optimizers.transforms import apply_updates
        >>> apply_updates([jnp.array([1.0, 2.0])], [jnp.array([0.5, -0.5])])[0].tolist()
        [1.5, 1.5]
    """
    return list(optax.apply_updates(list(params), list(updates)))
