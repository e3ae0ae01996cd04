"""The Python files of a workspace with their text: what the editor holds for open ones, the
disk for the others (regular files under the size limit; skipped folders left out)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from refine_lsp.text.files import python_files, read_source


def workspace_texts(
    folders: Iterable[Path], open_texts: Mapping[str, str], containing: str | None = None
) -> tuple[dict[str, str], list[str]]:
    """(path -> text, skipped files with their reasons). With ``containing``, only the files
    whose text holds that string (the others cannot refer to the name)."""
    texts: dict[str, str] = {}
    skipped: list[str] = []
    for folder in folders:
        for path in python_files(Path(folder)):
            key = str(path.resolve())
            if key in texts:
                continue
            text = open_texts.get(key)
            if text is None:
                try:
                    text = read_source(path)
                except (OSError, ValueError) as exc:
                    skipped.append(f"{path}: {exc}")
                    continue
            if containing is None or containing in text:
                texts[key] = text
    for key, text in open_texts.items():  # open files outside the folders still count
        if key not in texts and key.endswith(".py") and (containing is None or containing in text):
            texts[key] = text
    return texts, skipped
