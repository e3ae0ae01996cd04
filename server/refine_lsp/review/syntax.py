from __future__ import annotations

from refine_lsp.settings import Settings
from refine_lsp.syntax.errors import syntax_errors
from refine_lsp.text import Finding
from refine_lsp.text.document import DocumentSnapshot


class SyntaxReviewer:
    name = "syntax"

    def enabled(self, settings: Settings) -> bool:
        return settings.reviewers.syntax

    def review(self, snapshot: DocumentSnapshot, settings: Settings) -> list[Finding]:
        if snapshot.tree is None:
            return []
        return syntax_errors(snapshot.tree, snapshot.text.encode("utf-8", "surrogatepass"))
