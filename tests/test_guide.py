"""Runs every ```python block of docs/guide.md, in order, in one shared namespace.

Blocks build on each other (data, models and classes defined early are used later), so each
block is one test and the tests share a module-level namespace. A block fenced as
```python skip, or whose first line is `# guide: skip`, is shown in the guide but not run.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pytest

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide.md"

_FENCE = re.compile(r"^```(\S*)[ \t]*(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "intro"


def extract_blocks(text: str) -> list[tuple[str, str, bool]]:
    """`(id, source, skip)` for each ```python block, ids from the enclosing heading."""
    blocks = []
    heading = "intro"
    per_heading: dict[str, int] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence is None:
            match = _HEADING.match(line)
            if match:
                heading = _slug(match.group(2))
            i += 1
            continue
        lang, info = fence.group(1), fence.group(2)
        body = []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        if lang != "python":
            continue
        source = "\n".join(body) + "\n"
        first = next((b.strip() for b in body if b.strip()), "")
        skip = "skip" in info.split() or first == "# guide: skip"
        index = per_heading.get(heading, 0) + 1
        per_heading[heading] = index
        blocks.append((f"{len(blocks) + 1:02d}-{heading}-{index}", source, skip))
    return blocks


BLOCKS = extract_blocks(GUIDE.read_text(encoding="utf-8"))
NAMESPACE: dict = {"__name__": "guide"}
_DONE: dict[int, bool] = {}  # block index -> whether it ran without raising


def _run(index: int) -> None:
    block_id, source, _ = BLOCKS[index]
    _DONE[index] = False
    exec(compile(source, f"docs/guide.md[{block_id}]", "exec"), NAMESPACE)
    _DONE[index] = True


@pytest.fixture(autouse=True, scope="module")
def _restore_global_random_state():
    """The guide calls `keras.utils.set_random_seed`; leave later test modules unaffected."""
    py_state, np_state = random.getstate(), np.random.get_state()
    yield
    random.setstate(py_state)
    np.random.set_state(np_state)


def test_guide_has_blocks():
    assert len(BLOCKS) >= 20, "docs/guide.md lost its code blocks"


def test_extract_blocks_reads_headings_and_skip_markers():
    text = "\n".join(
        [
            "# Title",
            "```python",
            "a = 1",
            "```",
            "## Part two",
            "```sh",
            "echo not python",
            "```",
            "```python skip",
            "missing_feature()",
            "```",
            "```python",
            "# guide: skip",
            "also_missing()",
            "```",
            "```python",
            "b = a + 1",
            "```",
        ]
    )
    blocks = extract_blocks(text)
    assert [(b[0], b[2]) for b in blocks] == [
        ("01-title-1", False),
        ("02-part-two-1", True),
        ("03-part-two-2", True),
        ("04-part-two-3", False),
    ]
    assert blocks[3][1] == "b = a + 1\n"


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[b[0] for b in BLOCKS])
def test_guide_block(index):
    if BLOCKS[index][2]:
        pytest.skip("marked skip in docs/guide.md")
    # Blocks build on the ones before them: run any earlier block not yet run (e.g. under -k).
    for earlier in range(index):
        if BLOCKS[earlier][2]:
            continue
        if earlier not in _DONE:
            try:
                _run(earlier)
            except Exception as exc:
                pytest.skip(f"earlier block {BLOCKS[earlier][0]} failed: {exc!r}")
        if not _DONE[earlier]:
            pytest.skip(f"earlier block {BLOCKS[earlier][0]} failed")
    _run(index)
