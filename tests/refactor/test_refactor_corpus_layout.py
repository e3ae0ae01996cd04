"""The corpus benchmark finds a package's tests where they live (toolz keeps toolz/tests/)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "refactor_corpus.py"


def _corpus():
    spec = importlib.util.spec_from_file_location("refactor_corpus_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _touch(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("")


def test_tests_inside_the_package(tmp_path):
    root = tmp_path / "toolz-1.2.0"
    _touch(root, "toolz/__init__.py", "toolz/itertoolz.py", "toolz/dicttoolz.py",
           "toolz/tests/__init__.py", "toolz/tests/test_itertoolz.py")  # fmt: skip
    found = {str(m.path): m.tests for m in _corpus().modules_of(root)}
    assert found == {
        "toolz/__init__.py": ["toolz/tests"],
        "toolz/dicttoolz.py": ["toolz/tests"],
        "toolz/itertoolz.py": ["toolz/tests/test_itertoolz.py"],
    }


def test_top_level_test_files(tmp_path):
    root = tmp_path / "flat-1.0"
    _touch(root, "flat/__init__.py", "flat/core.py", "test_core.py", "test_more.py")
    found = {str(m.path): m.tests for m in _corpus().modules_of(root)}
    assert found == {"flat/__init__.py": ["test_core.py", "test_more.py"],
                     "flat/core.py": ["test_core.py"]}  # fmt: skip
