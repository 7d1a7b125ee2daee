"""`JaxLayer`: a plain JAX function (and its parameters) as a lamina layer."""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core.layer import Layer
from lamina.core.random import SeedGenerator
from lamina.core.serialization import deserialize_keras_object, serialize_keras_object


def _is_float(dtype) -> bool:
    return jnp.issubdtype(jnp.dtype(dtype), jnp.floating)


class JaxLayer(Layer):
    """Wraps a JAX function `call_fn` (e.g. a Haiku/Flax/hand-written model function) as a
    layer whose parameters are lamina variables, so it trains with `fit` and saves with the
    model.

    `call_fn` declares what it needs by argument name, in any order among `params`, `state`,
    `rng`, `inputs` (required) and `training`. With `state`, it returns
    `(outputs, new_state)` and the new state is stored. The parameters come from `params` /
    `state`, or from `init_fn(rng, inputs[, training])` at build time (returning `params`, or
    `(params, state)` when `call_fn` takes `state`).

    Args:
        call_fn: the function computing the outputs.
        init_fn: the function creating the parameters from example inputs (ones of the input
            shape, unknown dimensions set to 1).
        params: a nest of arrays, the trainable parameters.
        state: a nest of arrays, the non-trainable state.
        seed: seed of the random keys passed as `rng` in training.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: what `call_fn` receives as `inputs`.
        training: passed to `call_fn`; in training a fresh key is passed as `rng` (else None).

    Returns:
        `call_fn`'s outputs.

    Example:
    >>> def call_fn(params, inputs):
    ...     return inputs @ params["w"] + params["b"]
    >>> def init_fn(rng, inputs):
    ...     return {"w": jax.random.normal(rng, (inputs.shape[-1], 2)), "b": jnp.zeros(2)}
    >>> layer = JaxLayer(call_fn, init_fn)
    >>> layer(np.ones((3, 4), "float32")).shape
    (3, 2)
    """

    def __init__(
        self,
        call_fn,
        init_fn=None,
        params=None,
        state=None,
        seed=None,
        native_serialization_platforms=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.call_fn = call_fn
        self.init_fn = init_fn
        self.seed = seed
        self.call_fn_arguments = self._arguments(
            call_fn, "call_fn", {"params", "state", "rng", "inputs", "training"}
        )
        self.call_fn_has_params = "params" in self.call_fn_arguments
        self.call_fn_has_state = "state" in self.call_fn_arguments
        self.seed_generator = SeedGenerator(seed) if "rng" in self.call_fn_arguments else None
        if (
            init_fn is None
            and params is None
            and state is None
            and (self.call_fn_has_params or self.call_fn_has_state)
        ):
            raise ValueError(
                f"{type(self).__name__}: `init_fn`, `params` and `state` cannot all be None "
                "when `call_fn` takes a `params` or `state` argument."
            )
        if init_fn is not None:
            self.init_fn_arguments = self._arguments(
                init_fn, "init_fn", {"rng", "inputs", "training"}
            )
        self.__dict__["params"] = None
        self.__dict__["state"] = None
        self._create_variables(params, trainable=True)
        self._create_variables(state, trainable=False)
        if self.params is not None or self.state is not None:
            self.built = True

    def _arguments(self, fn, fn_name, allowed):
        names = list(inspect.signature(fn).parameters)
        unknown = [n for n in names if n not in allowed]
        if unknown:
            raise ValueError(
                f"{type(self).__name__}: `{fn_name}` may only take arguments named "
                f"{sorted(allowed)}; received {unknown}."
            )
        if "inputs" not in names:
            raise ValueError(
                f"{type(self).__name__}: `{fn_name}` must take an argument named `inputs`; "
                f"its arguments are {names}."
            )
        return names

    def _create_variables(self, values, trainable: bool):
        def make(value):
            if isinstance(value, (np.ndarray, np.generic, jax.Array)) or (
                isinstance(value, (bool, int, float))
            ):
                arr = jnp.asarray(value)
                dtype = None if _is_float(arr.dtype) else arr.dtype
                return self.add_weight(
                    shape=arr.shape,
                    initializer=lambda shape, dtype=None, arr=arr: jnp.asarray(
                        arr, dtype or arr.dtype
                    ),
                    dtype=dtype,
                    trainable=trainable,
                )
            return value

        variables = None if values is None else jax.tree_util.tree_map(make, values)
        # Kept out of attribute tracking (the variables are tracked by add_weight already).
        self.__dict__["params" if trainable else "state"] = variables

    def _rng(self, training):
        return self.seed_generator.next() if training else None

    def build(self, input_shape):
        if self.params is None and self.state is None and self.init_fn is not None:
            from lamina.tree import map_shape_structure

            inputs = map_shape_structure(
                lambda s: jnp.ones([1 if d is None else d for d in s]), input_shape
            )
            args = []
            for name in self.init_fn_arguments:
                if name == "rng":
                    from lamina.core.random import make_default_seed

                    seed = make_default_seed() if self.seed is None else self.seed
                    args.append(jax.random.key_data(jax.random.key(seed)))
                elif name == "inputs":
                    args.append(inputs)
                else:
                    args.append(True)
            result = self.init_fn(*args)
            params, state = result if self.call_fn_has_state else (result, None)
            self._create_variables(params, trainable=True)
            self._create_variables(state, trainable=False)
        self.built = True

    def call(self, inputs, training=False):
        def value(v):
            return v.value if hasattr(v, "assign") else v

        args = []
        for name in self.call_fn_arguments:
            if name == "params":
                args.append(jax.tree_util.tree_map(value, self.params))
            elif name == "state":
                args.append(jax.tree_util.tree_map(value, self.state))
            elif name == "rng":
                args.append(self._rng(training))  # a raw uint32[2] key, as Keras passes
            elif name == "inputs":
                args.append(inputs)
            else:
                args.append(training)
        if not self.call_fn_has_state:
            return self.call_fn(*args)
        outputs, new_state = self.call_fn(*args)

        def store(new, variable):
            if not hasattr(variable, "assign"):
                raise ValueError(
                    f"{type(self).__name__}: the state returned by `call_fn` does not have "
                    "the structure of the state at initialization."
                )
            variable.assign(new)

        jax.tree_util.tree_map(store, new_state, self.state)
        return outputs

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "call_fn": serialize_keras_object(self.call_fn),
                "init_fn": serialize_keras_object(self.init_fn),
                "native_serialization_platforms": None,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["call_fn"] = deserialize_keras_object(config["call_fn"])
        config["init_fn"] = deserialize_keras_object(config["init_fn"])
        return cls(**config)


class FlaxLayer(JaxLayer):
    """Wraps a Flax linen module (`flax.linen.Module`) as a layer whose Flax variables are
    lamina weights: the `"params"` collection trains, the other collections (`batch_stats`,
    ...) are non-trainable state updated by each call, as Keras's `FlaxLayer` does.

    When the module's method takes a `training` argument, the layer passes its `training` flag;
    in training it also passes a fresh `"dropout"` key. Needs Flax (`pip install
    "lamina[flax]"`).

    Args:
        module: the `flax.linen.Module` instance.
        method: the module method to call (default `__call__`); a bound method of `module`, an
            unbound one, or its name.
        variables: the module's variables (as `module.init` returns them); by default they are
            created by `module.init` when the layer is built.
        **kwargs: base layer arguments (`name`, `dtype`, ...) and `seed`.

    Call arguments:
        inputs: the module's input.
        training: whether the layer runs in training mode.

    Returns:
        The module's outputs.

    Example:
        >>> import numpy as np
        >>> import flax.linen as nn
        >>> import lamina as keras
        >>> layer = keras.layers.FlaxLayer(nn.Dense(3))
        >>> layer(np.ones((2, 4), "float32")).shape
        (2, 3)
        >>> sorted(w.shape for w in layer.trainable_weights)
        [(3,), (4, 3)]
    """

    def __init__(self, module, method=None, variables=None, **kwargs):
        try:
            from flax.linen import DenyList
        except ImportError as e:
            raise ImportError(
                "FlaxLayer needs the `flax` package, which is not installed. Install it with "
                '`pip install "lamina[flax]"` (or `pip install flax`).'
            ) from e
        self.__dict__["module"] = module
        self.__dict__["method"] = method
        mutable = DenyList(["params"])

        def rngs(rng):
            if rng is None or isinstance(rng, dict):
                return rng or {}
            return {"params": rng, "dropout": jax.random.fold_in(rng, 1)}

        def apply_with_training(params, state, rng, inputs, training):
            return module.apply(
                _merge(params, state),
                inputs,
                rngs=rngs(rng),
                method=method,
                mutable=mutable,
                training=training,
            )

        def apply_without_training(params, state, rng, inputs):
            return module.apply(
                _merge(params, state), inputs, rngs=rngs(rng), method=method, mutable=mutable
            )

        def init_with_training(rng, inputs, training):
            return _split(module.init(rngs(rng), inputs, method=method, training=training))

        def init_without_training(rng, inputs):
            return _split(module.init(rngs(rng), inputs, method=method))

        target = method or module.__call__
        if isinstance(target, str):
            target = getattr(module, target)
        if "training" in inspect.signature(target).parameters:
            call_fn, init_fn = apply_with_training, init_with_training
        else:
            call_fn, init_fn = apply_without_training, init_without_training
        params, state = _split(variables)
        super().__init__(call_fn=call_fn, init_fn=init_fn, params=params, state=state, **kwargs)

    def _rng(self, training):
        return {"dropout": self.seed_generator.next()} if training else {}

    def get_config(self):
        method = self.method
        if getattr(method, "__self__", None) is self.module:
            method = method.__name__  # a bound method of the module is saved by name
        config = Layer.get_config(self)
        config.update(
            {
                "native_serialization_platforms": None,
                "module": serialize_keras_object(self.module),
                "method": serialize_keras_object(method),
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        module = deserialize_keras_object(config.pop("module"))
        method = config.pop("method")
        method = getattr(module, method) if isinstance(method, str) else method
        for key in ("params", "state", "native_serialization_platforms"):
            config.pop(key, None)
        return cls(module=module, method=method, **config)


def _merge(params, state) -> dict:
    return {**(params or {}), **(state or {})}


def _split(variables):
    """Flax variables to `(params, state)`: the "params" collection, and the others."""
    if variables is None:
        return None, None
    if "params" not in variables:
        return {}, dict(variables)
    params = {"params": variables["params"]}
    return params, {k: v for k, v in variables.items() if k != "params"}
