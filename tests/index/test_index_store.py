"""The workspace index (index/store.py): what it finds, what it skips and why, and how it
stays current from the editor's text and the file watcher without re-reading everything."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from refine_lsp.index.store import WorkspaceIndex
from refine_lsp.index.workspace import workspace_texts


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("from .core import area\n__all__ = ['area']\n")
    (tmp_path / "pkg" / "core.py").write_text(
        "import math\n\nLIMIT = 3\n\n\n@staticmethod\ndef area(r):\n    return math.pi * r * r\n\n\nclass Shape:\n    pass\n"
    )
    (tmp_path / "main.py").write_text("from pkg.core import area\nprint(area(2))\n")
    (tmp_path / ".venv" / "lib").mkdir(parents=True)
    (tmp_path / ".venv" / "lib" / "area.py").write_text("area = 1\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "area.py").write_text("area = 1\n")
    (tmp_path / "big.py").write_text("area = 1\n" + "# filler\n" * 300)
    return tmp_path


def key(p: Path) -> str:
    return str(p.resolve())


def built(ws: Path, **kw) -> WorkspaceIndex:
    index = WorkspaceIndex([ws], max_bytes=kw.pop("max_bytes", 2048))
    stats = index.build(**kw)
    assert index.ready and not stats.cancelled
    return index


def test_finds_words_definitions_and_imports_and_skips_what_the_sandbox_skips(ws):
    index = built(ws)
    assert index.files_with_word("area") == sorted(
        [key(ws / "pkg" / "__init__.py"), key(ws / "pkg" / "core.py"), key(ws / "main.py")]
    )
    assert index.definers_of("area") == index.definers_of("LIMIT") == [key(ws / "pkg" / "core.py")]
    assert index.definers_of("Shape") == [key(ws / "pkg" / "core.py")]
    assert index.importers_of("pkg") == [key(ws / "main.py")]  # pkg.core counts as pkg
    assert index.importers_of("math") == [key(ws / "pkg" / "core.py")]
    assert [s.split(": ", 1) for s in index.stats.skipped] == [
        [key(ws / "big.py"), "larger than 0 MB"]
    ]
    assert index.stats.files == 3


def test_texts_containing_matches_reading_the_workspace(ws):
    index = built(ws, max_bytes=4 * 2**20)
    open_texts = {key(ws / "main.py"): "from pkg.core import area as a\nprint(a(2))\n"}
    for word in ("area", "LIMIT", "math", "nothing_here"):
        assert (
            index.texts_containing(word, open_texts)[0]
            == workspace_texts([ws], open_texts, word)[0]
        )


def test_the_editors_text_counts_once_marked_dirty(ws):
    index = built(ws)
    main = ws / "main.py"
    assert index.files_with_word("volume") == []
    edited = {key(main): "def volume(r):\n    return r\n"}
    index.mark_dirty(main)
    assert index.files_with_word("volume", edited) == [key(main)]
    assert index.definers_of("volume") == [key(main)]
    assert key(main) not in index.files_with_word("area", edited)


def test_a_file_that_stops_parsing_keeps_its_last_good_definitions(ws):
    index = built(ws)
    core = ws / "pkg" / "core.py"
    broken = {key(core): "def area(r:\n    return math.pi *\nnew_word = 1\n"}
    index.mark_dirty(core)
    assert key(core) in index.files_with_word("new_word", broken)  # words follow the text
    assert index.definers_of("Shape") == [key(core)]  # definitions from the last good parse
    assert index.entries[key(core)].parses is False
    assert index.definers_of("Shape") == [key(core)]  # definitions from the last good parse
    assert index.importers_of("math") == [key(core)]


def test_watched_file_events_create_change_and_delete(ws):
    index = built(ws)
    new = ws / "pkg" / "extra.py"
    new.write_text("def helper():\n    return 1\n")
    index.mark_dirty(new)  # created
    assert index.definers_of("helper") == [key(new)] == index.files_with_word("helper")
    new.write_text("def other():\n    return 2\n")
    index.mark_dirty(new)  # changed
    assert index.files_with_word("helper") == [] and index.definers_of("other") == [key(new)]
    os.remove(new)
    index.mark_dirty(new)  # deleted, reported as a change
    assert index.files_with_word("other") == []
    index.remove(ws / "main.py")
    assert key(ws / "main.py") not in index.files_with_word("print")


def test_files_outside_the_folders_and_other_languages_are_ignored(ws, tmp_path_factory):
    index = built(ws)
    outside = tmp_path_factory.mktemp("elsewhere") / "x.py"
    outside.write_text("area = 2\n")
    index.mark_dirty(outside)
    index.mark_dirty(ws / "notes.txt")
    assert key(outside) not in index.files_with_word("area")
    assert index.refresh_dirty({}) == 0


def test_build_reports_progress_and_can_be_cancelled(ws):
    seen = []
    built(ws, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (4, 4)  # big.py is visited, then skipped with its reason
    index = WorkspaceIndex([ws])
    stats = index.build(cancelled=lambda: True)
    assert stats.cancelled and not index.ready


def test_texts_stay_right_when_files_change_behind_the_editors_back(ws):
    """No watcher (Neovim 0.7, another tool writing files): the answer is still exactly what
    reading the workspace gives, so rename never edits a stale copy or misses a new file."""
    index = built(ws, max_bytes=4 * 2**20)
    opened = {key(ws / "main.py"): "import pkg\nprint(pkg.area(1))\n"}
    assert index.texts(opened) == workspace_texts([ws], opened)
    (ws / "pkg" / "core.py").write_text("def area(r):\n    return 3 * r * r  # edited\n")
    (ws / "pkg" / "new.py").write_text("from .core import area\n")
    os.remove(ws / "pkg" / "__init__.py")
    texts, _ = index.texts(opened)
    assert texts == workspace_texts([ws], opened)[0]
    assert "# edited" in texts[key(ws / "pkg" / "core.py")]
    assert key(ws / "pkg" / "__init__.py") not in index.entries
    assert index.definers_of("area") == sorted([key(ws / "big.py"), key(ws / "pkg" / "core.py")])
