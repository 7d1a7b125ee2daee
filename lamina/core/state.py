"""The state scope: where variable reads and writes go.

A `StateScope` maps variables (by identity) to arrays. While one is active, `Variable.value`
reads from it and `Variable.assign` writes into it, so any stateful-looking computation can be
run as a pure function of arrays (inside `jax.jit`, `jax.grad`, `jax.eval_shape`, ...).

This module is the only place that decides where a read or a write goes.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from typing import Any

_SCOPE: contextvars.ContextVar[StateScope | None] = contextvars.ContextVar(
    "lamina_state_scope", default=None
)
_NAME_SCOPE: contextvars.ContextVar[tuple[tuple[str, int | None], ...]] = contextvars.ContextVar(
    "lamina_name_scope", default=()
)
_CALL_CONTEXT: contextvars.ContextVar[CallContext | None] = contextvars.ContextVar(
    "lamina_call_context", default=None
)
_AUTOCAST: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "lamina_autocast", default=None
)


class StateScope:
    """Maps variables to arrays for the duration of a `with` block.

    Args:
        state_mapping: iterable of `(variable, value)` pairs bound in the scope.
        collect_losses: whether `add_loss` calls inside the scope are collected here
            (instead of being stored on the layers).
        symbolic: whether the scope runs a shape-only trace (writes are discarded).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> v = keras.Variable(np.zeros(2, "float32"))
        >>> with keras.StateScope([(v, np.ones(2, "float32"))]):
        ...     print(v.numpy())
        [1. 1.]
        >>> v.numpy()  # the variable itself did not change
        array([0., 0.], dtype=float32)
    """

    def __init__(
        self,
        state_mapping: Iterable[tuple[Any, Any]] | None = None,
        collect_losses: bool = False,
        symbolic: bool = False,
    ):
        self.values: dict[int, Any] = {}
        self.variables: dict[int, Any] = {}
        self.collect_losses = collect_losses
        self.symbolic = symbolic
        self.losses: list[Any] = []
        self._token = None
        self.parent = None
        if state_mapping is not None:
            for variable, value in state_mapping:
                self.bind(variable, value)

    def bind(self, variable, value) -> None:
        self.values[id(variable)] = value
        self.variables[id(variable)] = variable

    def get(self, variable, default=None):
        key = id(variable)
        if key in self.values:
            return self.values[key]
        if self.parent is not None:
            return self.parent.get(variable, default)
        return default

    def add_loss(self, value) -> None:
        self.losses.append(value)

    def __enter__(self) -> StateScope:
        self.parent = _SCOPE.get()
        self._token = _SCOPE.set(self)
        return self

    def __exit__(self, *exc) -> None:
        _SCOPE.reset(self._token)
        self._token = None
        self.parent = None


def current_scope() -> StateScope | None:
    """The innermost active state scope (`StateScope`, `StatelessScope`, `SymbolicScope`), or
    None.

    Args:
        None.

    Returns:
        A `StateScope`, or None.

    Example:
        >>> import lamina as keras
        >>> from lamina.core.state import current_scope
        >>> current_scope() is None
        True
        >>> with keras.StateScope() as scope:
        ...     current_scope() is scope
        True
    """
    return _SCOPE.get()


def in_symbolic_scope() -> bool:
    """Whether a shape-only (symbolic) trace is running: an enclosing scope is symbolic.

    Args:
        None.

    Returns:
        A bool.

    Example:
        >>> import lamina as keras
        >>> from lamina.core.state import in_symbolic_scope
        >>> with keras.SymbolicScope():
        ...     in_symbolic_scope()
        True
        >>> in_symbolic_scope()
        False
    """
    scope = _SCOPE.get()
    while scope is not None:
        if scope.symbolic:
            return True
        scope = scope.parent
    return False


class name_scope:
    """Prefixes the paths of variables created inside the block with `name/`.

    With an `owner`, re-entering the scope of the object that is already innermost adds nothing
    (a layer's `add_weight` called from its own `build`).

    Args:
        name: the path component to add.
        owner: the object opening the scope (its own nested scopes add nothing).

    Example:
        >>> import lamina as keras
        >>> from lamina.core.state import name_scope
        >>> with name_scope("encoder"):
        ...     keras.Variable(initializer="zeros", shape=(2,), name="bias").path
        'encoder/bias'
    """

    def __init__(self, name: str, owner=None):
        self.name = name
        self.owner = None if owner is None else id(owner)
        self._token = None

    def __enter__(self):
        stack = _NAME_SCOPE.get()
        if self.owner is not None and stack and stack[-1][1] == self.owner:
            return self
        self._token = _NAME_SCOPE.set(stack + ((self.name, self.owner),))
        return self

    def __exit__(self, *exc):
        if self._token is not None:
            _NAME_SCOPE.reset(self._token)
            self._token = None


def current_path() -> str:
    """The path of the active name scopes, joined by `/` (`""` outside any).

    Args:
        None.

    Returns:
        A string.

    Example:
        >>> from lamina.core.state import current_path, name_scope
        >>> with name_scope("outer"), name_scope("inner"):
        ...     current_path()
        'outer/inner'
    """
    return "/".join(name for name, _ in _NAME_SCOPE.get())


class CallContext:
    """What the outer calls decided, seen by the layers they call.

    Attributes:
        training: the resolved `training` flag.
        batch_mask: a 0/1 array over the batch axis marking real samples, set by the training
            engine when it pads a partial batch; layers that reduce over the batch (activity
            regularizers, batch statistics) weight by it.

    Args:
        training: the resolved `training` flag (None: not decided).
        batch_mask: the 0/1 array of real samples, or None.

    Example:
        >>> from lamina.core.state import CallContext
        >>> CallContext(training=True).training
        True
    """

    def __init__(self, training=None, batch_mask=None):
        self.training = training
        self.batch_mask = batch_mask


def current_call_context() -> CallContext | None:
    """The `CallContext` of the outermost layer call in progress, or None outside any call.

    Args:
        None.

    Returns:
        A `CallContext`, or None.

    Example:
        >>> from lamina.core.state import call_context, current_call_context
        >>> current_call_context() is None
        True
        >>> with call_context(training=False):
        ...     current_call_context().training
        False
    """
    return _CALL_CONTEXT.get()


def current_batch_mask():
    """The engine's mask of real samples in the current batch, or None.

    Args:
        None.

    Returns:
        An array, or None.

    Example:
        >>> import numpy as np
        >>> from lamina.core.state import call_context, current_batch_mask
        >>> with call_context(batch_mask=np.array([1.0, 1.0, 0.0])):
        ...     current_batch_mask().tolist()
        [1.0, 1.0, 0.0]
    """
    ctx = _CALL_CONTEXT.get()
    return None if ctx is None else ctx.batch_mask


class call_context:
    """Sets the `CallContext` (the `training` flag and the batch mask) that layers called inside
    the block see; the outermost layer call opens one.

    Args:
        training: the resolved `training` flag.
        batch_mask: the 0/1 array of real samples, or None.

    Example:
        >>> from lamina.core.state import call_context, current_call_context
        >>> with call_context(training=True) as ctx:
        ...     current_call_context() is ctx
        True
    """

    def __init__(self, training=None, batch_mask=None):
        self.ctx = CallContext(training, batch_mask)
        self._token = None

    def __enter__(self) -> CallContext:
        self._token = _CALL_CONTEXT.set(self.ctx)
        return self.ctx

    def __exit__(self, *exc):
        _CALL_CONTEXT.reset(self._token)


def current_autocast() -> str | None:
    """The dtype float variables are read as inside the current layer call, or None.

    Args:
        None.

    Returns:
        A dtype name, or None.

    Example:
        >>> from lamina.core.state import autocast_scope, current_autocast
        >>> with autocast_scope("bfloat16"):
        ...     current_autocast()
        'bfloat16'
    """
    return _AUTOCAST.get()


class autocast_scope:
    """Inside a mixed-precision layer's call, float variables read as `dtype` (None: as stored).

    Args:
        dtype: the dtype float variables are read as, or None.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> from lamina.core.state import autocast_scope
        >>> v = keras.Variable(np.ones(2, "float32"))
        >>> with autocast_scope("float16"):
        ...     v.value.dtype
        dtype('float16')
    """

    def __init__(self, dtype: str | None):
        self.dtype = dtype
        self._token = None

    def __enter__(self):
        self._token = _AUTOCAST.set(self.dtype)
        return self

    def __exit__(self, *exc):
        _AUTOCAST.reset(self._token)
