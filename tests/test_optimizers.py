"""lamina.optimizers: formulas, the jit contract, clipping, state layout, schedules, config."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina.optimizers as lo
from lamina.core import state
from lamina.core.variable import Variable
from lamina.optimizers import transforms

RNG = np.random.default_rng(42)
W0 = [RNG.normal(size=(3, 2)).astype("float32"), RNG.normal(size=(2,)).astype("float32")]
GRADS = [[RNG.normal(size=w.shape).astype("float32") for w in W0] for _ in range(3)]


def _variables(**kwargs):
    return [Variable(w, name=n, **kwargs) for w, n in zip(W0, ["kernel", "bias"])]


def _np_sgd(w, gs, lr=0.01, mu=0.0, nesterov=False):
    m = np.zeros_like(w)
    for g in gs:
        if mu == 0:
            w = w - lr * g
            continue
        m = mu * m - lr * g
        w = w + (mu * m - lr * g if nesterov else m)
    return w


def _np_adam(w, gs, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(gs, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
    return w


def _np_rmsprop(w, gs, lr=0.001, rho=0.9, eps=1e-7):
    v = np.zeros_like(w)
    for g in gs:
        v = rho * v + (1 - rho) * g * g
        w = w - lr * g / np.sqrt(v + eps)
    return w


def _np_adagrad(w, gs, lr=0.001, init=0.1, eps=1e-7):
    acc = np.full_like(w, init)
    for g in gs:
        acc = acc + g * g
        w = w - lr * g / np.sqrt(acc + eps)
    return w


def _np_lion(w, gs, lr=0.001, b1=0.9, b2=0.99):
    m = np.zeros_like(w)
    for g in gs:
        w = w - lr * np.sign(b1 * m + (1 - b1) * g)
        m = b2 * m + (1 - b2) * g
    return w


FORMULAS = [
    (lo.SGD, {}, _np_sgd),
    (lo.SGD, {"momentum": 0.9}, lambda w, gs: _np_sgd(w, gs, mu=0.9)),
    (
        lo.SGD,
        {"momentum": 0.9, "nesterov": True},
        lambda w, gs: _np_sgd(w, gs, mu=0.9, nesterov=True),
    ),
    (lo.Adam, {}, _np_adam),
    (lo.Adam, {"learning_rate": 0.01, "beta_1": 0.5}, lambda w, gs: _np_adam(w, gs, 0.01, 0.5)),
    (lo.RMSprop, {}, _np_rmsprop),
    (lo.Adagrad, {}, _np_adagrad),
    (lo.Lion, {}, _np_lion),
]


@pytest.mark.parametrize(("cls", "kwargs", "formula"), FORMULAS)
def test_update_matches_numpy_formula(cls, kwargs, formula):
    variables = _variables()
    opt = cls(**kwargs)
    for grads in GRADS:
        opt.apply(grads, variables)
    for i, v in enumerate(variables):
        expected = formula(W0[i].astype("float64"), [g[i].astype("float64") for g in GRADS])
        np.testing.assert_allclose(np.asarray(v.value), expected, rtol=2e-5, atol=1e-6)
    assert int(opt.iterations.value) == 3
    assert opt.iterations.dtype == "int32"


def test_learning_rate_change_takes_effect_without_retrace():
    variables = _variables()
    opt = lo.SGD(learning_rate=0.1)
    opt.build(variables)
    traces = []

    def step(opt_values, grads, params):
        traces.append(1)
        return opt.stateless_apply(opt_values, grads, params)

    jitted = jax.jit(step)
    params = [v.value for v in variables]
    grads = [jnp.ones_like(p) for p in params]
    opt_values = [v.value for v in opt.variables]
    p1, opt_values = jitted(opt_values, grads, params)
    np.testing.assert_allclose(p1[1], W0[1] - 0.1, rtol=1e-6)
    # The user sets a new rate between steps: only the learning_rate array changes.
    opt.learning_rate = 0.5
    opt_values[1] = opt.variables[1].value
    p2, opt_values = jitted(opt_values, grads, p1)
    np.testing.assert_allclose(p2[1], W0[1] - 0.6, rtol=1e-6)
    assert len(traces) == 1
    assert int(opt_values[0]) == 2
    # Stateful `apply` also reads the new rate without recompiling.
    opt2 = lo.Adam(learning_rate=0.1)
    v2 = _variables()
    opt2.apply(GRADS[0], v2)
    opt2.learning_rate = 0.0
    before = [np.asarray(v.value) for v in v2]
    opt2.apply(GRADS[1], v2)
    for a, b in zip(before, v2):
        np.testing.assert_array_equal(a, np.asarray(b.value))
    assert len(opt2._step_cache) == 1


def test_schedule_is_evaluated_at_iterations():
    schedule = lo.schedules.PiecewiseConstantDecay([1], [1.0, 0.1])
    opt = lo.SGD(schedule)
    variables = _variables()
    assert float(opt.learning_rate) == pytest.approx(1.0)
    opt.apply([np.ones_like(w) for w in W0], variables)  # step 0: lr 1.0
    opt.apply([np.ones_like(w) for w in W0], variables)  # step 1: lr 1.0 (step <= 1)
    opt.apply([np.ones_like(w) for w in W0], variables)  # step 2: lr 0.1
    np.testing.assert_allclose(np.asarray(variables[1].value), W0[1] - 2.1, rtol=1e-6)
    assert float(opt.learning_rate) == pytest.approx(0.1)
    assert [v.name for v in opt.variables] == ["iteration"]
    with pytest.raises(TypeError, match="cannot be set"):
        opt.learning_rate = 0.5


def _clip_norm(g, c):
    n = np.sqrt((g * g).sum())
    return g * c / max(n, c)


@pytest.mark.parametrize(
    ("kwargs", "clip"),
    [
        ({"clipnorm": 0.5}, lambda gs: [_clip_norm(g, 0.5) for g in gs]),
        ({"clipvalue": 0.3}, lambda gs: [np.clip(g, -0.3, 0.3) for g in gs]),
        (
            {"global_clipnorm": 0.5},
            lambda gs: [g * 0.5 / max(np.sqrt(sum((x * x).sum() for x in gs)), 0.5) for g in gs],
        ),
    ],
)
def test_clipping(kwargs, clip):
    variables = _variables()
    opt = lo.SGD(learning_rate=1.0, **kwargs)
    grads = [g * 3 for g in GRADS[0]]
    opt.apply(grads, variables)
    for v, w, g in zip(variables, W0, clip(grads)):
        np.testing.assert_allclose(np.asarray(v.value), w - g, rtol=1e-5, atol=1e-6)


def test_only_one_clip_option():
    with pytest.raises(ValueError, match="Only one of"):
        lo.Adam(clipnorm=1.0, clipvalue=1.0)


def test_non_trainable_and_missing_gradients_are_untouched():
    kernel = Variable(W0[0], name="kernel")
    frozen = Variable(W0[1], name="frozen", trainable=False)
    opt = lo.Adam(learning_rate=0.1, weight_decay=0.1, use_ema=True, ema_overwrite_frequency=1)
    opt.apply([GRADS[0][0], GRADS[0][1]], [kernel, frozen])
    np.testing.assert_array_equal(np.asarray(frozen.value), W0[1])
    assert not np.allclose(np.asarray(kernel.value), W0[0])
    # Slots exist for every built variable (Keras's layout), the frozen ones stay zero.
    assert len(opt.variables) == 2 + 2 + 4
    # A None gradient leaves its variable and its slots as they are (with a warning).
    before = np.asarray(kernel.value)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply([None, GRADS[1][1]])
    np.testing.assert_array_equal(np.asarray(kernel.value), before)
    with pytest.raises(ValueError, match="No gradients"):
        opt.apply([None, None])


def test_stateless_apply_touches_no_variable_and_equals_apply():
    a, b = _variables(), _variables()
    opt_a, opt_b = lo.Nadam(learning_rate=0.01), lo.Nadam(learning_rate=0.01)
    opt_b.build(b)
    opt_values = [v.value for v in opt_b.variables]
    params = [v.value for v in b]
    step = jax.jit(opt_b.stateless_apply)
    for grads in GRADS:
        opt_a.apply(grads, a)
        params, opt_values = step(opt_values, grads, params)
    for v, p in zip(a, params):
        np.testing.assert_allclose(np.asarray(v.value), np.asarray(p), rtol=1e-6)
    for v, w in zip(b, W0):
        np.testing.assert_array_equal(np.asarray(v.value), w)
    assert int(opt_b.variables[0].value) == 0
    # Also works when the arrays arrive through a state scope (traced engine code).
    with state.StateScope():
        out, _ = opt_b.stateless_apply(opt_values, GRADS[0], params)
    assert len(out) == 2


def test_variable_layout_and_names():
    variables = _variables()
    opt = lo.Adam(name="adam", amsgrad=True)
    opt.build(variables)
    assert [v.path for v in opt.variables] == [
        "adam/iteration",
        "adam/learning_rate",
        "adam/kernel_momentum",
        "adam/kernel_velocity",
        "adam/bias_momentum",
        "adam/bias_velocity",
        "adam/kernel_velocity_hat",
        "adam/bias_velocity_hat",
    ]
    assert all(not v.trainable for v in opt.variables)
    rms = lo.RMSprop(momentum=0.5, centered=True, name="r")
    rms.build(variables)
    assert [v.name for v in rms.variables[2:]] == [
        "kernel_velocity",
        "bias_velocity",
        "kernel_momentum",
        "bias_momentum",
        "kernel_average_gradient",
        "bias_average_gradient",
    ]
    assert lo.SGD().variables[1].name == "learning_rate"
    ada = lo.Adagrad(initial_accumulator_value=0.3)
    ada.build(variables)
    np.testing.assert_allclose(np.asarray(ada.variables[2].value), 0.3)


def test_config_roundtrip_and_get():
    opt = lo.Adam(learning_rate=0.01, amsgrad=True, clipnorm=1.0, name="x")
    config = opt.get_config()
    assert config["learning_rate"] == pytest.approx(0.01) and config["amsgrad"] is True
    assert lo.Adam.from_config(config).get_config() == config
    record = lo.serialize(opt)
    assert record["module"] == "keras.optimizers" and record["class_name"] == "Adam"
    assert lo.deserialize(record).get_config() == config
    sched = lo.SGD(lo.schedules.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=5))
    rebuilt = lo.SGD.from_config(sched.get_config())
    assert isinstance(rebuilt._learning_rate, lo.schedules.CosineDecay)
    assert rebuilt.get_config() == sched.get_config()
    for name in [
        "sgd",
        "Adam",
        "ADAMW",
        "rmsprop",
        "adagrad",
        "adadelta",
        "adamax",
        "nadam",
        "lion",
    ]:
        assert type(lo.get(name)).__name__.lower() == name.lower()
    assert lo.get(opt) is opt
    with pytest.raises(ValueError, match="Did you mean"):
        lo.get("adamm")


def test_scale_loss_and_loss_scale_factor():
    variables = _variables()
    opt = lo.SGD(learning_rate=1.0, loss_scale_factor=4.0)
    assert float(opt.scale_loss(jnp.asarray(2.0))) == 8.0
    opt.apply([g * 4.0 for g in GRADS[0]], variables)
    np.testing.assert_allclose(np.asarray(variables[1].value), W0[1] - GRADS[0][1], rtol=1e-6)


def test_constraint_is_applied_after_update():
    kernel = Variable(W0[0], name="kernel", constraint=lambda x: jnp.clip(x, 0.0, None))
    lo.SGD(learning_rate=1.0).apply([GRADS[0][0]], [kernel])
    assert np.all(np.asarray(kernel.value) >= 0)


def test_apply_gradients_on_a_subset():
    variables = _variables()
    opt = lo.SGD(learning_rate=1.0)
    opt.build(variables)
    opt.apply_gradients([(GRADS[0][1], variables[1])])
    np.testing.assert_array_equal(np.asarray(variables[0].value), W0[0])
    np.testing.assert_allclose(np.asarray(variables[1].value), W0[1] - GRADS[0][1], rtol=1e-6)
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply([GRADS[0][0]], [Variable(W0[0])])


def test_keras_style_subclass_with_update_step():
    class MySGD(lo.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)

        def build(self, variables):
            if self.built:
                return
            super().build(variables)
            self.velocities = [self.add_variable_from_reference(v, "v") for v in variables]

        def update_step(self, gradient, variable, learning_rate):
            v = self.velocities[self._get_variable_index(variable)]
            self.assign(v, 0.5 * v.value + gradient)
            self.assign_sub(variable, learning_rate * v.value)

    variables = _variables()
    opt = MySGD()
    opt.apply(GRADS[0], variables)
    opt.apply(GRADS[1], variables)
    expected = W0[1] - 0.1 * GRADS[0][1] - 0.1 * (0.5 * GRADS[0][1] + GRADS[1][1])
    np.testing.assert_allclose(np.asarray(variables[1].value), expected, rtol=1e-6)
    assert [v.name for v in opt.variables] == ["iteration", "learning_rate", "kernel_v", "bias_v"]
    fresh = _variables()
    opt2 = MySGD()
    opt2.build(fresh)
    out, opt_values = jax.jit(opt2.stateless_apply)(
        [v.value for v in opt2.variables], GRADS[0], [v.value for v in fresh]
    )
    np.testing.assert_allclose(out[1], W0[1] - 0.1 * GRADS[0][1], rtol=1e-6)
    assert int(opt_values[0]) == 1


def test_transforms_are_optax_transformations():
    tx = transforms.scale_by_keras_adam()
    params = [jnp.asarray(w) for w in W0]
    st = tx.init(params)
    updates, st = tx.update(GRADS[0], st, params, learning_rate=0.001, count=1)
    new = transforms.apply_updates(params, updates)
    np.testing.assert_allclose(
        new[0], _np_adam(W0[0].astype("float64"), [GRADS[0][0]]), rtol=1e-5, atol=1e-7
    )


SCHEDULE_FORMULAS = [
    (lo.schedules.ExponentialDecay(0.1, 4, 0.5), lambda t: 0.1 * 0.5 ** (t / 4)),
    (lo.schedules.ExponentialDecay(0.1, 4, 0.5, staircase=True), lambda t: 0.1 * 0.5 ** (t // 4)),
    (lo.schedules.InverseTimeDecay(0.1, 2, 0.5), lambda t: 0.1 / (1 + 0.5 * t / 2)),
    (
        lo.schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=2.0),
        lambda t: (0.1 - 0.01) * (1 - min(t, 10) / 10) ** 2 + 0.01,
    ),
    (
        lo.schedules.CosineDecay(0.1, 10, alpha=0.2),
        lambda t: 0.1 * (0.8 * 0.5 * (1 + math.cos(math.pi * min(t, 10) / 10)) + 0.2),
    ),
    (
        lo.schedules.CosineDecay(0.0, 10, warmup_target=0.1, warmup_steps=4),
        lambda t: (
            0.1 * t / 4 if t < 4 else 0.1 * 0.5 * (1 + math.cos(math.pi * (min(t, 14) - 4) / 10))
        ),
    ),
    (
        lo.schedules.PiecewiseConstantDecay([3, 6], [1.0, 0.5, 0.1]),
        lambda t: 1.0 if t <= 3 else (0.5 if t <= 6 else 0.1),
    ),
    (
        lo.schedules.CosineDecayRestarts(0.1, 4, t_mul=1.0, m_mul=0.5),
        lambda t: 0.1 * 0.5 ** (t // 4) * 0.5 * (1 + math.cos(math.pi * (t % 4) / 4)),
    ),
]


@pytest.mark.parametrize(("schedule", "formula"), SCHEDULE_FORMULAS)
def test_schedules_match_formulas(schedule, formula):
    steps = jnp.arange(16, dtype="int32")
    got = np.asarray(jax.jit(jax.vmap(schedule))(steps))
    np.testing.assert_allclose(got, [formula(int(t)) for t in steps], rtol=1e-5, atol=1e-7)
    record = lo.schedules.serialize(schedule)
    assert record["module"] == "keras.optimizers.schedules"
    assert lo.schedules.deserialize(record).get_config() == schedule.get_config()
