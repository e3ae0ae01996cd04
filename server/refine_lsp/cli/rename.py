"""`refine-lsp rename FILE:LINE:COL NEW_NAME`: the server's rename, headless. Prints the
unified diff of every file it changes (nothing is written without --apply); a refusal
prints its reason and exits 1."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from refine_lsp.actions import Refused
from refine_lsp.index.workspace import workspace_texts
from refine_lsp.paths import find_project_root
from refine_lsp.text.files import read_source


def configure(p: argparse.ArgumentParser, verb: str) -> None:
    p.add_argument("location", help="FILE:LINE:COL (line and column from 1) on the name")
    p.add_argument("new_name", help="the new name")
    p.add_argument("--workspace", type=Path, default=None, help="project root (default: found)")
    p.add_argument("--apply", action="store_true", help="write the changed files")


def parse_location(text: str) -> tuple[Path, int, int]:
    parts = text.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        raise ValueError(f"expected FILE:LINE:COL with numbers from 1, got {text!r}")
    line, col = int(parts[1]), int(parts[2])
    if line < 1 or col < 1:
        raise ValueError(f"expected FILE:LINE:COL with numbers from 1, got {text!r}")
    return Path(parts[0]), line - 1, col - 1


def shown(path: str, root: Path) -> str:
    """``path`` as the diff names it: relative to the workspace root where it lies inside."""
    p = Path(path)
    return str(p.relative_to(root)) if p.is_relative_to(root) else path


def run(a: argparse.Namespace) -> int:
    from refine_lsp.refactor.rename import rename

    try:
        file, line, col = parse_location(a.location)
        text = read_source(file)  # a clear reason for binary, huge or non-UTF-8 files
    except (ValueError, OSError) as exc:
        print(f"refine-lsp: {exc}", file=sys.stderr)
        return 2
    root = (a.workspace or find_project_root(file)).resolve()
    path = str(file.resolve())
    try:
        files, skipped = workspace_texts([root], {})  # rename parses only what can matter
        files[path] = text
        result = rename(files, path, line, col, a.new_name)
    except Refused as exc:
        print(f"refine-lsp: rename refused: {exc}", file=sys.stderr)
        return 1
    for changed, new in sorted(result.changes.items()):
        name = shown(changed, root)
        sys.stdout.writelines(
            difflib.unified_diff(
                files[changed].splitlines(keepends=True),
                new.splitlines(keepends=True),
                fromfile=f"{name} (original)",
                tofile=f"{name} (renamed)",
            )
        )
    for a_, b_ in result.file_renames:
        print(f"rename {shown(a_, root)} -> {shown(b_, root)}")
    for note in result.warnings + [f"not searched: {s}" for s in skipped]:
        print(f"warning: {note}", file=sys.stderr)
    print(
        f"renamed `{result.old}` to `{result.new}`: {result.occurrences} occurrences in "
        f"{len(result.changes)} files under {root}"
    )
    if a.apply:
        for changed, new in result.changes.items():
            Path(changed).write_text(new, encoding="utf-8")
        for a_, b_ in result.file_renames:  # after the edits, which name the files as they were
            Path(a_).rename(b_)
        print("applied")
    return 0
