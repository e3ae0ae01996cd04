"""Code actions in the domain: kinds and command ids, offers and refusals, the providers and
their registry. Plain data in, plain data out; the LSP layer converts (nothing here imports
pygls)."""

from __future__ import annotations

from . import kinds
from .offer import ActionContext, Offer, Refused, kind_matches
from .registry import ActionProvider, Registry, SaveResults, default_registry

__all__ = [
    "ActionContext",
    "ActionProvider",
    "Offer",
    "Refused",
    "Registry",
    "SaveResults",
    "default_registry",
    "kind_matches",
    "kinds",
]
