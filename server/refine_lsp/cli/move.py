"""`refine-lsp move FILE:LINE DEST_MODULE`: the server's Move to module, headless. Moves the
top-level function, class or constant at LINE (one-based) to DEST_MODULE (a dotted module name
or a path; created when it does not exist) with every import in the workspace rewritten.
Prints the unified diff of every file it changes (nothing is written without --apply); a
refusal prints its reason and exits 1."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from refine_lsp.actions import Refused
from refine_lsp.index.workspace import workspace_texts
from refine_lsp.paths import find_project_root
from refine_lsp.text.files import read_source

from .rename import shown


def configure(p: argparse.ArgumentParser, verb: str) -> None:
    p.add_argument(
        "location", help="FILE:LINE (line from 1) on the definition; FILE:LINE-LINE for several"
    )
    p.add_argument("dest", help="the module to move it to: a dotted name (pkg.mod) or a path")
    p.add_argument("--workspace", type=Path, default=None, help="project root (default: found)")
    p.add_argument("--reexport", action="store_true", help="keep a re-export in the old module")
    p.add_argument("--apply", action="store_true", help="write the changed and created files")


def parse_location(text: str) -> tuple[Path, int, int]:
    file, _, lines = text.rpartition(":")
    first, _, last = lines.partition("-")
    last = last or first
    if (
        not file
        or not first.isdigit()
        or not last.isdigit()
        or int(first) < 1
        or int(last) < int(first)
    ):
        raise ValueError(f"expected FILE:LINE or FILE:LINE-LINE with lines from 1, got {text!r}")
    return Path(file), int(first) - 1, int(last) - 1


def destination(dest: str, source: Path, files: dict[str, str]) -> Path:
    """The file for DEST_MODULE: a path as given, else the workspace file of that module
    name, else a new file where that module name would live (beside the source's package)."""
    from refine_lsp.index.modules import module_name
    from refine_lsp.refactor.move_targets import package_root

    if dest.endswith(".py") or "/" in dest:
        return Path(dest).resolve()
    for path in files:
        if module_name(Path(path))[0] == dest:
            return Path(path)
    return (package_root(source) / Path(*dest.split("."))).with_suffix(".py")


def run(a: argparse.Namespace) -> int:
    from refine_lsp.refactor.move import move

    try:
        file, first, last = parse_location(a.location)
        text = read_source(file)  # a clear reason for binary, huge or non-UTF-8 files
    except (ValueError, OSError) as exc:
        print(f"refine-lsp: {exc}", file=sys.stderr)
        return 2
    root = (a.workspace or find_project_root(file)).resolve()
    path = str(file.resolve())
    files, skipped = workspace_texts([root], {})
    files[path] = text
    dest = destination(a.dest, file.resolve(), files)
    try:
        result = move(files, path, first, last, str(dest), reexport=a.reexport)
    except Refused as exc:
        print(f"refine-lsp: move refused: {exc}", file=sys.stderr)
        return 1
    for changed, new in sorted(result.changes.items()):
        name = shown(changed, root)
        old = [] if changed in result.created else files[changed].splitlines(keepends=True)
        sys.stdout.writelines(
            difflib.unified_diff(
                old,
                new.splitlines(keepends=True),
                fromfile="/dev/null" if changed in result.created else f"{name} (original)",
                tofile=f"{name} (moved)",
            )
        )
    for note in result.warnings + [f"not searched: {s}" for s in skipped]:
        print(f"warning: {note}", file=sys.stderr)
    names = ", ".join(f"`{n}`" for n in result.names)
    made = " (a new module)" if result.created else ""
    print(
        f"moved {names} to {result.dest_module}{made}: {len(result.changes)} files changed "
        f"under {root}"
    )
    if a.apply:
        for changed, new in result.changes.items():
            Path(changed).parent.mkdir(parents=True, exist_ok=True)
            Path(changed).write_text(new, encoding="utf-8")
        print("applied")
    return 0
