"""Ftrl, Lamb, Adafactor, Muon, LossScaleOptimizer, custom schedules, gradient accumulation and
EMA against real Keras 3 (JAX backend): same numbers, same variables, same configs, same `fit`."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

keras = pytest.importorskip("keras")

import lamina  # noqa: E402
import lamina.optimizers as lo  # noqa: E402
from lamina.core.variable import Variable  # noqa: E402

SHAPES = {"kernel": (3, 4), "bias": (4,), "scale": (), "deep": (2, 3, 5), "tall": (6, 2)}

FTRL_ALL = dict(
    learning_rate=0.1,
    learning_rate_power=-0.3,
    initial_accumulator_value=0.5,
    l1_regularization_strength=0.05,
    l2_regularization_strength=0.2,
    l2_shrinkage_regularization_strength=0.1,
    beta=0.3,
)

# (class name, constructor kwargs, steps)
CASES = [
    ("Ftrl", {}, 3),
    ("Ftrl", FTRL_ALL, 3),
    ("Ftrl", {"learning_rate_power": 0.0, "beta": 0.5, "initial_accumulator_value": 0.0}, 3),
    ("Ftrl", {"weight_decay": 0.1, "clipnorm": 0.5}, 3),
    ("Lamb", {}, 3),
    ("Lamb", {"learning_rate": 0.05, "beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3}, 3),
    ("Lamb", {"global_clipnorm": 0.5, "use_ema": True}, 3),
    ("Lamb", {"gradient_accumulation_steps": 2}, 4),
    ("Adafactor", {}, 3),
    ("Adafactor", {"beta_2_decay": -0.5, "epsilon_1": 1e-10, "epsilon_2": 0.1}, 3),
    (
        "Adafactor",
        {"clip_threshold": 0.2, "learning_rate": 0.3, "weight_decay": 0.05, "relative_step": False},
        3,
    ),
    ("Adafactor", {"gradient_accumulation_steps": 2, "clipvalue": 0.5}, 4),
    ("Muon", {}, 3),
    (
        "Muon",
        {
            "learning_rate": 0.02,
            "nesterov": False,
            "rms_rate": None,
            "weight_decay": None,
            "adam_weight_decay": 0.1,
            "ns_steps": 3,
        },
        3,
    ),
    ("Muon", {"exclude_layers": ["tall"], "adam_lr_ratio": 0.1, "momentum": 0.8}, 3),
    ("Muon", {"exclude_embeddings": False, "muon_a": 3.0, "muon_b": -4.0, "muon_c": 1.5}, 3),
]


def _ids(case):
    name, kwargs, _ = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


def _data(steps, seed=0, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    weights = {n: rng.normal(size=s).astype("float32") for n, s in shapes.items()}
    grads = [
        {n: rng.normal(size=s).astype("float32") for n, s in shapes.items()} for _ in range(steps)
    ]
    return weights, grads


def _pair(name, kwargs):
    return getattr(lo, name)(name="opt", **kwargs), getattr(keras.optimizers, name)(
        name="opt", **kwargs
    )


def _assert_same_variables(ours, theirs):
    assert len(ours.variables) == len(theirs.variables)
    for a, b in zip(ours.variables, theirs.variables):
        assert (a.path, a.name) == (b.path, b.name)
        assert tuple(a.shape) == tuple(b.shape)
        assert a.dtype == b.dtype


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_steps_match_keras(case):
    """lamina's `apply` against Keras's jitted `stateless_apply` (what Keras's `fit` runs)."""
    name, kwargs, steps = case
    weights, grads = _data(steps, seed=1)
    ours, theirs = _pair(name, kwargs)
    lv = [Variable(w, name=n) for n, w in weights.items()]
    kv = [keras.Variable(w, name=n) for n, w in weights.items()]
    ours.build(lv)
    theirs.build(kv)
    _assert_same_variables(ours, theirs)
    theirs_step = jax.jit(theirs.stateless_apply)
    k_params, k_opt = [v.value for v in kv], [v.value for v in theirs.variables]
    for g in grads:
        ours.apply([g[n] for n in SHAPES], lv)
        k_params, k_opt = theirs_step(k_opt, [jnp.asarray(g[n]) for n in SHAPES], k_params)
    for a, b in zip(lv, k_params):
        np.testing.assert_allclose(np.asarray(a.value), np.asarray(b), rtol=1e-6, atol=1e-7)
    for a, b in zip(ours.variables, k_opt):
        np.testing.assert_allclose(np.asarray(a.value), np.asarray(b), rtol=1e-6, atol=1e-7)
    assert ours.get_config() == theirs.get_config()
    assert lo.serialize(ours) == keras.optimizers.serialize(theirs)


EAGER_CASES = [case for case in CASES if not case[1]]


@pytest.mark.parametrize("case", EAGER_CASES, ids=_ids)
def test_eager_apply_matches_keras(case):
    """Keras's own `apply` (built under the optimizer's name scope, run op by op)."""
    name, kwargs, steps = case
    weights, grads = _data(steps)
    ours, theirs = _pair(name, kwargs)
    lv = [Variable(w, name=n) for n, w in weights.items()]
    kv = [keras.Variable(w, name=n) for n, w in weights.items()]
    for g in grads:
        ours.apply([g[n] for n in SHAPES], lv)
        theirs.apply([jnp.asarray(g[n]) for n in SHAPES], kv)
    # Op-by-op rounding differs from one fused XLA program in the last bit, which FTRL's L1
    # cancellation can magnify for weights near zero (hence the atol).
    for a, b in zip(lv, kv):
        np.testing.assert_allclose(np.asarray(a.value), np.asarray(b.value), rtol=1e-6, atol=1e-6)
    _assert_same_variables(ours, theirs)


@pytest.mark.parametrize("identifier", ["ftrl", "adafactor", "muon", "FTRL", "Lamb"])
def test_get_and_default_config_match_keras(identifier):
    if identifier == "Lamb":  # Keras's `get` knows no 'lamb'; lamina resolves it.
        identifier = keras.optimizers.Lamb()
    ours = lo.get(identifier if isinstance(identifier, str) else "lamb")
    theirs = keras.optimizers.get(identifier)
    assert type(ours).__name__ == type(theirs).__name__
    a, b = ours.get_config(), theirs.get_config()
    a.pop("name"), b.pop("name")  # auto-name counters are per process
    assert a == b
    rebuilt = lo.deserialize(keras.optimizers.serialize(theirs))
    assert rebuilt.get_config() == theirs.get_config()


# ------------------------------------------------------------------------ LossScaleOptimizer
def _lso_pair(inner, inner_kwargs, **kwargs):
    ours = lo.LossScaleOptimizer(getattr(lo, inner)(name="inner", **inner_kwargs), **kwargs)
    theirs = keras.optimizers.LossScaleOptimizer(
        getattr(keras.optimizers, inner)(name="inner", **inner_kwargs), **kwargs
    )
    return ours, theirs


@pytest.mark.parametrize(
    ("inner", "inner_kwargs", "growth"),
    [
        ("SGD", {"momentum": 0.9}, 2),
        ("Adam", {}, 3),
        ("Ftrl", {}, 1),
        ("Adam", {"use_ema": True}, 2),
    ],
)
def test_loss_scale_dynamics_match_keras(inner, inner_kwargs, growth):
    shapes = {"kernel": (3, 4), "bias": (4,)}
    weights, grads = _data(9, seed=2, shapes=shapes)
    grads[2]["kernel"][0, 1] = np.inf
    grads[5]["bias"][3] = np.nan
    grads[6]["kernel"][:] = -np.inf
    ours, theirs = _lso_pair(
        inner, inner_kwargs, initial_scale=16.0, dynamic_growth_steps=growth, name="lso"
    )
    lv = [Variable(w, name=n) for n, w in weights.items()]
    kv = [keras.Variable(w, name=n) for n, w in weights.items()]
    ours.build(lv)
    theirs.build(kv)
    _assert_same_variables(ours, theirs)
    # Keras's stateful `apply` of this optimizer fails on JAX (a tracer leaks out of its
    # `cond`); its `fit` uses `stateless_apply`, which is what lamina is compared with.
    theirs_step = jax.jit(theirs.stateless_apply)
    k_params, k_opt = [v.value for v in kv], [v.value for v in theirs.variables]
    for g in grads:
        ours.apply([g[n] for n in shapes], lv)
        k_params, k_opt = theirs_step(k_opt, [jnp.asarray(g[n]) for n in shapes], k_params)
        for a, b in zip(ours.variables, k_opt):
            np.testing.assert_allclose(np.asarray(a.value), np.asarray(b), rtol=1e-6, atol=1e-7)
        for a, b in zip(lv, k_params):
            np.testing.assert_allclose(np.asarray(a.value), np.asarray(b), rtol=1e-6, atol=1e-7)
    assert ours.get_config() == theirs.get_config()
    assert lo.serialize(ours) == keras.optimizers.serialize(theirs)
    rebuilt = lo.deserialize(keras.optimizers.serialize(theirs))
    assert rebuilt.get_config() == theirs.get_config()


# ---------------------------------------------------------------------------- fit with Keras
@keras.saving.register_keras_serializable(package="lamina_compat")
class KerasHalving(keras.optimizers.schedules.LearningRateSchedule):
    def __init__(self, base, floor):
        self.base = base
        self.floor = floor

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        return keras.ops.maximum(self.base / (1.0 + 0.5 * step), self.floor)

    def get_config(self):
        return {"base": self.base, "floor": self.floor}


class LaminaHalving(lo.schedules.LearningRateSchedule):
    def __init__(self, base, floor):
        self.base = base
        self.floor = floor

    def __call__(self, step):
        step = jnp.asarray(step, "float32")
        return jnp.maximum(self.base / (1.0 + 0.5 * step), self.floor)

    def get_config(self):
        return {"base": self.base, "floor": self.floor}


def _fit_pair(keras_opt, lamina_opt, epochs=3, finalize=False):
    rng = np.random.default_rng(11)
    x = rng.normal(size=(45, 6)).astype("float32")  # 45 = 5 full batches of 8 + a partial one
    y = rng.normal(size=(45, 2)).astype("float32")
    km = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, "tanh"), keras.layers.Dense(2)])
    lm = lamina.Sequential(
        [lamina.Input((6,)), lamina.layers.Dense(5, "tanh"), lamina.layers.Dense(2)]
    )
    lm.set_weights(km.get_weights())
    km.compile(optimizer=keras_opt, loss="mse")
    lm.compile(optimizer=lamina_opt, loss="mse")
    kh = km.fit(x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0)
    lh = lm.fit(x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0)
    if finalize:
        lm.optimizer.finalize_variable_values(lm.trainable_variables)
    np.testing.assert_allclose(lh.history["loss"], kh.history["loss"], rtol=1e-5)
    for a, b in zip(lm.get_weights(), km.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(lm.optimizer.variables, km.optimizer.variables):
        np.testing.assert_allclose(np.asarray(a.value), np.asarray(b.value), rtol=1e-5, atol=1e-6)
    return km, lm


def test_custom_schedule_fit_and_config_match_keras():
    km, lm = _fit_pair(
        keras.optimizers.Adam(KerasHalving(0.05, 0.01)), lo.Adam(LaminaHalving(0.05, 0.01))
    )
    ours, theirs = lm.optimizer.get_config(), km.optimizer.get_config()
    ours.pop("name"), theirs.pop("name")
    # Custom classes: Keras records the class's own module and registered name; lamina's
    # registry writes the namespace module and no registered name (a core registry choice).
    ours_lr, theirs_lr = ours.pop("learning_rate"), theirs.pop("learning_rate")
    assert ours == theirs
    assert ours_lr["config"] == theirs_lr["config"]
    assert (ours_lr["class_name"], theirs_lr["class_name"]) == ("LaminaHalving", "KerasHalving")
    rebuilt = lo.Adam.from_config(
        lm.optimizer.get_config(), custom_objects={"LaminaHalving": LaminaHalving}
    )
    assert isinstance(rebuilt._learning_rate, LaminaHalving)
    assert rebuilt.get_config() == lm.optimizer.get_config()
    np.testing.assert_allclose(
        float(lm.optimizer.learning_rate), float(km.optimizer.learning_rate), rtol=1e-6
    )


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("Adam", {"gradient_accumulation_steps": 3}),
        ("Adafactor", {"learning_rate": 0.1}),
        ("Muon", {"learning_rate": 0.02}),
    ],
    ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={x}" for k, x in v.items()),
)
def test_fit_matches_keras(name, kwargs):
    _fit_pair(getattr(keras.optimizers, name)(**kwargs), getattr(lo, name)(**kwargs))


EMA_CASES = [{"use_ema": True, "ema_momentum": 0.8, "ema_overwrite_frequency": 4}]


@pytest.mark.parametrize("kwargs", EMA_CASES, ids=["overwrite-every-4"])
def test_fit_with_ema_matches_keras_after_finalize(kwargs):
    """Keras's `fit` ends by overwriting the weights with their moving averages; the same
    averages come out of lamina's fit once `finalize_variable_values` runs (18 steps, so the
    periodic overwrite alone does not land on the last step)."""
    _fit_pair(keras.optimizers.Adam(**kwargs), lo.Adam(**kwargs), finalize=True)


@pytest.mark.parametrize("kwargs", EMA_CASES, ids=["overwrite-every-4"])
def test_fit_with_ema_finalizes_like_keras(kwargs):
    _fit_pair(keras.optimizers.Adam(**kwargs), lo.Adam(**kwargs))


def test_fit_with_constant_loss_scale_matches_keras():
    """The scale never changes here (no growth within the run), so the engine's handling of
    `scale_loss` inside the step does not matter."""
    _fit_pair(
        keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.05), initial_scale=64.0),
        lo.LossScaleOptimizer(lo.SGD(0.05), initial_scale=64.0),
    )


def test_fit_with_dynamic_loss_scale_matches_keras():
    _fit_pair(
        keras.optimizers.LossScaleOptimizer(
            keras.optimizers.SGD(0.05), initial_scale=4.0, dynamic_growth_steps=2
        ),
        lo.LossScaleOptimizer(lo.SGD(0.05), initial_scale=4.0, dynamic_growth_steps=2),
    )
