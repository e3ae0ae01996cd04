"""The one ruff runner: the binary found once, the text on stdin (never the file on disk), a
time limit from the settings, and ruff's JSON turned into findings.

`ruff.find_ruff_bin` reads sysconfig, whose first use is not thread-safe: two reviewers
asking at once can get None for a config var (seen in CI). One lookup under a lock.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path

from refine_lsp.settings import Ruff
from refine_lsp.text import Finding, Pos, Severity, Span, TextEdit

DEFAULT_TIMEOUT_S = Ruff().timeout_s

_lock = threading.Lock()
_path: str | None = None


class RuffUnavailable(RuntimeError):
    """ruff cannot run at all (the package is missing)."""


class RuffFailed(RuntimeError):
    """One run failed: timed out, crashed, or the text cannot be given to ruff; str() says why."""


def ruff_binary() -> str:
    global _path
    with _lock:
        if _path is None:
            try:
                from ruff.__main__ import find_ruff_bin

                _path = os.fsdecode(find_ruff_bin())
            except (ImportError, FileNotFoundError) as exc:
                raise RuffUnavailable("the ruff package is not installed") from exc
        return _path


def encode_source(source: str) -> bytes:
    """UTF-8 for ruff; a lone surrogate (which no UTF-8 file can hold) is a clear refusal."""
    try:
        return source.encode("utf-8")
    except UnicodeEncodeError as exc:
        line = source.count("\n", 0, exc.start) + 1
        raise RuffFailed(
            f"line {line} holds a lone surrogate (U+{ord(source[exc.start]):04X}), "
            "which is not valid Unicode text; ruff cannot read it"
        ) from None


def run_ruff(
    args: list[str],
    source: str,
    *,
    filename: str | Path | None = None,
    cwd: Path | None = None,
    timeout_s: float | None = None,
    ok_codes: tuple[int, ...] = (0, 1),
) -> subprocess.CompletedProcess[str]:
    """``ruff <args> --stdin-filename F -`` on ``source``. Without a filename ruff runs
    --isolated (no project configuration applies). Raises RuffUnavailable or RuffFailed."""
    cmd = [ruff_binary(), *args]
    if filename is None:
        cmd.insert(2, "--isolated")
    cmd += ["--stdin-filename", str(filename or "refine_lsp_buffer.py"), "-"]
    limit = DEFAULT_TIMEOUT_S if timeout_s is None else timeout_s
    if cwd is not None and not Path(cwd).is_dir():
        cwd = None
    try:
        proc = subprocess.run(
            cmd, input=encode_source(source), capture_output=True, timeout=limit, cwd=cwd
        )
    except subprocess.TimeoutExpired:
        raise RuffFailed(f"ruff took longer than {limit:g} s (setting ruff.timeoutS)") from None
    except OSError as exc:
        raise RuffFailed(f"ruff could not run: {exc}") from None
    out = subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )
    if ok_codes and proc.returncode not in ok_codes:
        raise RuffFailed(f"ruff failed (exit {proc.returncode}): {out.stderr.strip()[:300]}")
    return out


def _position_map(source: str | None):
    """ruff counts a lone carriage return as a line break, the domain's positions count only
    line feeds: for a text holding one, map ruff's (row, column) through the text."""
    if source is None or "\r" not in source.replace("\r\n", ""):
        return lambda row, col: Pos(row - 1, col - 1)
    ruff_starts = [0]
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "\r" and i + 1 < n and source[i + 1] == "\n":
            i += 1
        if ch in "\r\n":
            ruff_starts.append(i + 1)
        i += 1

    def to_pos(row: int, col: int) -> Pos:
        offset = ruff_starts[min(row - 1, len(ruff_starts) - 1)] + col - 1
        line = source.count("\n", 0, offset)
        return Pos(line, offset - (source.rfind("\n", 0, offset) + 1))

    return to_pos


def findings_from_json(
    output: str, with_syntax_errors: bool = False, source: str | None = None
) -> list[Finding]:
    """Findings from ``ruff check --output-format json``, with ruff's fixes as data.
    ``source``: the text ruff read, so positions stay right where it holds a lone CR."""
    at = _position_map(source)
    findings = []
    for item in json.loads(output or "[]"):
        code = item.get("code") or "invalid-syntax"
        if code == "invalid-syntax" and not with_syntax_errors:
            continue  # the tree-sitter syntax reviewer reports these
        loc, end = item["location"], item["end_location"]
        span = Span(at(loc["row"], loc["column"]), at(end["row"], end["column"]))
        fix = item.get("fix")
        data = {}
        fix_id = None
        if fix and fix.get("edits"):
            fix_id = f"ruff:{code}"
            data = {
                "fix_message": fix.get("message") or f"Fix {code}",
                "applicability": fix.get("applicability", "unsafe"),
                "edits": [
                    TextEdit(
                        Span(
                            at(e["location"]["row"], e["location"]["column"]),
                            at(e["end_location"]["row"], e["end_location"]["column"]),
                        ),
                        e.get("content") or "",
                    )
                    for e in fix["edits"]
                ],
            }
        severity = Severity.error if code.startswith(("F8", "E9")) else Severity.warning
        findings.append(
            Finding(span, severity, code, item.get("message", code), "ruff", fix_id, data)
        )
    return findings
