"""scikit-learn estimators that train and run a lamina model: `SKLearnClassifier`,
`SKLearnRegressor` and `SKLearnTransformer` (Keras 3's `keras.wrappers`).

scikit-learn is an optional dependency (`pip install "lamina[sklearn]"`); this module imports
without it, and creating an estimator then raises an `ImportError` that says what to install.
"""

from __future__ import annotations

import copy

import numpy as np

try:
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
except ImportError:  # the estimators refuse to be created; the module still imports
    sklearn = None

    class BaseEstimator:  # noqa: D101
        pass

    class ClassifierMixin:  # noqa: D101
        pass

    class RegressorMixin:  # noqa: D101
        pass

    class TransformerMixin:  # noqa: D101
        pass


def _require_sklearn(owner: str) -> None:
    if sklearn is None:
        raise ImportError(
            f"{owner} needs scikit-learn, which is not installed. Install it with "
            '`pip install "lamina[sklearn]"` (or `pip install scikit-learn`).'
        )


def _validate(estimator, *args, **kwargs):
    """scikit-learn's input validation (`validate_data` from 1.6, the estimator method before)."""
    try:
        from sklearn.utils.validation import validate_data
    except ImportError:  # scikit-learn < 1.6
        return estimator._validate_data(*args, **kwargs)
    return validate_data(estimator, *args, **kwargs)


def _target_type(y) -> str:
    from sklearn.utils.multiclass import type_of_target

    kind = type_of_target(y)
    if kind == "unknown":
        raise ValueError(f"Unknown label type for data: {y!r}")
    return kind


def _predict(model, X):
    """`model.predict(X)` as one array (a functional model built with `outputs=[tensor]` gives
    a one-element list in lamina; Keras unpacks it)."""
    out = model.predict(X)
    if isinstance(out, (list, tuple)) and len(out) == 1:
        out = out[0]
    return out


def _check_compiled(model) -> None:
    if (
        not getattr(model, "compiled", False)
        or not getattr(model, "loss", None)
        or not getattr(model, "optimizer", None)
    ):
        raise RuntimeError(
            "The scikit-learn wrapper's model must be compiled with a loss and an optimizer: "
            "call `model.compile(optimizer=..., loss=...)` on the model (or inside the function "
            "passed as `model`) before fitting."
        )


class _TargetShape(TransformerMixin, BaseEstimator):
    """Makes a 1-D target a column for the model, and the model's column 1-D again."""

    def fit(self, y):
        self.ndim_ = np.ndim(y)
        return self

    def transform(self, y):
        y = np.asarray(y)
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y):
        if self.ndim_ == 1 and np.ndim(y) == 2:
            return np.squeeze(y, axis=1)
        return y


class _ModelBytes:
    """A model as the bytes of a `.keras` file, for pickling."""

    def __init__(self, model):
        import os
        import tempfile

        from lamina.saving.saving_lib import save_model

        self.key = id(model)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "model.keras")
            save_model(model, path)
            with open(path, "rb") as f:
                self.data = f.read()
        self._model = None

    def __getstate__(self):
        return {"key": self.key, "data": self.data, "_model": None}

    def load(self):
        if self._model is None:
            import os
            import tempfile

            from lamina.saving.saving_lib import load_model

            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "model.keras")
                with open(path, "wb") as f:
                    f.write(self.data)
                self._model = load_model(path, safe_mode=False)
        return self._model


class SKLBase(BaseEstimator):
    """What the three scikit-learn wrappers (`SKLearnClassifier`, `SKLearnRegressor`,
    `SKLearnTransformer`) share: building the model (cloned from an instance, or made by a
    function), fitting it and running it; a scikit-learn `BaseEstimator`.

    Args:
        model: a compiled `Model`, or a callable `model(X=..., y=..., **model_kwargs)` returning
            one.
        warm_start: a second `fit` continues training the fitted model.
        model_kwargs: extra keyword arguments for `model` when it is a callable.
        fit_kwargs: keyword arguments for `model.fit`.

    Example:
        >>> from lamina.wrappers import SKLearnRegressor
        >>> from lamina.wrappers.sklearn_wrapper import SKLBase
        >>> issubclass(SKLearnRegressor, SKLBase)
        True
        >>> sorted(SKLearnRegressor(model=None).get_params())
        ['fit_kwargs', 'model', 'model_kwargs', 'warm_start']
    """

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        _require_sklearn(type(self).__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    # scikit-learn < 1.6 reads `_more_tags`, later versions `__sklearn_tags__`.
    def _more_tags(self):
        return {"non_deterministic": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    def __sklearn_clone__(self):
        # An unfitted copy: a model instance is deep-copied so that the clone never trains the
        # original's layers; a function building the model is shared.
        model = self.model if callable(self.model) and not _is_model(self.model) else None
        if model is None:
            model = copy.deepcopy(self.model)
        return type(self)(
            model=model,
            warm_start=self.warm_start,
            model_kwargs=copy.deepcopy(self.model_kwargs),
            fit_kwargs=copy.deepcopy(self.fit_kwargs),
        )

    def __getstate__(self):
        # A fitted lamina model holds compiled step functions, which do not pickle: models
        # travel as the bytes of a `.keras` file instead (as Keras pickles its models).
        state = dict(self.__dict__)
        for key, value in state.items():
            if _is_model(value):
                state[key] = _ModelBytes(value)
        history = state.get("history_")
        if history is not None and getattr(history, "model", None) is not None:
            history = copy.copy(history)
            history.set_model(None)
            state["history_"] = history
        return state

    def __setstate__(self, state):
        loaded = {}
        for key, value in state.items():
            if isinstance(value, _ModelBytes):
                # `model` and `model_` are one object with `warm_start=True`: load it once.
                value = loaded.setdefault(value.key, value)
                state[key] = value.load()
        self.__dict__.update(state)
        history = state.get("history_")
        if history is not None and "model_" in state and hasattr(history, "set_model"):
            history.set_model(state["model_"])

    @property
    def epoch_(self):
        """How many epochs the last `fit` ran (0 before any fit)."""
        history = getattr(self, "history_", None)
        return len(history.epoch) if history is not None else 0

    def set_fit_request(self, **kwargs):
        """Routes metadata (such as `sample_weight`) from a meta-estimator to `fit`.

        Only available when scikit-learn's metadata routing is on
        (`sklearn.set_config(enable_metadata_routing=True)`).

        Args:
            **kwargs: `param=alias` pairs; `alias` is `True`, `False`, `None` or a string.

        Returns:
            The estimator itself.
        """
        if not sklearn.get_config().get("enable_metadata_routing", False):
            raise RuntimeError(
                f"{type(self).__name__}.set_fit_request only works with scikit-learn's metadata "
                "routing on: call `sklearn.set_config(enable_metadata_routing=True)` first."
            )
        from sklearn.utils.metadata_routing import MetadataRequest

        request = getattr(self, "_metadata_request", None) or MetadataRequest(
            owner=type(self).__name__
        )
        for param, alias in kwargs.items():
            request.fit.add_request(param=param, alias=alias)
        self._metadata_request = request
        return self

    def _build_model(self, X, y):
        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if _is_model(self.model):
            if self.warm_start:
                return self.model
            from lamina.models.cloning import clone_model

            return clone_model(self.model)
        if not callable(self.model):
            raise TypeError(
                f"{type(self).__name__}: `model` must be a compiled lamina Model or a callable "
                f"`model(X=..., y=..., **model_kwargs)` that returns one; received {self.model!r}."
            )
        return self.model(X=X, y=y, **(self.model_kwargs or {}))

    def fit(self, X, y, **kwargs):
        """Trains the model on `X` and `y`.

        Args:
            X: array-like of shape `(n_samples, n_features)`.
            y: array-like of shape `(n_samples,)` or `(n_samples, n_outputs)`.
            **kwargs: passed on to `model.fit` (they override `fit_kwargs`).

        Returns:
            The estimator itself.
        """
        X, y = _validate(self, X, y)
        y = self._encode_target(y, reset=True)
        model = self._build_model(X, y)
        _check_compiled(model)
        fit_kwargs = {**(self.fit_kwargs or {}), **kwargs}
        self.history_ = model.fit(X, y, **fit_kwargs)
        self.model_ = model
        return self

    def predict(self, X):
        """The model's predictions for `X`, in the form of the targets given to `fit`.

        Args:
            X: array-like of shape `(n_samples, n_features)`.

        Returns:
            A NumPy array (class labels for a classifier).
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = _validate(self, X, reset=False)
        return self._decode_target(_predict(self.model_, X))

    def _encode_target(self, y, reset=False):
        _target_type(y)
        if reset:
            self._target_encoder = _TargetShape().fit(y)
        return self._target_encoder.transform(y)

    def _decode_target(self, y):
        return self._target_encoder.inverse_transform(y)


def _is_model(obj) -> bool:
    from lamina.models.model import Model

    return isinstance(obj, Model)


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """A scikit-learn classifier that trains a lamina model.

    The labels given to `fit` are one-hot encoded for the model (so it needs one output unit per
    class and a categorical loss); `predict` returns the label of the largest output. Works with
    `cross_val_score`, `GridSearchCV`, `Pipeline` and `clone`. Training is random (weight
    initialization, shuffling): seed it with `keras.utils.set_random_seed` for repeatable
    results.

    Args:
        model: a compiled `Model` (cloned, with new weights, at each `fit` unless `warm_start`),
            or a callable `model(X=..., y=..., **model_kwargs)` returning a compiled model; `y`
            is the one-hot encoded target, so `y.shape[1]` is the number of classes.
        warm_start: if `True`, a second `fit` continues training the fitted model, and a model
            instance is trained as it is, without cloning. Defaults to `False`.
        model_kwargs: dict of extra keyword arguments for `model` when it is a callable.
        fit_kwargs: dict of keyword arguments for `model.fit` (`epochs`, `batch_size`, ...);
            keyword arguments given to `fit` take precedence.

    Attributes:
        model_: the fitted model.
        history_: the `History` returned by `model.fit`.
        classes_: the sorted class labels.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.wrappers import SKLearnClassifier
        >>> def build(X, y):
        ...     model = keras.Sequential([keras.Input((X.shape[1],)),
        ...                               keras.layers.Dense(y.shape[1], activation="softmax")])
        ...     model.compile(optimizer="adam", loss="categorical_crossentropy")
        ...     return model
        >>> X = np.random.default_rng(0).normal(size=(40, 3))
        >>> y = np.where(X[:, 0] > 0, "pos", "neg")
        >>> clf = SKLearnClassifier(build, fit_kwargs={"epochs": 2, "verbose": 0}).fit(X, y)
        >>> clf.classes_
        array(['neg', 'pos'], dtype='<U3')
        >>> keras.config.disable_interactive_logging()  # no progress bar from `predict`
        >>> clf.predict(X[:4]).shape
        (4,)
        >>> keras.config.enable_interactive_logging()
    """

    def decision_function(self, X):
        """The model's raw outputs for `X`, one column per class.

        Args:
            X: array-like of shape `(n_samples, n_features)`.

        Returns:
            A NumPy array of shape `(n_samples, n_classes)`.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = _validate(self, X, reset=False)
        return _predict(self.model_, X)

    def _encode_target(self, y, reset=False):
        kind = _target_type(y)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                "SKLearnClassifier only supports binary and multiclass targets (one label per "
                f"sample); the target given is {kind!r}."
            )
        if reset:
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import OneHotEncoder

            self._target_encoder = make_pipeline(
                _TargetShape(), OneHotEncoder(sparse_output=False)
            ).fit(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError(
                    "SKLearnClassifier can't train when only one class is present in `y`; it "
                    "needs at least two classes."
                )
        return self._target_encoder.transform(y)

    def _more_tags(self):
        return {"poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags


class SKLearnRegressor(RegressorMixin, SKLBase):
    """A scikit-learn regressor that trains a lamina model.

    A 1-D target becomes a column for the model, and `predict` gives 1-D predictions back.
    `score` is the R² of `RegressorMixin`. Training is random: seed it with
    `keras.utils.set_random_seed` for repeatable results.

    Args:
        model: a compiled `Model` (cloned, with new weights, at each `fit` unless `warm_start`),
            or a callable `model(X=..., y=..., **model_kwargs)` returning a compiled model.
        warm_start: if `True`, a second `fit` continues training the fitted model, and a model
            instance is trained as it is, without cloning. Defaults to `False`.
        model_kwargs: dict of extra keyword arguments for `model` when it is a callable.
        fit_kwargs: dict of keyword arguments for `model.fit`; keyword arguments given to `fit`
            take precedence.

    Attributes:
        model_: the fitted model.
        history_: the `History` returned by `model.fit`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.wrappers import SKLearnRegressor
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> X = np.random.default_rng(0).normal(size=(32, 3))
        >>> reg = SKLearnRegressor(model, fit_kwargs={"epochs": 2, "verbose": 0})
        >>> keras.config.disable_interactive_logging()  # no progress bar from `predict`
        >>> reg.fit(X, X.sum(axis=1)).predict(X[:5]).shape
        (5,)
        >>> keras.config.enable_interactive_logging()
    """

    def _more_tags(self):
        return {"poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class SKLearnTransformer(TransformerMixin, SKLBase):
    """A scikit-learn transformer (a `Pipeline` step) whose `transform` runs a lamina model.

    `fit(X, y)` trains the model on `X` and `y` as a regressor does; `transform(X)` returns the
    model's outputs (an embedding, for instance). To use an already trained model without
    training it again in a pipeline, wrap the estimator in `sklearn.frozen.FrozenEstimator`.

    Args:
        model: a compiled `Model` (cloned, with new weights, at each `fit` unless `warm_start`),
            or a callable `model(X=..., y=..., **model_kwargs)` returning a compiled model.
        warm_start: if `True`, a second `fit` continues training the fitted model, and a model
            instance is trained as it is, without cloning. Defaults to `False`.
        model_kwargs: dict of extra keyword arguments for `model` when it is a callable.
        fit_kwargs: dict of keyword arguments for `model.fit`; keyword arguments given to `fit`
            take precedence.

    Attributes:
        model_: the fitted model.
        history_: the `History` returned by `model.fit`.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.wrappers import SKLearnTransformer
        >>> inputs = keras.Input((4,))
        >>> features = keras.layers.Dense(2, name="features")(inputs)
        >>> model = keras.Model(inputs, keras.layers.Dense(1)(features))
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> X = np.random.default_rng(0).normal(size=(16, 4))
        >>> step = SKLearnTransformer(model, fit_kwargs={"epochs": 1, "verbose": 0})
        >>> keras.config.disable_interactive_logging()  # no progress bar from `transform`
        >>> step.fit(X, X.sum(axis=1)).transform(X).shape
        (16, 1)
        >>> keras.config.enable_interactive_logging()
    """

    def transform(self, X):
        """Runs the fitted model on `X`.

        Args:
            X: array-like of shape `(n_samples, n_features)`.

        Returns:
            The model's outputs, a NumPy array.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = _validate(self, X, reset=False)
        return _predict(self.model_, X)

    def _more_tags(self):
        return {"preserves_dtype": []}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags
