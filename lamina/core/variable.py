"""`Variable`: a named, stateful-looking array whose reads and writes follow the state scope."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax._src import core as jax_core

from lamina.core import state
from lamina.core.config import floatx

# A counter bumped whenever a variable is created, a variable's `trainable` flag changes, or a
# layer or variable is attached to (or detached from) another layer: caches keyed on a model's
# variable lists (its jitted call, its step builder) compare it instead of walking the layers.
_STRUCTURE = [0]


def _under_trace() -> bool:
    return not jax_core.trace_state_clean()


def bump_structure() -> None:
    """Records that the set of variables changed (a layer built, an optimizer's slots created), so
    compiled functions keyed on `structure_version()` are rebuilt.

    Args:
        None.

    Example:
        >>> from lamina.core.variable import bump_structure, structure_version
        >>> before = structure_version()
        >>> bump_structure()
        >>> structure_version() == before + 1
        True
    """
    _STRUCTURE[0] += 1


def structure_version() -> int:
    """A counter of variable-structure changes (see `bump_structure`); compiled functions remember
    the value they were built at.

    Args:
        None.

    Returns:
        An int.

    Example:
        >>> import lamina as keras
        >>> from lamina.core.variable import structure_version
        >>> before = structure_version()
        >>> keras.layers.Dense(2).build((None, 3))
        >>> structure_version() >= before
        True
    """
    return _STRUCTURE[0]


def standardize_dtype(dtype) -> str:
    """Returns a dtype's canonical name (`'float32'`, `'int32'`, ...).

    Args:
        dtype: a name, a NumPy or JAX dtype, a Python or NumPy scalar type (`int` is int32,
            `float` is float32), or None (`keras.config.floatx()`).

    Returns:
        The dtype's name as a string.

    Example:
    >>> import numpy as np
    >>> import lamina
    >>> lamina.backend.standardize_dtype(np.float16), lamina.backend.standardize_dtype(int)
    ('float16', 'int32')
    """
    if dtype is None:
        return floatx()
    if isinstance(dtype, type):  # Python and NumPy scalar types, as Keras accepts them
        python = {
            bool: "bool",
            int: "int32",
            float: "float32",
            complex: "complex64",
            str: "string",
        }
        if dtype in python:
            return python[dtype]
        if issubclass(dtype, np.generic):
            dtype = np.dtype(dtype)
        elif isinstance(getattr(dtype, "dtype", None), np.dtype):  # jnp.float32, jnp.bfloat16
            dtype = dtype.dtype
    if hasattr(dtype, "name") and not isinstance(dtype, str):
        name = dtype.name
    else:
        name = str(dtype)
    if name in ("float", "float64") and not jax.config.jax_enable_x64:
        return "float32" if name == "float" else name
    if name == "int":
        return "int32"
    if name in ("string", "str"):
        return "string"  # string inputs of preprocessing layers (Keras's name)
    try:
        return np.dtype(name).name if name != "bfloat16" else "bfloat16"
    except TypeError as e:
        raise ValueError(f"Invalid dtype: {dtype!r}.") from e


def is_float_dtype(dtype) -> bool:
    """Whether `dtype` is a floating-point dtype.

    Args:
        dtype: a dtype or dtype name.

    Returns:
        A bool.

    Example:
        >>> from lamina.core.variable import is_float_dtype
        >>> is_float_dtype("bfloat16"), is_float_dtype("int32")
        (True, False)
    """
    return "float" in standardize_dtype(dtype)


class Variable:
    """A value that layers, optimizers and metrics read and update.

    Args:
        initializer: an array, or a callable `initializer(shape, dtype)` (or the name of a
            built-in initializer) producing the initial value.
        shape: required when `initializer` is a callable.
        dtype: the variable's dtype (default: the initial value's, or `floatx()`).
        trainable: whether gradients are taken with respect to this variable.
        autocast: inside a layer with a mixed-precision policy, read the variable in the
            layer's compute dtype (float variables only).
        aggregation: how replicas combine updates (`"none"`, `"mean"`, `"sum"`,
            `"only_first_replica"`); kept with the variable, as in Keras.
        synchronization: kept for Keras compatibility (`"auto"`, `"on_read"`, ...).
        name: the variable's name (no `/`); its `path` also carries the enclosing name scopes.
        layout: a `keras.distribution.TensorLayout` (or sharding) to place the variable with.
        regularizer, constraint: attached objects read by the training engine.
        overwrite_with_gradient: the optimizer replaces the variable by its "gradient" instead
            of applying an update (used by float8 scale bookkeeping).

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> v = keras.Variable(np.array([1.0, 2.0]), name="v")
        >>> v.shape, v.dtype, v.trainable
        ((2,), 'float32', True)
        >>> _ = v.assign_add(np.array([1.0, 1.0]))
        >>> v.numpy()
        array([2., 3.], dtype=float32)
        >>> float(keras.Variable(initializer="ones", shape=(2, 2)).numpy().sum())
        4.0
    """

    def __init__(
        self,
        initializer,
        shape=None,
        dtype=None,
        trainable: bool = True,
        autocast: bool = True,
        aggregation: str = "none",
        synchronization: str = "auto",
        name: str | None = None,
        layout=None,
        regularizer=None,
        constraint=None,
        overwrite_with_gradient: bool = False,
    ):
        name = name or "variable"
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"Variable name must be a string without '/', received name={name!r}.")
        self.name = name
        parent = state.current_path()
        self.path = f"{parent}/{name}" if parent else name
        self.trainable = bool(trainable)
        self.autocast = autocast
        self.aggregation = aggregation
        self.synchronization = synchronization
        self.regularizer = regularizer
        self.constraint = constraint
        self.overwrite_with_gradient = overwrite_with_gradient
        self._layout = layout
        if isinstance(initializer, str):
            from lamina import initializers

            initializer = initializers.get(initializer)
        if callable(initializer):
            if shape is None:
                raise ValueError(
                    f"Variable '{self.path}': when `initializer` is a callable, `shape` is "
                    "required. Pass shape=(...)."
                )
            self._dtype = standardize_dtype(dtype)
            self._shape = tuple(int(d) for d in shape)
            # Created outside traces: compute the initial value eagerly even when the owning
            # layer is first built inside a trace (e.g. a lazily built sublayer).
            if _under_trace():
                with jax.ensure_compile_time_eval():
                    value = initializer(self._shape, dtype=self._dtype)
            else:
                # (Outside traces: plain calls; compile-time evaluation would compile each of
                # the random generator's inner jitted pieces on its own.)
                value = initializer(self._shape, dtype=self._dtype)
            value = jnp.asarray(value, dtype=self._dtype)
        else:
            value = jnp.asarray(initializer) if dtype is None else jnp.asarray(initializer, dtype)
            if dtype is None and is_float_dtype(value.dtype):
                value = value.astype(floatx())
            self._dtype = standardize_dtype(value.dtype)
            self._shape = tuple(value.shape)
            if shape is not None and tuple(shape) != self._shape:
                raise ValueError(
                    f"Variable '{self.path}': initial value has shape {self._shape}, "
                    f"but shape={tuple(shape)} was given."
                )
        if tuple(value.shape) != self._shape:
            raise ValueError(
                f"Variable '{self.path}': the initializer returned shape {tuple(value.shape)}, "
                f"expected {self._shape}."
            )
        self._value = value
        _STRUCTURE[0] += 1

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        value = bool(value)
        if value != self.__dict__.get("_trainable"):
            self._trainable = value
            _STRUCTURE[0] += 1

    # --- reading -----------------------------------------------------------------------------
    @property
    def value(self):
        value = self._value
        scope = state.current_scope()
        if scope is not None:
            found = scope.get(self)
            if found is not None:
                value = found
        if self.autocast:
            dtype = state.current_autocast()
            if dtype is not None and dtype != self._dtype and "float" in self._dtype:
                value = value.astype(dtype)
        return value

    @property
    def shape(self) -> tuple:
        return self._shape

    @property
    def dtype(self) -> str:
        return self._dtype

    @property
    def ndim(self) -> int:
        return len(self._shape)

    @property
    def size(self) -> int:
        return int(np.prod(self._shape, dtype=np.int64))

    def numpy(self) -> np.ndarray:
        # A value sharded over several processes is gathered first (every process must call).
        from lamina.distribution.multihost import to_host

        return to_host(self.value)

    # --- writing -----------------------------------------------------------------------------
    def _check(self, value):
        value = jnp.asarray(value)
        if tuple(value.shape) != self._shape:
            raise ValueError(
                f"Variable '{self.path}' has shape {self._shape}, but the value assigned has "
                f"shape {tuple(value.shape)}. Assign a value of shape {self._shape}."
            )
        if standardize_dtype(value.dtype) != self._dtype:
            value = value.astype(self._dtype)
        return value

    def assign(self, value):
        value = self._check(value)
        scope = state.current_scope()
        if scope is not None:
            scope.bind(self, value)
        else:
            self._value = value
        return value

    def assign_add(self, value):
        return self.assign(self.value + value)

    def assign_sub(self, value):
        return self.assign(self.value - value)

    # --- array protocol ----------------------------------------------------------------------
    def __jax_array__(self):
        return self.value

    def __array__(self, dtype=None, copy=None):
        out = np.asarray(self.value)
        return out.astype(dtype) if dtype is not None else out

    def __len__(self):
        return self._shape[0]

    def __getitem__(self, idx):
        return self.value[idx]

    def __repr__(self) -> str:
        return (
            f"<Variable path={self.path}, shape={self._shape}, dtype={self._dtype}, "
            f"value={np.asarray(self._value)!r}>"
        )

    def __bool__(self):
        raise TypeError("A Variable cannot be used as a boolean.")

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    # Identity hashing: variables are keys in dicts and sets.
    __hash__ = object.__hash__

    def __neg__(self):
        return -self.value

    def __pos__(self):
        return self.value

    def __abs__(self):
        return jnp.abs(self.value)


def _binary(op, reflected=False):
    def method(self, other):
        other = other.value if isinstance(other, Variable) else other
        return op(other, self.value) if reflected else op(self.value, other)

    return method


for _name, _op in {
    "add": jnp.add,
    "sub": jnp.subtract,
    "mul": jnp.multiply,
    "truediv": jnp.true_divide,
    "floordiv": jnp.floor_divide,
    "mod": jnp.mod,
    "pow": jnp.power,
    "matmul": jnp.matmul,
}.items():
    setattr(Variable, f"__{_name}__", _binary(_op))
    setattr(Variable, f"__r{_name}__", _binary(_op, reflected=True))
for _name, _op in {
    "lt": jnp.less,
    "le": jnp.less_equal,
    "gt": jnp.greater,
    "ge": jnp.greater_equal,
}.items():
    setattr(Variable, f"__{_name}__", _binary(_op))
