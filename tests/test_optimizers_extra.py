"""Ftrl, Lamb, Adafactor, Muon and LossScaleOptimizer: formulas, layout, dynamics, config;
custom schedules, gradient accumulation and EMA inside `fit`."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
import lamina.optimizers as lo
from lamina.core.variable import Variable

RNG = np.random.default_rng(7)
W0 = [RNG.normal(size=(3, 2)).astype("float32"), RNG.normal(size=(2,)).astype("float32")]
GRADS = [[RNG.normal(size=w.shape).astype("float32") for w in W0] for _ in range(3)]


def _variables():
    return [Variable(w, name=n) for w, n in zip(W0, ["kernel", "bias"])]


def _run(opt, grads=GRADS):
    variables = _variables()
    for g in grads:
        opt.apply(g, variables)
    return [np.asarray(v.value) for v in variables]


# ------------------------------------------------------------------------------ NumPy formulas
def _np_ftrl(w, gs, lr=0.001, power=-0.5, init=0.1, l1=0.0, l2=0.0, shrink=0.0, beta=0.0):
    acc, z = np.full_like(w, init), np.zeros_like(w)
    l2 = l2 + beta / (2 * lr)
    for g in gs:
        new_acc = acc + g * g
        z = z + (g + 2 * shrink * w) - (new_acc**-power - acc**-power) / lr * w
        q = new_acc**-power / lr + 2 * l2
        w = (np.clip(z, -l1, l1) - z) / q
        acc = new_acc
    return w


def _np_lamb(w, gs, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(gs, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        u = (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        wn, un = np.linalg.norm(w), np.linalg.norm(u)
        ratio = wn / un if wn > 0 and un > 0 else 1.0
        w = w - ratio * lr * u
    return w


def _np_adafactor(w, gs, lr=0.001, decay=-0.8, e1=1e-30, e2=1e-3, clip=1.0):
    r = np.zeros(w.shape[:-1]) if w.ndim >= 2 else None
    c = np.zeros(w.shape[:-2] + w.shape[-1:]) if w.ndim >= 2 else None
    v = np.zeros_like(w)
    for t, g in enumerate(gs, start=1):
        rho = min(lr, 1 / math.sqrt(t))
        alpha = max(e2, np.sqrt(np.mean(w * w))) * rho
        sq = g * g + e1
        b = 1 - t**decay
        if w.ndim >= 2:
            r = b * r + (1 - b) * sq.mean(-1)
            c = b * c + (1 - b) * sq.mean(-2)
            v = (r / r.mean(-1, keepdims=True))[..., None] * c[..., None, :]
        else:
            v = b * v + (1 - b) * sq
        u = g / np.sqrt(v)
        u = u / max(1.0, np.sqrt(np.mean(u * u)) / clip)
        w = w - alpha * u
    return w


FORMULAS = [
    (lo.Ftrl, {}, _np_ftrl, {}),
    (
        lo.Ftrl,
        dict(
            learning_rate=0.1,
            learning_rate_power=-0.3,
            initial_accumulator_value=0.5,
            l1_regularization_strength=0.05,
            l2_regularization_strength=0.2,
            l2_shrinkage_regularization_strength=0.1,
            beta=0.3,
        ),
        _np_ftrl,
        dict(lr=0.1, power=-0.3, init=0.5, l1=0.05, l2=0.2, shrink=0.1, beta=0.3),
    ),
    (lo.Lamb, {}, _np_lamb, {}),
    (
        lo.Lamb,
        dict(learning_rate=0.1, beta_1=0.5, epsilon=1e-3),
        _np_lamb,
        dict(lr=0.1, b1=0.5, eps=1e-3),
    ),
    (lo.Adafactor, {}, _np_adafactor, {}),
    (
        lo.Adafactor,
        dict(learning_rate=0.5, beta_2_decay=-0.5, clip_threshold=0.3, epsilon_2=0.1),
        _np_adafactor,
        dict(lr=0.5, decay=-0.5, clip=0.3, e2=0.1),
    ),
]


@pytest.mark.parametrize(("cls", "kwargs", "formula", "np_kwargs"), FORMULAS)
def test_update_matches_numpy_formula(cls, kwargs, formula, np_kwargs):
    got = _run(cls(**kwargs))
    for j, w in enumerate(W0):
        expected = formula(
            w.astype("float64"), [g[j].astype("float64") for g in GRADS], **np_kwargs
        )
        np.testing.assert_allclose(got[j], expected, rtol=2e-5, atol=1e-6)


def test_muon_orthogonalizes_matrices_and_uses_adam_elsewhere():
    opt = lo.Muon(learning_rate=0.01, weight_decay=None, adam_weight_decay=None, rms_rate=None)
    variables = _variables()
    g = [jnp.asarray(x) for x in GRADS[0]]
    opt.apply(g, variables)
    # Adam branch on the bias: the first Adam step moves each entry by about lr * sign(g).
    np.testing.assert_allclose(
        np.asarray(variables[1].value), W0[1] - 0.01 * np.sign(GRADS[0][1]), rtol=1e-4
    )
    # Muon branch on the kernel: the step is close to lr times an orthogonal-like matrix.
    step = (W0[0] - np.asarray(variables[0].value)) / 0.01
    singular = np.linalg.svd(step, compute_uv=False)
    assert np.all(singular > 0.6) and np.all(singular < 1.3)
    assert [v.name for v in opt.variables] == [
        "iteration",
        "learning_rate",
        "kernel_momentum",
        "bias_momentum",
        "bias_velocity",
    ]


# ------------------------------------------------------------------------------------ layouts
def test_adafactor_variable_layout():
    opt = lo.Adafactor(name="af")
    variables = [Variable(np.ones((2, 3, 4), "float32"), name="k"), Variable(np.ones(4), name="b")]
    opt.build(variables)
    layout = [(v.path, tuple(v.shape), str(v.dtype)) for v in opt.variables]
    assert layout == [
        ("af/iteration", (), "int32"),
        ("af/learning_rate", (), "float32"),
        ("af/k", (2, 3), "float32"),
        ("af/k", (2, 4), "float32"),
        ("af/k_velocity", (2, 3, 4), "float32"),
        ("b", (), "int32"),
        ("b", (), "int32"),
        ("af/b_velocity", (4,), "float32"),
    ]


@pytest.mark.parametrize(
    ("cls", "slots"),
    [(lo.Ftrl, ("accumulator", "linear")), (lo.Lamb, ("momentum", "velocity"))],
)
def test_interleaved_slot_layout(cls, slots):
    opt = cls()
    opt.build(_variables())
    names = [v.name for v in opt.variables]
    assert names == ["iteration", "learning_rate"] + [
        f"{var}_{slot}" for var in ("kernel", "bias") for slot in slots
    ]
    if cls is lo.Ftrl:
        np.testing.assert_array_equal(
            np.asarray(opt.variables[2].value), np.full((3, 2), 0.1, "float32")
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"initial_accumulator_value": -1.0},
        {"learning_rate_power": 0.5},
        {"l1_regularization_strength": -0.1},
        {"l2_regularization_strength": -0.1},
        {"l2_shrinkage_regularization_strength": -0.1},
    ],
)
def test_ftrl_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        lo.Ftrl(**kwargs)


# ------------------------------------------------------------------------ LossScaleOptimizer
def _lso(growth=3, scale=8.0):
    return lo.LossScaleOptimizer(lo.SGD(0.1), initial_scale=scale, dynamic_growth_steps=growth)


def test_loss_scale_dynamics():
    opt = _lso(growth=2)
    variables = _variables()
    assert float(opt.scale_loss(jnp.asarray(1.0))) == 8.0  # `initial_scale` before build
    opt.build(variables)
    good = [g * 8.0 for g in GRADS[0]]
    bad = [GRADS[0][0] * np.inf, GRADS[0][1]]
    history = []
    expected_w = W0[0].copy()
    for grads in [good, bad, good, good, good, [np.full_like(g, np.nan) for g in good]]:
        before = [np.asarray(v.value) for v in variables]
        scale = float(opt.dynamic_scale.value)
        opt.apply(grads, variables)
        after = [np.asarray(v.value) for v in variables]
        finite = all(np.all(np.isfinite(g)) for g in grads)
        if finite:
            expected_w = before[0] - 0.1 * grads[0] / scale
            np.testing.assert_allclose(after[0], expected_w, rtol=1e-6)
        else:
            for a, b in zip(after, before):
                np.testing.assert_array_equal(a, b)
        history.append((int(opt.step_counter.value), float(opt.dynamic_scale.value)))
    assert history == [(1, 8.0), (0, 4.0), (1, 4.0), (0, 8.0), (1, 8.0), (0, 4.0)]
    # Skipped steps do not advance the inner optimizer.
    assert int(opt.iterations.value) == 4
    assert float(opt.scale_loss(jnp.asarray(2.0))) == 8.0


def test_loss_scale_stateless_apply_is_pure_and_jittable():
    opt = _lso()
    variables = _variables()
    opt.build(variables)
    assert [v.name for v in opt.variables] == [
        "iteration",
        "learning_rate",
        "step_counter",
        "dynamic_scale",
        "iteration",
        "learning_rate",
    ]
    step = jax.jit(opt.stateless_apply)
    opt_values = [v.value for v in opt.variables]
    params = [v.value for v in variables]
    params, opt_values = step(opt_values, [jnp.asarray(g) for g in GRADS[0]], params)
    np.testing.assert_allclose(np.asarray(params[0]), W0[0] - 0.1 * GRADS[0][0] / 8.0, rtol=1e-6)
    assert int(opt_values[2]) == 1 and int(opt_values[4]) == 1
    np.testing.assert_array_equal(np.asarray(variables[0].value), W0[0])
    assert float(opt.dynamic_scale.value) == 8.0


def test_loss_scale_delegates_learning_rate_and_config():
    opt = lo.LossScaleOptimizer(lo.Adam(0.01, loss_scale_factor=4.0), name="lso")
    assert opt.inner_optimizer.loss_scale_factor is None
    assert float(opt.learning_rate.value) == pytest.approx(0.01)
    opt.learning_rate = 0.5
    assert float(opt.inner_optimizer.learning_rate.value) == 0.5
    config = opt.get_config()
    assert set(config) == {"name", "inner_optimizer", "initial_scale", "dynamic_growth_steps"}
    rebuilt = lo.deserialize(lo.serialize(opt))
    assert isinstance(rebuilt, lo.LossScaleOptimizer)
    assert isinstance(rebuilt.inner_optimizer, lo.Adam)
    assert rebuilt.get_config() == config
    with pytest.raises(ValueError, match="clipnorm"):
        lo.LossScaleOptimizer(lo.SGD(), clipnorm=1.0)
    with pytest.raises(ValueError, match="dynamic=False"):
        lo.LossScaleOptimizer(lo.SGD(), dynamic=False)
    lo.LossScaleOptimizer(lo.SGD(), use_ema=False)  # defaults from old configs are accepted


# ------------------------------------------------------------------------------ config, get
@pytest.mark.parametrize("identifier", ["ftrl", "lamb", "adafactor", "Ftrl", "LAMB", "muon"])
def test_get_by_name_and_config_roundtrip(identifier):
    opt = lo.get(identifier)
    assert type(opt).__name__.lower() == identifier.lower()
    rebuilt = type(opt).from_config(opt.get_config())
    assert rebuilt.get_config() == opt.get_config()
    assert lo.deserialize(lo.serialize(opt)).get_config() == opt.get_config()


# ---------------------------------------------------------------- custom schedule inside fit
class HalvingSchedule(lo.schedules.LearningRateSchedule):
    """A user-defined schedule: `base / (1 + step)`."""

    def __init__(self, base):
        self.base = base

    def __call__(self, step):
        return self.base / (1.0 + jnp.asarray(step, "float32"))

    def get_config(self):
        return {"base": self.base}


def _data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(20, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")
    return x, y


def test_custom_schedule_in_jitted_fit_and_roundtrip():
    x, y = _data()
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(1, use_bias=False)])
    w0 = np.asarray(model.get_weights()[0])
    model.compile(optimizer=lo.SGD(HalvingSchedule(0.1)), loss="mse")
    model.fit(x, y, batch_size=20, epochs=3, shuffle=False, verbose=0)
    # Plain-NumPy SGD with lr = 0.1 / (1 + step).
    w = w0.astype("float64")
    for step in range(3):
        grad = 2 * x.T @ (x @ w - y) / len(x)
        w = w - 0.1 / (1 + step) * grad
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5)
    assert int(model.optimizer.iterations.value) == 3
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 0.1 / 4, rtol=1e-6)

    config = model.optimizer.get_config()
    assert config["learning_rate"]["class_name"] == "HalvingSchedule"
    assert config["learning_rate"]["config"] == {"base": 0.1}
    rebuilt = lo.SGD.from_config(config, custom_objects={"HalvingSchedule": HalvingSchedule})
    assert isinstance(rebuilt._learning_rate, HalvingSchedule)
    assert rebuilt.get_config() == config
    record = lo.serialize(model.optimizer)
    again = lo.deserialize(record, custom_objects={"HalvingSchedule": HalvingSchedule})
    assert again.get_config() == config


@pytest.mark.parametrize(
    "make",
    [
        lambda: lo.Ftrl(0.1),
        lambda: lo.Muon(0.01),
        lambda: lo.LossScaleOptimizer(lo.SGD(0.05), initial_scale=4.0, dynamic_growth_steps=2),
    ],
    ids=["ftrl", "muon", "loss_scale"],
)
def test_new_optimizers_train_in_fit(make):
    x, y = _data()
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(4), lamina.layers.Dense(1)])
    model.compile(optimizer=make(), loss="mse")
    history = model.fit(x, y, batch_size=5, epochs=4, shuffle=False, verbose=0)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]
