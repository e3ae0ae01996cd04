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
