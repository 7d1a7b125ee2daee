"""`clone_model`: the same architecture with new layers (and so new weights).

Follows Keras 3: each layer is rebuilt by `clone_function` (default: `from_config(get_config())`),
shared layers are cloned once, a compiled model's clone is compiled the same way, and other
(subclassed) models are cloned through their config.
"""

from __future__ import annotations

from collections.abc import Callable

import jax

from lamina.core.symbolic import KerasTensor, is_symbolic


def _default_clone(layer):
    return layer.__class__.from_config(layer.get_config())


def _wrap(clone_function, call_function, recursive: bool, cache: dict) -> Callable:
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    base = clone_function or _default_clone

    def wrapped(layer):
        if id(layer) in cache:
            return cache[id(layer)]
        if recursive and isinstance(layer, (Sequential, Functional)):
            clone = clone_model(
                layer,
                clone_function=base,
                call_function=call_function if isinstance(layer, Functional) else None,
                recursive=True,
                cache=cache,
            )
        else:
            clone = base(layer)
        cache[id(layer)] = clone
        return clone

    return wrapped


def _compile_like(source, clone) -> None:
    if getattr(source, "compiled", False):
        from lamina.core.serialization import (
            compile_from_config,
            serialize_compile_config,
        )

        compile_from_config(clone, serialize_compile_config(source.get_compile_config()))


def _clone_sequential(model, clone_function, input_tensors):
    from lamina.layers.input_layer import Input, InputLayer
    from lamina.models.sequential import Sequential

    new_layers = [clone_function(layer) for layer in model.layers]
    first = model._layers[0] if model._layers else None
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError("clone_model: `input_tensors` must hold a single tensor.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError(
                "clone_model: `input_tensors` must be a symbolic tensor (keras.Input(...)); "
                f"received {input_tensors!r}."
            )
        new_layers = [input_tensors, *new_layers]
    elif isinstance(first, InputLayer):
        new_input = Input(
            batch_shape=first.batch_shape,
            dtype=first.output_tensor.dtype,
            name=first.name,
            optional=first.optional,
        )
        new_layers = [new_input, *new_layers]
    clone = Sequential(new_layers, name=model.name, trainable=model.trainable)
    _compile_like(model, clone)
    return clone


def _clone_functional(model, clone_function, call_function, input_tensors):
    from lamina.layers.input_layer import Input
    from lamina.models.functional import Functional

    if input_tensors is None:
        input_tensors = jax.tree.map(
            lambda t: Input(
                batch_shape=t.shape,
                dtype=t.dtype,
                name=t._keras_history.operation.name,
            ),
            model.input,
            is_leaf=is_symbolic,
        )
    new_inputs = jax.tree.leaves(input_tensors, is_leaf=is_symbolic)
    if len(new_inputs) != len(model.inputs) or not all(
        isinstance(t, KerasTensor) for t in new_inputs
    ):
        raise ValueError(
            "clone_model: `input_tensors` must be symbolic tensors with the structure of "
            f"model.input ({len(model.inputs)} tensor(s)); received {input_tensors!r}."
        )
    values = {id(old): new for old, new in zip(model.inputs, new_inputs)}

    def fill(x):
        return values[id(x)] if isinstance(x, KerasTensor) else x

    for node in model._nodes:
        layer = clone_function(node.operation)
        args, kwargs = node.arguments
        args = jax.tree.map(fill, args, is_leaf=is_symbolic)
        kwargs = jax.tree.map(fill, kwargs, is_leaf=is_symbolic)
        if call_function is not None:
            outputs = call_function(layer, *args, **kwargs)
        else:
            outputs = layer(*args, **kwargs)
        for old, new in zip(node.output_tensors, jax.tree.leaves(outputs, is_leaf=is_symbolic)):
            values[id(old)] = new
    outputs = jax.tree.map(lambda t: values[id(t)], model.output, is_leaf=is_symbolic)
    cls = type(model) if _functional_like(type(model)) else Functional
    clone = cls(input_tensors, outputs, name=model.name)
    _compile_like(model, clone)
    return clone


def _functional_like(cls) -> bool:
    import inspect

    from lamina.models.functional import Functional

    if cls is Functional or "__init__" not in cls.__dict__:
        return True
    params = list(inspect.signature(cls.__init__).parameters)
    return params[1:3] == ["inputs", "outputs"]


def clone_model(
    model,
    input_tensors=None,
    clone_function: Callable | None = None,
    call_function: Callable | None = None,
    recursive: bool = False,
    **kwargs,
):
    """Clones a model: new layers with new (freshly initialized) weights, the same architecture.

    Sequential and functional models are rebuilt layer by layer (the same graph on new
    layers); other models (subclassed) are cloned through `get_config`/`from_config`. Weights are
    not copied: call `clone.set_weights(model.get_weights())` for that.

    Args:
        model: the model to clone.
        input_tensors: optional symbolic inputs for the clone (same structure as `model.input`).
        clone_function: `layer -> new layer`; default rebuilds each layer from its config.
        call_function: for functional models, `(layer, *args, **kwargs) -> outputs` replaces
            each layer call.
        recursive: also clone nested Sequential/functional models layer by layer with
            `clone_function` (otherwise a nested model goes to `clone_function` whole).
        **kwargs: `cache` (a dict shared between nested clones); anything else is an error.

    Returns:
        The new model.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="dense")])
        >>> clone = keras.models.clone_model(model)
        >>> clone.layers[0] is model.layers[0], clone.layers[0].name
        (False, 'dense')
        >>> def with_relu(layer):  # change the layers while cloning
        ...     config = layer.get_config()
        ...     config["activation"] = "relu"
        ...     return type(layer).from_config(config)
        >>> keras.models.clone_model(model, clone_function=with_relu).layers[0].activation.__name__
        'relu'
    """
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"clone_model: unexpected keyword argument(s) {sorted(kwargs)}.")
    cache = {} if cache is None else cache
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                "clone_model: `call_function` only applies to functional models; a Sequential "
                "model does not call its layers at construction."
            )
        wrapped = _wrap(clone_function, call_function, recursive, cache)
        return _clone_sequential(model, wrapped, input_tensors)
    if isinstance(model, Functional):
        wrapped = _wrap(clone_function, call_function, recursive, cache)
        return _clone_functional(model, wrapped, call_function, input_tensors)
    if clone_function is not None or input_tensors is not None or call_function is not None:
        raise ValueError(
            "clone_model: `clone_function`, `input_tensors` and `call_function` apply only to "
            f"Sequential and functional models; received a {type(model).__name__}."
        )
    from lamina.core.serialization import deserialize_keras_object, serialize_keras_object

    record = serialize_keras_object(model)
    return deserialize_keras_object(record, custom_objects={type(model).__name__: type(model)})
