"""lamina.activations against NumPy formulas, plus get/serialize/deserialize."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina.activations as activations
from lamina.core import registry

RNG = np.random.default_rng(0)
X = (RNG.standard_normal((4, 7)) * 3).astype("float32")
_erf = np.vectorize(math.erf)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softplus(x):
    return np.log1p(np.exp(x))


SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805

# (function, kwargs, NumPy reference)
CASES = [
    ("relu", {}, lambda x: np.maximum(x, 0)),
    ("relu", {"negative_slope": 0.1}, lambda x: np.where(x > 0, x, 0.1 * x)),
    ("relu", {"max_value": 2.0}, lambda x: np.clip(x, 0, 2)),
    ("relu", {"max_value": 6}, lambda x: np.clip(x, 0, 6)),
    ("relu", {"threshold": 1.0}, lambda x: np.where(x > 1, x, 0)),
    (
        "relu",
        {"negative_slope": 0.1, "max_value": 3.0, "threshold": 1.0},
        lambda x: np.where(x > 1, np.minimum(x, 3), 0.1 * (x - 1)),
    ),
    ("leaky_relu", {}, lambda x: np.where(x > 0, x, 0.2 * x)),
    ("relu6", {}, lambda x: np.clip(x, 0, 6)),
    ("softmax", {}, _softmax),
    ("softmax", {"axis": 0}, lambda x: _softmax(x, 0)),
    ("softmax", {"axis": (0, 1)}, lambda x: np.exp(x) / np.exp(x).sum()),
    ("log_softmax", {}, lambda x: np.log(_softmax(x))),
    ("elu", {}, lambda x: np.where(x > 0, x, np.expm1(x))),
    ("elu", {"alpha": 0.5}, lambda x: np.where(x > 0, x, 0.5 * np.expm1(x))),
    ("selu", {}, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))),
    ("celu", {"alpha": 2.0}, lambda x: np.maximum(x, 0) + np.minimum(0, 2 * np.expm1(x / 2))),
    ("softplus", {}, _softplus),
    ("softsign", {}, lambda x: x / (1 + np.abs(x))),
    ("soft_shrink", {}, lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0)),
    ("hard_shrink", {"threshold": 1.0}, lambda x: np.where(np.abs(x) > 1, x, 0)),
    ("tanh_shrink", {}, lambda x: x - np.tanh(x)),
    ("threshold", {"threshold": 0.5, "default_value": -1.0}, lambda x: np.where(x > 0.5, x, -1)),
    ("sparse_plus", {}, lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4))),
    ("squareplus", {}, lambda x: (x + np.sqrt(x**2 + 4)) / 2),
    ("squareplus", {"b": 1.0}, lambda x: (x + np.sqrt(x**2 + 1)) / 2),
    ("silu", {}, lambda x: x * _sigmoid(x)),
    ("swish", {}, lambda x: x * _sigmoid(x)),
    ("gelu", {}, lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
    (
        "gelu",
        {"approximate": True},
        lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
    ),
    ("glu", {}, lambda x: x[:, :3] * _sigmoid(x[:, 3:6])),
    ("tanh", {}, np.tanh),
    ("hard_tanh", {}, lambda x: np.clip(x, -1, 1)),
    ("sigmoid", {}, _sigmoid),
    ("sparse_sigmoid", {}, lambda x: np.clip((x + 1) / 2, 0, 1)),
    ("hard_sigmoid", {}, lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    ("log_sigmoid", {}, lambda x: -_softplus(-x)),
    ("hard_silu", {}, lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
    ("hard_swish", {}, lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
    ("exponential", {}, np.exp),
    ("linear", {}, lambda x: x),
    ("mish", {}, lambda x: x * np.tanh(_softplus(x))),
]


@pytest.mark.parametrize(
    "name, kwargs, reference", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_activation_matches_numpy(name, kwargs, reference):
    x = X[:, :6] if name == "glu" else X
    out = getattr(activations, name)(x, **kwargs)
    np.testing.assert_allclose(
        np.asarray(out), reference(x.astype("float64")), atol=2e-5, rtol=1e-5
    )


def _sparsemax_reference(z):
    """Sparsemax of a 1-D vector by the sorting algorithm of Martins & Astudillo (2016)."""
    ordered = np.sort(z)[::-1]
    cumulative = np.cumsum(ordered)
    k = np.arange(1, len(z) + 1)
    support = k[1 + k * ordered > cumulative].max()
    tau = (cumulative[support - 1] - 1) / support
    return np.maximum(z - tau, 0)


@pytest.mark.parametrize("axis", [-1, 0])
def test_sparsemax(axis):
    out = np.asarray(activations.sparsemax(X, axis=axis))
    reference = np.apply_along_axis(_sparsemax_reference, axis, X.astype("float64"))
    np.testing.assert_allclose(out, reference, atol=1e-5)
    np.testing.assert_allclose(out.sum(axis=axis), 1.0, atol=1e-5)
    assert (out == 0).any()


def test_gelu_default_is_exact_erf_not_jax_default():
    x = jnp.linspace(-3, 3, 11)
    assert not np.allclose(activations.gelu(x), jax.nn.gelu(x), atol=1e-6)
    np.testing.assert_allclose(activations.gelu(x), jax.nn.gelu(x, approximate=False))


@pytest.mark.parametrize("name", ["relu", "gelu", "softmax", "sparsemax", "mish", "selu"])
def test_activations_jit_and_grad(name):
    fn = activations.get(name)
    out = jax.jit(fn)(X)
    np.testing.assert_allclose(out, fn(X), atol=1e-6)
    grad = jax.grad(lambda x: jnp.sum(fn(x)))(X)
    assert np.isfinite(np.asarray(grad)).all()


def test_activation_dtypes_follow_input():
    x = jnp.ones((3,), dtype="bfloat16")
    for name in ["relu", "sigmoid", "gelu", "softmax", "soft_shrink", "threshold"]:
        kwargs = {"threshold": 0.0, "default_value": 0.0} if name == "threshold" else {}
        assert activations.get(name)(x, **kwargs).dtype == jnp.bfloat16, name
    assert activations.relu([1.0, -1.0]).dtype == jnp.float32


KERAS_NAMES = (
    "celu elu exponential gelu glu hard_shrink hard_sigmoid hard_silu hard_swish hard_tanh "
    "leaky_relu linear log_sigmoid log_softmax mish relu relu6 selu sigmoid silu soft_shrink "
    "softmax softplus softsign sparse_plus sparse_sigmoid sparsemax squareplus swish tanh "
    "tanh_shrink threshold"
).split()


@pytest.mark.parametrize("name", KERAS_NAMES)
def test_get_serialize_deserialize_round_trip(name):
    fn = activations.get(name)
    assert fn is getattr(activations, name)
    canonical = {"swish": "silu", "hard_swish": "hard_silu"}.get(name, name)
    assert activations.serialize(fn) == canonical
    assert activations.deserialize(canonical) is fn
    record = {"module": "keras.activations", "class_name": "function", "config": canonical}
    assert activations.deserialize(record) is fn
    assert activations.get(record) is fn


def test_get_none_and_callables():
    assert activations.get(None) is activations.linear

    def custom(x):
        return x * 2

    assert activations.get(custom) is custom
    assert activations.serialize(None) is None


def test_unknown_name_suggests():
    with pytest.raises(ValueError, match="Did you mean 'relu'"):
        activations.get("rellu")
    with pytest.raises(ValueError, match="Could not interpret"):
        activations.get(42)


def test_serialize_custom_functions():
    @registry.register_keras_serializable(package="TestActs")
    def doubled(x):
        return 2 * x

    record = activations.serialize(doubled)
    assert record["class_name"] == "function"
    assert record["config"] == "TestActs>doubled"
    assert activations.deserialize(record) is doubled
    assert activations.get("TestActs>doubled") is doubled

    def plain(x):
        return x

    assert activations.serialize(plain)["config"] == "plain"
    with registry.custom_object_scope({"plain": plain}):
        assert activations.get("plain") is plain
    assert activations.deserialize("plain", custom_objects={"plain": plain}) is plain
    with pytest.raises(ValueError, match="anonymous"):
        activations.serialize(lambda x: x)
