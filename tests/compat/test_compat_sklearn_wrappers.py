"""`keras.wrappers` (scikit-learn estimators around a model) against Keras 3.15: scikit-learn's
own estimator checks with the configuration and expected failures of Keras's tests, the same
predictions and scores as Keras's wrappers on the same weights and data, and the scikit-learn
tools (`clone`, `cross_val_score`, `Pipeline`, pickling)."""

import pickle
import sys

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import lamina  # noqa: E402
from lamina.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer  # noqa: E402


def dynamic_model(X, y, loss, out_activation_function="softmax", layers=(10,)):
    """Keras's test model: an MLP sized from `X` and the (encoded) `y`."""
    inputs = lamina.layers.Input(shape=(X.shape[1],))
    hidden = inputs
    for size in layers:
        hidden = lamina.layers.Dense(size, activation="relu")(hidden)
    n_outputs = y.shape[1] if len(y.shape) > 1 else 1
    outputs = [lamina.layers.Dense(n_outputs, activation=out_activation_function)(hidden)]
    model = lamina.Model(inputs, outputs)
    # One step per call: no fused-block measurement for each of the checks' many small fits.
    model.compile(loss=loss, optimizer="rmsprop", steps_per_execution=1)
    return model


# Keras's expected failures (keras/src/wrappers/sklearn_test.py), with its reasons.
EXPECTED_FAILED_CHECKS = {
    "SKLearnClassifier": {
        "check_classifiers_regression_target": "not an issue in sklearn>=1.6",
        "check_parameters_default_constructible": "not an issue in sklearn>=1.6",
        "check_classifiers_one_label_sample_weights": "0 sample weight is not ignored",
        "check_classifiers_classes": "small test cases do not always predict every class",
        "check_classifier_data_not_an_array": "this test assumes reproducibility in fit",
        "check_supervised_y_2d": "this test assumes reproducibility in fit",
        "check_fit_idempotent": "this test assumes reproducibility in fit",
        "check_classifiers_train": "decision_function can return probabilities or logits",
    },
    "SKLearnRegressor": {"check_parameters_default_constructible": "sklearn<1.6 only"},
    "SKLearnTransformer": {"check_parameters_default_constructible": "sklearn<1.6 only"},
}


class _NamedBuilder:
    """`dynamic_model` with a stable repr: the checks' test ids contain the estimator's repr,
    and a function's repr (its address) differs between pytest-xdist workers."""

    def __call__(self, *args, **kwargs):
        return dynamic_model(*args, **kwargs)

    def __repr__(self) -> str:
        return "dynamic_model"


# Keras's configuration, with one hidden layer and one epoch for the classifier (Keras: three
# layers of 20, five epochs) to keep the 140 checks' fits short; quiet progress bars.
@parametrize_with_checks(
    [
        SKLearnClassifier(
            model=_NamedBuilder(),
            model_kwargs={"loss": "categorical_crossentropy", "layers": [10]},
            fit_kwargs={"epochs": 1, "verbose": 0},
        ),
        SKLearnRegressor(
            model=_NamedBuilder(), model_kwargs={"loss": "mse"}, fit_kwargs={"verbose": 0}
        ),
        SKLearnTransformer(
            model=_NamedBuilder(), model_kwargs={"loss": "mse"}, fit_kwargs={"verbose": 0}
        ),
    ],
    legacy=True,
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS[type(est).__name__],
)
def test_sklearn_estimator_checks(estimator, check):
    lamina.config.disable_interactive_logging()
    try:
        check(estimator)
    finally:
        lamina.config.enable_interactive_logging()


@pytest.mark.parametrize("activation", ["softmax", "linear"])
def test_decision_function_agrees_with_predict(activation):
    X, y = sklearn.datasets.make_classification(
        n_samples=10, n_features=10, n_informative=4, n_classes=2, random_state=42
    )
    est = SKLearnClassifier(
        model=dynamic_model,
        model_kwargs={"out_activation_function": activation, "loss": "binary_crossentropy"},
        fit_kwargs={"epochs": 1, "verbose": 0},
    ).fit(X, y)
    scores = est.decision_function(X)
    np.testing.assert_array_equal(est.classes_[scores.argmax(-1)], est.predict(X))


def _fixed_builder(package, weights, loss, activation):
    def build(X, y):
        model = package.Sequential(
            [
                package.Input((X.shape[1],)),
                package.layers.Dense(4, activation="tanh"),
                package.layers.Dense(y.shape[1] if y.ndim > 1 else 1, activation=activation),
            ]
        )
        model.compile(optimizer=package.optimizers.SGD(0.1), loss=loss)
        model.set_weights(weights)
        return model

    return build


def _weights(n_in, n_out, seed=0):
    rng = np.random.default_rng(seed)
    return [
        rng.normal(size=(n_in, 4)).astype("float32") * 0.5,
        np.zeros(4, "float32"),
        rng.normal(size=(4, n_out)).astype("float32") * 0.5,
        np.zeros(n_out, "float32"),
    ]


FIT = {"epochs": 3, "batch_size": 8, "shuffle": False, "verbose": 0}


def test_classifier_equals_keras(keras):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(24, 3)).astype("float32")
    y = np.array(["b", "a", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
    w = _weights(3, 3)
    args = ("categorical_crossentropy", "softmax")
    ours = SKLearnClassifier(_fixed_builder(lamina, w, *args), fit_kwargs=FIT).fit(X, y)
    theirs = keras.wrappers.SKLearnClassifier(_fixed_builder(keras, w, *args), fit_kwargs=FIT)
    theirs.fit(X, y)
    lamina.config.disable_interactive_logging()
    keras.config.disable_interactive_logging()
    try:
        np.testing.assert_array_equal(ours.classes_, theirs.classes_)
        np.testing.assert_allclose(
            ours.decision_function(X), theirs.decision_function(X), atol=1e-5
        )
        np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
        assert ours.predict(X).dtype == theirs.predict(X).dtype
        assert ours.score(X, y) == theirs.score(X, y)
        np.testing.assert_allclose(
            ours.history_.history["loss"], theirs.history_.history["loss"], rtol=1e-5
        )
    finally:
        lamina.config.enable_interactive_logging()
        keras.config.enable_interactive_logging()


def test_regressor_and_transformer_equal_keras(keras):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(16, 3)).astype("float32")
    y = (X @ np.array([1.0, -2.0, 0.5])).astype("float32")
    w = _weights(3, 1, seed=3)
    lamina.config.disable_interactive_logging()
    keras.config.disable_interactive_logging()
    try:
        for ours_cls, theirs_cls in [
            (SKLearnRegressor, keras.wrappers.SKLearnRegressor),
            (SKLearnTransformer, keras.wrappers.SKLearnTransformer),
        ]:
            ours = ours_cls(_fixed_builder(lamina, w, "mse", None), fit_kwargs=FIT).fit(X, y)
            theirs = theirs_cls(_fixed_builder(keras, w, "mse", None), fit_kwargs=FIT).fit(X, y)
            method = "predict" if ours_cls is SKLearnRegressor else "transform"
            a, b = getattr(ours, method)(X), getattr(theirs, method)(X)
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(
            SKLearnRegressor(_fixed_builder(lamina, w, "mse", None), fit_kwargs=FIT)
            .fit(X, y)
            .score(X, y),
            keras.wrappers.SKLearnRegressor(_fixed_builder(keras, w, "mse", None), fit_kwargs=FIT)
            .fit(X, y)
            .score(X, y),
            rtol=1e-4,
        )
    finally:
        lamina.config.enable_interactive_logging()
        keras.config.enable_interactive_logging()


def _quiet_classifier(**kwargs):
    return SKLearnClassifier(
        dynamic_model,
        model_kwargs={"loss": "categorical_crossentropy"},
        fit_kwargs={"epochs": 2, "verbose": 0},
        **kwargs,
    )


def test_clone_params_cross_val_score_and_pipeline():
    X, y = sklearn.datasets.make_classification(n_samples=40, n_features=5, random_state=0)
    est = _quiet_classifier()
    assert est.get_params()["fit_kwargs"] == {"epochs": 2, "verbose": 0}
    copy = clone(est)
    assert copy.get_params() == est.get_params() and not hasattr(copy, "model_")
    lamina.config.disable_interactive_logging()
    try:
        scores = cross_val_score(est, X, y, cv=2)
        assert scores.shape == (2,) and ((scores >= 0) & (scores <= 1)).all()
        pipe = make_pipeline(StandardScaler(), _quiet_classifier()).fit(X, y)
        assert set(pipe.predict(X)) <= {0, 1}
        assert pipe[-1].model_.input_shape == (None, 5)
    finally:
        lamina.config.enable_interactive_logging()


def test_pickle_and_warm_start():
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = X.sum(axis=1)
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    est = SKLearnRegressor(model, warm_start=True, fit_kwargs={"epochs": 1, "verbose": 0})
    est.fit(X, y)
    assert est.model_ is model  # warm start trains the instance itself
    first = model.get_weights()[0].copy()
    est.fit(X, y)
    assert est.model_ is model and not np.allclose(first, model.get_weights()[0])
    lamina.config.disable_interactive_logging()
    try:
        back = pickle.loads(pickle.dumps(est))
        np.testing.assert_allclose(back.predict(X), est.predict(X), rtol=1e-6)
        assert back.model is back.model_ and back.epoch_ == 1
    finally:
        lamina.config.enable_interactive_logging()
    cold = SKLearnRegressor(model, fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, y)
    assert cold.model_ is not model  # cloned: new layers, new weights


def test_errors_are_clear(monkeypatch):
    X = np.random.default_rng(0).normal(size=(8, 2))
    uncompiled = lamina.Sequential([lamina.Input((2,)), lamina.layers.Dense(2)])
    with pytest.raises(RuntimeError, match="compiled"):
        SKLearnClassifier(lambda X, y: uncompiled).fit(X, np.arange(8) % 2)
    with pytest.raises(ValueError, match="only one class"):
        _quiet_classifier().fit(X, np.zeros(8))
    with pytest.raises(ValueError, match="binary and multiclass"):
        _quiet_classifier().fit(X, X[:, 0])  # a continuous target
    with pytest.raises(TypeError, match="compiled lamina Model or a callable"):
        SKLearnRegressor(model=3).fit(X, X[:, 0])
    monkeypatch.setattr(sys.modules["lamina.wrappers.sklearn_wrapper"], "sklearn", None)
    with pytest.raises(ImportError, match=r"lamina\[sklearn\]"):
        SKLearnRegressor(model=dynamic_model)
