"""Randomness as state: seed generators and seed drawing.

A `SeedGenerator` holds its key in a non-trainable variable; drawing reads the key and assigns
the next one, so inside a state scope (e.g. a jitted train step) randomness is a pure function
of the state, and outside it the generator simply advances.
"""

from __future__ import annotations

import random as python_random

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core import state
from lamina.core.variable import Variable


def make_default_seed() -> int:
    """A fresh seed from Python's `random` (so `set_random_seed` makes it reproducible).

    Args:
        None.

    Returns:
        An int in `[1, 10**9]`.

    Example:
        >>> import random
        >>> from lamina.core.random import make_default_seed
        >>> random.seed(0)
        >>> first = make_default_seed()
        >>> random.seed(0)
        >>> make_default_seed() == first
        True
    """
    return python_random.randint(1, int(1e9))


def key_from_seed(seed: int):
    """The raw JAX random key data (two `uint32`) for an integer seed (taken modulo `2**32`).

    Args:
        seed: an int.

    Returns:
        A `uint32` array of shape `(2,)`.

    Example:
        >>> from lamina.core.random import key_from_seed
        >>> key_from_seed(42).shape, str(key_from_seed(42).dtype)
        ((2,), 'uint32')
    """
    return jax.random.key_data(jax.random.key(int(seed) % (2**32)))


class SeedGenerator:
    """A stateful source of JAX random keys, laid out as Keras's.

    The state is the raw key `[seed, counter]` (uint32); each draw returns the current state as
    the key and then increments the counter, so a seeded layer draws the same numbers as in
    Keras on JAX, and the state variable holds the same values as Keras's.

    Args:
        seed: an int; `None` draws one from Python's `random` (seeded by `set_random_seed`).
        name: the name of the generator (its state variable is `seed_generator_state`).

    Example:
    >>> import lamina as keras
    >>> gen = keras.random.SeedGenerator(42)
    >>> [int(v) for v in gen.state.value]
    [42, 0]
    >>> _ = gen.next()
    >>> [int(v) for v in gen.state.value]
    [42, 1]
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs):
        if seed is None:
            seed = make_default_seed()
        elif not isinstance(seed, (int, np.integer)):
            raise ValueError(f"SeedGenerator: `seed` must be an int, received seed={seed!r}.")
        self._initial_seed = int(seed)
        self.name = name or "seed_generator"
        with state.name_scope(self.name):
            self.state = Variable(
                np.array([int(seed) % (2**32), 0], dtype=np.uint32),
                dtype="uint32",
                trainable=False,
                name="seed_generator_state",
            )

    def next(self):
        """Returns a new raw key (uint32[2]: the current state) and advances the generator."""
        key_data = self.state.value
        self.state.assign(key_data + jnp.array([0, 1], dtype="uint32"))
        return key_data

    def get_config(self) -> dict:
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def int_seed_key(seed: int):
    """The key Keras on JAX makes of an int seed: the raw key `[seed, 0]` (so the same seed
    gives Keras's exact values).

    Args:
        seed: an int (taken modulo `2**32`).

    Returns:
        A typed `jax.random` key.

    Example:
        >>> import jax
        >>> from lamina.core.random import int_seed_key
        >>> jax.random.key_data(int_seed_key(7)).tolist()
        [7, 0]
    """
    return jax.random.wrap_key_data(jnp.array([int(seed) % (2**32), 0], dtype="uint32"))


def draw_key(seed):
    """A `jax.random` key from an int, a raw key, or a `SeedGenerator` (which advances).

    Args:
        seed: an int, raw key data (`uint32[2]`), a typed key, or a `SeedGenerator`.

    Returns:
        A typed `jax.random` key.

    Example:
        >>> import jax
        >>> import lamina as keras
        >>> from lamina.core.random import draw_key
        >>> generator = keras.random.SeedGenerator(1)
        >>> a, b = draw_key(generator), draw_key(generator)  # the generator advances
        >>> bool((jax.random.key_data(a) != jax.random.key_data(b)).any())
        True
    """
    if isinstance(seed, SeedGenerator):
        return jax.random.wrap_key_data(seed.next())
    if seed is None:
        scope = state.current_scope()
        if scope is not None and not getattr(scope, "symbolic", False):
            raise ValueError(
                "Drawing random numbers with seed=None inside a traced computation would give "
                "the same numbers at every step. Use a `SeedGenerator` created in `__init__`."
            )
        return jax.random.key(make_default_seed())
    if isinstance(seed, (int, np.integer)):
        return jax.random.key(int(seed) % (2**32))
    return jax.random.wrap_key_data(jnp.asarray(seed, dtype="uint32"))
