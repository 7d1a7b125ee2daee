"""lamina.losses against NumPy formulas: reductions, sample weights, masks, config, get."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina.losses as L
from lamina.losses.loss import reduce_values

RNG = np.random.default_rng(0)
VALUES = RNG.uniform(0, 2, (6,)).astype("f4")
WEIGHTS = RNG.uniform(0, 2, (6,)).astype("f4")
MASK = np.array([1, 1, 1, 1, 0, 0], bool)


@pytest.mark.parametrize(
    "reduction,weights,mask,expected",
    [
        ("sum_over_batch_size", None, None, VALUES.mean()),
        ("sum_over_batch_size", WEIGHTS, None, (VALUES * WEIGHTS).sum() / 6),
        ("mean", WEIGHTS, None, (VALUES * WEIGHTS).sum() / 6),
        ("sum", WEIGHTS, None, (VALUES * WEIGHTS).sum()),
        ("mean_with_sample_weight", WEIGHTS, None, (VALUES * WEIGHTS).sum() / WEIGHTS.sum()),
        ("none", WEIGHTS, None, VALUES * WEIGHTS),
        (None, None, None, VALUES),
        ("sum_over_batch_size", None, MASK, VALUES[:4].mean()),
        ("sum_over_batch_size", WEIGHTS, MASK, (VALUES * WEIGHTS)[:4].sum() / 4),
        ("sum", WEIGHTS, MASK, (VALUES * WEIGHTS)[:4].sum()),
        (
            "mean_with_sample_weight",
            WEIGHTS,
            MASK,
            (VALUES * WEIGHTS)[:4].sum() / WEIGHTS[:4].sum(),
        ),
        ("none", None, MASK, VALUES * MASK),
    ],
)
def test_reduce_values(reduction, weights, mask, expected):
    out = reduce_values(VALUES, weights, reduction, mask=mask)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-6)


def test_reduce_values_mask_broadcasts_over_trailing_axes_and_jits():
    values = RNG.uniform(size=(4, 3)).astype("f4")
    mask = np.array([1, 0, 1, 0], bool)
    out = jax.jit(lambda v, m: reduce_values(v, None, "sum_over_batch_size", mask=m))(values, mask)
    np.testing.assert_allclose(out, values[mask].mean(), rtol=1e-6)
    # An all-False mask gives 0, not NaN.
    assert float(reduce_values(values, mask=np.zeros(4, bool))) == 0.0


def test_weight_zero_equals_mask():
    w = MASK.astype("f4")
    by_weight = reduce_values(VALUES, w, "sum")
    by_mask = reduce_values(VALUES, None, "sum", mask=MASK)
    np.testing.assert_allclose(by_weight, by_mask)


def test_sample_weight_rank_alignment():
    y_true = RNG.normal(size=(4, 1)).astype("f4")
    y_pred = RNG.normal(size=(4, 1)).astype("f4")
    w = np.array([1.0, 0.0, 2.0, 1.0], "f4")
    expected = ((y_true - y_pred)[:, 0] ** 2 * w).sum() / 4
    np.testing.assert_allclose(L.MeanSquaredError()(y_true, y_pred, w), expected, rtol=1e-6)
    np.testing.assert_allclose(
        L.MeanSquaredError()(y_true, y_pred, w[:, None]), expected, rtol=1e-6
    )


def _np_bce(t, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(-1)


FORMULAS = [
    (L.mean_squared_error, lambda t, p: ((t - p) ** 2).mean(-1)),
    (L.mean_absolute_error, lambda t, p: np.abs(t - p).mean(-1)),
    (L.log_cosh, lambda t, p: np.log(np.cosh(p - t)).mean(-1)),
    (L.binary_crossentropy, _np_bce),
    (
        L.categorical_crossentropy,
        lambda t, p: -(t * np.log(np.clip(p / p.sum(-1, keepdims=True), 1e-7, 1 - 1e-7))).sum(-1),
    ),
    (L.poisson, lambda t, p: (p - t * np.log(p + 1e-7)).mean(-1)),
]


@pytest.mark.parametrize("fn,formula", FORMULAS)
def test_functions_match_numpy(fn, formula):
    t = RNG.uniform(0, 1, (5, 4)).astype("f4")
    p = RNG.uniform(0.05, 1, (5, 4)).astype("f4")
    np.testing.assert_allclose(np.asarray(fn(t, p)), formula(t, p), rtol=1e-5, atol=1e-6)


def test_sparse_ignore_class_averages_over_kept_entries():
    y_true = np.array([0, 2, 1, 2])
    logits = RNG.normal(size=(4, 3)).astype("f4")
    per = -jax.nn.log_softmax(logits)[np.arange(4), y_true]
    loss = L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2)
    np.testing.assert_allclose(loss(y_true, logits), (per[0] + per[2]) / 2, rtol=1e-6)
    values, mask = loss.compute_values(y_true, logits, mask=np.array([1, 1, 0, 1], bool))
    np.testing.assert_array_equal(mask, [True, False, False, False])
    np.testing.assert_allclose(reduce_values(values, None, loss.reduction, mask), per[0], rtol=1e-6)


def test_config_round_trip_and_wrapper():
    loss = L.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, name="cce")
    again = L.deserialize(L.serialize(loss))
    assert type(again) is L.CategoricalCrossentropy and again.get_config() == loss.get_config()
    wrapped = L.LossFunctionWrapper(L.huber, name="h", delta=2.0)
    again = L.LossFunctionWrapper.from_config(wrapped.get_config())
    assert again.fn is L.huber and again._fn_kwargs == {"delta": 2.0}
    assert L.Huber(delta=3.0).get_config()["delta"] == 3.0


def test_get():
    assert L.get("mse") is L.mean_squared_error and L.get("MSE") is L.mean_squared_error
    assert isinstance(L.get("Huber"), L.Huber)
    assert L.get(None) is None
    with pytest.raises(ValueError, match="Did you mean"):
        L.get("mean_squared_eror")
    with pytest.raises(ValueError, match="reduction"):
        L.MeanSquaredError(reduction="avg")


def test_custom_loss_subclass_and_jit():
    class Scaled(L.Loss):
        def call(self, y_true, y_pred):
            return jnp.sum(2 * (y_pred - y_true), axis=-1)

    loss = Scaled()
    assert loss.name == "scaled" and loss.get_config()["reduction"] == "sum_over_batch_size"
    out = jax.jit(lambda a, b: loss(a, b))(np.ones((2, 3)), np.zeros((2, 3)))
    np.testing.assert_allclose(out, -6.0)
