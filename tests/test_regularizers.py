"""lamina.regularizers: penalties against NumPy formulas, configs, and lookup."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina.regularizers as regularizers

W = np.random.default_rng(1).standard_normal((5, 4)).astype("float32")


def _orthogonal_penalty(w, factor, mode):
    vectors = w if mode == "rows" else w.T
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    n = vectors.shape[0]
    cosines = vectors @ vectors.T
    off = np.abs(cosines[~np.eye(n, dtype=bool)])
    return factor * off.sum() / 2 / (n * (n - 1) / 2)


CASES = [
    (regularizers.L1(), 0.01 * np.abs(W).sum()),
    (regularizers.L1(0.3), 0.3 * np.abs(W).sum()),
    (regularizers.L2(), 0.01 * np.square(W).sum()),
    (regularizers.L2(l2=0.5), 0.5 * np.square(W).sum()),
    (regularizers.L1L2(), 0.0),
    (regularizers.L1L2(l1=0.1, l2=0.2), 0.1 * np.abs(W).sum() + 0.2 * np.square(W).sum()),
    (regularizers.l1_l2(l1=0.1), 0.1 * np.abs(W).sum()),
    (regularizers.OrthogonalRegularizer(), _orthogonal_penalty(W, 0.01, "rows")),
    (
        regularizers.OrthogonalRegularizer(factor=0.5, mode="columns"),
        _orthogonal_penalty(W, 0.5, "columns"),
    ),
]


@pytest.mark.parametrize("regularizer, expected", CASES, ids=repr)
def test_penalty(regularizer, expected):
    penalty = regularizer(W)
    assert jnp.shape(penalty) == ()
    assert float(penalty) == pytest.approx(float(expected), rel=1e-5, abs=1e-7)
    assert float(jax.jit(regularizer)(W)) == pytest.approx(float(expected), rel=1e-5, abs=1e-7)


def test_penalty_dtype_follows_weight():
    w = jnp.ones((3, 3), dtype="bfloat16")
    assert regularizers.L2()(w).dtype == jnp.bfloat16
    assert regularizers.L1L2(0.1, 0.1)(w).dtype == jnp.bfloat16


def test_orthogonal_is_zero_for_orthogonal_rows():
    assert float(regularizers.OrthogonalRegularizer(1.0)(np.eye(4, 6))) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="rank 2"):
        regularizers.OrthogonalRegularizer()(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diagonal")


def test_gradient_of_l2():
    grad = jax.grad(regularizers.L2(0.5))(jnp.asarray(W))
    np.testing.assert_allclose(grad, W, rtol=1e-6)


CONFIG_CASES = [
    (regularizers.L1(), {"l1": 0.01}),
    (regularizers.L1(None), {"l1": 0.01}),
    (regularizers.L2(0.3), {"l2": 0.3}),
    (regularizers.L1L2(), {"l1": 0.0, "l2": 0.0}),
    (regularizers.L1L2(1, None), {"l1": 1.0, "l2": 0.0}),
    (regularizers.OrthogonalRegularizer(), {"factor": 0.01, "mode": "rows"}),
]


@pytest.mark.parametrize("regularizer, expected", CONFIG_CASES, ids=repr)
def test_config_round_trip(regularizer, expected):
    assert regularizer.get_config() == expected
    record = regularizers.serialize(regularizer)
    assert record == {
        "module": "keras.regularizers",
        "class_name": type(regularizer).__name__,
        "config": expected,
        "registered_name": None,
    }
    clone = regularizers.deserialize(record)
    assert type(clone) is type(regularizer) and clone.get_config() == expected
    assert regularizers.get(record).get_config() == expected


@pytest.mark.parametrize(
    "name, cls",
    [
        ("l1", regularizers.L1),
        ("L1", regularizers.L1),
        ("l2", regularizers.L2),
        ("l1l2", regularizers.L1L2),
        ("l1_l2", regularizers.L1L2),
        ("orthogonal_regularizer", regularizers.OrthogonalRegularizer),
        ("OrthogonalRegularizer", regularizers.OrthogonalRegularizer),
    ],
)
def test_get_by_name(name, cls):
    assert type(regularizers.get(name)) is cls


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1", True])
def test_invalid_factors(bad):
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.L2(bad)


def test_get_other_identifiers():
    assert regularizers.get(None) is None
    assert isinstance(regularizers.get(regularizers.L2), regularizers.L2)

    def custom(w):
        return jnp.sum(w)

    assert regularizers.get(custom) is custom
    with pytest.raises(ValueError, match="Did you mean 'l2'"):
        regularizers.get("l22")
    with pytest.raises(NotImplementedError):
        regularizers.Regularizer().get_config()
    assert regularizers.Regularizer()(W) == 0.0
