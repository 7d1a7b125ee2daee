"""The metrics and losses added for training in practice, against real Keras (JAX backend)."""

import re
import zlib

import numpy as np
import pytest

keras = pytest.importorskip("keras")

import lamina.losses as LL  # noqa: E402
import lamina.metrics as LM  # noqa: E402

RTOL, ATOL = 1e-5, 1e-5
B, C = 16, 4


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _inputs(kind, rng):
    """One batch `(y_true, y_pred)` of the given kind."""
    if kind == "bin":
        return rng.integers(0, 2, (B, 1)).astype("f4"), rng.uniform(0, 1, (B, 1)).astype("f4")
    if kind == "multilabel":
        return rng.integers(0, 2, (B, C)).astype("f4"), rng.uniform(0, 1, (B, C)).astype("f4")
    if kind == "logits":
        return rng.integers(0, 2, (B, C)).astype("f4"), rng.normal(size=(B, C)).astype("f4")
    if kind == "onehot":
        p = rng.uniform(0.01, 1, (B, C)).astype("f4")
        return np.eye(C, dtype="f4")[rng.integers(0, C, B)], p / p.sum(-1, keepdims=True)
    if kind == "onehot_logits":
        return np.eye(C, dtype="f4")[rng.integers(0, C, B)], rng.normal(size=(B, C)).astype("f4")
    if kind == "sparse":
        p = rng.uniform(0.01, 1, (B, C)).astype("f4")
        return rng.integers(0, C, (B,)), p / p.sum(-1, keepdims=True)
    if kind == "sparse_logits":
        return rng.integers(0, C, (B, 1)), rng.normal(size=(B, C)).astype("f4")
    if kind == "reg":
        y = rng.normal(size=(B, 3)).astype("f4")
        return y, (y + 0.5 * rng.normal(size=(B, 3))).astype("f4")
    if kind == "pos":
        return rng.uniform(0.1, 2, (B, C)).astype("f4"), rng.uniform(0.1, 2, (B, C)).astype("f4")
    if kind == "ids":
        return rng.integers(0, C, (B, 3)), rng.integers(0, C, (B, 3))
    if kind == "binseg":
        return rng.integers(0, 2, (B, 3)), rng.uniform(0, 1, (B, 3)).astype("f4")
    if kind == "segmask":
        return rng.integers(0, 2, (B, 5, 5)).astype("f4"), rng.uniform(0, 1, (B, 5, 5)).astype("f4")
    raise KeyError(kind)


METRIC_CASES = [
    ("AUC", {"multi_label": True}, "multilabel"),
    ("AUC", {"multi_label": True, "num_labels": C, "curve": "PR"}, "multilabel"),
    ("AUC", {"multi_label": True, "label_weights": [0.1, 0.5, 1.0, 2.0]}, "multilabel"),
    ("AUC", {"label_weights": [0.1, 0.5, 1.0, 2.0], "num_thresholds": 30}, "multilabel"),
    ("AUC", {"multi_label": True, "from_logits": True, "thresholds": [0.2, 0.5, 0.9]}, "logits"),
    ("AUC", {"curve": "PRGAIN", "summation_method": "minoring", "num_thresholds": 20}, "bin"),
    ("AUC", {"multi_label": True, "summation_method": "majoring", "num_thresholds": 9}, "logits"),
    ("Precision", {"thresholds": [0.2, 0.5, 0.8], "class_id": 2}, "multilabel"),
    ("Precision", {"top_k": 2, "class_id": 1}, "multilabel"),
    ("Recall", {"thresholds": [0.3, 0.7], "top_k": 3}, "multilabel"),
    ("F1Score", {}, "onehot"),
    ("F1Score", {"average": "micro", "threshold": 0.3}, "multilabel"),
    ("F1Score", {"average": "macro", "threshold": 0.5}, "multilabel"),
    ("F1Score", {"average": "weighted"}, "onehot"),
    ("FBetaScore", {"beta": 2.0, "average": "weighted", "threshold": 0.4}, "multilabel"),
    ("FBetaScore", {"beta": 0.5}, "onehot"),
    ("PrecisionAtRecall", {"recall": 0.6}, "bin"),
    ("PrecisionAtRecall", {"recall": 0.5, "num_thresholds": 1, "class_id": 1}, "multilabel"),
    ("RecallAtPrecision", {"precision": 0.7, "num_thresholds": 50}, "bin"),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, "multilabel"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.5, "class_id": 0}, "multilabel"),
    ("R2Score", {}, "reg"),
    ("R2Score", {"class_aggregation": None}, "reg"),
    ("R2Score", {"class_aggregation": "variance_weighted_average", "num_regressors": 2}, "reg"),
    ("R2Score", {"num_regressors": 100}, "reg"),
    ("MeanIoU", {"num_classes": C}, "ids"),
    ("MeanIoU", {"num_classes": C, "ignore_class": 1}, "ids"),
    ("IoU", {"num_classes": C, "target_class_ids": [0, 2]}, "ids"),
    ("BinaryIoU", {}, "binseg"),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, "binseg"),
    ("OneHotIoU", {"num_classes": C, "target_class_ids": [1, 3]}, "onehot"),
    ("OneHotMeanIoU", {"num_classes": C}, "onehot"),
    ("BinaryCrossentropy", {}, "multilabel"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "logits"),
    ("CategoricalCrossentropy", {}, "onehot"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "onehot_logits"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_logits"),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 1}, "sparse_logits"),
    ("KLDivergence", {}, "onehot"),
    ("Poisson", {}, "pos"),
    ("Hinge", {}, "logits"),
    ("SquaredHinge", {}, "logits"),
    ("CategoricalHinge", {}, "onehot_logits"),
    ("PearsonCorrelation", {}, "reg"),
    ("ConcordanceCorrelation", {}, "reg"),
]
INT_WEIGHTS = ("MeanIoU", "IoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU")


def _comparable_config(config):
    config = dict(config)
    if config.get("label_weights") is not None:
        config["label_weights"] = [round(float(w), 6) for w in np.asarray(config["label_weights"])]
    return config


@pytest.mark.parametrize("cls,kwargs,kind", METRIC_CASES)
def test_metric_matches_keras(cls, kwargs, kind):
    rng = np.random.default_rng(zlib.crc32(f"{cls}{kind}{kwargs}".encode()))
    ours = getattr(LM, cls)(name="m", **kwargs)
    theirs = getattr(keras.metrics, cls)(name="m", **kwargs)
    for step in range(3):
        y_true, y_pred = _inputs(kind, rng)
        if step == 0:
            weight = None
        elif cls in INT_WEIGHTS:
            # Integer state: integer weights, one per entry of the (flattened) labels.
            shape = (B,) if kind == "onehot" else np.shape(y_true)
            weight = rng.integers(0, 3, shape).astype("int32")
        else:
            weight = rng.uniform(0, 2, (B,)).astype("f4")
            weight[:3] = 0.0
        ours.update_state(y_true, y_pred, sample_weight=weight)
        theirs.update_state(y_true, y_pred, sample_weight=weight)
        np.testing.assert_allclose(
            np.asarray(ours.result()), np.asarray(theirs.result()), rtol=RTOL, atol=ATOL
        )
    assert _comparable_config(ours.get_config()) == _comparable_config(theirs.get_config())
    assert [v.path for v in ours.variables] == [v.path for v in theirs.variables]
    ours.reset_state()
    theirs.reset_state()
    np.testing.assert_allclose(np.asarray(ours.result()), np.asarray(theirs.result()), atol=ATOL)


@pytest.mark.parametrize(
    "cls",
    ["F1Score", "FBetaScore", "R2Score", "Hinge", "KLDivergence", "PearsonCorrelation"],
)
def test_metric_default_names(cls):
    assert getattr(LM, cls)().name == getattr(keras.metrics, cls)().name


def _base_name(name):
    # Auto-generated names get a counter suffix that depends on what earlier tests created.
    return re.sub(r"_\d+$", "", name)


def test_iou_default_names():
    assert _base_name(LM.MeanIoU(3).name) == _base_name(keras.metrics.MeanIoU(3).name)
    assert _base_name(LM.IoU(3, [0]).name) == _base_name(keras.metrics.IoU(3, [0]).name)


@pytest.mark.parametrize("name", ["pearson_correlation", "concordance_correlation"])
def test_metric_functions(name):
    y_true, y_pred = _inputs("reg", np.random.default_rng(3))
    np.testing.assert_allclose(
        np.asarray(getattr(LM, name)(y_true, y_pred)),
        np.asarray(getattr(keras.metrics, name)(y_true, y_pred)),
        rtol=RTOL,
        atol=ATOL,
    )


LOSS_CASES = [
    ("Dice", {}, "segmask"),
    ("Dice", {"axis": (1, 2)}, "segmask"),
    ("Tversky", {}, "segmask"),
    ("Tversky", {"alpha": 0.3, "beta": 0.7, "axis": (1, 2)}, "segmask"),
    ("CategoricalGeneralizedCrossEntropy", {}, "sparse"),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.2}, "sparse"),
    ("Circle", {}, "circle"),
    ("Circle", {"gamma": 10.0, "margin": 0.25, "remove_diagonal": False}, "circle"),
    ("CTC", {}, "ctc"),
]
REDUCTIONS = ["sum_over_batch_size", "none"]
ALL_REDUCTIONS = ["sum_over_batch_size", "sum", "mean_with_sample_weight", "none"]
# Every reduction where the values are special (a scalar for Dice, a mask for Circle).
LOSS_RUNS = [
    (cls, kwargs, kind, reduction)
    for cls, kwargs, kind in LOSS_CASES
    for reduction in (ALL_REDUCTIONS if cls in ("Dice", "Circle") else REDUCTIONS)
]


def _loss_inputs(kind, rng):
    if kind == "circle":
        emb = rng.normal(size=(B, 6)).astype("f4")
        emb /= np.linalg.norm(emb, axis=-1, keepdims=True)
        return rng.integers(0, 3, (B,)), emb
    if kind == "ctc":
        lengths = rng.integers(1, 5, (B,))
        labels = rng.integers(1, C, (B, 5)) * (np.arange(5)[None] < lengths[:, None])
        return labels.astype("int32"), rng.normal(size=(B, 9, C)).astype("f4")
    return _inputs(kind, rng)


@pytest.mark.parametrize("cls,kwargs,kind,reduction", LOSS_RUNS)
def test_loss_matches_keras(cls, kwargs, kind, reduction):
    rng = np.random.default_rng(zlib.crc32(f"{cls}{kind}{reduction}{kwargs}".encode()))
    y_true, y_pred = _loss_inputs(kind, rng)
    ours = getattr(LL, cls)(reduction=reduction, **kwargs)
    theirs = getattr(keras.losses, cls)(reduction=reduction, **kwargs)
    sw = rng.uniform(0, 2, (B,)).astype("f4")
    for weight in (None, sw):
        np.testing.assert_allclose(
            np.asarray(ours(y_true, y_pred, sample_weight=weight)),
            np.asarray(theirs(y_true, y_pred, sample_weight=weight)),
            rtol=1e-4 if cls == "CTC" else RTOL,
            atol=1e-4 if cls == "CTC" else ATOL,
        )
    assert ours.get_config() == theirs.get_config()


@pytest.mark.parametrize(
    "name", ["dice", "tversky", "ctc", "circle", "Dice", "CTC", "Tversky", "Circle"]
)
def test_loss_get(name):
    ours, theirs = LL.get(name), keras.losses.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert getattr(ours, "__name__", None) == getattr(theirs, "__name__", None)
