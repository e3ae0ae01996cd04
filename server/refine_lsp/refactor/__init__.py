"""Deterministic refactorings: plain text and spans in, new text out (no pygls here).

- ``list_refactorings`` is cheap (tree-sitter only) and runs on every codeAction request.
- ``compute_refactoring`` does the libcst work for one offer in codeAction/resolve and
  returns the whole new text, identical to the old one outside the changed region.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import tree_sitter

from ..core import Span
from . import (
    extract_function,
    extract_variable,
    inline_variable,
    rewrite_bool_return,
    rewrite_comprehension,
    rewrite_fstring,
    rewrite_none_compare,
)
from .fix_all import FIX_ALL_RULES, fix_all
from .imports import organize_imports
from .model import KINDS, Offer, Refusal
from .names import suggest_name
from .tsview import SourceView

__all__ = [
    "FIX_ALL_RULES",
    "KINDS",
    "Offer",
    "Refusal",
    "compute_refactoring",
    "fix_all",
    "list_refactorings",
    "organize_imports",
    "suggest_name",
]

UNKNOWN = "Unknown refactoring `{}`"
INTERNAL = "The refactoring failed on this code ({}); nothing was changed"
log = logging.getLogger(__name__)


def _listers() -> list[Callable[[SourceView, Span], Offer | list[Offer] | None]]:
    return [
        extract_function.list_offer,
        extract_variable.list_offers,
        inline_variable.list_offer,
        rewrite_bool_return.list_offer,
        rewrite_none_compare.list_offer,
        rewrite_comprehension.list_offer,
        rewrite_fstring.list_offer,
    ]


def list_refactorings(source: str, span: Span, tree: tree_sitter.Tree | None = None) -> list[Offer]:
    """Refactorings that apply at ``span``; disabled ones carry the reason they would not.

    Pass the document's tree-sitter ``tree`` when there is one: parsing is the costly part.
    """
    view = SourceView(source, tree)
    offers: list[Offer] = []
    for lister in _listers():
        try:
            found = lister(view, span)
        except Exception:  # noqa: BLE001 - one broken lister must not hide the others
            log.exception("listing refactorings failed in %s", lister.__module__)
            continue
        if found is None:
            continue
        offers.extend(found if isinstance(found, list) else [found])
    return offers


def compute_refactoring(
    source: str,
    span: Span,
    offer_id: str,
    tree: tree_sitter.Tree | None = None,
    name: str | None = None,
) -> str:
    """The whole new text for ``offer_id`` at ``span``; raises Refusal with the reason.

    ``name`` is an optional proposed name (e.g. from a model) for extracted code; it is used
    only when it is a valid identifier that collides with nothing in the file.
    """
    try:
        return _compute(source, span, offer_id, tree, name)
    except Refusal:
        raise
    except Exception as exc:  # noqa: BLE001 - a bug must reach the user as a reason, not a crash
        log.exception("refactoring %s failed", offer_id)
        raise Refusal(INTERNAL.format(type(exc).__name__)) from exc


def _compute(source, span, offer_id, tree, name) -> str:
    view = SourceView(source, tree)
    if offer_id == "extract.function":
        return extract_function.compute(source, span, view, name=name)
    if offer_id in ("extract.variable", "extract.variable.all"):
        return extract_variable.compute(
            source, span, view, all_occurrences=offer_id.endswith(".all"), name=name
        )
    if offer_id == "inline.variable":
        return inline_variable.compute(source, span, view)
    if offer_id == "rewrite.bool-return":
        return rewrite_bool_return.compute(source, span, view)
    if offer_id == "rewrite.compare-to-none":
        return rewrite_none_compare.compute(source, span, view)
    if offer_id == "rewrite.comprehension":
        return rewrite_comprehension.compute(source, span, view)
    if offer_id == "rewrite.fstring":
        return rewrite_fstring.compute(source, span, view)
    if offer_id == "source.organize-imports":
        return organize_imports(source)
    raise Refusal(UNKNOWN.format(offer_id))
