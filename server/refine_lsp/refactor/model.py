"""What the refactorings hand to the server: offers (cheap to list) and refusals (why not)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Offer:
    """One refactoring the editor may show at a selection.

    ``disabled_reason`` set means the editor shows the action greyed out with that reason,
    so the user learns why the refactoring would not keep behaviour.
    """

    id: str
    kind: str
    title: str
    disabled_reason: str | None = None


class Refusal(Exception):
    """The refactoring would not keep behaviour (or cannot apply); ``str(exc)`` says why."""


KINDS = {
    "extract.function": "refactor.extract.function",
    "extract.variable": "refactor.extract.variable",
    "extract.variable.all": "refactor.extract.variable",
    "inline.variable": "refactor.inline",
    "rewrite.bool-return": "refactor.rewrite",
    "rewrite.compare-to-none": "refactor.rewrite",
    "rewrite.comprehension": "refactor.rewrite",
    "rewrite.fstring": "refactor.rewrite",
    "source.organize-imports": "source.organizeImports",
}

TITLES = {
    "extract.function": "Extract function",
    "extract.method": "Extract method",
    "extract.variable": "Extract variable",
    "extract.variable.all": "Extract variable (all occurrences)",
    "inline.variable": "Inline variable",
    "rewrite.bool-return": "Return the condition directly",
    "rewrite.compare-to-none": "Compare to None with `is`",
    "rewrite.comprehension": "Convert loop to list comprehension",
    "rewrite.fstring": "Convert to f-string",
    "source.organize-imports": "Organize imports",
}


def offer(offer_id: str, disabled_reason: str | None = None, title: str | None = None) -> Offer:
    return Offer(offer_id, KINDS[offer_id], title or TITLES[offer_id], disabled_reason)
