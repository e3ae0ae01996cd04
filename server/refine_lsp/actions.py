"""The code-action registry: providers keyed by kind, cheap listing, edits on resolve.

Listing returns `ActionOffer`s with the JSON-able arguments needed later; only resolve
computes the new text. Nothing here imports pygls.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Protocol

from refine_lsp.core import Finding, Pos, Span, TextEdit, apply_edits, diff_edits
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

        return refactor.organize_imports(snapshot.text, path=_path(snapshot), tree=snapshot.tree)

    def save_key(self, settings: Settings) -> tuple:
        return ()


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

        return refactor.fix_all(
            snapshot.text, list(settings.fix_all.rules), path=_path(snapshot), tree=snapshot.tree
        )

    def save_key(self, settings: Settings) -> tuple | None:
        return tuple(settings.fix_all.rules) if settings.fix_all.rules else None


class SaveResults:
    """Results of the save-time actions, computed in the pause after an edit.

    Keyed by provider, document version and the settings the result depends on, so a stale
    entry is never served: an edit bumps the version, a settings change the key.
    """

    def __init__(self, size: int = 16):
        self._items: OrderedDict[tuple, list[TextEdit]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self._running: dict[tuple, threading.Event] = {}

    def compute(self, key: tuple, make) -> list[TextEdit]:
        """The cached edits, or `make()`'s; one computation per key even when a save arrives
        while the precomputation for the same version is still running."""
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key]
                running = self._running.get(key)
                if running is None:
                    running = self._running[key] = threading.Event()
                    break
            running.wait(timeout=30)  # the other computation failed if nothing is stored
            with self._lock:
                if key not in self._items and self._running.get(key) is running:
                    del self._running[key]  # stuck: compute here
        try:
            edits = make()
            self.put(key, edits)
            return edits
        finally:
            with self._lock:
                self._running.pop(key, None)
            running.set()

    def get(self, key: tuple) -> list[TextEdit] | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: tuple, edits: list[TextEdit]) -> None:
        with self._lock:
            self._items[key] = edits
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def forget(self, uri: str) -> None:
        with self._lock:
            for key in [k for k in self._items if k[1] == uri]:
                del self._items[key]


class Registry:
    def __init__(self, providers: list[ActionProvider]):
        self.providers = {p.name: p for p in providers}
        self.saved = SaveResults()

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
        """The document's new text."""
        if provider not in self.providers:
            raise Refused(f"unknown code action provider {provider!r}")
        return self.providers[provider].resolve(snapshot, settings, args)

    def resolve_edits(
        self, provider: str, snapshot: DocumentSnapshot, settings: Settings, args: dict
    ) -> list[TextEdit]:
        """The edits turning the document into its new text; save actions come precomputed."""

        def make() -> list[TextEdit]:
            return diff_edits(snapshot.text, self.resolve(provider, snapshot, settings, args))

        key = self._save_key(provider, snapshot, settings) if provider in self.providers else None
        return make() if key is None else self.saved.compute(key, make)

    def precompute(self, snapshot: DocumentSnapshot, settings: Settings) -> None:
        """Compute the save-time actions (fixAll, organize imports) for this version ahead."""
        for name, provider in self.providers.items():
            if not hasattr(provider, "save_key"):
                continue
            try:  # a result already there is returned as is
                self.resolve_edits(name, snapshot, settings, {})
            except Refused:
                continue
            except Exception:
                log.exception("precomputing %s failed", name)

    def _save_key(self, provider: str, snapshot: DocumentSnapshot, settings: Settings):
        save_key = getattr(self.providers[provider], "save_key", None)
        part = save_key(settings) if save_key is not None else None
        if part is None:
            return None
        return (provider, snapshot.uri, snapshot.version, _config_stamp(snapshot.path), part)


_CONFIG_FILES = ("pyproject.toml", "ruff.toml", ".ruff.toml")


def _config_stamp(path) -> tuple:
    """The ruff configuration files above `path` with their modification times: editing one
    (it need not be open in the editor) makes a precomputed save result stale."""
    if path is None:
        return ()
    stamp = []
    for folder in path.parents:
        for name in _CONFIG_FILES:
            try:
                stamp.append((str(folder / name), (folder / name).stat().st_mtime_ns))
            except OSError:
                continue
    return tuple(stamp)


def default_registry() -> Registry:
    return Registry([RuffQuickFix(), Refactorings(), OrganizeImports(), FixAll()])
