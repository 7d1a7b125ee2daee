"""`keras.wrappers`: scikit-learn estimators around a lamina model (needs scikit-learn, the
optional extra `lamina[sklearn]`)."""

from lamina.wrappers.sklearn_wrapper import SKLearnClassifier as SKLearnClassifier
from lamina.wrappers.sklearn_wrapper import SKLearnRegressor as SKLearnRegressor
from lamina.wrappers.sklearn_wrapper import SKLearnTransformer as SKLearnTransformer

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]
