"""`get`, `serialize` and `deserialize` for metrics (Keras module name "keras.metrics")."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from lamina.core import registry
from lamina.core.naming import to_snake_case

MODULE = "keras.metrics"
_ALIASES = {
    "mse": "MeanSquaredError",
    "mae": "MeanAbsoluteError",
    "mape": "MeanAbsolutePercentageError",
    "msle": "MeanSquaredLogarithmicError",
}


def metric_functions() -> dict[str, Any]:
    """Metric functions by name (for deserializing `MeanMetricWrapper(fn)` configs).

    Returns:
        A dict from function name to function.

    Example:
        >>> from lamina.metrics.serialization import metric_functions
        >>> metric_functions()["binary_accuracy"].__name__
        'binary_accuracy'
    """
    from lamina.losses.serialization import loss_objects
    from lamina.metrics import correlation_metrics, functions

    out = {k: v for k, v in loss_objects().items() if inspect.isfunction(v)}
    for module in (functions, correlation_metrics):
        for name, obj in vars(module).items():
            if (
                inspect.isfunction(obj)
                and not name.startswith("_")
                and obj.__module__ == module.__name__
            ):
                out[name] = obj
    return out


def metric_objects() -> dict[str, Any]:
    """Class names, their snake_case forms and the aliases `mse`, `mae`, `mape`, `msle`.

    Returns:
        A dict from name to class.

    Example:
        >>> from lamina.metrics.serialization import metric_objects
        >>> metric_objects()["mse"].__name__
        'MeanSquaredError'
    """
    from lamina.metrics import (
        accuracy_metrics,
        confusion_metrics,
        correlation_metrics,
        f_score_metrics,
        hinge_metrics,
        iou_metrics,
        metric,
        probabilistic_metrics,
        reduction_metrics,
        regression_metrics,
        sensitivity_metrics,
    )

    classes: dict[str, Any] = {}
    for module in (
        metric,
        reduction_metrics,
        accuracy_metrics,
        regression_metrics,
        confusion_metrics,
        sensitivity_metrics,
        f_score_metrics,
        correlation_metrics,
        iou_metrics,
        probabilistic_metrics,
        hinge_metrics,
    ):
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and not name.startswith("_")
                and obj.__module__ == module.__name__
            ):
                classes[name] = obj
    objects = dict(classes)
    objects.update({to_snake_case(name): cls for name, cls in classes.items()})
    for alias, target in _ALIASES.items():
        objects[alias] = objects[alias.upper()] = classes[target]
    return objects


def get(identifier):
    """Returns a metric from a name, a config record, a class, a `Metric` or a function.

    Names are class names or their snake_case forms (`"binary_accuracy"`, instantiated with
    defaults) and the aliases `mse`, `mae`, `mape`, `msle` (also uppercase). The shape-dependent
    `"accuracy"`/`"acc"` of `compile` is resolved by the training engine, not here.

    Args:
        identifier: a name, a serialized record, a `Metric` class or instance, or a function.

    Returns:
        A `Metric` instance or a metric function.

    Example:
        >>> import lamina as keras
        >>> type(keras.metrics.get("binary_accuracy")).__name__
        'BinaryAccuracy'
        >>> type(keras.metrics.get("AUC")).__name__
        'AUC'
    """
    return registry.resolve(identifier, kind="metric", objects=metric_objects(), argument="metric")


def serialize(metric) -> dict | str | None:
    """The Keras record of a `Metric` (or a metric function).

    Args:
        metric: a `Metric` instance or a metric function.

    Returns:
        The serialized record (a dict), or None.

    Example:
        >>> import lamina as keras
        >>> record = keras.metrics.serialize(keras.metrics.BinaryAccuracy(threshold=0.7))
        >>> record["class_name"], record["config"]["threshold"]
        ('BinaryAccuracy', 0.7)
    """
    if inspect.isfunction(metric):
        from lamina.losses.serialization import serialize_function

        return serialize_function(metric)
    return registry.serialize(metric, MODULE)


def deserialize(config, custom_objects: Mapping[str, Any] | None = None):
    """Rebuilds a metric from `serialize`'s output (or a name).

    Args:
        config: a record made by `serialize`, or a name.
        custom_objects: optional dict of extra names to classes or functions.

    Returns:
        A `Metric` instance or a metric function.

    Example:
        >>> import lamina as keras
        >>> record = {"class_name": "Recall", "config": {"thresholds": 0.3}}
        >>> keras.metrics.deserialize(record).thresholds
        [0.3]
    """
    objects = {**metric_functions(), **metric_objects()}
    with registry.custom_object_scope(custom_objects):
        if isinstance(config, str):
            return registry.resolve(config, kind="metric", objects=objects)
        return registry.deserialize(config, kind="metric", objects=objects)
