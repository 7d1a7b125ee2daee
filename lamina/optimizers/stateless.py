"""The optimizer step as a pure function of arrays (Keras 3's order of operations).

`pure_step(optimizer, opt_values, grads, params)` returns `(new_params, new_opt_values)`. The
optimizer object is only read for its static configuration (hyperparameters, which variables are
trainable, where each slot sits in `optimizer.variables`), so the function traces once per
input structure and the per-variable Python work is paid at trace time only.

Order, as in Keras: overwrite-with-gradient variables, loss-scale unscaling, gradient
accumulation, clipping, weight decay, the update rule, EMA, constraints, then `iteration += 1`.
"""

from __future__ import annotations

import warnings

import jax.numpy as jnp
import optax

from lamina.core import state
from lamina.core.variable import Variable
from lamina.optimizers import transforms
from lamina.optimizers.schedules.learning_rate_schedule import LearningRateSchedule


def current_learning_rate(optimizer, opt_values: list, iteration):
    """The learning rate for this step, read from the arrays (never baked in).

    Args:
        optimizer: the optimizer (read for its learning-rate setting).
        opt_values: the values of `optimizer.variables`.
        iteration: the step number (an array) given to a schedule.

    Returns:
        The learning rate: an array, or a float for a constant rate.

    Example:
        >>> import lamina as keras
        >>> from lamina.optimizers.stateless import current_learning_rate
        >>> schedules = keras.optimizers.schedules
        >>> schedule = schedules.ExponentialDecay(1.0, decay_steps=1, decay_rate=0.5)
        >>> opt = keras.optimizers.SGD(learning_rate=schedule)
        >>> float(current_learning_rate(opt, [v.value for v in opt.variables], 2))
        0.25
    """
    lr = optimizer._learning_rate
    if isinstance(lr, Variable):
        return opt_values[optimizer._lr_position()]
    if isinstance(lr, LearningRateSchedule):
        return lr(iteration)
    if callable(lr):
        return lr()
    return lr


def _positions(optimizer) -> dict[int, int]:
    return {id(v): i for i, v in enumerate(optimizer._variables)}


def pure_step(optimizer, opt_values: list, grads: list, params: list) -> tuple[list, list]:
    """One optimizer step as a pure function: `(new_params, new_opt_values)`.

    Args:
        optimizer: a built optimizer, read for its configuration only.
        opt_values: the current values of `optimizer.variables`.
        grads: the gradients, one per trainable variable of the optimizer.
        params: the current values of those variables.

    Returns:
        `(new_params, new_opt_values)`; nothing is assigned.

    Example:
        >>> import jax.numpy as jnp
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.optimizers.stateless import pure_step
        >>> w = keras.Variable(jnp.array([1.0, -2.0]))
        >>> opt = keras.optimizers.SGD(learning_rate=0.1)
        >>> opt.build([w])
        >>> opt_values = [v.value for v in opt.variables]
        >>> params, values = pure_step(opt, opt_values, [jnp.ones(2)], [w.value])
        >>> np.asarray(params[0], float).round(4).tolist(), w.value.tolist()  # w is unchanged
        ([0.9, -2.1], [1.0, -2.0])
    """
    if len(grads) == 0:
        # Nothing to train (a weight-free or frozen model): a no-op, as in Keras; `fit` still
        # runs the forward pass, the losses, metrics and callbacks.
        return list(params), list(opt_values)
    variables = optimizer._trainable_variables
    pos = _positions(optimizer)
    opt = list(opt_values)
    params = list(params)
    iteration = opt[0]
    steps = optimizer.gradient_accumulation_steps
    effective_iteration = iteration // steps if steps else iteration
    lr = current_learning_rate(optimizer, opt, iteration)

    active = [j for j, g in enumerate(grads) if g is not None]
    if not any(g is not None for g in grads):
        raise ValueError("No gradients provided for any variable.")
    missing = [variables[j].path for j, g in enumerate(grads) if g is None]
    if missing:
        warnings.warn(
            f"Gradients do not exist for variables {missing} when minimizing the loss. If using "
            "`model.compile()`, did you forget to provide a `loss` argument?",
            stacklevel=3,
        )
    is_update = (iteration + 1) % steps == 0 if steps else None

    # Variables marked `overwrite_with_gradient` take the gradient as their new value.
    normal = []
    for j in active:
        if not variables[j].overwrite_with_gradient:
            normal.append(j)
            continue
        g = grads[j]
        if steps:
            acc = opt[pos[id(optimizer._accumulators[j])]]
            merged = jnp.maximum(g, acc)
            opt[pos[id(optimizer._accumulators[j])]] = jnp.where(
                is_update, jnp.zeros_like(g), merged
            )
            params[j] = jnp.where(is_update, merged, params[j])
        else:
            params[j] = g

    if normal:
        g = [grads[j] for j in normal]
        if optimizer.loss_scale_factor is not None:
            g = [x / optimizer.loss_scale_factor for x in g]
        if steps:
            acc_pos = [pos[id(optimizer._accumulators[j])] for j in normal]
            accs = [opt[k] for k in acc_pos]
            new_accs = [jnp.where(is_update, jnp.zeros_like(a), x + a) for x, a in zip(g, accs)]
            g = [jnp.where(is_update, (x + a) / steps, x) for x, a in zip(g, accs)]
            old_params, old_opt = list(params), list(opt)
        clip = transforms.keras_clipping(
            optimizer.clipnorm, optimizer.clipvalue, optimizer.global_clipnorm
        )
        g, _ = clip.update(g, optax.EmptyState())
        g = list(g)
        for j in normal:
            rate = optimizer._weight_decay_rate(variables[j])
            if rate is not None:
                p = params[j]
                wd = jnp.asarray(rate, p.dtype)
                params[j] = p - p * wd * jnp.asarray(lr).astype(p.dtype)
        transform = optimizer._make_transform()
        if transform is not None:
            _transform_update(
                optimizer, transform, pos, opt, params, normal, g, lr, effective_iteration + 1
            )
        else:
            _scoped_update(optimizer, opt, params, normal, g, lr)
        if steps:
            params = [jnp.where(is_update, n, o) for n, o in zip(params, old_params)]
            opt = [jnp.where(is_update, n, o) for n, o in zip(opt, old_opt)]
            for k, a in zip(acc_pos, new_accs):
                opt[k] = a

    if optimizer.use_ema:
        _update_ema(optimizer, pos, opt, params, effective_iteration)

    for j in active:
        constraint = variables[j].constraint
        if constraint is not None:
            params[j] = constraint(params[j])

    opt[0] = iteration + 1
    return params, opt


def _transform_update(optimizer, transform, pos, opt, params, normal, grads, lr, count) -> None:
    """Runs the optax transform on the updated variables' slices of the state, in place."""
    # A slot list may hold None where a variable has no slot of that kind (Muon's velocities).
    slot_pos = [
        [None if column[j] is None else pos[id(column[j])] for j in normal]
        for column in optimizer._slot_variables
    ]
    extra_pos = [pos[id(v)] for v in optimizer._extra_variables]
    sub_state = tuple([None if k is None else opt[k] for k in ks] for ks in slot_pos) + tuple(
        opt[k] for k in extra_pos
    )
    sub_params = [params[j] for j in normal]
    updates, new_state = transform.update(
        grads, sub_state, sub_params, learning_rate=lr, count=count
    )
    if optimizer._transform_returns_values:
        new_params = [u.astype(p.dtype) for u, p in zip(updates, sub_params)]
    else:
        new_params = transforms.apply_updates(sub_params, updates)
    for j, value in zip(normal, new_params):
        params[j] = value
    for ks, values in zip(slot_pos, new_state[: len(slot_pos)]):
        for k, value in zip(ks, values):
            if k is not None:
                opt[k] = value
    for k, value in zip(extra_pos, new_state[len(slot_pos) :]):
        opt[k] = value


def _scoped_update(optimizer, opt, params, normal, grads, lr) -> None:
    """Runs a Keras-style `update_step` subclass with its variables bound to the arrays."""
    variables = optimizer._trainable_variables
    mapping = list(zip(optimizer._variables, opt)) + list(zip(variables, params))
    with state.StateScope(mapping) as scope:
        optimizer._backend_update_step(grads, [variables[j] for j in normal], lr)
        opt[:] = [scope.get(v) for v in optimizer._variables]
        params[:] = [scope.get(v) for v in variables]


def _update_ema(optimizer, pos, opt, params, iteration) -> None:
    frequency = optimizer.ema_overwrite_frequency
    overwrite = (iteration + 1) % frequency == 0 if frequency else None
    for j, average in enumerate(optimizer._averages):
        if average is None:
            continue
        k = pos[id(average)]
        p = params[j]
        momentum = (iteration != 0).astype(p.dtype) * optimizer.ema_momentum
        opt[k] = momentum * opt[k] + (1 - momentum) * p
        if overwrite is not None:
            params[j] = jnp.where(overwrite, opt[k], p)
