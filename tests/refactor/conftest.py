"""Sources in these tests mark the selection with ⟦ ⟧ and a cursor with ‸."""

from __future__ import annotations

import textwrap

import pytest
from refine_lsp.text import Span, pos_of


def split_marks(marked: str) -> tuple[str, Span]:
    text = textwrap.dedent(marked).lstrip("\n")
    if "‸" in text:
        at = text.index("‸")
        source = text.replace("‸", "", 1)
        p = pos_of(source, at)
        return source, Span(p, p)
    start = text.index("⟦")
    text = text.replace("⟦", "", 1)
    end = text.index("⟧")
    source = text.replace("⟧", "", 1)
    return source, Span(pos_of(source, start), pos_of(source, end))


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


@pytest.fixture
def marks():
    return split_marks


@pytest.fixture
def bench_module():
    """A script of bench/ loaded as a module by its name (``refactor_fuzz``)."""
    import importlib.util
    import sys
    from pathlib import Path

    def load(name: str):
        path = Path(__file__).resolve().parents[2] / "bench" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules.setdefault(name, module)
        spec.loader.exec_module(module)
        return module

    return load
