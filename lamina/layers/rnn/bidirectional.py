"""`Bidirectional`: runs a recurrent layer forwards and a copy of it backwards, then merges."""

from __future__ import annotations

import jax.numpy as jnp

from lamina.core.layer import Layer
from lamina.core.serialization import deserialize_keras_object, serialize_keras_object
from lamina.layers.rnn.time_distributed import build_sublayer

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _copy_layer(layer: Layer, name: str, **overrides) -> Layer:
    record = serialize_keras_object(layer)
    record.pop("build_config", None)  # built later, inside the wrapper's name scope
    record["config"]["name"] = name
    record["config"].update(overrides)
    return deserialize_keras_object(record)


def _strip(name: str, prefix: str) -> str:
    return name[len(prefix) :] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """Wraps an RNN layer to read the sequence in both directions.

    `forward_layer` is a copy of `layer` named `forward_<name>`; `backward_layer` is a copy with
    `go_backwards=True` named `backward_<name>` unless given. The backward outputs are reversed
    back to input order before merging with `merge_mode` ('concat', 'sum', 'mul', 'ave', or None
    for a list of both).

    Args:
        layer: the RNN layer run forwards (`LSTM`, `GRU`, `SimpleRNN`, `RNN`).
        merge_mode: `"concat"`, `"sum"`, `"mul"`, `"ave"`, or None (return both outputs as a list).
        weights: initial weights (forward then backward), or None.
        backward_layer: the layer run backwards; default: a copy of `layer` with
            `go_backwards=True`.
        **kwargs: other `Layer` arguments (`name`, `dtype`, `trainable`, ...).

    Call arguments:
        sequences: an array `(batch, steps, features)`.
        initial_state: optional: the initial state(s) instead of zeros.
        mask: optional: a `(batch, steps)` boolean mask; masked steps keep the previous state.
        training: apply dropout when True.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.Bidirectional(keras.layers.LSTM(4))
        >>> layer(np.zeros((2, 5, 3))).shape  # both directions concatenated
        (2, 8)
    """

    def __init__(
        self, layer: Layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs
    ):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Bidirectional: `layer` must be a keras layer instance, received {layer!r}."
            )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                "Bidirectional: `backward_layer` must be a keras layer instance, received "
                f"{backward_layer!r}."
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Bidirectional: `merge_mode` must be one of {_MERGE_MODES}, received "
                f"{merge_mode!r}."
            )
        super().__init__(**kwargs)
        self.forward_layer = _copy_layer(layer, f"forward_{_strip(layer.name, 'forward_')}")
        if backward_layer is None:
            backward_layer = _copy_layer(
                layer, f"backward_{_strip(layer.name, 'backward_')}", go_backwards=True
            )
        self.backward_layer = backward_layer
        if hasattr(layer, "use_cudnn"):
            self.forward_layer.use_cudnn = layer.use_cudnn
            self.backward_layer.use_cudnn = layer.use_cudnn
        self._verify()
        for sub in (self.forward_layer, self.backward_layer):
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.__dict__["_initial_weights"] = weights
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def _verify(self) -> None:
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError(
                "Bidirectional: the forward and backward layers must have different "
                f"`go_backwards`, received {fwd.go_backwards} for both."
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, attr) != getattr(bwd, attr):
                raise ValueError(
                    f"Bidirectional: the forward and backward layers must agree on `{attr}`, "
                    f"received {getattr(fwd, attr)} and {getattr(bwd, attr)}."
                )

    @property
    def states(self):
        fwd, bwd = self.forward_layer.states, self.backward_layer.states
        if fwd and bwd:
            return tuple(list(fwd) + list(bwd))
        return None

    def reset_state(self) -> None:
        if not self.stateful:
            raise AttributeError(f"Bidirectional '{self.name}': the layer is not stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self) -> None:
        self.reset_state()

    def build(self, sequences_shape, initial_state_shape=None):
        build_sublayer(self.forward_layer, sequences_shape, self.compute_dtype)
        build_sublayer(self.backward_layer, sequences_shape, self.compute_dtype)
        weights = self.__dict__.get("_initial_weights")
        if weights:
            n = len(weights) // 2
            self.forward_layer.set_weights(weights[:n])
            self.backward_layer.set_weights(weights[n:])
            self.__dict__["_initial_weights"] = None
        self.built = True

    def _merge(self, y, y_rev):
        if self.merge_mode == "concat":
            return jnp.concatenate([y, y_rev], axis=-1)
        if self.merge_mode == "sum":
            return y + y_rev
        if self.merge_mode == "ave":
            return (y + y_rev) / 2
        if self.merge_mode == "mul":
            return y * y_rev
        return (y, y_rev)

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {}
        if self.forward_layer._call_has_training:
            kwargs["training"] = training
        if self.forward_layer._call_has_mask:
            kwargs["mask"] = mask
        fwd_state = bwd_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fwd_state, bwd_state = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer(sequences, initial_state=fwd_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=bwd_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        y, y_rev = y.astype(self.compute_dtype), y_rev.astype(self.compute_dtype)
        if self.return_sequences:
            y_rev = jnp.flip(y_rev, axis=1)
        output = self._merge(y, y_rev)
        if self.return_state:
            return (*output, *states) if self.merge_mode is None else (output, *states)
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.return_sequences:
            output_mask = mask if self.merge_mode else [mask, mask]
        else:
            output_mask = None if self.merge_mode else [None, None]
        if self.return_state:
            n_states = len(self.forward_layer.state_size) * 2
            head = output_mask if isinstance(output_mask, list) else [output_mask]
            return head + [None] * n_states
        return output_mask

    def get_config(self):
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        config["layer"] = serialize_keras_object(self.forward_layer)
        config["backward_layer"] = serialize_keras_object(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = {k: v for k, v in config["layer"].items() if k != "build_config"}
        config["layer"] = deserialize_keras_object(layer, custom_objects=custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            backward = {k: v for k, v in backward.items() if k != "build_config"}
            config["backward_layer"] = deserialize_keras_object(
                backward, custom_objects=custom_objects
            )
        return cls(**config)
