"""The ruff reviewer: ruff on the document text (tools/ruff.py), never on the file on disk."""

from __future__ import annotations

import logging
from pathlib import Path

from refine_lsp.settings import Settings
from refine_lsp.text import Finding
from refine_lsp.text.document import DocumentSnapshot
from refine_lsp.tools.ruff import RuffFailed, findings_from_json, run_ruff

log = logging.getLogger(__name__)


def check_args(settings: Settings) -> list[str]:
    args = ["check", "--output-format", "json", "--no-cache", "--exit-zero"]
    if settings.ruff.select:
        args += ["--select", ",".join(settings.ruff.select)]
    return args


class RuffReviewer:
    name = "ruff"

    def enabled(self, settings: Settings) -> bool:
        return settings.reviewers.ruff

    def review(self, snapshot: DocumentSnapshot, settings: Settings) -> list[Finding]:
        path = snapshot.path or Path("untitled.py")
        try:
            proc = run_ruff(
                check_args(settings),
                snapshot.text,
                filename=path,
                cwd=path.parent,
                timeout_s=settings.ruff.timeout_s,
            )
        except RuffFailed as exc:
            log.warning("ruff findings for %s are missing: %s", path, exc)
            return []
        return findings_from_json(
            proc.stdout, with_syntax_errors=not settings.reviewers.syntax, source=snapshot.text
        )
