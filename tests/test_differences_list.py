"""The "not yet provided" list in docs/differences.md against what the namespaces export: every
name listed there is absent from lamina and present in Keras, and every public name Keras exports
that lamina lacks is listed, so the list cannot go stale."""

import importlib
import re
import types
from pathlib import Path

import pytest

import lamina

keras = pytest.importorskip("keras")

DOC = Path(__file__).resolve().parent.parent / "docs" / "differences.md"
SECTION = "## Namespaces not (yet) provided"
# Keras sub-namespaces that lamina has only as modules of its implementation (their own row in
# the section says so); the names they lack are not listed one by one.
PARTIAL: tuple[str, ...] = ()


def _section_rows() -> list[str]:
    text = DOC.read_text()
    body = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in body.splitlines() if line.startswith("| ")]
    return [row.split(" | ")[0].lstrip("| ") for row in rows[1:]]  # first column, no header


def _expand(token: str) -> list[str]:
    """`ConvLSTM1D/2D/3D` -> three names; other tokens stay as they are."""
    head, *tails = token.split("/")
    if tails and all(re.fullmatch(r"\dD", t) for t in tails):
        return [head] + [head[:-2] + t for t in tails]
    return [token]


def listed_names() -> set[str]:
    """Fully qualified Keras names (`keras.layers.EinsumDense`; `keras.layers.AdaptiveMaxPooling*`
    for a prefix) named in the first column of the section's rows."""
    names: set[str] = set()
    for cell in _section_rows():
        namespace = "keras"
        if cell.startswith("the `keras.ops.nn`"):
            continue  # the PARTIAL row
        for token in re.findall(r"`([^`]+)`", cell):
            for name in _expand(token):
                if not name.startswith("keras.") and "." in name:
                    name = "keras." + name  # `ops.image`
                if name.startswith("keras."):
                    if re.search(re.escape(f"`{name}` not yet in lamina"), cell):
                        namespace = name  # the row's namespace, not a name itself
                        continue
                    namespace = name.rsplit(".", 1)[0]
                    names.add(name)
                else:
                    names.add(f"{namespace}.{name}")
    return names


def _lamina_module(keras_namespace: str):
    """lamina's object for a Keras namespace, by attribute (`lamina.ops.linalg` is a namespace
    object of `lamina.ops`, not the implementation module of the same dotted name)."""
    obj = lamina
    for part in keras_namespace.split(".")[1:]:
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _public(module) -> set[str]:
    return {n for n in dir(module) if not n.startswith("_")}


def _present(namespace_module, name: str) -> bool:
    if name.endswith("*"):
        return any(n.startswith(name[:-1]) for n in _public(namespace_module))
    return name in _public(namespace_module)


def keras_names_lamina_lacks() -> set[str]:
    """Every public name of every Keras namespace that lamina also has, missing in lamina."""
    missing, todo, seen = set(), ["keras"], set()
    while todo:
        namespace = todo.pop()
        if namespace in seen or namespace in PARTIAL:
            continue
        seen.add(namespace)
        kmod, lmod = importlib.import_module(namespace), _lamina_module(namespace)
        for name in _public(kmod) - {"src", "version"}:
            value = getattr(kmod, name)
            qualified = f"{namespace}.{name}"
            if name not in _public(lmod):
                missing.add(qualified)
            elif isinstance(value, types.ModuleType) and value.__name__ == qualified:
                todo.append(qualified)
    return missing


def test_section_parses_into_names():
    names = listed_names()
    assert len(names) >= 2  # shrinks as names get built (the two below always stay)
    assert {"keras.layers.TFSMLayer", "keras.layers.TorchModuleWrapper"} <= names
    assert _expand("Pool1D/2D/3D") == ["Pool1D", "Pool2D", "Pool3D"]


def test_every_listed_name_is_absent_from_lamina_and_present_in_keras():
    provided, unknown = [], []
    for qualified in sorted(listed_names()):
        namespace, name = qualified.rsplit(".", 1)
        lmod = _lamina_module(namespace)
        if lmod is not None and _present(lmod, name):
            provided.append(qualified)
        if not _present(importlib.import_module(namespace), name):
            unknown.append(qualified)
    assert not provided, f"listed as not yet provided, but lamina has them: {provided}"
    assert not unknown, f"listed as not yet provided, but Keras has no such name: {unknown}"


def test_every_name_lamina_lacks_is_listed():
    listed = listed_names()
    prefixes = [n[:-1] for n in listed if n.endswith("*")]
    unlisted = sorted(
        n
        for n in keras_names_lamina_lacks()
        if n not in listed and not n.startswith(tuple(prefixes))
    )
    assert not unlisted, (
        "Keras exports these names and lamina does not, but docs/differences.md does not list "
        f"them under '{SECTION[3:]}': {unlisted}"
    )


def test_partial_namespaces_have_their_row():
    text = DOC.read_text().split(SECTION, 1)[1]
    assert all(f"`{ns}`" in text for ns in PARTIAL)
    assert all(hasattr(lamina.ops, ns.rsplit(".", 1)[1]) for ns in PARTIAL)
