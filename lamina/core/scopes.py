"""Keras's top-level scopes: `StatelessScope`, `SymbolicScope`, `name_scope`, `device`,
`RematScope` and `remat`."""

from __future__ import annotations

import contextlib
import contextvars
import functools

import jax

from lamina.core import state


class StatelessScope(state.StateScope):
    """A scope in which variables read the values given in `state_mapping` and assignments are
    recorded in the scope instead of changing the variables (stateless computation, as in
    `Model.stateless_call`).

    Args:
        state_mapping: pairs `(variable, value)` the variables read inside the scope.
        collect_losses: collect the losses added inside the scope in `scope.losses`.
        initialize_variables: accepted for compatibility (lamina variables always hold a
            value).

    Example:
    >>> from lamina import Variable
    >>> v = Variable(1.0)
    >>> with StatelessScope([(v, 5.0)]) as scope:
    ...     _ = v.assign(v + 1.0)
    ...     float(scope.get_current_value(v))
    6.0
    >>> float(v.value)
    1.0
    """

    def __init__(self, state_mapping=None, collect_losses=False, initialize_variables=True):
        super().__init__(state_mapping=state_mapping, collect_losses=collect_losses)
        self.initialize_variables = initialize_variables

    def add_update(self, update):
        """Records `(variable, value)` as the variable's value within the scope."""
        variable, value = update
        self.bind(variable, value)

    def get_current_value(self, variable):
        """The variable's value in this scope (`None` if neither mapped nor assigned)."""
        return self.get(variable)


class SymbolicScope(state.StateScope):
    """A scope marking a shape-only (symbolic) trace: assignments to variables inside it are
    discarded, so code can be run for its output shapes without changing any state.

    Args:
        (none)

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> v = keras.Variable(np.zeros(2, "float32"))
        >>> with keras.SymbolicScope():
        ...     _ = v.assign(np.ones(2, "float32"))
        >>> v.numpy()
        array([0., 0.], dtype=float32)
    """

    def __init__(self):
        super().__init__(symbolic=True)


class name_scope(state.name_scope):  # noqa: N801 (Keras's name)
    """Prefixes the paths of variables created inside the block with `name/`.

    Args:
        name: the scope name.
        caller: the object opening the scope (re-entering the innermost scope of the same
            caller adds nothing).
        deduplicate: accepted for compatibility.
        override_parent: accepted for compatibility.

    Example:
    >>> from lamina import Variable
    >>> with name_scope("block"):
    ...     v = Variable(1.0, name="w")
    >>> v.path
    'block/w'
    """

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or not name:
            raise ValueError(f"name_scope: `name` must be a non-empty string; received {name!r}.")
        super().__init__(name, owner=caller)
        self.deduplicate = deduplicate
        self.override_parent = override_parent


def _jax_device(device_name):
    if not isinstance(device_name, str):
        return device_name
    kind, _, index = device_name.lower().replace("/device:", "").partition(":")
    kind = {"gpu": "gpu", "cuda": "gpu", "cpu": "cpu", "tpu": "tpu"}.get(kind)
    if kind is None:
        raise ValueError(
            f"device: expected a name like 'cpu:0' or 'gpu:1'; received {device_name!r}."
        )
    try:
        devices = jax.devices(kind)
    except RuntimeError as e:
        raise ValueError(f"device: no {kind} device is available ({e}).") from None
    i = int(index or 0)
    if i >= len(devices):
        raise ValueError(
            f"device: {device_name!r} does not exist; {len(devices)} {kind} device(s) found."
        )
    return devices[i]


@contextlib.contextmanager
def device(device_name):
    """Places arrays created inside the block on `device_name` (e.g. `"cpu:0"`, `"gpu:1"`).

    Args:
        device_name: `"<kind>:<index>"` with kind `cpu`, `gpu` or `tpu`, or a JAX device.

    Returns:
        A context manager.

    Example:
    >>> from lamina import ops
    >>> with device("cpu:0"):
    ...     x = ops.ones((2,))
    >>> x.devices().pop().platform
    'cpu'
    """
    with jax.default_device(_jax_device(device_name)):
        yield


_REMAT: contextvars.ContextVar = contextvars.ContextVar("lamina_remat", default=None)


class RematScope:
    """Asks for rematerialization (recomputing activations in the backward pass instead of
    storing them) of the layers called inside the block.

    Args:
        mode: `"full"`, `"larger_than"`, `"list_of_layers"`, `"activations"` or `None`.
        output_size_threshold: the output size above which `"larger_than"` applies.
        layer_names: the layer names `"list_of_layers"` applies to.

    lamina records the setting (`RematScope.current()`) but does not yet change how layers are
    differentiated inside it: results are the same, memory use is not reduced. Use `remat` to
    rematerialize a function explicitly.

    Example:
    >>> with RematScope(mode="full"):
    ...     RematScope.current().mode
    'full'
    """

    _MODES = (None, "full", "larger_than", "list_of_layers", "activations")

    def __init__(self, mode="full", output_size_threshold=1024, layer_names=None):
        if mode not in self._MODES:
            raise ValueError(f"RematScope: `mode` must be one of {self._MODES}; received {mode!r}.")
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = list(layer_names or [])
        self._token = None

    @staticmethod
    def current():
        """The innermost active `RematScope`, or `None`."""
        return _REMAT.get()

    def __enter__(self):
        self._token = _REMAT.set(self)
        return self

    def __exit__(self, *exc):
        _REMAT.reset(self._token)


def remat(f):
    """`f` with rematerialization: its intermediate values are recomputed during the backward
    pass instead of being kept (`jax.checkpoint`). Same results, less memory.

    Args:
        f: a function of arrays.

    Returns:
        The wrapped function.

    Example:
    >>> from lamina import ops
    >>> g = remat(lambda x: ops.sin(x) * 2.0)
    >>> float(g(0.0))
    0.0
    """
    return functools.wraps(f)(jax.checkpoint(f))
