"""lamina's optimizers and schedules against real Keras 3 (JAX backend) as an oracle."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

keras = pytest.importorskip("keras")

import lamina.optimizers as lo  # noqa: E402
from lamina.core.variable import Variable  # noqa: E402

SHAPES = {"kernel": (3, 4), "bias": (4,), "scale": ()}

# (class name, constructor kwargs, steps)
CASES = [
    ("SGD", {}, 3),
    ("SGD", {"momentum": 0.9}, 3),
    ("SGD", {"momentum": 0.9, "nesterov": True}, 3),
    ("SGD", {"learning_rate": 0.1, "weight_decay": 0.05}, 3),
    ("SGD", {"clipnorm": 0.5}, 3),
    ("SGD", {"clipvalue": 0.1}, 3),
    ("SGD", {"global_clipnorm": 0.5}, 3),
    ("Adam", {}, 3),
    ("Adam", {"amsgrad": True}, 3),
    ("Adam", {"weight_decay": 0.1}, 3),
    ("Adam", {"clipnorm": 0.3, "learning_rate": 0.01}, 3),
    ("Adam", {"global_clipnorm": 0.3}, 3),
    ("Adam", {"loss_scale_factor": 8.0}, 3),
    ("Adam", {"use_ema": True, "ema_momentum": 0.9}, 3),
    ("Adam", {"use_ema": True, "ema_overwrite_frequency": 2}, 4),
    ("Adam", {"gradient_accumulation_steps": 2}, 5),
    ("SGD", {"momentum": 0.5, "gradient_accumulation_steps": 3}, 6),
    ("AdamW", {}, 3),
    ("AdamW", {"weight_decay": 0.2, "learning_rate": 0.05, "amsgrad": True}, 3),
    ("RMSprop", {}, 3),
    ("RMSprop", {"momentum": 0.5}, 3),
    ("RMSprop", {"centered": True}, 3),
    ("RMSprop", {"centered": True, "momentum": 0.3, "rho": 0.8}, 3),
    ("Adagrad", {}, 3),
    ("Adagrad", {"initial_accumulator_value": 0.5, "learning_rate": 0.1}, 3),
    ("Adadelta", {}, 3),
    ("Adadelta", {"learning_rate": 1.0, "rho": 0.9}, 3),
    ("Adamax", {}, 3),
    ("Adamax", {"clipvalue": 0.2}, 3),
    ("Nadam", {}, 3),
    ("Nadam", {"beta_1": 0.8, "weight_decay": 0.01}, 3),
    ("Lion", {}, 3),
    ("Lion", {"beta_1": 0.8, "beta_2": 0.9, "global_clipnorm": 1.0}, 3),
]


def _ids(case):
    name, kwargs, _ = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


def _data(steps, seed=0):
    rng = np.random.default_rng(seed)
    weights = {n: rng.normal(size=s).astype("float32") for n, s in SHAPES.items()}
    grads = [
        {n: rng.normal(size=s).astype("float32") for n, s in SHAPES.items()} for _ in range(steps)
    ]
    return weights, grads


def _pair(name, kwargs):
    ours = getattr(lo, name)(name="opt", **kwargs)
    theirs = getattr(keras.optimizers, name)(name="opt", **kwargs)
    return ours, theirs


def _assert_same_variables(ours, theirs):
    assert len(ours.variables) == len(theirs.variables)
    for a, b in zip(ours.variables, theirs.variables):
        if b.name.startswith("variable"):
            # Keras numbers unnamed variables process-wide (Nadam's scalar: variable_<n>).
            assert a.name == "variable"
        else:
            assert a.path == b.path
            assert a.name == b.name
        assert tuple(a.shape) == tuple(b.shape)
        assert a.dtype == b.dtype


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_apply_matches_keras(case):
    name, kwargs, steps = case
    weights, grads = _data(steps)
    ours, theirs = _pair(name, kwargs)
    lv = [Variable(w, name=n) for n, w in weights.items()]
    kv = [keras.Variable(w, name=n) for n, w in weights.items()]
    for g in grads:
        ours.apply([g[n] for n in SHAPES], lv)
        theirs.apply([jnp.asarray(g[n]) for n in SHAPES], kv)
    for a, b in zip(lv, kv):
        np.testing.assert_allclose(np.asarray(a.value), np.asarray(b.value), rtol=1e-6, atol=1e-7)
    _assert_same_variables(ours, theirs)
    for a, b in zip(ours.variables, theirs.variables):
        np.testing.assert_allclose(np.asarray(a.value), np.asarray(b.value), rtol=1e-5, atol=1e-7)
    assert ours.get_config() == theirs.get_config()
    if kwargs.get("use_ema"):
        ours.finalize_variable_values(lv)
        theirs.finalize_variable_values(kv)
        for a, b in zip(lv, kv):
            np.testing.assert_allclose(np.asarray(a.value), np.asarray(b.value), rtol=1e-6)


@pytest.mark.parametrize("case", CASES[::4], ids=_ids)
def test_jitted_stateless_apply_matches_keras(case):
    name, kwargs, steps = case
    weights, grads = _data(steps, seed=1)
    ours, theirs = _pair(name, kwargs)
    lv = [Variable(w, name=n) for n, w in weights.items()]
    kv = [keras.Variable(w, name=n) for n, w in weights.items()]
    ours.build(lv)
    theirs.build(kv)
    ours_step = jax.jit(ours.stateless_apply)
    theirs_step = jax.jit(theirs.stateless_apply)
    o_params, o_opt = [v.value for v in lv], [v.value for v in ours.variables]
    k_params, k_opt = [v.value for v in kv], [v.value for v in theirs.variables]
    for g in grads:
        garr = [jnp.asarray(g[n]) for n in SHAPES]
        o_params, o_opt = ours_step(o_opt, garr, o_params)
        k_params, k_opt = theirs_step(k_opt, garr, k_params)
    for a, b in zip(o_params, k_params):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-7)
    for a, b in zip(o_opt, k_opt):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-7)
    # Nothing was written to the variables.
    for v, w in zip(lv, weights.values()):
        np.testing.assert_array_equal(np.asarray(v.value), w)
    assert int(ours._iterations.value) == 0


SCHEDULES = [
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=3, decay_rate=0.5)),
    (
        "ExponentialDecay",
        dict(initial_learning_rate=0.1, decay_steps=3, decay_rate=0.5, staircase=True),
    ),
    ("PiecewiseConstantDecay", dict(boundaries=[2, 5], values=[0.1, 0.05, 0.01])),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=6)),
    (
        "PolynomialDecay",
        dict(initial_learning_rate=0.1, decay_steps=4, power=2.0, cycle=True),
    ),
    ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=2, decay_rate=0.5)),
    (
        "InverseTimeDecay",
        dict(initial_learning_rate=0.1, decay_steps=2, decay_rate=0.5, staircase=True),
    ),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=7, alpha=0.1)),
    (
        "CosineDecay",
        dict(initial_learning_rate=0.0, decay_steps=7, warmup_target=0.2, warmup_steps=3),
    ),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=3)),
    (
        "CosineDecayRestarts",
        dict(initial_learning_rate=0.1, first_decay_steps=3, t_mul=1.0, m_mul=0.5, alpha=0.1),
    ),
]


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES)
def test_schedule_matches_keras(name, kwargs):
    ours = getattr(lo.schedules, name)(**kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(**kwargs)
    steps = jnp.arange(0, 25, dtype="int32")
    theirs_jit = jax.jit(theirs)
    expected = np.array([float(theirs_jit(s)) for s in steps])
    got = np.asarray(jax.vmap(ours)(steps))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
    assert ours.get_config() == theirs.get_config()
    assert lo.schedules.serialize(ours) == keras.optimizers.schedules.serialize(theirs)


def test_optimizer_with_schedule_matches_keras():
    kwargs = dict(initial_learning_rate=0.1, decay_steps=2, decay_rate=0.5)
    ours = lo.Adam(lo.schedules.ExponentialDecay(**kwargs), name="opt")
    theirs = keras.optimizers.Adam(
        keras.optimizers.schedules.ExponentialDecay(**kwargs), name="opt"
    )
    weights, grads = _data(3)
    lv = [Variable(w, name=n) for n, w in weights.items()]
    kv = [keras.Variable(w, name=n) for n, w in weights.items()]
    for g in grads:
        ours.apply([g[n] for n in SHAPES], lv)
        theirs.apply([jnp.asarray(g[n]) for n in SHAPES], kv)
    for a, b in zip(lv, kv):
        np.testing.assert_allclose(np.asarray(a.value), np.asarray(b.value), rtol=1e-6, atol=1e-7)
    _assert_same_variables(ours, theirs)
    assert ours.get_config() == theirs.get_config()
    assert lo.serialize(ours) == keras.optimizers.serialize(theirs)
    np.testing.assert_allclose(float(ours.learning_rate), float(theirs.learning_rate), rtol=1e-7)


def test_exclude_from_weight_decay_matches_keras():
    weights, grads = _data(2)
    ours, theirs = _pair("AdamW", {"weight_decay": 0.5, "learning_rate": 0.1})
    lv = [Variable(w, name=n) for n, w in weights.items()]
    kv = [keras.Variable(w, name=n) for n, w in weights.items()]
    ours.exclude_from_weight_decay(var_list=[lv[2]], var_names=["bias"])
    theirs.exclude_from_weight_decay(var_list=[kv[2]], var_names=["bias"])
    for g in grads:
        ours.apply([g[n] for n in SHAPES], lv)
        theirs.apply([jnp.asarray(g[n]) for n in SHAPES], kv)
    for a, b in zip(lv, kv):
        np.testing.assert_allclose(np.asarray(a.value), np.asarray(b.value), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "identifier",
    ["sgd", "adam", "AdamW", "rmsprop", "ADAGRAD", "adadelta", "adamax", "nadam", "lion"],
)
def test_get_and_default_config_match_keras(identifier):
    ours = lo.get(identifier)
    theirs = keras.optimizers.get(identifier)
    assert type(ours).__name__ == type(theirs).__name__
    a, b = ours.get_config(), theirs.get_config()
    a.pop("name")
    b.pop("name")
    assert a == b
    record = keras.optimizers.serialize(theirs)
    rebuilt = lo.deserialize(record)
    assert type(rebuilt).__name__ == type(theirs).__name__
    assert rebuilt.get_config() == theirs.get_config()
