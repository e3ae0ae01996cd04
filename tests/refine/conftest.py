from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def buggy(tmp_path) -> Path:
    """A copy of fixtures/loop_buggy (the loop must not write it; tests check the copy)."""
    dest = tmp_path / "loop_buggy"
    shutil.copytree(FIXTURES / "loop_buggy", dest)
    return dest


@pytest.fixture
def slow(tmp_path) -> Path:
    dest = tmp_path / "loop_slow"
    shutil.copytree(FIXTURES / "loop_slow", dest)
    return dest


@pytest.fixture
def slow2(tmp_path) -> Path:
    """A copy of fixtures/loop_slow2 (list membership in a loop, no memoisable recursion)."""
    dest = tmp_path / "loop_slow2"
    shutil.copytree(FIXTURES / "loop_slow2", dest)
    return dest


@pytest.fixture
def project(tmp_path):
    """Make a small project from {relative path: text}; returns its root."""

    def make(files: dict[str, str]) -> Path:
        root = tmp_path / f"project{len(list(tmp_path.glob('project*')))}"
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return root

    return make
