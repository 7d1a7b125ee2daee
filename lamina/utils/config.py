"""`Config`: a dict-like container of named values with attribute access and freezing."""

from __future__ import annotations

import copy
import difflib
import json


class Config:
    """A dict-like container for named values (Keras's `keras.utils.Config`).

    Values are read and set as attributes or items (`config.lr = 0.1`, `config["lr"]`); `freeze()`
    forbids further changes, `as_dict()` and `to_json()` export the values. Iteration yields the
    keys in sorted order.

    Args:
        **kwargs: the initial names and values.

    Example:
        >>> from lamina.utils import Config
        >>> config = Config(learning_rate=0.1, layers=[64, 32])
        >>> config.epochs = 5
        >>> config["learning_rate"], sorted(config.keys())
        (0.1, ['epochs', 'layers', 'learning_rate'])
        >>> config.freeze()
        >>> config.epochs = 6
        Traceback (most recent call last):
        ...
        ValueError: Cannot mutate attribute(s) because the config is frozen.
    """

    __attrs__ = None

    def __init__(self, **kwargs):
        self._config = kwargs
        self._frozen = False
        self.__attrs__ = set(dir(self))

    @property
    def frozen(self) -> bool:
        """True once `freeze()` was called (and `unfreeze()` was not)."""
        return self._frozen

    def freeze(self) -> None:
        """Marks the config as frozen, preventing any further modification."""
        self._frozen = True

    def unfreeze(self) -> None:
        """Allows modifications again."""
        self._frozen = False

    def _raise_if_frozen(self):
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen.")

    def as_dict(self) -> dict:
        """A shallow copy of the values as a plain dict."""
        return copy.copy(self._config)

    def to_json(self) -> str:
        """The values as a JSON string."""
        return json.dumps(self._config)

    def keys(self):
        """The names, as `dict.keys()`."""
        return self._config.keys()

    def values(self):
        """The values, as `dict.values()`."""
        return self._config.values()

    def items(self):
        """The `(name, value)` pairs, as `dict.items()`."""
        return self._config.items()

    def pop(self, *args):
        """Removes a name and returns its value, as `dict.pop` (not when frozen)."""
        self._raise_if_frozen()
        return self._config.pop(*args)

    def update(self, *args, **kwargs):
        """Updates values, as `dict.update` (not when frozen)."""
        self._raise_if_frozen()
        return self._config.update(*args, **kwargs)

    def get(self, keyname, value=None):
        """The value of `keyname`, or `value` when absent."""
        return self._config.get(keyname, value)

    def __setattr__(self, name, value):
        attrs = object.__getattribute__(self, "__attrs__")
        if attrs is None or name in attrs:
            return object.__setattr__(self, name, value)
        self._raise_if_frozen()
        self._config[name] = value

    def __getattr__(self, name):
        attrs = object.__getattribute__(self, "__attrs__")
        if attrs is None or name in attrs:
            return object.__getattribute__(self, name)
        if name in self._config:
            return self._config[name]
        msg = f"Unknown attribute: '{name}'."
        close = difflib.get_close_matches(name, self._config.keys(), n=1, cutoff=0.7)
        if close:
            msg += f" Did you mean '{close[0]}'?"
        raise AttributeError(msg)

    def __setitem__(self, key, item):
        self._raise_if_frozen()
        self._config[key] = item

    def __getitem__(self, key):
        return self._config[key]

    def __delitem__(self, key):
        self._raise_if_frozen()
        del self._config[key]

    def __contains__(self, item) -> bool:
        return item in self._config

    def __iter__(self):
        yield from sorted(self._config.keys())

    def __len__(self) -> int:
        return len(self._config)

    def __repr__(self) -> str:
        return f"<Config {self._config}>"
