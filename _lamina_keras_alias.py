"""Makes `import keras` give lamina (see `lamina.install_as_keras`).

This module is deliberately tiny and imports nothing of lamina until a `keras` module is
actually imported, so that a `.pth` file can install the alias for a whole interpreter without
slowing down programs that never import Keras.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types

KERAS_API_VERSION = "3.15.1"

# Keras internals (`keras.src.*`) that the libraries around Keras import, mapped onto lamina's
# modules. Only what KerasTuner and scikeras reach for; anything else is refused by name.
SRC_MODULES = {
    "keras.src": None,  # a namespace for the entries below
    "keras.src.ops": "lamina.ops",
    "keras.src.backend": "lamina.backend",
    "keras.src.layers": "lamina.layers",
    "keras.src.models": "lamina.models",
    "keras.src.saving": "lamina.saving",
    "keras.src.saving.saving_lib": "lamina.saving.saving_lib",
    "keras.src.utils": "lamina.utils",
}


def _alias_top():
    import lamina

    module = types.ModuleType("keras", lamina.__doc__)
    public = {k: v for k, v in vars(lamina).items() if not k.startswith("__")}
    module.__dict__.update(public)
    module.__version__ = KERAS_API_VERSION
    module.__path__ = []  # a package: `import keras.layers` goes through the finder
    module.__all__ = sorted(k for k in public if not k.startswith("_"))
    module.__lamina_alias__ = True

    def version() -> str:
        """The Keras API version lamina implements (lamina's own: `lamina.__version__`)."""
        return KERAS_API_VERSION

    module.version = version

    def __getattr__(name):
        return getattr(lamina, name)

    module.__getattr__ = __getattr__
    return module


def _src_namespace():
    module = types.ModuleType("keras.src", "Keras internals that lamina maps onto its modules.")
    module.__path__ = []
    module.__lamina_alias__ = True
    return module


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves `keras` and `keras.<name>` to lamina's modules."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras" and not fullname.startswith("keras."):
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=True)

    def create_module(self, spec):
        name = spec.name
        if name == "keras":
            return _alias_top()
        if name == "keras.src":
            return _src_namespace()
        if name.startswith("keras.src."):
            target = SRC_MODULES.get(name)
            if target is None:
                raise ModuleNotFoundError(
                    f"No module named {name!r}: it is a Keras internal (keras.src) that lamina "
                    f"does not provide. lamina, installed as `keras`, maps the public Keras API "
                    f"and a few internals that KerasTuner and scikeras use; import the public "
                    f"name (keras.{name.split('.')[2]}...) instead.",
                    name=name,
                )
            return importlib.import_module(target)
        target = "lamina." + name[len("keras.") :]
        try:
            return importlib.import_module(target)
        except ModuleNotFoundError as err:
            if err.name != target:
                raise
            raise ModuleNotFoundError(
                f"No module named {name!r}: lamina (installed as `keras`) has no {target!r}.",
                name=name,
            ) from None

    def exec_module(self, module):
        pass


_FINDER = _Finder()


def installed() -> bool:
    return _FINDER in sys.meta_path


def install() -> None:
    """Installs the alias; idempotent. Refuses if the real Keras was already imported."""
    existing = sys.modules.get("keras")
    if existing is not None and not getattr(existing, "__lamina_alias__", False):
        raise RuntimeError(
            "install_as_keras(): the real Keras was already imported in this process "
            f"({getattr(existing, '__file__', existing)!r}), so `keras` can no longer be "
            "redirected to lamina. Call lamina.install_as_keras() before anything imports "
            "keras (first lines of your program), or set LAMINA_AS_KERAS=1 in the environment "
            "and import lamina first."
        )
    if not installed():
        sys.meta_path.insert(0, _FINDER)
