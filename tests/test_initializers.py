"""lamina.initializers: values, statistics, seeds, configs, and lookup."""

import math
import random

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina.initializers as initializers
from lamina.core import config as lamina_config
from lamina.core.random import SeedGenerator

SHAPE = (200, 300)

# (initializer, expected mean, expected std, bound or None)
FAN_AVG, FAN_IN = (200 + 300) / 2, 200
STAT_CASES = [
    (initializers.RandomNormal(seed=1), 0.0, 0.05, None),
    (initializers.RandomNormal(mean=1.0, stddev=2.0, seed=1), 1.0, 2.0, None),
    (initializers.RandomUniform(seed=2), 0.0, 0.1 / math.sqrt(12), 0.05),
    (initializers.RandomUniform(-1.0, 3.0, seed=2), 1.0, 4 / math.sqrt(12), None),
    (initializers.TruncatedNormal(seed=3), 0.0, 0.05 * 0.8796, 0.1),
    (initializers.GlorotUniform(seed=4), 0.0, math.sqrt(1 / FAN_AVG), math.sqrt(3 / FAN_AVG)),
    (initializers.GlorotNormal(seed=5), 0.0, math.sqrt(1 / FAN_AVG), None),
    (initializers.HeUniform(seed=6), 0.0, math.sqrt(2 / FAN_IN), math.sqrt(6 / FAN_IN)),
    (initializers.HeNormal(seed=7), 0.0, math.sqrt(2 / FAN_IN), None),
    (initializers.LecunUniform(seed=8), 0.0, math.sqrt(1 / FAN_IN), math.sqrt(3 / FAN_IN)),
    (initializers.LecunNormal(seed=9), 0.0, math.sqrt(1 / FAN_IN), None),
    (
        initializers.VarianceScaling(3.0, "fan_out", "untruncated_normal", seed=10),
        0.0,
        math.sqrt(3 / 300),
        None,
    ),
]


@pytest.mark.parametrize("init, mean, std, bound", STAT_CASES, ids=lambda v: repr(v)[:40])
def test_random_statistics(init, mean, std, bound):
    values = np.asarray(init(SHAPE))
    assert values.shape == SHAPE and values.dtype == np.float32
    assert abs(values.mean() - mean) < 0.05 * std
    assert values.std() == pytest.approx(std, rel=0.02)
    if bound is not None:
        assert np.abs(values - mean).max() <= bound + 1e-6


def test_truncated_normal_bounds():
    values = np.asarray(initializers.TruncatedNormal(mean=1.0, stddev=0.5, seed=0)((10000,)))
    assert values.min() >= 0.0 - 1e-6 and values.max() <= 2.0 + 1e-6


@pytest.mark.parametrize(
    "shape, fans",
    [
        ((), (1, 1)),
        ((5,), (5, 5)),
        ((3, 4), (3, 4)),
        ((2, 3, 4, 5), (24, 30)),
        ((7, 4, 6), (28, 42)),
    ],
)
def test_compute_fans(shape, fans):
    assert initializers.compute_fans(shape) == fans


def test_compute_fans_with_axes():
    assert initializers.compute_fans((2, 3, 4), input_axes=[0, 1], output_axes=[2]) == (6, 4)
    init = initializers.VarianceScaling(
        mode="fan_in", distribution="uniform", seed=0, input_axes=[0, 1], output_axes=[2]
    )
    limit = math.sqrt(3 / 6)
    assert np.abs(np.asarray(init((2, 3, 4)))).max() <= limit


@pytest.mark.parametrize("shape", [(5, 5), (8, 3), (3, 8), (2, 3, 4)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal(shape, gain):
    q = np.asarray(initializers.Orthogonal(gain=gain, seed=11)(shape), dtype="float64")
    assert q.shape == shape
    matrix = q.reshape(-1, shape[-1])
    small = min(matrix.shape)
    gram = matrix.T @ matrix if matrix.shape[0] >= matrix.shape[1] else matrix @ matrix.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(small), atol=1e-5)


def test_orthogonal_rejects_vectors():
    with pytest.raises(ValueError, match="rank 2"):
        initializers.Orthogonal()((4,))


def test_constant_zeros_ones_identity_exact():
    np.testing.assert_array_equal(initializers.Constant(2.5)((2, 3)), np.full((2, 3), 2.5))
    np.testing.assert_array_equal(initializers.Constant([1, 2, 3])((2, 3)), [[1, 2, 3]] * 2)
    np.testing.assert_array_equal(initializers.Zeros()((4,)), np.zeros(4))
    np.testing.assert_array_equal(initializers.Ones()((4,), dtype="int32"), np.ones(4))
    assert initializers.Ones()((4,), dtype="int32").dtype == jnp.int32
    np.testing.assert_array_equal(initializers.Identity()((3, 3)), np.eye(3))
    np.testing.assert_array_equal(initializers.Identity(gain=2.0)((2, 4)), 2 * np.eye(2, 4))
    with pytest.raises(ValueError, match="2-D"):
        initializers.Identity()((2, 2, 2))


def test_constant_array_value_round_trips():
    init = initializers.Constant(np.arange(3.0))
    config = init.get_config()
    assert config["value"]["class_name"] == "__numpy__"
    clone = initializers.Constant.from_config(config)
    np.testing.assert_array_equal(clone((2, 3)), [[0, 1, 2]] * 2)


def test_stft_matches_formula():
    frame, bins = 8, 5
    window = np.hanning(frame)
    t = np.arange(frame)[:, None, None]
    f = np.arange(bins)[None, None, :]
    angle = -2 * np.pi * t * f / ((bins - 1) * 2)
    expected = np.cos(angle) * window[:, None, None] / np.sqrt(np.sum(window**2))
    out = initializers.STFT("real", "hann")((frame, 1, bins))
    np.testing.assert_allclose(out, expected, atol=1e-5)
    imag = initializers.STFT("imag", None, None)((frame, 1, bins))
    np.testing.assert_allclose(imag, np.sin(angle), atol=1e-5)
    with pytest.raises(ValueError, match="window"):
        initializers.STFT(window="no_such_window")


def test_dtype_defaults_to_floatx_and_is_respected():
    init = initializers.GlorotUniform(seed=0)
    assert init((3, 3)).dtype == jnp.float32
    assert init((3, 3), dtype="bfloat16").dtype == jnp.bfloat16
    assert initializers.Orthogonal(seed=0)((3, 3), dtype="float16").dtype == jnp.float16
    previous = lamina_config.floatx()
    lamina_config.set_floatx("float16")
    try:
        assert initializers.Zeros()((2,)).dtype == jnp.float16
        assert initializers.RandomNormal(seed=0)((2,)).dtype == jnp.float16
    finally:
        lamina_config.set_floatx(previous)


RANDOM_CLASSES = [
    initializers.RandomNormal,
    initializers.RandomUniform,
    initializers.TruncatedNormal,
    initializers.VarianceScaling,
    initializers.GlorotUniform,
    initializers.GlorotNormal,
    initializers.HeUniform,
    initializers.HeNormal,
    initializers.LecunUniform,
    initializers.LecunNormal,
    initializers.Orthogonal,
]


@pytest.mark.parametrize("cls", RANDOM_CLASSES, ids=lambda c: c.__name__)
def test_seed_semantics(cls):
    # An int seed: deterministic, across instances and calls.
    a, b = cls(seed=42), cls(seed=42)
    np.testing.assert_array_equal(a((4, 4)), b((4, 4)))
    np.testing.assert_array_equal(a((4, 4)), a((4, 4)))
    assert not np.array_equal(a((4, 4)), cls(seed=43)((4, 4)))
    # seed=None: one seed drawn at construction from Python's `random`.
    random.seed(123)
    first = cls()
    random.seed(123)
    second = cls()
    np.testing.assert_array_equal(first((4, 4)), second((4, 4)))
    np.testing.assert_array_equal(first((4, 4)), first((4, 4)))
    assert first.get_config()["seed"] is None
    assert not np.array_equal(cls()((4, 4)), cls()((4, 4)))


def test_seed_generator_seed_advances_and_serializes():
    init = initializers.RandomNormal(seed=SeedGenerator(5))
    assert not np.array_equal(init((3,)), init((3,)))
    seed_config = init.get_config()["seed"]
    assert seed_config["class_name"] == "SeedGenerator"
    assert seed_config["config"]["seed"] == 5
    clone = initializers.RandomNormal.from_config(init.get_config())
    assert isinstance(clone.seed, SeedGenerator)
    np.testing.assert_array_equal(
        clone((3,)), initializers.RandomNormal(seed=SeedGenerator(5))((3,))
    )


def test_bad_seed_and_arguments():
    with pytest.raises(ValueError, match="seed"):
        initializers.RandomNormal(seed="3")
    with pytest.raises(ValueError, match="scale"):
        initializers.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="mode"):
        initializers.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="distribution"):
        initializers.VarianceScaling(distribution="cauchy")
    assert initializers.VarianceScaling(distribution="Normal").distribution == "truncated_normal"


CONFIG_CASES = [
    (initializers.Constant(3.0), {"value": 3.0}),
    (initializers.Zeros(), {}),
    (initializers.Ones(), {}),
    (initializers.Identity(2.0), {"gain": 2.0}),
    (initializers.RandomNormal(1.0, 2.0, seed=3), {"seed": 3, "mean": 1.0, "stddev": 2.0}),
    (initializers.RandomUniform(seed=3), {"seed": 3, "minval": -0.05, "maxval": 0.05}),
    (initializers.TruncatedNormal(), {"seed": None, "mean": 0.0, "stddev": 0.05}),
    (initializers.Orthogonal(2.0, 1), {"seed": 1, "gain": 2.0}),
    (
        initializers.VarianceScaling(2.0, "fan_avg", "uniform", 4),
        {
            "seed": 4,
            "scale": 2.0,
            "mode": "fan_avg",
            "distribution": "uniform",
            "input_axes": None,
            "output_axes": None,
        },
    ),
    (initializers.GlorotUniform(), {"seed": None, "input_axes": None, "output_axes": None}),
    (initializers.HeNormal(seed=5), {"seed": 5, "input_axes": None, "output_axes": None}),
    (
        initializers.STFT(),
        {"side": "real", "window": "hann", "periodic": False, "scaling": "density"},
    ),
]


@pytest.mark.parametrize("init, expected", CONFIG_CASES, ids=lambda v: type(v).__name__)
def test_config_and_round_trip(init, expected):
    assert init.get_config() == expected
    record = initializers.serialize(init)
    assert record == {
        "module": "keras.initializers",
        "class_name": type(init).__name__,
        "config": expected,
        "registered_name": None,
    }
    clone = initializers.deserialize(record)
    assert type(clone) is type(init) and clone.get_config() == expected
    assert initializers.get(record).get_config() == expected
    assert init.clone().get_config() == expected
    shape = (6, 1, 5) if isinstance(init, initializers.STFT) else (4, 4)
    if expected.get("seed", 0) is not None:
        np.testing.assert_array_equal(clone(shape), init(shape))


ALIASES = {
    "constant": "Constant",
    "zeros": "Zeros",
    "zero": "Zeros",
    "ones": "Ones",
    "one": "Ones",
    "identity": "Identity",
    "IdentityInitializer": "Identity",
    "uniform": "RandomUniform",
    "random_uniform": "RandomUniform",
    "normal": "RandomNormal",
    "random_normal": "RandomNormal",
    "truncated_normal": "TruncatedNormal",
    "variance_scaling": "VarianceScaling",
    "glorot_uniform": "GlorotUniform",
    "glorot_normal": "GlorotNormal",
    "he_uniform": "HeUniform",
    "he_normal": "HeNormal",
    "lecun_uniform": "LecunUniform",
    "lecun_normal": "LecunNormal",
    "orthogonal": "Orthogonal",
    "OrthogonalInitializer": "Orthogonal",
    "stft": "STFT",
    "GlorotUniform": "GlorotUniform",
}


@pytest.mark.parametrize("name, class_name", ALIASES.items())
def test_get_by_name(name, class_name):
    init = initializers.get(name)
    assert type(init).__name__ == class_name
    assert isinstance(init, initializers.Initializer)


def test_public_lowercase_aliases():
    assert initializers.glorot_uniform is initializers.GlorotUniform
    assert initializers.orthogonal is initializers.Orthogonal
    assert initializers.random_normal is initializers.RandomNormal


def test_get_other_identifiers():
    assert initializers.get(None) is None
    assert isinstance(initializers.get(initializers.HeNormal), initializers.HeNormal)
    existing = initializers.Ones()
    assert initializers.get(existing) is existing

    def fn(shape, dtype=None):
        return jnp.zeros(shape, dtype)

    assert initializers.get(fn) is fn
    from_array = initializers.get(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(from_array((2, 3)), np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match="shape"):
        from_array((3, 2))


def test_unknown_name_suggests():
    with pytest.raises(ValueError, match="Did you mean 'glorot_uniform'"):
        initializers.get("glorot_unifrom")
    with pytest.raises(ValueError, match="Could not interpret"):
        initializers.get(3.5)


def test_initializer_inside_compile_time_eval_and_jit_shape():
    with jax.ensure_compile_time_eval():
        value = initializers.GlorotUniform(seed=1)((3, 2))
    np.testing.assert_array_equal(value, initializers.GlorotUniform(seed=1)((3, 2)))
    out = jax.jit(lambda: initializers.HeNormal(seed=2)((3, 2)))()
    np.testing.assert_allclose(out, initializers.HeNormal(seed=2)((3, 2)), atol=1e-6)
