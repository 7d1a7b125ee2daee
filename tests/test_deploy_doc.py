"""Runs every ```python block of docs/deploy.md, in order, in one shared namespace."""

from pathlib import Path

import pytest
from test_guide import extract_blocks

pytest.importorskip("onnxruntime")
pytest.importorskip("jax2onnx")

DOC = Path(__file__).resolve().parent.parent / "docs" / "deploy.md"
BLOCKS = extract_blocks(DOC.read_text(encoding="utf-8"))
NAMESPACE: dict = {"__name__": "deploy_doc"}


def test_deploy_page_has_blocks():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[b[0] for b in BLOCKS])
def test_deploy_block(index):
    block_id, source, skip = BLOCKS[index]
    assert not skip
    exec(compile(source, f"docs/deploy.md[{block_id}]", "exec"), NAMESPACE)
