"""What the refactorings hand out: the one Offer type and the one refusal of refine_lsp.actions.

``offer(id)`` reads the kind and title from the registration table in refactor/__init__.py.
"""

from __future__ import annotations

from refine_lsp.actions.offer import Offer
from refine_lsp.actions.offer import Refused as Refusal

__all__ = ["Offer", "Refusal", "offer"]


def offer(offer_id: str, disabled_reason: str | None = None, title: str | None = None) -> Offer:
    from . import REFACTORINGS  # the table imports the modules that call this

    entry = REFACTORINGS[offer_id]
    return Offer("refactor", offer_id, entry.kind, title or entry.title, {}, disabled_reason)
