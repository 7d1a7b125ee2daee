"""Writes one markdown page per public lamina namespace from the code's docstrings.

Run it directly (`python docs/gen_api.py [OUT_DIR]`, default `docs/api`) or let MkDocs run it
as a hook (`hooks: [docs/gen_api.py]` in mkdocs.yml) before each build.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import types
import typing
from pathlib import Path

NAMESPACES = [
    "lamina",
    "lamina.layers",
    "lamina.models",
    "lamina.optimizers",
    "lamina.losses",
    "lamina.metrics",
    "lamina.activations",
    "lamina.initializers",
    "lamina.regularizers",
    "lamina.constraints",
    "lamina.callbacks",
    "lamina.utils",
    "lamina.datasets",
    "lamina.saving",
    "lamina.ops",
    "lamina.mixed_precision",
    "lamina.config",
    "lamina.backend",
    "lamina.random",
    "lamina.tree",
    "lamina.export",
    "lamina.dtype_policies",
    "lamina.applications",
    "lamina.distribution",
    "lamina.distillation",
    "lamina.preprocessing",
    "lamina.quantizers",
    "lamina.wrappers",
    "lamina.visualization",
]

HERE = Path(__file__).resolve().parent


def public_symbols(module, own_only: bool = False) -> dict[str, object]:
    """The public names of `module` (its `__all__`, else non-underscore non-module names).

    With `own_only`, functions and classes imported from elsewhere are left out.
    """
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            n
            for n, v in vars(module).items()
            if not n.startswith("_")
            and not isinstance(v, types.ModuleType)
            and type(v).__module__ != "__future__"
            and not (own_only and callable(v) and getattr(v, "__module__", None) != module.__name__)
        ]
    return {n: getattr(module, n) for n in sorted(names, key=str.lower)}


# Sub-modules that are public namespaces in Keras too (`keras.datasets.mnist`, ...); None: all.
SUBNAMESPACES = {
    "lamina.applications": None,
    "lamina.datasets": None,
    "lamina.optimizers": ["schedules"],
    "lamina.preprocessing": ["image", "sequence"],
}


def submodules(namespace: str, module) -> list[str]:
    """The public sub-namespaces of `namespace` that get their own section."""
    if namespace not in SUBNAMESPACES:
        return []
    wanted = SUBNAMESPACES[namespace]
    return sorted(
        n
        for n, v in vars(module).items()
        if isinstance(v, types.ModuleType)
        and not n.startswith("_")
        and v.__name__.startswith(module.__name__ + ".")
        and (wanted is None or n in wanted)
    )


class _Annotation(str):
    """An annotation kept as text (`from __future__ import annotations`), shown unquoted."""

    def __repr__(self) -> str:
        return str(self)


def _signature(name: str, obj) -> str:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return name if not callable(obj) else f"{name}(...)"

    # Modules with `from __future__ import annotations` hold their annotations as strings,
    # which `str(sig)` would print quoted (`keepdims: 'bool' = False`); show the bare text.
    # Dataclasses of such modules hold `ForwardRef('int')` objects instead: shown as `int` too.
    def clean(annotation):
        if isinstance(annotation, typing.ForwardRef):
            annotation = annotation.__forward_arg__
        return _Annotation(annotation) if isinstance(annotation, str) else annotation

    params = [p.replace(annotation=clean(p.annotation)) for p in sig.parameters.values()]
    sig = sig.replace(parameters=params, return_annotation=clean(sig.return_annotation))
    return f"{name}{sig}"


def own_doc(obj) -> str | None:
    """The object's own docstring (not one inherited from a base class)."""
    doc = obj.__doc__ if isinstance(obj, type) else getattr(obj, "__doc__", None)
    if isinstance(obj, type) and "__doc__" not in vars(obj):
        doc = None
    return inspect.cleandoc(doc) if isinstance(doc, str) and doc.strip() else None


# Google-style section headers, and how each is rendered.
_LIST_SECTIONS = {
    "Args",
    "Arguments",
    "Call arguments",
    "Attributes",
    "Raises",
    "Keyword arguments",
}
_TEXT_SECTIONS = {
    "Returns",
    "Yields",
    "Note",
    "Notes",
    "Input shape",
    "Output shape",
    "Reference",
    "References",
    "Warning",
}
_EXAMPLE_SECTIONS = {"Example", "Examples"}
_SECTIONS = _LIST_SECTIONS | _TEXT_SECTIONS | _EXAMPLE_SECTIONS
_ENTRY = re.compile(
    r"^(\*{0,2}[A-Za-z_][\w.]*(?:\s*,\s*\*{0,2}[A-Za-z_][\w.]*)*)(\s*\([^)]*\))?:(\s|$)"
)


def _dedent(lines: list[str]) -> list[str]:
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return [line[cut:] if line.strip() else "" for line in lines]


def _code_and_text(lines: list[str]) -> list[str]:
    """Prose stays prose; `>>>` sessions (up to the next blank line) and ``` fences become code
    blocks, so examples keep their line breaks on the page."""
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("```"):
            out.append(line)
            i += 1
            while i < len(lines) and not lines[i].lstrip().startswith("```"):
                out.append(lines[i])
                i += 1
            if i < len(lines):
                out.append(lines[i])
                i += 1
            continue
        if line.lstrip().startswith(">>>"):
            start = i
            while i < len(lines) and lines[i].strip():
                i += 1
            if out and out[-1].strip():
                out.append("")
            out += ["```pycon", *_dedent(lines[start:i]), "```", ""]
            continue
        out.append(line)
        i += 1
    return out


def _list_section(lines: list[str]) -> list[str]:
    """`name: text` entries (continuations indented) become a bullet list."""
    out, entry = [], None
    for line in _dedent(lines) + [""]:
        stripped = line.strip()
        match = _ENTRY.match(line)
        if match and not line.startswith(" "):
            if entry:
                out.append(entry)
            elif out and out[-1] and not out[-1].startswith(("- ", "    ")):
                out.append("")  # a list needs a blank line after a paragraph
            names = ", ".join(f"`{n.strip()}`" for n in match.group(1).split(","))
            kind = f" *{match.group(2).strip()}*" if match.group(2) else ""
            entry = f"- {names}{kind}: {line[match.end() :].strip()}".rstrip()
        elif not stripped:
            if entry:
                out.append(entry)
                entry = None
        elif entry is not None and stripped[:2] in ("- ", "* "):
            out.append(entry)
            entry = f"    {stripped}"
        elif entry is not None:
            entry += " " + stripped
        else:
            if out and out[-1].startswith(("- ", "    ")):
                out.append("")  # and a paragraph after a list
            out.append(stripped)
    if out and out[-1].strip():
        out.append("")
    return out


def to_markdown(doc: str) -> str:
    """Renders a Google-style docstring as Markdown: `Args:`-like sections become bullet lists
    under a bold heading, `Returns:`-like sections paragraphs, and `>>>` examples code blocks
    (plain Markdown would run all of them together into one paragraph)."""
    lines = doc.splitlines()
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        header = line.rstrip()[:-1] if line.rstrip().endswith(":") else None
        if header in _SECTIONS and not line.startswith(" "):
            i += 1
            body = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
                body.append(lines[i])
                i += 1
            while body and not body[-1].strip():
                body.pop()
            if out and out[-1].strip():
                out.append("")
            out += [f"**{header}**", ""]
            if header in _LIST_SECTIONS:
                out += _list_section(body)
            else:
                out += _code_and_text(_dedent(body)) + [""]
            continue
        start = i
        while i < len(lines):
            nxt = lines[i].rstrip()
            if nxt.endswith(":") and nxt[:-1] in _SECTIONS and not lines[i].startswith(" "):
                break
            i += 1
        out += _code_and_text(lines[start:i])
    text = "\n".join(out)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def needs_doc(obj) -> bool:
    return inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj)


def _symbols(namespace: str, module, level: str) -> tuple[list[str], list[str]]:
    lines, missing = [], []
    own_only = level != "##" and not hasattr(module, "__path__")  # a plain module re-exports
    for name, obj in public_symbols(module, own_only=own_only).items():
        if isinstance(obj, types.ModuleType):
            lines += [f"{level} {name}", "", "*namespace*", ""]
            if obj.__name__ in NAMESPACES:
                lines += [f"See [`{obj.__name__}`]({obj.__name__}.md).", ""]
            summary = (own_doc(obj) or "").split("\n\n")[0]
            if summary:
                lines += [to_markdown(summary), ""]
            continue
        kind = "class" if inspect.isclass(obj) else "function" if callable(obj) else "constant"
        lines += [f"{level} {name}", "", f"*{kind}*", "", "```python"]
        if kind == "constant":
            lines.append(f"{name} = {obj!r}")
        else:
            lines.append(_signature(f"{namespace}.{name}", obj))
        lines += ["```", ""]
        doc = own_doc(obj) if kind != "constant" else None
        if doc:
            lines += [to_markdown(doc), ""]
        elif needs_doc(obj):
            missing.append(f"{namespace}.{name}")
    return lines, missing


def render(namespace: str) -> tuple[str, list[str]]:
    """Returns the page for `namespace` and the public classes/functions without a docstring."""
    module = importlib.import_module(namespace)
    lines = [f"# `{namespace}`", ""]
    mod_doc = own_doc(module)
    if mod_doc:
        lines += [mod_doc, ""]
    lines_, missing = _symbols(namespace, module, "##")
    lines += lines_
    for sub in submodules(namespace, module):
        submodule = getattr(module, sub)
        lines += [f"## `{namespace}.{sub}`", ""]
        sub_doc = own_doc(submodule)
        if sub_doc:
            lines += [sub_doc, ""]
        sub_lines, sub_missing = _symbols(f"{namespace}.{sub}", submodule, "###")
        lines += sub_lines
        missing += sub_missing
    return "\n".join(lines).rstrip() + "\n", missing


def generate(out_dir) -> dict[str, list[str]]:
    """Writes `<out_dir>/<namespace>.md` (and index.md); returns missing docstrings by namespace."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    missing = {}
    index = ["# API reference", "", "One page per public namespace, generated from docstrings.", ""]
    for namespace in NAMESPACES:
        text, missing[namespace] = render(namespace)
        page = out / f"{namespace}.md"
        if not page.exists() or page.read_text() != text:  # unchanged pages keep `serve` calm
            page.write_text(text)
        index.append(f"- [`{namespace}`]({namespace}.md)")
    text = "\n".join(index) + "\n"
    if not (out / "index.md").exists() or (out / "index.md").read_text() != text:
        (out / "index.md").write_text(text)
    return missing


def on_pre_build(config, **kwargs):
    """MkDocs hook: regenerate `docs/api/` before the files are collected."""
    generate(Path(config["docs_dir"]) / "api")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    result = generate(sys.argv[1] if len(sys.argv) > 1 else HERE / "api")
    for ns, names in result.items():
        if names:
            print(f"{ns}: {len(names)} without a docstring: {', '.join(names)}")
