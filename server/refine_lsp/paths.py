"""Where refine-lsp keeps its own state: never inside the user's project."""

from __future__ import annotations

import os
from pathlib import Path


def state_dir(*parts: str) -> Path:
    base = os.environ.get("REFINE_LSP_STATE_DIR") or os.path.join(
        os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state"), "refine-lsp"
    )
    path = Path(base, *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git", "pytest.ini", "tox.ini")


def find_project_root(file: Path, stop: Path | None = None) -> Path:
    """The nearest ancestor holding a project marker (not above ``stop``)."""
    file = file.resolve()
    for parent in file.parents:
        if any((parent / m).exists() for m in PROJECT_MARKERS):
            return parent
        if stop is not None and parent == stop.resolve():
            return parent
    return file.parent
