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

# Keras internals (`keras.src.*`) that the libraries around Keras import, mapped onto lamina.
# Only what KerasTuner, scikeras and KerasHub reach for; any other path is refused by name.
# A value is a lamina module (the path *is* that module), None (an empty package whose entries
# follow below), or a dict that builds a namespace module: `name: "module:attribute"` entries, and
# `"*": module` (or a list of modules) for all public names of a module.
SRC_MODULES = {
    "keras.src": None,
    "keras.src.ops": "lamina.ops",
    "keras.src.backend": {
        "*": "lamina.backend",
        "KerasTensor": "lamina.core.symbolic:KerasTensor",
        "get_keras_mask": "lamina.core.masking:get_keras_mask",
        "set_keras_mask": "lamina.core.masking:set_keras_mask",
    },
    "keras.src.layers": "lamina.layers",
    "keras.src.models": "lamina.models",
    "keras.src.saving": {"*": "lamina.saving"},
    "keras.src.saving.saving_lib": "lamina.saving.saving_lib",
    "keras.src.saving.serialization_lib": {
        "serialize_keras_object": "lamina.core.serialization:serialize_keras_object",
        "deserialize_keras_object": "lamina.core.serialization:deserialize_keras_object",
        "in_safe_mode": "lamina.core.config:in_safe_mode",
        "SafeModeScope": "lamina.core.config:SafeModeScope",
    },
    "keras.src.losses": {"*": "lamina.losses"},
    "keras.src.losses.losses": "lamina.losses.losses",
    "keras.src.distribution": {"*": "lamina.distribution"},
    "keras.src.distribution.distribution_lib": "lamina.distribution.distribution_lib",
    "keras.src.utils": {"*": "lamina.utils"},
    "keras.src.utils.backend_utils": {
        "in_tf_graph": "lamina.legacy.keras_src:in_tf_graph",
        "in_grain_data_pipeline": "lamina.legacy.keras_src:in_grain_data_pipeline",
    },
    "keras.src.trainers": None,
    "keras.src.trainers.data_adapters": None,
    "keras.src.trainers.data_adapters.data_adapter_utils": {
        "class_weight_to_sample_weights": "lamina.training.data:class_weight_to_sample_weights",
    },
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


def _src_namespace(name: str, entries: dict | None = None):
    """A package module `name` holding what `entries` (a `SRC_MODULES` dict) names."""
    module = types.ModuleType(name, "Keras internals that lamina maps onto its modules.")
    module.__path__ = []
    module.__lamina_alias__ = True
    for key, target in (entries or {}).items():
        if key == "*":
            for source in [target] if isinstance(target, str) else target:
                source_module = importlib.import_module(source)
                names = getattr(source_module, "__all__", None) or [
                    n for n in vars(source_module) if not n.startswith("_")
                ]
                for attr in names:
                    if hasattr(source_module, attr):
                        setattr(module, attr, getattr(source_module, attr))
        else:
            source, _, attr = target.partition(":")
            setattr(module, key, getattr(importlib.import_module(source), attr))
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
        if name == "keras.src" or name.startswith("keras.src."):
            if name not in SRC_MODULES:
                raise ModuleNotFoundError(
                    f"No module named {name!r}: it is a Keras internal (keras.src) that lamina "
                    f"does not provide. lamina, installed as `keras`, maps the public Keras API "
                    f"and the few internals that KerasTuner, scikeras and KerasHub use; import "
                    f"the public name (keras.{name.split('.')[2]}...) instead.",
                    name=name,
                )
            target = SRC_MODULES[name]
            if isinstance(target, str):
                return importlib.import_module(target)
            return _src_namespace(name, target)
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
