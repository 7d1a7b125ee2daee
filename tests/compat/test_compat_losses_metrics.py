"""lamina losses and metrics against real Keras (JAX backend) on random inputs."""

import zlib

import numpy as np
import pytest

keras = pytest.importorskip("keras")

import lamina.losses as LL  # noqa: E402
import lamina.metrics as LM  # noqa: E402

RTOL, ATOL = 1e-5, 1e-6
B, C = 8, 5


def _data(kind, rng):
    if kind == "reg":
        return rng.normal(size=(B, C)).astype("f4"), rng.normal(size=(B, C)).astype("f4")
    if kind == "pos":
        return rng.uniform(0.1, 2, (B, C)).astype("f4"), rng.uniform(0.1, 2, (B, C)).astype("f4")
    if kind == "bin":
        return rng.integers(0, 2, (B, 1)).astype("f4"), rng.uniform(0, 1, (B, 1)).astype("f4")
    if kind == "binlogit":
        return rng.integers(0, 2, (B, 3)).astype("f4"), rng.normal(size=(B, 3)).astype("f4")
    if kind == "prob":
        p = rng.uniform(0.01, 1, (B, C)).astype("f4")
        return np.eye(C, dtype="f4")[rng.integers(0, C, B)], p / p.sum(-1, keepdims=True)
    if kind == "logit":
        return np.eye(C, dtype="f4")[rng.integers(0, C, B)], rng.normal(size=(B, C)).astype("f4")
    if kind == "sparse":
        return rng.integers(0, C, (B,)), rng.uniform(0.01, 1, (B, C)).astype("f4")
    if kind == "sparse1":
        return rng.integers(0, C, (B, 1)), rng.normal(size=(B, C)).astype("f4")
    raise KeyError(kind)


LOSS_CASES = [
    ("MeanSquaredError", {}, "reg"),
    ("MeanAbsoluteError", {}, "reg"),
    ("MeanAbsolutePercentageError", {}, "pos"),
    ("MeanSquaredLogarithmicError", {}, "pos"),
    ("Huber", {}, "reg"),
    ("Huber", {"delta": 0.5}, "reg"),
    ("LogCosh", {}, "reg"),
    ("KLDivergence", {}, "prob"),
    ("Poisson", {}, "pos"),
    ("Hinge", {}, "binlogit"),
    ("SquaredHinge", {}, "binlogit"),
    ("CategoricalHinge", {}, "logit"),
    ("CosineSimilarity", {}, "reg"),
    ("BinaryCrossentropy", {}, "bin"),
    ("BinaryCrossentropy", {"from_logits": True}, "binlogit"),
    ("BinaryCrossentropy", {"label_smoothing": 0.1}, "bin"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "binlogit"),
    ("BinaryFocalCrossentropy", {}, "bin"),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "from_logits": True}, "binlogit"),
    ("CategoricalCrossentropy", {}, "prob"),
    ("CategoricalCrossentropy", {"from_logits": True}, "logit"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, "prob"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "logit"),
    ("CategoricalFocalCrossentropy", {}, "prob"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse1"),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 2}, "sparse1"),
]
REDUCTIONS = ["sum_over_batch_size", "sum", "mean_with_sample_weight", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("cls,kwargs,kind", LOSS_CASES)
def test_loss_matches_keras(cls, kwargs, kind, reduction):
    rng = np.random.default_rng(zlib.crc32(f"{cls}{kind}{reduction}{kwargs}".encode()))
    y_true, y_pred = _data(kind, rng)
    ours = getattr(LL, cls)(reduction=reduction, **kwargs)
    theirs = getattr(keras.losses, cls)(reduction=reduction, **kwargs)
    sw = rng.uniform(0, 2, (B,)).astype("f4")
    for weight in (None, sw):
        np.testing.assert_allclose(
            np.asarray(ours(y_true, y_pred, sample_weight=weight)),
            np.asarray(theirs(y_true, y_pred, sample_weight=weight)),
            rtol=RTOL,
            atol=ATOL,
        )
    # lamina keeps a non-default Huber delta in the config (Keras drops it).
    ours_config = {k: v for k, v in ours.get_config().items() if k != "delta"}
    assert ours_config == theirs.get_config()


FUNCTIONS = [
    "mean_squared_error",
    "mean_absolute_error",
    "huber",
    "log_cosh",
    "categorical_crossentropy",
    "binary_crossentropy",
    "kl_divergence",
    "poisson",
    "hinge",
]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_loss_functions_and_get(name):
    rng = np.random.default_rng(0)
    y_true, y_pred = _data("prob", rng)
    np.testing.assert_allclose(
        np.asarray(getattr(LL, name)(y_true, y_pred)),
        np.asarray(getattr(keras.losses, name)(y_true, y_pred)),
        rtol=RTOL,
        atol=ATOL,
    )


@pytest.mark.parametrize("alias", ["mse", "MAE", "mape", "msle", "kld", "bce", "Huber"])
def test_loss_get_aliases(alias):
    ours, theirs = LL.get(alias), keras.losses.get(alias)
    assert type(ours).__name__ == type(theirs).__name__
    assert getattr(ours, "__name__", None) == getattr(theirs, "__name__", None)


METRIC_CASES = [
    ("Mean", {}, "mean"),
    ("Sum", {}, "mean"),
    ("Accuracy", {}, "acc"),
    ("BinaryAccuracy", {}, "bin"),
    ("BinaryAccuracy", {"threshold": 0.7}, "bin"),
    ("CategoricalAccuracy", {}, "prob"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("SparseCategoricalAccuracy", {}, "sparse1"),
    ("TopKCategoricalAccuracy", {"k": 2}, "prob"),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, "sparse"),
    ("MeanSquaredError", {}, "reg"),
    ("MeanAbsoluteError", {}, "reg"),
    ("RootMeanSquaredError", {}, "reg"),
    ("MeanAbsolutePercentageError", {}, "pos"),
    ("MeanSquaredLogarithmicError", {}, "pos"),
    ("CosineSimilarity", {}, "reg"),
    ("LogCoshError", {}, "reg"),
    ("Precision", {}, "bin"),
    ("Precision", {"thresholds": [0.3, 0.6]}, "bin"),
    ("Precision", {"top_k": 2}, "binlogit"),
    ("Recall", {}, "bin"),
    ("Recall", {"class_id": 1}, "binlogit"),
    ("TruePositives", {}, "bin"),
    ("FalsePositives", {"thresholds": [0.2, 0.5, 0.9]}, "bin"),
    ("TrueNegatives", {}, "bin"),
    ("FalseNegatives", {}, "bin"),
    ("AUC", {}, "bin"),
    ("AUC", {"curve": "PR"}, "bin"),
    ("AUC", {"curve": "PR", "summation_method": "majoring", "num_thresholds": 50}, "bin"),
    ("AUC", {"from_logits": True, "num_thresholds": 20}, "binlogit"),
]


def _metric_args(kind, rng):
    if kind == "mean":
        return (rng.normal(size=(B, 3)).astype("f4"),)
    if kind == "acc":
        return rng.integers(0, 3, (B, 1)), rng.integers(0, 3, (B, 1))
    if kind == "binlogit":
        y_true, y_pred = _data("binlogit", rng)
        return y_true, 1 / (1 + np.exp(-y_pred))
    return _data(kind, rng)


@pytest.mark.parametrize("cls,kwargs,kind", METRIC_CASES)
def test_metric_matches_keras(cls, kwargs, kind):
    rng = np.random.default_rng(zlib.crc32(f"{cls}{kind}{kwargs}".encode()))
    ours = getattr(LM, cls)(name="m", **kwargs)
    theirs = getattr(keras.metrics, cls)(name="m", **kwargs)
    for step in range(3):
        args = _metric_args(kind, rng)
        weight = None if step == 0 else rng.uniform(0, 2, (B,)).astype("f4")
        if step == 2:
            weight[:3] = 0.0
        ours.update_state(*args, sample_weight=weight)
        theirs.update_state(*args, sample_weight=weight)
        np.testing.assert_allclose(
            np.asarray(ours.result()), np.asarray(theirs.result()), rtol=RTOL, atol=ATOL
        )
    assert ours.get_config() == theirs.get_config()
    assert [v.path for v in ours.variables] == [v.path for v in theirs.variables]


@pytest.mark.parametrize(
    "cls", ["Mean", "Accuracy", "BinaryAccuracy", "MeanSquaredError", "RootMeanSquaredError"]
)
def test_metric_default_names(cls):
    assert getattr(LM, cls)().name == getattr(keras.metrics, cls)().name


@pytest.mark.parametrize("name", ["mse", "MAE", "binary_accuracy", "auc", "Precision", "msle"])
def test_metric_get(name):
    assert type(LM.get(name)).__name__ == type(keras.metrics.get(name)).__name__


def test_serialize_records_match_keras():
    assert LM.serialize(LM.Mean(name="m")) == keras.metrics.serialize(keras.metrics.Mean(name="m"))
    assert LL.serialize(LL.CategoricalCrossentropy(from_logits=True)) == keras.losses.serialize(
        keras.losses.CategoricalCrossentropy(from_logits=True)
    )
    assert LL.serialize(LL.mean_squared_error) == keras.losses.serialize(
        keras.losses.mean_squared_error
    )
