"""The code-action registry: providers keyed by kind, cheap listing, edits on resolve.

Listing returns `ActionOffer`s with the JSON-able arguments needed later; only resolve
computes the new text. Nothing here imports pygls.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from refine_lsp.core import Finding, Pos, Span, TextEdit, apply_edits
from refine_lsp.documents import DocumentSnapshot
from refine_lsp.settings import Settings

log = logging.getLogger(__name__)

QUICKFIX = "quickfix"
REFACTOR = "refactor"
REFACTOR_EXTRACT = "refactor.extract"
REFACTOR_INLINE = "refactor.inline"
REFACTOR_REWRITE = "refactor.rewrite"
ORGANIZE_IMPORTS = "source.organizeImports"
FIX_ALL = "source.fixAll.refine"


class Refused(Exception):
    """An action cannot be computed; str() is the reason the user sees."""


@dataclass(frozen=True)
class ActionOffer:
    provider: str
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


def kind_matches(kind: str, only: list[str] | None) -> bool:
    """LSP kinds are hierarchical: asking for "refactor" includes "refactor.extract.function"."""
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)


class ActionProvider(Protocol):
    name: str
    kinds: tuple[str, ...]

    def offers(self, ctx: ActionContext) -> list[ActionOffer]: ...

    def resolve(self, snapshot: DocumentSnapshot, settings: Settings, args: dict) -> str: ...


def _compatible(kind: str, only: list[str] | None) -> bool:
    """Whether a provider of ``kind`` can produce anything ``only`` asks for."""
    return kind_matches(kind, only) or any(o.startswith(kind + ".") for o in only or [])


def _edit_to_json(e: TextEdit) -> list:
    return [e.span.start.line, e.span.start.col, e.span.end.line, e.span.end.col, e.new_text]


def _edit_from_json(v: list) -> TextEdit:
    return TextEdit(Span(Pos(v[0], v[1]), Pos(v[2], v[3])), v[4])


def _overlaps(a: Span, b: Span) -> bool:
    return not (a.end < b.start or b.end < a.start)


def _path(snapshot: DocumentSnapshot) -> str | None:
    """The file's path, so ruff applies the project's configuration."""
    return str(snapshot.path) if snapshot.path is not None else None


class RuffQuickFix:
    """ruff's own fixes for the findings under the cursor."""

    name = "ruff.fix"
    kinds = (QUICKFIX,)

    def offers(self, ctx: ActionContext) -> list[ActionOffer]:
        out = []
        for f in ctx.findings:
            if f.source != "ruff" or not f.fix_id or not _overlaps(f.span, ctx.span):
                continue
            applicability = f.data.get("applicability", "unsafe")
            title = f"Ruff ({f.code}): {f.data.get('fix_message')}"
            if applicability != "safe":
                title += " (unsafe fix)"
            out.append(
                ActionOffer(
                    self.name,
                    QUICKFIX,
                    title,
                    {
                        "edits": [_edit_to_json(e) for e in f.data["edits"]],
                        "suggestion_id": f.data.get("suggestion_id"),
                    },
                    preferred=applicability == "safe",
                    findings=(f,),
                )
            )
        return out

    def resolve(self, snapshot: DocumentSnapshot, settings: Settings, args: dict) -> str:
        return apply_edits(snapshot.text, [_edit_from_json(e) for e in args["edits"]])


class Refactorings:
    """The libcst refactorings (refine_lsp.refactor), imported on first use."""

    name = "refactor"
    kinds = (REFACTOR_EXTRACT, REFACTOR_INLINE, REFACTOR_REWRITE)

    def offers(self, ctx: ActionContext) -> list[ActionOffer]:
        from refine_lsp import refactor

        span = ctx.span
        return [
            ActionOffer(
                self.name,
                o.kind,
                o.title,
                {
                    "id": o.id,
                    "span": [span.start.line, span.start.col, span.end.line, span.end.col],
                },
                disabled_reason=o.disabled_reason,
            )
            for o in refactor.list_refactorings(ctx.snapshot.text, span, ctx.snapshot.tree)
            if o.kind != ORGANIZE_IMPORTS
        ]

    def resolve(self, snapshot: DocumentSnapshot, settings: Settings, args: dict) -> str:
        from refine_lsp import refactor

        s = args["span"]
        try:
            return refactor.compute_refactoring(
                snapshot.text,
                Span(Pos(s[0], s[1]), Pos(s[2], s[3])),
                args["id"],
                tree=snapshot.tree,
            )
        except refactor.Refusal as exc:
            raise Refused(str(exc)) from exc


class OrganizeImports:
    name = "imports"
    kinds = (ORGANIZE_IMPORTS,)

    def offers(self, ctx: ActionContext) -> list[ActionOffer]:
        return [ActionOffer(self.name, ORGANIZE_IMPORTS, "Organize imports")]

    def resolve(self, snapshot: DocumentSnapshot, settings: Settings, args: dict) -> str:
        from refine_lsp import refactor

        return refactor.organize_imports(snapshot.text, path=_path(snapshot))


class FixAll:
    """The safe rewrites the user enabled (settings.fixAll.rules); never model-backed."""

    name = "fixall"
    kinds = (FIX_ALL,)

    def offers(self, ctx: ActionContext) -> list[ActionOffer]:
        if not ctx.settings.fix_all.rules:
            return []
        return [ActionOffer(self.name, FIX_ALL, "Fix all safe issues (refine-lsp)")]

    def resolve(self, snapshot: DocumentSnapshot, settings: Settings, args: dict) -> str:
        from refine_lsp import refactor

        return refactor.fix_all(snapshot.text, list(settings.fix_all.rules), path=_path(snapshot))


class Registry:
    def __init__(self, providers: list[ActionProvider]):
        self.providers = {p.name: p for p in providers}

    def offers(self, ctx: ActionContext, only: list[str] | None = None) -> list[ActionOffer]:
        out: list[ActionOffer] = []
        for provider in self.providers.values():
            if not any(_compatible(k, only) for k in provider.kinds):
                continue
            try:
                offers = provider.offers(ctx)
            except Exception:
                log.exception("code-action provider %s failed", provider.name)
                continue
            out.extend(o for o in offers if kind_matches(o.kind, only))
        return out

    def resolve(self, provider: str, snapshot: DocumentSnapshot, settings: Settings, args: dict):
        if provider not in self.providers:
            raise Refused(f"unknown code action provider {provider!r}")
        return self.providers[provider].resolve(snapshot, settings, args)


def default_registry() -> Registry:
    return Registry([RuffQuickFix(), Refactorings(), OrganizeImports(), FixAll()])
