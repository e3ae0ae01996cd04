"""Edits of a text, applied as an editor applies them."""

from __future__ import annotations

from dataclasses import dataclass

from .span import Span, offset_of


@dataclass(frozen=True)
class TextEdit:
    span: Span
    new_text: str


def apply_edits(text: str, edits: list[TextEdit]) -> str:
    """Apply non-overlapping edits, as an editor would."""
    spans = sorted(
        ((offset_of(text, e.span.start), offset_of(text, e.span.end), e.new_text) for e in edits),
        reverse=True,
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text
