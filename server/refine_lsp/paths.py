"""Where things are, each defined once: refine-lsp's own state (never inside the user's
project), the events store, the project root of a file, and the folders nobody reviews,
indexes or copies into a sandbox."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def state_dir(*parts: str) -> Path:
    base = os.environ.get("REFINE_LSP_STATE_DIR") or os.path.join(
        os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state"), "refine-lsp"
    )
    path = Path(base, *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def events_db_path() -> Path:
    """The acceptance events store the server writes and `refine-lsp acceptance` reads."""
    return state_dir() / "events.sqlite3"


PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git", "pytest.ini", "tox.ini")

# Version control, environments, caches and build output: never reviewed, indexed or copied.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "env",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        "build",
        "dist",
        ".hypothesis",
    }
)


def skipped_dir(name: str) -> bool:
    return name in SKIP_DIRS or name.endswith(".egg-info")


def find_project_root(file: Path, stop: Path | None = None) -> Path:
    """The nearest ancestor holding a project marker (not above ``stop``)."""
    file = file.resolve()
    for parent in file.parents:
        if any((parent / m).exists() for m in PROJECT_MARKERS):
            return parent
        if stop is not None and parent == stop.resolve():
            return parent
    return file.parent


def workspace_root(file: Path, folders: Iterable[Path] = ()) -> Path | None:
    """The root the loop works in for ``file``: the nearest project marker between the file and
    the innermost workspace folder (as the editor sent them) that contains it, else that folder;
    with no folders, the nearest project marker. None when
    folders are known and none contains the file (the loop refuses such files)."""
    file, folders = file.resolve(), [f.resolve() for f in folders]
    inside = [f for f in folders if _contains(f, file)]
    if inside:  # a project inside the folder (a monorepo) is the root, never above the folder
        return find_project_root(file, stop=max(inside, key=lambda f: len(f.parts)))
    if folders:
        return None
    return find_project_root(file)


def _contains(folder: Path, file: Path) -> bool:
    try:
        file.relative_to(folder)
    except ValueError:
        return False
    return True
