"""ruff on the document text (stdin, JSON output), never on the file on disk."""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path

from refine_lsp.core import Finding, Pos, Severity, Span, TextEdit
from refine_lsp.documents import DocumentSnapshot
from refine_lsp.ruff_bin import ruff_binary
from refine_lsp.settings import Settings

log = logging.getLogger(__name__)


def ruff_command(filename: str, settings: Settings) -> list[str]:
    cmd = [ruff_binary(), "check", "--output-format", "json", "--no-cache", "--exit-zero"]
    if settings.ruff.select:
        cmd += ["--select", ",".join(settings.ruff.select)]
    return cmd + ["--stdin-filename", filename, "-"]


def parse_ruff_output(output: str, with_syntax_errors: bool = False) -> list[Finding]:
    findings = []
    for item in json.loads(output or "[]"):
        code = item.get("code") or "invalid-syntax"
        if code == "invalid-syntax" and not with_syntax_errors:
            continue  # the tree-sitter syntax reviewer reports these
        loc, end = item["location"], item["end_location"]
        span = Span(Pos(loc["row"] - 1, loc["column"] - 1), Pos(end["row"] - 1, end["column"] - 1))
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
                            Pos(e["location"]["row"] - 1, e["location"]["column"] - 1),
                            Pos(e["end_location"]["row"] - 1, e["end_location"]["column"] - 1),
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


class RuffReviewer:
    name = "ruff"

    def enabled(self, settings: Settings) -> bool:
        return settings.reviewers.ruff

    def review(self, snapshot: DocumentSnapshot, settings: Settings) -> list[Finding]:
        path = snapshot.path or Path("untitled.py")
        try:
            proc = subprocess.run(
                ruff_command(str(path), settings),
                input=snapshot.text.encode("utf-8", "surrogatepass"),
                capture_output=True,
                timeout=settings.ruff.timeout_s,
                cwd=path.parent if path.parent.is_dir() else None,
            )
        except subprocess.TimeoutExpired:
            log.warning("ruff timed out after %.1fs on %s", settings.ruff.timeout_s, path)
            return []
        if proc.returncode not in (0, 1):
            log.warning("ruff failed (%d): %s", proc.returncode, proc.stderr.decode()[:500])
            return []
        return parse_ruff_output(
            proc.stdout.decode("utf-8", "replace"), with_syntax_errors=not settings.reviewers.syntax
        )
