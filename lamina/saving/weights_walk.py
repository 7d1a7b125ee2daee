"""The walk that gives every saveable object of a model its path in a Keras 3 weights file.

The walk is depth-first from the model (path `""`):

1. an object already reached (by `id`) is skipped, so shared layers are stored once;
2. a Sequential or functional model first visits its `layers` (under `layers/`);
3. then come the attributes in `sorted(dir(obj))` order, public names before private ones,
   leaving out dunders and the names a bare `Layer` already has (plus a few per model kind);
4. a saveable attribute goes to `<path>/<attr>`; a list, tuple or dict attribute goes to
   `<path>/<attr>/<snake_case(ClassName)>[_k]`, with one counter per name and per container
   (nested containers are `container`, `container_1`, ...).

Layers and optimizers own variables (an optimizer's walk skips a bare `Optimizer`'s attributes,
so a wrapper reaches its inner optimizers); metrics and losses are reached but save nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from lamina.core.layer import Layer


def snake_case(name: str) -> str:
    """Keras's `to_snake_case`, used for the object paths in weights files:
    `BatchNormalization` -> `batch_normalization`.

    Args:
        name: a class or object name.

    Returns:
        The snake-case name.

    Example:
        >>> from lamina.saving.weights_walk import snake_case
        >>> snake_case("BatchNormalization"), snake_case("Conv2DTranspose")
        ('batch_normalization', 'conv2d_transpose')
    """
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


@functools.cache
def _layer_skipset() -> frozenset[str]:
    # A named reference layer, so that building it takes no automatic name from the user's.
    reference = Layer(name="lamina_skipset_reference")
    # Keras's base `Layer` has no `layers` attribute, so a subclassed model walks it.
    return frozenset(dir(reference)) - {"layers"}


def _skipset(obj: Layer) -> frozenset[str]:
    # Models name their own extra skips (`Model`: none, `Functional`, `Sequential`: their layer
    # lists, walked first); saving sits below models, so it reads these class attributes rather
    # than importing the model classes. A plain layer skips `layers`, as Keras's `Layer` has none.
    extra = getattr(type(obj), "_weights_walk_skip", frozenset({"layers"}))
    return _layer_skipset() | extra


def _is_optimizer(obj: Any) -> bool:
    from lamina.optimizers.optimizer import Optimizer

    return isinstance(obj, Optimizer)


def _is_inert(obj: Any) -> bool:
    """Metrics and losses: reached by the walk (they take a container name) but save nothing."""
    if getattr(obj, "_is_lamina_metric", False):
        return True
    from lamina.losses.loss import Loss

    return isinstance(obj, Loss)


def is_saveable(obj: Any) -> bool:
    """Whether the weights walk treats `obj` as a Keras saveable object (a layer, an optimizer,
    or an object Keras visits without variables).

    Args:
        obj: any object.

    Returns:
        A bool.

    Example:
        >>> import lamina as keras
        >>> from lamina.saving.weights_walk import is_saveable
        >>> is_saveable(keras.layers.Dense(2)), is_saveable(keras.optimizers.Adam()), is_saveable(3)
        (True, True, False)
    """
    return isinstance(obj, Layer) or _is_optimizer(obj) or _is_inert(obj)


def _name_key(name: str) -> str:
    # "~" sorts after every letter and "_", so private names come last.
    return f"~{name}" if name.startswith("_") else name


@functools.cache
def _optimizer_skipset() -> frozenset[str]:
    # Keras walks an optimizer's attributes other than a bare `Optimizer`'s, plus `variables`:
    # LossScaleOptimizer's `inner_optimizer`, MultiOptimizer's `optimizers`.
    from lamina.optimizers.optimizer import Optimizer

    reference = Optimizer(1.0, name="lamina_skipset_reference")
    return frozenset(dir(reference)) - {"variables"}


def _children(obj: Any) -> Iterator[tuple[str, Any]]:
    if getattr(type(obj), "_weights_walk_layers_first", False):
        yield "layers", obj.layers
    skip = _optimizer_skipset() if _is_optimizer(obj) else _skipset(obj)
    for attr in sorted(dir(obj), key=_name_key):
        if attr.startswith("__") or attr in skip:
            continue
        try:
            value = getattr(obj, attr)
        except Exception:  # a property that cannot be computed now holds nothing to save
            continue
        yield attr, value


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


class _Walker:
    def __init__(self):
        self.visited: set[int] = set()
        self.entries: list[tuple[str, Any]] = []

    def visit(self, obj: Any, path: str) -> None:
        if id(obj) in self.visited:
            return
        self.visited.add(id(obj))
        if _is_inert(obj):
            return
        self.entries.append((path, obj))
        if not isinstance(obj, Layer) and not _is_optimizer(obj):
            return
        for attr, value in _children(obj):
            if is_saveable(value):
                self.visit(value, _join(path, attr))
            elif isinstance(value, (list, tuple, dict)):
                self.visit_container(value, _join(path, attr), set())

    def visit_container(self, container, path: str, seen_containers: set[int]) -> None:
        if id(container) in seen_containers:
            return
        seen_containers.add(id(container))
        values = list(container.values()) if isinstance(container, dict) else list(container)
        used: dict[str, int] = {}
        for value in values:
            if is_saveable(value):
                # The counter advances even for objects already saved at another path.
                # A class exported under another name (GroupQueryAttention) gives its own.
                cls_name = getattr(type(value), "_keras_class_name", type(value).__name__)
                name = _unique(snake_case(cls_name), used)
                self.visit(value, _join(path, name))
            elif isinstance(value, (list, tuple, dict)):
                name = _unique("container", used)
                self.visit_container(value, _join(path, name), seen_containers)


def _unique(name: str, used: dict[str, int]) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def walk(model: Layer, objects_to_skip=()) -> list[tuple[str, Any]]:
    """Lists `(path, object)` for every layer and optimizer of `model`, in Keras's order.

    The path is the one the object's `vars` group has in the file (`""` is the model itself).
    Objects in `objects_to_skip` are treated as already visited, as in Keras.

    Args:
        model: the model (or layer) to walk.
        objects_to_skip: objects left out, with what they hold.

    Returns:
        A list of `(path, object)`.

    Example:
        >>> import lamina as keras
        >>> from lamina.saving.weights_walk import walk
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2),
        ...                           keras.layers.Dense(1)])
        >>> [path for path, _ in walk(model)]
        ['', 'layers/dense', 'layers/dense_1']
    """
    walker = _Walker()
    walker.visited.update(id(obj) for obj in objects_to_skip)
    walker.visit(model, "")
    return walker.entries
