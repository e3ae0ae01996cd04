"""What a code-action provider hands out: an Offer (cheap to list) or a Refused (why not)."""

from __future__ import annotations

from dataclasses import dataclass, field

from refine_lsp.settings import Settings
from refine_lsp.text import Finding, Span
from refine_lsp.text.document import DocumentSnapshot


class Refused(Exception):
    """An action cannot be computed, or would not keep behaviour; str() is the reason the
    user sees."""


@dataclass(frozen=True)
class Offer:
    """One action the editor may show. ``args`` are the JSON-able arguments resolve needs;
    ``disabled_reason`` set means the editor shows it greyed out with that reason."""

    provider: str
    id: str
    kind: str
    title: str
    args: dict = field(default_factory=dict)
    disabled_reason: str | None = None
    preferred: bool = False
    findings: tuple[Finding, ...] = ()
    # Long-running actions run as a command (with progress and cancel) instead of an edit.
    command: str | None = None


@dataclass(frozen=True)
class ActionContext:
    snapshot: DocumentSnapshot
    span: Span
    findings: list[Finding]
    settings: Settings
    # False for the editor's automatic requests (lightbulb on cursor moves): long-running
    # actions are offered only when the user asked for the menu.
    invoked: bool = True
    # Hints the acceptance gate hides on the span's first line (Suggestions.hidden_hints_at):
    # each offered as "Show hidden hints like this".
    hidden_hints: tuple[dict, ...] = ()


def kind_matches(kind: str, only: list[str] | None) -> bool:
    """LSP kinds are hierarchical: asking for "refactor" includes "refactor.extract.function"."""
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)
