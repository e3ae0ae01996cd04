"""Deterministic refactorings: plain text and spans in, new text out (no pygls here).

One registration entry per refactoring (REFACTORINGS: id, kind, title, list, compute).
- ``list_refactorings`` is cheap (tree-sitter only) and runs on every codeAction request.
- ``compute_refactoring`` does the libcst work for one offer in codeAction/resolve and
  returns the whole new text, identical to the old one outside the changed region.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass

import tree_sitter

from refine_lsp.actions import kinds
from refine_lsp.text import Span

from . import (
    extract_function,
    extract_variable,
    inline_variable,
    rewrite_bool_return,
    rewrite_comprehension,
    rewrite_fstring,
    rewrite_none_compare,
)
from .chunk import ChunkTooNarrow, method_function
from .fix_all import FIX_ALL_RULES, fix_all
from .imports import organize_imports
from .model import Offer, Refusal
from .names import suggest_name
from .tsview import SourceView

__all__ = [
    "FIX_ALL_RULES",
    "REFACTORINGS",
    "Offer",
    "Refactoring",
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

Lister = Callable[[SourceView, Span], "Offer | list[Offer] | None"]


@dataclass(frozen=True)
class Refactoring:
    """One registration entry: ``list`` finds offers cheaply with tree-sitter (None when the
    entry is listed by another's lister), ``compute(source, span, view, name)`` returns the
    whole new text or raises Refusal. ``chunking`` is how much of the file its libcst part
    parses (refactor/chunk.py): the innermost function where the analysis is of that
    function's scope alone."""

    id: str
    kind: str
    title: str
    list: Lister | None
    compute: Callable[..., str]
    chunking: str = "function"


def _unnamed(compute: Callable[..., str]) -> Callable[..., str]:
    return lambda source, span, view, name=None: compute(source, span, view)


REFACTORINGS: dict[str, Refactoring] = {
    r.id: r
    for r in (
        Refactoring(
            "extract.function",
            kinds.REFACTOR_EXTRACT_FUNCTION,
            "Extract function",
            extract_function.list_offer,
            extract_function.compute,
            "inner-free",
        ),
        Refactoring(
            "extract.variable",
            kinds.REFACTOR_EXTRACT_VARIABLE,
            "Extract variable",
            extract_variable.list_offers,
            functools.partial(extract_variable.compute, all_occurrences=False),
            "inner",
        ),
        Refactoring(
            "extract.variable.all",
            kinds.REFACTOR_EXTRACT_VARIABLE,
            "Extract variable (all occurrences)",
            None,  # listed by extract.variable when there are several occurrences
            functools.partial(extract_variable.compute, all_occurrences=True),
            "inner-module",
        ),
        Refactoring(
            "inline.variable",
            kinds.REFACTOR_INLINE,
            "Inline variable",
            inline_variable.list_offer,
            _unnamed(inline_variable.compute),
            "inner-bound",  # the assignment and every use must be in the chunk
        ),
        Refactoring(
            "rewrite.bool-return",
            kinds.REFACTOR_REWRITE,
            "Return the condition directly",
            rewrite_bool_return.list_offer,
            _unnamed(rewrite_bool_return.compute),
            "inner",
        ),
        Refactoring(
            "rewrite.compare-to-none",
            kinds.REFACTOR_REWRITE,
            "Compare to None with `is`",
            rewrite_none_compare.list_offer,
            _unnamed(rewrite_none_compare.compute),
        ),
        Refactoring(
            "rewrite.comprehension",
            kinds.REFACTOR_REWRITE,
            "Convert loop to list comprehension",
            rewrite_comprehension.list_offer,
            _unnamed(rewrite_comprehension.compute),
            "inner",
        ),
        Refactoring(
            "rewrite.fstring",
            kinds.REFACTOR_REWRITE,
            "Convert to f-string",
            rewrite_fstring.list_offer,
            _unnamed(rewrite_fstring.compute),
            "inner",
        ),
        Refactoring(
            "source.organize-imports",
            kinds.ORGANIZE_IMPORTS,
            "Organize imports",
            None,  # a source action of its own (actions.providers.OrganizeImports)
            lambda source, span, view, name=None: organize_imports(source),
        ),
    )
}


def list_refactorings(source: str, span: Span, tree: tree_sitter.Tree | None = None) -> list[Offer]:
    """Refactorings that apply at ``span``; disabled ones carry the reason they would not.

    Pass the document's tree-sitter ``tree`` when there is one: parsing is the costly part.
    """
    view = SourceView(source, tree)
    offers: list[Offer] = []
    for lister in (r.list for r in REFACTORINGS.values() if r.list is not None):
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
    chunking: str | None = None,
    path: str | None = None,
) -> str:
    """The whole new text for ``offer_id`` at ``span``; raises Refusal with the reason.

    ``name`` is an optional proposed name (e.g. from a model) for extracted code; it is used
    only when it is a valid identifier that collides with nothing in the file. ``chunking``
    overrides the entry's (tests compare with ``"module"``, the whole file parsed). ``path``
    is the file's: a new module-level function is refused where a file of its project
    reads the module's namespace whole (refactor/namespace_reads.py).
    """
    try:
        return _compute(source, span, offer_id, tree, name, chunking, path)
    except Refusal:
        raise
    except Exception as exc:  # noqa: BLE001 - a bug must reach the user as a reason, not a crash
        log.exception("refactoring %s failed", offer_id)
        raise Refusal(INTERNAL.format(type(exc).__name__)) from exc


def _compute(source, span, offer_id, tree, name, chunking=None, path=None) -> str:
    entry = REFACTORINGS.get(offer_id)
    if entry is None:
        raise Refusal(UNKNOWN.format(offer_id))
    chunking = chunking or entry.chunking
    try:
        return entry.compute(source, span, SourceView(source, tree, chunking, path), name=name)
    except ChunkTooNarrow:
        if chunking in ("method", "outer", "function", "module"):
            raise
    # The edit reaches past the innermost function: the method around it (under stubs for
    # its classes) holds every enclosing function; the top-level statement holds the rest.
    view = SourceView(source, tree, "method", path)
    if method_function(view, view.trimmed(span)) is not None:
        try:
            return entry.compute(source, span, view, name=name)
        except ChunkTooNarrow:
            pass
    return entry.compute(source, span, SourceView(source, tree, "outer", path), name=name)
