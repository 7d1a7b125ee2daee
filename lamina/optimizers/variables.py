"""Creating, setting and saving optimizer variables (Keras's public helpers for them)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import jax.numpy as jnp
import numpy as np

from lamina.core import state
from lamina.core.config import floatx
from lamina.core.variable import Variable


class OptimizerVariablesMixin:
    """`add_variable*`, `set_weights` and the `.keras` hooks of `Optimizer`.

    Expects `name`, `built`, `_variables` and `_track_variable` from the optimizer.

    Example:
        >>> import lamina as keras
        >>> opt = keras.optimizers.SGD(name="my_sgd")
        >>> v = opt.add_variable((2,), initializer="ones", name="scale")
        >>> v.path, v.value.tolist()
        ('my_sgd/scale', [1.0, 1.0])
    """

    def add_variable(
        self,
        shape,
        initializer="zeros",
        dtype=None,
        aggregation: str = "none",
        layout=None,
        name: str | None = None,
    ) -> Variable:
        """Creates and tracks a non-trainable optimizer variable."""
        shape = tuple(shape)
        if initializer is None or (isinstance(initializer, str) and initializer == "zeros"):
            initializer = jnp.zeros(shape, dtype or floatx())
        elif isinstance(initializer, str) and initializer == "ones":
            initializer = jnp.ones(shape, dtype or floatx())
        with state.name_scope(self.name, owner=self):
            variable = Variable(
                initializer,
                shape=shape,
                dtype=dtype,
                trainable=False,
                aggregation=aggregation,
                layout=layout,
                name=name,
            )
        self._track_variable(variable)
        return variable

    def add_variable_from_reference(
        self, reference_variable: Variable, name: str | None = None, initializer="zeros"
    ) -> Variable:
        """Creates a slot shaped like `reference_variable`, named `<its path>_<name>`."""
        base = getattr(reference_variable, "path", None) or str(reference_variable.name)
        full = f"{base.replace('/', '_').replace(':', '_')}_{name or 'var'}"
        return self.add_variable(
            shape=reference_variable.shape,
            initializer=initializer,
            dtype=reference_variable.dtype,
            name=full,
            layout=getattr(reference_variable, "_layout", None),
        )

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """Creates one slot per variable and per name, interleaved per variable as in Keras.

        Variables with `overwrite_with_gradient` get `None`. Returns a list for a single name,
        a tuple of lists for a list of names.
        """
        names = [name] if isinstance(name, str) else list(name)
        inits = (
            initializer if isinstance(initializer, (list, tuple)) else [initializer] * len(names)
        )
        if len(inits) != len(names):
            raise ValueError(
                f"The number of names ({len(names)}) must match the number of initializers "
                f"({len(inits)})."
            )
        out: tuple[list, ...] = tuple([] for _ in names)
        for variable in trainable_variables:
            for i, (slot_name, init) in enumerate(zip(names, inits)):
                if getattr(variable, "overwrite_with_gradient", False):
                    out[i].append(None)
                else:
                    out[i].append(self.add_variable_from_reference(variable, slot_name, init))
        return out[0] if isinstance(name, str) else out

    # --- weights and saving -------------------------------------------------------------------
    def set_weights(self, weights: Sequence) -> None:
        if not self.built:
            raise ValueError("Call `optimizer.build(trainable_variables)` before `set_weights()`.")
        for variable, weight in zip(self._variables, weights):
            if tuple(variable.shape) != tuple(np.shape(weight)):
                raise ValueError(
                    f"Optimizer variable '{variable.path}' has shape {variable.shape}, but the "
                    f"weight given has shape {np.shape(weight)}."
                )
            variable.assign(weight)

    def save_own_variables(self, store) -> None:
        # All of `variables`, as Keras: a wrapper's (LossScaleOptimizer, MultiOptimizer) entry
        # holds its inner optimizers' variables too (they also get entries of their own).
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store) -> None:
        variables = self.variables
        if len(store.keys()) != len(variables):
            msg = (
                f"Skipping variable loading for optimizer '{self.name}', because it has "
                f"{len(variables)} variables whereas the saved optimizer has "
                f"{len(store.keys())} variables."
            )
            if not self.built:
                msg += " This is likely because the optimizer has not been built yet."
            warnings.warn(msg, stacklevel=2)
            return
        for i, variable in enumerate(variables):
            variable.assign(np.asarray(store[str(i)]))
