"""The weights half of `Layer`: `stateless_call`, get/set weights, counting and saving them."""

from __future__ import annotations

import numpy as np

from lamina.core import state


class LayerWeights:
    """Methods of `Layer` that read or write all of its variables at once: `stateless_call`,
    `get_weights` / `set_weights`, `count_params`, and `save_own_variables` /
    `load_own_variables` (used by weights files).

    Args:
        (none: a mixin of `Layer`)

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> layer = keras.layers.Dense(2, kernel_initializer="ones")
        >>> layer.build((None, 3))
        >>> layer.count_params(), [w.shape for w in layer.get_weights()]
        (8, [(3, 2), (2,)])
        >>> outputs, _ = layer.stateless_call([np.zeros((3, 2)), np.ones(2)], [], np.ones((1, 3)))
        >>> outputs  # the given values, not the layer's own weights
        Array([[1., 1.]], dtype=float32)
    """

    def stateless_call(
        self,
        trainable_variables,
        non_trainable_variables,
        *args,
        return_losses: bool = False,
        **kwargs,
    ):
        """Calls the layer with the given variable values, touching no variable.

        Returns `(outputs, new_non_trainable_values)` (and the losses added during the call if
        `return_losses=True`).
        """
        trainable = self.trainable_variables
        non_trainable = self.non_trainable_variables
        if len(trainable_variables) != len(trainable) or len(non_trainable_variables) != len(
            non_trainable
        ):
            raise ValueError(
                f"{self.name}.stateless_call(): expected {len(trainable)} trainable and "
                f"{len(non_trainable)} non-trainable values (in `trainable_variables` and "
                f"`non_trainable_variables` order), received {len(trainable_variables)} and "
                f"{len(non_trainable_variables)}."
            )
        mapping = list(zip(trainable, trainable_variables)) + list(
            zip(non_trainable, non_trainable_variables)
        )
        with state.StateScope(mapping, collect_losses=return_losses) as scope:
            outputs = self(*args, **kwargs)
            new_non_trainable = [scope.get(v) for v in non_trainable]
            losses = list(scope.losses)
            if return_losses:
                losses.extend(
                    v.regularizer(v.value)
                    for v in self.trainable_weights
                    if v.regularizer is not None
                )
        if return_losses:
            return outputs, new_non_trainable, losses
        return outputs, new_non_trainable

    # ------------------------------------------------------------------------ weights
    def get_weights(self) -> list[np.ndarray]:
        # `numpy()` gathers values sharded over several processes (every process must call).
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights) -> None:
        variables = self.weights
        if len(weights) != len(variables):
            raise ValueError(
                f"Layer '{self.name}'.set_weights(): expected a list of {len(variables)} arrays "
                f"(for {[v.path for v in variables]}), received {len(weights)}."
            )
        new = []
        for v, w in zip(variables, weights):
            w = np.asarray(w)
            if tuple(w.shape) != tuple(v.shape):
                raise ValueError(
                    f"Layer '{self.name}'.set_weights(): weight '{v.path}' has shape {v.shape}, "
                    f"but the array given has shape {tuple(w.shape)}. Pass arrays shaped like "
                    "model.get_weights() (same order and shapes)."
                )
            new.append(w)
        for v, w in zip(variables, new):
            v.assign(w)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                f"Layer '{self.name}' is not built yet, so it has no weights to count. Call it on "
                "data or `build(input_shape)` first."
            )
        return int(sum(v.size for v in self.weights))

    def save_own_variables(self, store) -> None:
        own = self._trainable_variables + self._non_trainable_variables
        for i, v in enumerate(own):
            store[str(i)] = v.numpy()

    def load_own_variables(self, store) -> None:
        own = self._trainable_variables + self._non_trainable_variables
        if len(store.keys()) != len(own):
            raise ValueError(
                f"Layer '{self.name}' expected {len(own)} variables "
                f"({[v.path for v in own]}), but received {len(store.keys())} variables."
            )
        for i, v in enumerate(own):
            v.assign(store[str(i)])
