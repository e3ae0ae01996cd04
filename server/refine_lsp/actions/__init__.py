"""Code actions in the domain: kinds and command ids (kinds.py), offers and refusals
(offer.py), the providers and their registry. Plain data in, plain data out; the LSP layer
converts (nothing here imports pygls). Names load on first use, so that reading an id from
actions.kinds costs nothing."""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ActionContext": ".offer",
    "Offer": ".offer",
    "Refused": ".offer",
    "kind_matches": ".offer",
    "ActionProvider": ".registry",
    "Registry": ".registry",
    "SaveResults": ".registry",
    "default_registry": ".registry",
}

__all__ = sorted([*_EXPORTS, "kinds"])


def __getattr__(name: str) -> Any:
    if name == "kinds":
        return importlib.import_module(".kinds", __name__)
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(name)
