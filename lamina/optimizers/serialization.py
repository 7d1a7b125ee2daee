"""`get`, `serialize` and `deserialize` for optimizers (module `keras.optimizers`)."""

from __future__ import annotations

from typing import Any

from lamina.core import registry
from lamina.optimizers.adafactor import Adafactor
from lamina.optimizers.adam import Adam, Adamax, AdamW, Nadam
from lamina.optimizers.ftrl import Ftrl
from lamina.optimizers.lamb import Lamb
from lamina.optimizers.lion import Lion
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer
from lamina.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from lamina.optimizers.muon import Muon
from lamina.optimizers.optimizer import Optimizer
from lamina.optimizers.rmsprop import Adadelta, Adagrad, RMSprop
from lamina.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from lamina.optimizers.sgd import SGD


def _objects() -> dict[str, Any]:
    classes = (
        Optimizer,
        SGD,
        Adam,
        AdamW,
        Adamax,
        Nadam,
        RMSprop,
        Adagrad,
        Adadelta,
        Lion,
        Ftrl,
        Lamb,
        Adafactor,
        LossScaleOptimizer,
        Muon,
        ScheduleFreeAdamW,
        MultiOptimizer,
        OptimizerMap,
    )
    objects: dict[str, Any] = {cls.__name__: cls for cls in classes}
    objects.update({cls.__name__.lower(): cls for cls in classes})
    return objects


def serialize(optimizer: Optimizer) -> dict:
    """The Keras record `{"module": "keras.optimizers", "class_name", "config", ...}`.

    Args:
        optimizer: an `Optimizer`.

    Returns:
        The record (a dict).

    Example:
        >>> import lamina as keras
        >>> record = keras.optimizers.serialize(keras.optimizers.SGD(learning_rate=0.5))
        >>> record["class_name"], record["config"]["learning_rate"]
        ('SGD', 0.5)
    """
    return registry.serialize(optimizer, "keras.optimizers")


def deserialize(config: dict, custom_objects: dict | None = None) -> Optimizer:
    """Rebuilds an optimizer from its record; class names are case-insensitive.

    Args:
        config: a record made by `serialize`.
        custom_objects: optional dict of extra names to classes.

    Returns:
        The optimizer.

    Example:
        >>> import lamina as keras
        >>> record = {"class_name": "adam", "config": {"learning_rate": 0.01}}
        >>> opt = keras.optimizers.deserialize(record)
        >>> type(opt).__name__, round(float(opt.learning_rate), 4)
        ('Adam', 0.01)
    """
    objects = _objects()
    config = dict(config)
    name = config.get("class_name")
    if isinstance(name, str) and name not in objects and name.lower() in objects:
        config["class_name"] = objects[name.lower()].__name__
    with registry.custom_object_scope(custom_objects):
        return registry.deserialize(config, kind="optimizer", objects=objects)


def get(identifier) -> Optimizer:
    """Resolves an optimizer: an instance, a (case-insensitive) name such as `'adam'`, or a
    config record.

    Args:
        identifier: an `Optimizer`, a name, or a record.

    Returns:
        The optimizer (names give one with default arguments).

    Raises:
        ValueError: for None and unknown names.

    Example:
        >>> import lamina as keras
        >>> type(keras.optimizers.get("rmsprop")).__name__
        'RMSprop'
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if identifier is None:
        raise ValueError("Could not interpret optimizer identifier: None.")
    found = registry.resolve(
        identifier, kind="optimizer", objects=_objects(), case_insensitive=True
    )
    if not isinstance(found, Optimizer):
        raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}.")
    return found
