"""The metrics and losses added for training in practice: NumPy formulas, the pure forms under
`jax.jit`, config round trips, and custom metrics (subclass and plain function) in `fit`."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina as keras
import lamina.losses as L
import lamina.metrics as M

RNG = np.random.default_rng(7)
B, C = 12, 3


def _onehot():
    return np.eye(C, dtype="f4")[RNG.integers(0, C, B)], RNG.uniform(size=(B, C)).astype("f4")


def _multilabel():
    return RNG.integers(0, 2, (B, C)).astype("f4"), RNG.uniform(size=(B, C)).astype("f4")


def _regression():
    y = RNG.normal(size=(B, C)).astype("f4")
    return y, (y + RNG.normal(size=(B, C))).astype("f4")


def _ids():
    return RNG.integers(0, C, (B,)), RNG.integers(0, C, (B,))


def _built(metric):
    metric.build((None, C), (None, C))
    return metric


STATELESS_CASES = [
    (lambda: _built(M.F1Score(average="macro")), _onehot),
    (lambda: _built(M.FBetaScore(beta=2.0, threshold=0.5)), _multilabel),
    (lambda: _built(M.R2Score()), _regression),
    (lambda: M.AUC(multi_label=True, num_labels=C, num_thresholds=20), _multilabel),
    (lambda: M.AUC(label_weights=[1.0, 2.0, 0.5], curve="PR"), _multilabel),
    (lambda: M.SensitivityAtSpecificity(0.5, num_thresholds=30), _multilabel),
    (lambda: M.RecallAtPrecision(0.6, class_id=1), _multilabel),
    (lambda: M.MeanIoU(C, dtype="float32"), _ids),
    (lambda: M.PearsonCorrelation(), _regression),
    (lambda: M.CategoricalHinge(), _onehot),
    (lambda: M.BinaryCrossentropy(from_logits=True), _multilabel),
]


@pytest.mark.parametrize("make,data", STATELESS_CASES)
def test_stateless_equals_stateful(make, data):
    stateful, pure = make(), make()
    values = pure.stateless_reset_state()
    step = jax.jit(lambda v, yt, yp, w: pure.stateless_update_state(v, yt, yp, sample_weight=w))
    for _ in range(2):
        y_true, y_pred = data()
        w = RNG.uniform(0, 1, (B,)).astype("f4")
        stateful.update_state(y_true, y_pred, sample_weight=w)
        values = step(values, y_true, y_pred, w)
    np.testing.assert_allclose(pure.stateless_result(values), stateful.result(), rtol=1e-5)
    stateful.reset_state()
    for v, r in zip(stateful.variables, pure.stateless_reset_state()):
        np.testing.assert_array_equal(v.value, r)


def test_f1_and_r2_against_numpy():
    y_true, y_pred = _onehot()
    m = M.F1Score()
    m.update_state(y_true, y_pred)
    pred = (y_pred == y_pred.max(-1, keepdims=True)).astype("f4")
    tp, fp = (pred * y_true).sum(0), (pred * (1 - y_true)).sum(0)
    fn = ((1 - pred) * y_true).sum(0)
    expected = 2 * tp / np.maximum(2 * tp + fp + fn, 1e-12)
    np.testing.assert_allclose(m.result(), expected, atol=1e-5)

    y, p = _regression()
    r2 = M.R2Score(class_aggregation=None)
    r2.update_state(y[:5], p[:5])
    r2.update_state(y[5:], p[5:])
    expected = 1 - ((y - p) ** 2).sum(0) / ((y - y.mean(0)) ** 2).sum(0)
    np.testing.assert_allclose(r2.result(), expected, rtol=1e-4)


def test_mean_iou_and_auc_multilabel_against_numpy():
    y_true, y_pred = np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 2, 0])
    m = M.MeanIoU(3)
    m.update_state(y_true, y_pred)
    # Per class: |intersection| / |union| = 1/3, 1/2, 2/3.
    np.testing.assert_allclose(m.result(), (1 / 3 + 1 / 2 + 2 / 3) / 3, rtol=1e-5)
    auc = M.AUC(multi_label=True)
    perfect = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], "f4")
    auc.update_state(perfect, np.array([[0.9, 0.2], [0.1, 0.7], [0.8, 0.9], [0.2, 0.1]]))
    np.testing.assert_allclose(auc.result(), 1.0, atol=1e-5)
    assert auc.true_positives.shape == (200, 2)


def test_rate_at_rate_metrics_perfect_classifier():
    y_true, y_pred = [0, 0, 1, 1], [0.1, 0.3, 0.7, 0.9]
    for cls, value in [
        (M.PrecisionAtRecall, 1.0),
        (M.RecallAtPrecision, 1.0),
        (M.SensitivityAtSpecificity, 1.0),
        (M.SpecificityAtSensitivity, 1.0),
    ]:
        m = cls(value)
        m.update_state(y_true, y_pred)
        np.testing.assert_allclose(m.result(), 1.0, atol=1e-6)


def test_dice_tversky_against_numpy():
    y_true = RNG.integers(0, 2, (4, 6)).astype("f4")
    y_pred = RNG.uniform(size=(4, 6)).astype("f4")
    inter = (y_true * y_pred).sum()
    np.testing.assert_allclose(
        L.Dice()(y_true, y_pred), 1 - 2 * inter / (y_true.sum() + y_pred.sum()), rtol=1e-5
    )
    a, b = ((1 - y_pred) * y_true).sum(1), (y_pred * (1 - y_true)).sum(1)
    tp = (y_true * y_pred).sum(1)
    expected = 1 - tp / (tp + 0.3 * a + 0.7 * b)
    got = L.Tversky(alpha=0.3, beta=0.7, axis=1, reduction="none")(y_true, y_pred)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_ctc_single_frame_probability():
    # One step, one label: the loss is -log softmax(logits)[label].
    logits = np.array([[[0.5, 1.5, -1.0]]], "f4")
    expected = -jax.nn.log_softmax(logits[0, 0])[1]
    np.testing.assert_allclose(L.ctc(np.array([[1]]), logits), [expected], rtol=1e-5)


METRICS_FOR_CONFIG = [
    M.F1Score(average="weighted", threshold=0.4),
    M.FBetaScore(beta=0.5),
    M.R2Score(class_aggregation=None, num_regressors=2),
    M.AUC(multi_label=True, num_labels=3, label_weights=[1.0, 2.0, 3.0], from_logits=True),
    M.PrecisionAtRecall(0.3, num_thresholds=10, class_id=1),
    M.SpecificityAtSensitivity(0.7),
    M.IoU(4, [0, 3], ignore_class=2),
    M.BinaryIoU([1], threshold=0.2),
    M.OneHotMeanIoU(3),
    M.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
    M.ConcordanceCorrelation(axis=1),
    M.SquaredHinge(),
    M.Poisson(),
]
LOSSES_FOR_CONFIG = [
    L.Dice(axis=(1, 2)),
    L.Tversky(alpha=0.2, beta=0.8),
    L.CTC(reduction="sum"),
    L.Circle(gamma=16.0),
    L.CategoricalGeneralizedCrossEntropy(q=0.3),
]


@pytest.mark.parametrize("obj", METRICS_FOR_CONFIG, ids=lambda m: type(m).__name__)
def test_metric_config_round_trip(obj):
    again = M.deserialize(M.serialize(obj))
    assert type(again) is type(obj) and again.get_config() == obj.get_config()


@pytest.mark.parametrize("obj", LOSSES_FOR_CONFIG, ids=lambda m: type(m).__name__)
def test_loss_config_round_trip(obj):
    again = L.deserialize(L.serialize(obj))
    assert type(again) is type(obj) and again.get_config() == obj.get_config()


def test_argument_errors():
    with pytest.raises(ValueError, match="average"):
        M.F1Score(average="mean")
    with pytest.raises(ValueError, match="beta"):
        M.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="num_labels"):
        M.AUC(num_labels=3)
    with pytest.raises(ValueError, match="rank 2"):
        M.AUC(multi_label=True).update_state(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="recall"):
        M.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match="out of range"):
        M.IoU(2, [0, 2])
    with pytest.raises(ValueError, match="q must be"):
        L.CategoricalGeneralizedCrossEntropy(q=1.5)


# --- custom metrics in compile + fit ------------------------------------------------------


class PositiveRate(M.Metric):
    """Fraction of predictions above 0.5 (a user-written stateful metric)."""

    def __init__(self, name="positive_rate", **kwargs):
        super().__init__(name=name, **kwargs)
        self.hits = self.add_variable((), "zeros", name="hits")
        self.seen = self.add_variable((), "zeros", name="seen")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = jnp.asarray(y_pred)
        self.hits.assign(self.hits.value + jnp.sum((y_pred > 0.5).astype("float32")))
        self.seen.assign(self.seen.value + y_pred.size)

    def result(self):
        return self.hits.value / jnp.maximum(self.seen.value, 1.0)


def mean_gap(y_true, y_pred):
    """A plain-function metric: mean absolute gap per sample."""
    return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)


def _frozen_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="sigmoid")])
    # A zero learning rate keeps the weights fixed, so epoch metrics equal NumPy's on predict.
    model.compile(
        keras.optimizers.SGD(learning_rate=0.0),
        "binary_crossentropy",
        metrics=[PositiveRate(), mean_gap],
    )
    return model


def test_custom_metrics_in_fit():
    x = RNG.normal(size=(40, 4)).astype("f4")
    y = RNG.integers(0, 2, (40, 2)).astype("f4")
    model = _frozen_model()
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert set(history.history) == {"loss", "positive_rate", "mean_gap"}
    pred = np.asarray(model.predict(x, verbose=0))
    for epoch in range(2):
        np.testing.assert_allclose(history.history["positive_rate"][epoch], (pred > 0.5).mean())
        np.testing.assert_allclose(
            history.history["mean_gap"][epoch], np.abs(y - pred).mean(), rtol=1e-5
        )
    logs = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["mean_gap"], np.abs(y - pred).mean(), rtol=1e-5)


def test_prebuilt_f1_in_evaluate():
    x = RNG.normal(size=(30, 4)).astype("f4")
    y = np.eye(2, dtype="f4")[RNG.integers(0, 2, 30)]
    f1 = M.F1Score(average="macro")
    f1.build((None, 2), (None, 2))
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy", metrics=[f1, M.AUC(multi_label=True)])
    logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    expected = M.F1Score(average="macro")
    expected.update_state(y, model.predict(x, verbose=0))
    np.testing.assert_allclose(logs["f1_score"], expected.result(), rtol=1e-5)


def test_lazily_built_metric_in_fit():
    x = RNG.normal(size=(32, 4)).astype("f4")
    y = np.eye(2, dtype="f4")[RNG.integers(0, 2, 32)]
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(
        keras.optimizers.SGD(learning_rate=0.0),
        "categorical_crossentropy",
        metrics=[M.F1Score(average="macro")],
    )
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    expected = M.F1Score(average="macro")
    expected.update_state(y, model.predict(x, verbose=0))
    np.testing.assert_allclose(history.history["f1_score"][0], expected.result(), rtol=1e-5)
