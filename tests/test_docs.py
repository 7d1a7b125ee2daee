"""The API reference generator covers every public symbol, and every one is documented."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _gen_api():
    spec = importlib.util.spec_from_file_location("gen_api", ROOT / "docs" / "gen_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    gen = _gen_api()
    out = tmp_path_factory.mktemp("api")
    return gen, out, gen.generate(out)


def test_every_public_symbol_has_a_section(generated):
    gen, out, _ = generated
    absent = []
    for namespace in gen.NAMESPACES:
        module = importlib.import_module(namespace)
        page = (out / f"{namespace}.md").read_text()
        for name in gen.public_symbols(module):
            if f"\n## {name}\n" not in page:
                absent.append(f"{namespace}.{name}")
        for sub in gen.submodules(namespace, module):
            submodule = getattr(module, sub)
            assert f"## `{namespace}.{sub}`" in page
            for name in gen.public_symbols(submodule, own_only=True):
                if f"\n### {name}\n" not in page:
                    absent.append(f"{namespace}.{sub}.{name}")
    assert not absent, f"symbols missing from the API pages: {absent}"
    index = (out / "index.md").read_text()
    assert all(f"({ns}.md)" in index for ns in gen.NAMESPACES)


def test_datasets_page_documents_the_loaders(generated):
    _, out, _ = generated
    page = (out / "lamina.datasets.md").read_text()
    for name in ("mnist", "cifar10", "imdb", "reuters", "boston_housing"):
        assert f"## `lamina.datasets.{name}`" in page
    assert "### load_data" in page and "### get_file" not in page  # imports are not re-listed


def test_no_public_class_or_function_lacks_a_docstring(generated):
    _, _, missing = generated
    report = {ns: names for ns, names in missing.items() if names}
    assert not report, "public classes/functions without a docstring: " + "; ".join(
        f"{ns}: {', '.join(names)}" for ns, names in report.items()
    )


def test_pages_in_mkdocs_nav_exist(generated):
    gen, out, _ = generated
    nav = (ROOT / "mkdocs.yml").read_text()
    for namespace in gen.NAMESPACES:
        assert f"api/{namespace}.md" in nav
    for page in ("index.md", "guide.md", "differences.md"):
        assert (ROOT / "docs" / page).exists() and f": {page}" in nav


@pytest.mark.skipif(
    importlib.util.find_spec("material") is None,
    reason="mkdocs-material not installed (`make docs` installs it)",
)
def test_mkdocs_build_strict(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "api" / "lamina.layers" / "index.html").exists()


def test_signatures_show_annotations_unquoted(generated):
    # Modules with `from __future__ import annotations` store annotations as strings; the
    # pages must show `keepdims: bool = False`, not `keepdims: 'bool' = False`.
    _, out, _ = generated
    page = (out / "lamina.ops.md").read_text()
    assert "lamina.ops.round(x, decimals: int = 0)" in page
    assert "lamina.ops.shape(x) -> tuple" in page
    quoted = [
        line
        for path in out.glob("*.md")
        for line in path.read_text().splitlines()
        if line.startswith("lamina.") and (": '" in line or "-> '" in line)
    ]
    assert not quoted, quoted[:5]


def test_docstring_sections_render_as_markdown_sections():
    # Plain Markdown would join `Args:` entries and `>>>` lines into one run-on paragraph.
    gen = _gen_api()
    doc = (
        "Adds one.\n\nArgs:\n    x: the input,\n        any number.\n    **kwargs: ignored.\n\n"
        "Returns:\n    `x + 1`.\n\nExample:\n    Two lines:\n\n    >>> add_one(1)\n    2\n"
    )
    text = gen.to_markdown(doc)
    assert "**Args**\n\n- `x`: the input, any number.\n- `**kwargs`: ignored.\n" in text
    assert "**Returns**\n\n`x + 1`." in text
    assert "**Example**\n\nTwo lines:\n\n```pycon\n>>> add_one(1)\n2\n```" in text
    # A note before the entries stays a paragraph of its own, so the list is still a list.
    text = gen.to_markdown("Args:\n    (none; the hooks take these)\n    epoch: the epoch.\n")
    assert "(none; the hooks take these)\n\n- `epoch`: the epoch." in text


def test_namespaces_link_to_their_pages(generated):
    _, out, _ = generated
    page = (out / "lamina.md").read_text()
    assert "See [`lamina.layers`](lamina.layers.md)." in page
    assert "<module " not in page


def test_signatures_show_forward_references_bare():
    # A dataclass in a module with `from __future__ import annotations` has `ForwardRef`s.
    gen = _gen_api()
    from lamina.training.data import BatchPlan

    text = gen._signature("BatchPlan", BatchPlan)
    assert "ForwardRef" not in text and "steps: int" in text, text


# Namespaces whose every public class and function has an `Args:` section and an executed
# example (tests/test_docstring_examples.py runs them); add a namespace once it is complete.
FULLY_DOCUMENTED = [
    "lamina.backend",
    "lamina.callbacks",
    "lamina.config",
    "lamina.datasets",
    "lamina.distillation",
    "lamina.distribution",
    "lamina.dtype_policies",
    "lamina.export",
    "lamina.models",
    "lamina.ops",
    "lamina.preprocessing",
    "lamina.quantizers",
    "lamina.random",
    "lamina.saving",
    "lamina.tree",
    "lamina.utils",
    "lamina.visualization",
    "lamina.wrappers",
]


def test_fully_documented_namespaces_have_args_and_examples():
    gen = _gen_api()
    lacking = []
    for namespace in FULLY_DOCUMENTED:
        module = importlib.import_module(namespace)
        items = list(gen.public_symbols(module).items())
        for sub in gen.submodules(namespace, module):
            submodule = getattr(module, sub)
            items += [(f"{sub}.{n}", v) for n, v in gen.public_symbols(submodule, True).items()]
        for name, obj in items:
            doc = (gen.own_doc(obj) or "") if gen.needs_doc(obj) else "Args: >>>"
            if "Args:" not in doc or ">>>" not in doc:
                lacking.append(f"{namespace}.{name}")
    assert not lacking, f"public objects without `Args:` or an example: {lacking}"
