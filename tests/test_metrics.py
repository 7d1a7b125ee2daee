"""lamina.metrics against NumPy: weighted updates, stateless forms, reset, config, get."""

import jax
import numpy as np
import pytest

import lamina.metrics as M

RNG = np.random.default_rng(1)


def test_mean_weighted_and_reset():
    m = M.Mean()
    v, w = RNG.normal(size=(6,)).astype("f4"), RNG.uniform(0, 1, (6,)).astype("f4")
    m.update_state(v[:3])
    m.update_state(v[3:], sample_weight=w[3:])
    expected = (v[:3].sum() + (v[3:] * w[3:]).sum()) / (3 + w[3:].sum())
    np.testing.assert_allclose(m.result(), expected, rtol=1e-6)
    m.reset_state()
    assert float(m.result()) == 0.0 and [float(x.value) for x in m.variables] == [0.0, 0.0]


def test_zero_weight_contributes_nothing():
    y_true = RNG.normal(size=(5, 2)).astype("f4")
    y_pred = RNG.normal(size=(5, 2)).astype("f4")
    full, padded = M.MeanSquaredError(), M.MeanSquaredError()
    full.update_state(y_true[:3], y_pred[:3])
    padded.update_state(y_true, y_pred, sample_weight=np.array([1, 1, 1, 0, 0], "f4"))
    np.testing.assert_allclose(full.result(), padded.result(), rtol=1e-6)


CASES = [
    (M.BinaryAccuracy, lambda: (RNG.integers(0, 2, (8, 1)), RNG.uniform(size=(8, 1)))),
    (M.CategoricalAccuracy, lambda: (np.eye(4)[RNG.integers(0, 4, 8)], RNG.uniform(size=(8, 4)))),
    (M.SparseCategoricalAccuracy, lambda: (RNG.integers(0, 4, (8,)), RNG.uniform(size=(8, 4)))),
    (M.RootMeanSquaredError, lambda: (RNG.normal(size=(8, 3)), RNG.normal(size=(8, 3)))),
    (M.AUC, lambda: (RNG.integers(0, 2, (8,)), RNG.uniform(size=(8,)))),
    (M.Precision, lambda: (RNG.integers(0, 2, (8,)), RNG.uniform(size=(8,)))),
    (M.Recall, lambda: (RNG.integers(0, 2, (8,)), RNG.uniform(size=(8,)))),
]


@pytest.mark.parametrize("cls,make", CASES)
def test_stateless_equals_stateful(cls, make):
    stateful, pure = cls(), cls()
    values = pure.stateless_reset_state()
    step = jax.jit(
        lambda vals, yt, yp, w: pure.stateless_update_state(vals, yt, yp, sample_weight=w)
    )
    for _ in range(3):
        y_true, y_pred = make()
        w = RNG.uniform(0, 1, (8,)).astype("f4")
        stateful.update_state(y_true, y_pred, sample_weight=w)
        values = step(values, y_true, y_pred, w)
    np.testing.assert_allclose(pure.stateless_result(values), stateful.result(), rtol=1e-6)
    # The pure forms leave the variables untouched.
    np.testing.assert_allclose(pure.result(), 0.0)
    stateful.reset_state()
    for v, r in zip(stateful.variables, pure.stateless_reset_state()):
        np.testing.assert_array_equal(v.value, r)


def test_accuracy_formulas():
    y_true = np.array([0, 1, 2, 1])
    y_pred = np.array([[0.9, 0.1, 0], [0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]])
    np.testing.assert_array_equal(M.sparse_categorical_accuracy(y_true, y_pred), [1, 0, 1, 1])
    np.testing.assert_array_equal(M.categorical_accuracy(np.eye(3)[y_true], y_pred), [1, 0, 1, 1])
    np.testing.assert_array_equal(
        M.sparse_top_k_categorical_accuracy(y_true, y_pred, k=2), [1, 1, 1, 1]
    )
    np.testing.assert_array_equal(M.binary_accuracy([1, 0], [0.6, 0.7]), [1, 0])


def test_auc_perfect_and_random():
    m = M.AUC()
    m.update_state([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    np.testing.assert_allclose(m.result(), 1.0, atol=1e-6)


def test_variables_names_and_submetrics():
    class Pair(M.Metric):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.a = M.Mean(name="a")
            self.hits = self.add_variable((), "zeros", name="hits")

        def update_state(self, x):
            self.a.update_state(x)
            self.hits.assign(self.hits.value + 1)

        def result(self):
            return self.a.result() * self.hits.value

    p = Pair()
    assert p.name == "pair" and p._is_lamina_metric
    assert [v.path for v in p.variables] == ["pair/hits", "a/total", "a/count"]
    p.update_state(np.array([2.0]))
    assert float(p(np.array([4.0]))) == 6.0
    values = p.stateless_reset_state()
    assert [float(v) for v in values] == [0.0, 0.0, 0.0]
    p.reset_state()
    assert float(p.result()) == 0.0


def test_get_and_serialize():
    assert isinstance(M.get("mse"), M.MeanSquaredError)
    assert isinstance(M.get("sparse_top_k_categorical_accuracy"), M.SparseTopKCategoricalAccuracy)
    with pytest.raises(ValueError, match="Did you mean"):
        M.get("binary_acuracy")
    m = M.BinaryAccuracy(threshold=0.3, name="ba")
    again = M.deserialize(M.serialize(m))
    assert isinstance(again, M.BinaryAccuracy) and again.get_config() == m.get_config()
    w = M.MeanMetricWrapper(M.binary_accuracy, name="w", threshold=0.2)
    again = M.MeanMetricWrapper.from_config(w.get_config())
    assert again._fn is M.binary_accuracy and again._fn_kwargs == {"threshold": 0.2}
