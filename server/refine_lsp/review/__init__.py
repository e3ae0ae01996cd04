"""Reviewers: each takes a document snapshot and settings and returns findings."""

from __future__ import annotations

import logging

from refine_lsp.review.base import Reviewer
from refine_lsp.review.ruff import RuffReviewer
from refine_lsp.review.syntax import SyntaxReviewer
from refine_lsp.settings import Settings
from refine_lsp.text import Finding
from refine_lsp.text.document import DocumentSnapshot

log = logging.getLogger(__name__)

REVIEWERS: list[Reviewer] = [SyntaxReviewer(), RuffReviewer()]


def review_document(
    snapshot: DocumentSnapshot, settings: Settings, reviewers: list[Reviewer] | None = None
) -> list[Finding]:
    """Every enabled reviewer's findings; a reviewer that fails is logged and skipped."""
    findings: list[Finding] = []
    for reviewer in reviewers or REVIEWERS:
        if not reviewer.enabled(settings):
            continue
        try:
            findings.extend(reviewer.review(snapshot, settings))
        except Exception:
            log.exception("reviewer %s failed on %s", reviewer.name, snapshot.uri)
    return findings


__all__ = ["Reviewer", "review_document", "REVIEWERS", "RuffReviewer", "SyntaxReviewer"]
