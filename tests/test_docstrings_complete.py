"""Every public class and function of the listed namespaces documents its arguments (`Args:`)
and shows a `>>>` example (which tests/test_docstring_examples.py executes).

"Public" means a name without a leading underscore, defined (its `__module__`) in a module of
the namespace's package, private modules included: the API reference reaches those names
through the public modules that import them. A callable that takes no argument needs no
`Args:` section.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

NAMESPACES = (
    "activations",
    "applications",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "core",
    "datasets",
    "distillation",
    "distribution",
    "dtype_policies",
    "export",
    "initializers",
    "layers",
    "legacy",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "preprocessing",
    "quantizers",
    "regularizers",
    "saving",
    "training",
    "utils",
    "visualization",
    "wrappers",
)

# Objects allowed to go without `Args:` or an example, each with the reason.
EXCLUDED: dict[str, str] = {}


def _modules(namespace):
    package = importlib.import_module(f"lamina.{namespace}")
    modules = [package]
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        modules.append(importlib.import_module(info.name))
    return modules


def _takes_arguments(obj) -> bool:
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return True
    return bool(signature.parameters)


def _public_objects(namespace):
    found = {}
    for module in _modules(namespace):
        for name, obj in vars(module).items():
            if name.startswith("_"):
                continue
            # Functions wrapped by decorators (`functools.cache`, ...) count as functions.
            if not (inspect.isclass(obj) or inspect.isfunction(inspect.unwrap(obj))):
                continue
            if getattr(obj, "__module__", None) != module.__name__:
                continue
            found[f"{module.__name__}.{getattr(obj, '__qualname__', name)}"] = obj
    return found


def missing(namespace):
    """`(qualified name, what is missing)` for each incomplete docstring of `namespace`."""
    rows = []
    for qualname, obj in sorted(_public_objects(namespace).items()):
        if qualname in EXCLUDED:
            continue
        doc = inspect.getdoc(obj) or ""
        lacks = []
        if "Args:" not in doc and _takes_arguments(obj):
            lacks.append("Args:")
        if ">>>" not in doc:
            lacks.append("example")
        if lacks:
            rows.append((qualname, " and ".join(lacks)))
    return rows


def test_exclusions_name_real_objects():
    known = set()
    for namespace in NAMESPACES:
        known.update(_public_objects(namespace))
    assert sorted(set(EXCLUDED) - known) == []


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_docstrings_complete(namespace):
    rows = missing(namespace)
    assert rows == [], f"{len(rows)} public objects of lamina.{namespace} lack:\n" + "\n".join(
        f"  {name}: {what}" for name, what in rows
    )


if __name__ == "__main__":
    import sys

    for namespace in sys.argv[1:] or NAMESPACES:
        rows = missing(namespace)
        print(namespace, len(rows))
        for name, what in rows:
            print(f"  {name}: {what}")
