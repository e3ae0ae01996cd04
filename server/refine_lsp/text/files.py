"""Python source files on disk: which ones a workspace holds, and their text with a clear
reason for what cannot be read (too large, binary, not UTF-8, not a regular file)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from refine_lsp.paths import skipped_dir

MAX_FILE_BYTES = 4 * 1024 * 1024


def python_files(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not skipped_dir(d) and not d.startswith("."))
        out.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py"))
    return out


def read_source(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The file's text; ValueError with the reason for what cannot be reviewed. Never blocks
    on a FIFO or device (only regular files are opened) and never reads past ``max_bytes``."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ValueError(f"cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError("not a regular file")
    if info.st_size > max_bytes:
        raise ValueError(f"larger than {max_bytes // 2**20} MB")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    with os.fdopen(os.open(path, flags), "rb") as f:  # replaced by a FIFO since the stat
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise ValueError("not a regular file")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"larger than {max_bytes // 2**20} MB")
    if b"\0" in data[:8192]:
        raise ValueError("binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8 (byte {exc.start})") from None
