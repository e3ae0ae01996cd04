"""``refine-lsp fix|refine|faster|properties FILE:LINE``: the loop's modes, headless.

A text progress bar goes to stderr; the summary and a unified diff go to stdout. Nothing is
written unless ``--apply``. LINE is one-based, as editors and tracebacks show it.
Exit status: 0 a verified edit (or nothing to do), 1 no verified edit, 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from refine_lsp.paths import find_project_root
from refine_lsp.refine.modes import MODES
from refine_lsp.refine.run import LoopError
from refine_lsp.settings import Settings


def parse_location(text: str) -> tuple[Path, int]:
    path, sep, line = text.rpartition(":")
    if not sep or not line.isdigit() or int(line) < 1:
        raise ValueError(f"expected FILE:LINE with a line number from 1, got {text!r}")
    return Path(path), int(line) - 1


class ProgressBar:
    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self.percent = 0

    def __call__(self, message: str, percent: int | None) -> None:
        if percent is not None:
            self.percent = max(self.percent, min(100, percent))
        filled = self.width * self.percent // 100
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {self.percent:3d}% {message[:60]:<60}")
        self.stream.flush()

    def done(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def configure(p: argparse.ArgumentParser, verb: str) -> None:
    p.add_argument("location", help="FILE:LINE (line from 1) inside the function to work on")
    p.add_argument("--workspace", type=Path, default=None, help="project root (default: found)")
    p.add_argument("--apply", action="store_true", help="write the verified edit to the file")
    p.add_argument("--memory", type=Path, default=None, help="directory for the loop's memory")
    p.add_argument("--seconds", type=float, default=None, help="time budget")


def run(a: argparse.Namespace) -> int:
    try:
        file, line = parse_location(a.location)
    except ValueError as exc:
        print(f"refine-lsp: {exc}", file=sys.stderr)
        return 2
    if not file.is_file():
        print(f"refine-lsp: no such file: {file}", file=sys.stderr)
        return 2
    settings = Settings()
    if a.seconds:
        settings.refine.max_seconds = a.seconds
    workspace = a.workspace or find_project_root(file)
    bar = ProgressBar()
    cancel = threading.Event()
    try:
        result = MODES[a.command].run()(
            workspace, file, line, settings, bar, cancel, memory_dir=a.memory
        )
    except LoopError as exc:
        bar.done()
        print(f"refine-lsp: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        cancel.set()
        bar.done()
        print("refine-lsp: cancelled", file=sys.stderr)
        return 130
    bar.done()
    print(result.summary.text())
    if result.new_source is None:
        return 0 if "pass" in result.summary.message or "nothing" in result.summary.message else 1
    print(result.diff(), end="")
    if a.apply:
        result.file.parent.mkdir(parents=True, exist_ok=True)
        result.file.write_text(result.new_source, encoding="utf-8")
        print(f"applied to {result.file}")
    return 0
