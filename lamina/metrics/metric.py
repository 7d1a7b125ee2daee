"""The `Metric` base class: a stateful-looking accumulator over non-trainable variables."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from lamina.core import state
from lamina.core.config import floatx
from lamina.core.naming import auto_name
from lamina.core.variable import Variable, standardize_dtype

_MISSING = object()


def _make_initializer(initializer):
    if isinstance(initializer, str) and initializer.lower() in ("zeros", "zero"):
        return lambda shape, dtype=None: jnp.zeros(shape, dtype)
    if isinstance(initializer, str) and initializer.lower() in ("ones", "one"):
        return lambda shape, dtype=None: jnp.ones(shape, dtype)
    if initializer is None:
        return lambda shape, dtype=None: jnp.zeros(shape, dtype)
    return initializer


class Metric:
    """Base class of metrics: subclasses implement `update_state` and `result`.

    State lives in non-trainable `Variable`s made with `add_variable`, so every metric also has
    a pure form (`stateless_update_state`, `stateless_result`, `stateless_reset_state`) that the
    training engine runs inside `jax.jit`.

    Args:
        dtype: dtype of the state and result (default `floatx()`).
        name: the metric name (default: snake_case class name, made unique); history keys use it.

    Unlike Keras (which zeroes every variable), `reset_state` restores each variable's initial
    value.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> class Maximum(keras.metrics.Metric):
        ...     def __init__(self, name="maximum", dtype=None):
        ...         super().__init__(name=name, dtype=dtype)
        ...         self.best = self.add_variable((), "zeros", name="best")
        ...     def update_state(self, values):
        ...         self.best.assign(keras.ops.maximum(self.best.value, keras.ops.max(values)))
        ...     def result(self):
        ...         return self.best.value
        >>> m = Maximum()
        >>> m.update_state(np.array([1.0, 3.0]))
        >>> m.update_state(np.array([2.0]))
        >>> float(m.result())
        3.0
        >>> m.reset_state()
        >>> float(m.result())
        0.0
    """

    _is_lamina_metric = True

    def __init__(self, dtype=None, name: str | None = None):
        self.name = name or auto_name(type(self).__name__)
        compute = getattr(dtype, "compute_dtype", None)
        self._dtype = standardize_dtype(compute or dtype or floatx())
        self._variables: list[Variable] = []
        self._initial_values: list = []
        self._metrics: list[Metric] = []

    def __setattr__(self, name, value):
        if getattr(value, "_is_lamina_metric", False) and "_metrics" in self.__dict__:
            if not any(m is value for m in self._metrics):
                self._metrics.append(value)
        super().__setattr__(name, value)

    @property
    def dtype(self) -> str:
        return self._dtype

    def add_variable(
        self, shape, initializer="zeros", dtype=None, aggregation: str = "sum", name=None
    ) -> Variable:
        """Creates a non-trainable state variable under the name scope of this metric."""
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}: call `super().__init__()` before `add_variable`."
            )
        with state.name_scope(self.name.replace("/", ">"), owner=self):
            variable = Variable(
                _make_initializer(initializer),
                shape=tuple(shape),
                dtype=dtype or self.dtype,
                trainable=False,
                aggregation=aggregation,
                synchronization="on_read",
                name=name,
            )
        self._variables.append(variable)
        # Kept on the host: the training step donates the variables' buffers, so a device array
        # cached here could be deleted under us.
        self._initial_values.append(np.asarray(variable.value))
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None) -> Variable:
        return self.add_variable(shape, initializer, dtype=dtype, name=name)

    @property
    def variables(self) -> list[Variable]:
        """This metric's variables in creation order, then those of its sub-metrics."""
        out = list(self._variables)
        for metric in self._metrics:
            out.extend(metric.variables)
        return out

    # --- stateful API ---------------------------------------------------------------------
    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement `update_state`.")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement `result`.")

    def reset_state(self) -> None:
        """Restores every variable (sub-metrics' included) to its initial value."""
        for variable, initial in zip(self._variables, self._initial_values):
            variable.assign(initial)
        for metric in self._metrics:
            metric.reset_state()

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    # --- pure API -------------------------------------------------------------------------
    def _check_values(self, metric_variables) -> list:
        variables = self.variables
        if len(metric_variables) != len(variables):
            raise ValueError(
                f"Metric '{self.name}': `metric_variables` must hold one array per variable of "
                f"`metric.variables` ({len(variables)}), received {len(metric_variables)}."
            )
        return variables

    @staticmethod
    def _read_back(scope, variables) -> list:
        out = []
        for variable in variables:
            value = scope.get(variable, _MISSING)
            out.append(variable.value if value is _MISSING else value)
        return out

    def stateless_update_state(self, metric_variables, *args, **kwargs) -> list:
        """Pure `update_state`: returns the new values of `self.variables`."""
        variables = self._check_values(metric_variables)
        with state.StateScope(list(zip(variables, metric_variables))) as scope:
            self.update_state(*args, **kwargs)
            return self._read_back(scope, variables)

    def stateless_result(self, metric_variables):
        """Pure `result`, computed from the given variable values."""
        variables = self._check_values(metric_variables)
        with state.StateScope(list(zip(variables, metric_variables))):
            return self.result()

    def stateless_reset_state(self) -> list:
        """Pure `reset_state`: returns the reset values of `self.variables`."""
        variables = self.variables
        with state.StateScope() as scope:
            self.reset_state()
            return self._read_back(scope, variables)

    # --- config ---------------------------------------------------------------------------
    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"
