"""The state the handlers share: documents, settings, the client's capabilities (resolved
once, at initialize), findings, running tasks and the suggestions side."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from refine_lsp.actions import Registry, default_registry
from refine_lsp.settings import Settings, parse_settings
from refine_lsp.text import Finding
from refine_lsp.text.document import DocumentSnapshot, DocumentStore, uri_to_path

if TYPE_CHECKING:
    from refine_lsp.acceptance.suggestions import Suggestions
    from refine_lsp.index.store import WorkspaceIndex


def _get(obj: Any, *path: str) -> Any:
    for part in path:
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


@dataclass(frozen=True)
class ClientFeatures:
    """What the client declared it supports, read once from its capabilities."""

    pull_diagnostics: bool = False
    diagnostic_refresh: bool = False
    versioned_edits: bool = False
    resource_operations: bool = False
    resolve_edit: bool = False
    disabled_actions: bool = False
    work_done_progress: bool = False
    configuration: bool = False
    watched_files_dynamic: bool = False
    change_annotations: bool = False  # edits may ask the user to confirm them

    @classmethod
    def of(cls, caps: lsp.ClientCapabilities | None) -> ClientFeatures:
        resolve_props = _get(caps, "text_document", "code_action", "resolve_support", "properties")
        return cls(
            pull_diagnostics=bool(_get(caps, "text_document", "diagnostic")),
            diagnostic_refresh=bool(_get(caps, "workspace", "diagnostics", "refresh_support")),
            versioned_edits=bool(_get(caps, "workspace", "workspace_edit", "document_changes")),
            resource_operations=bool(
                _get(caps, "workspace", "workspace_edit", "resource_operations")
            ),
            resolve_edit=bool(resolve_props) and "edit" in resolve_props,
            disabled_actions=bool(_get(caps, "text_document", "code_action", "disabled_support")),
            work_done_progress=bool(_get(caps, "window", "work_done_progress")),
            configuration=bool(_get(caps, "workspace", "configuration")),
            watched_files_dynamic=bool(
                _get(caps, "workspace", "did_change_watched_files", "dynamic_registration")
            ),
            change_annotations=bool(
                _get(caps, "workspace", "workspace_edit", "change_annotation_support")
            ),
        )


def merge(base: Any, over: Any) -> Any:
    """Deep merge of JSON objects; ``over`` wins, and a missing or null ``over`` keeps ``base``."""
    if isinstance(base, dict) and isinstance(base.get("refineLsp"), dict):
        base = base["refineLsp"]
    if isinstance(over, dict) and isinstance(over.get("refineLsp"), (dict, list)):
        over = over["refineLsp"]
    if over is None or (over == [] and isinstance(base, dict)):
        return base  # Neovim sends an empty Lua table as []: it means "nothing set here"
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = merge(base.get(key), value)
        return out
    return over


class Session:
    def __init__(self) -> None:
        self.documents = DocumentStore()
        self.settings = Settings()
        self.init_options: Any = None
        self.client = ClientFeatures()
        self.workspace_folders: list[Path] = []
        self.registry: Registry = default_registry()
        # uri -> (version, findings) of the last completed review
        self.findings: dict[str, tuple[int, list[Finding]]] = {}
        self.review_tasks: dict[str, asyncio.Task] = {}
        self.parse_ms: list[tuple[float, float]] = []  # (wall, cpu) of each reparse
        self.inline_cache: dict[tuple, object] = {}
        self.hint_ledgers: dict = {}  # uri -> refine_lsp.acceptance.hints.HintLedger
        self.model_warm = False
        self.told: set[str] = set()  # causes already shown to the user (notify_once)
        self.reported: dict = {}  # what $/refineLsp/status last said
        self.work: list[str] = []  # titles of the long actions running now
        self._suggestions: Suggestions | None = None
        self.index: WorkspaceIndex | None = None  # built in the background (lsp/indexing.py)
        self.index_task: asyncio.Task | None = None

    def initialize(self, params: lsp.InitializeParams) -> None:
        self.client = ClientFeatures.of(params.capabilities)
        self.init_options = params.initialization_options
        folders = [uri_to_path(f.uri) for f in params.workspace_folders or []]
        if not folders and params.root_uri:
            folders = [uri_to_path(params.root_uri)]
        elif not folders and params.root_path:
            folders = [Path(params.root_path)]
        self.workspace_folders = [f for f in folders if f is not None]

    def configure(self, raw: Any) -> list[str]:
        """initializationOptions overlaid with what the client's configuration says now;
        returns one message per invalid setting (its default is kept)."""
        settings, errors = parse_settings(merge(self.init_options, raw))
        if settings.model != self.settings.model:
            self.told = {c for c in self.told if not c.startswith("model:")}  # new model, news
        self.settings = settings
        if self._suggestions is not None:
            self._suggestions.reconfigure(settings)
        return errors

    def suggestions(self) -> Suggestions:
        """Created on first use: the events store and the prior are not part of start-up."""
        if self._suggestions is None:
            from refine_lsp.acceptance.suggestions import Suggestions

            self._suggestions = Suggestions(self.settings)
        return self._suggestions

    @property
    def suggestions_loaded(self) -> Suggestions | None:
        return self._suggestions

    def snapshot(self, uri: str) -> DocumentSnapshot | None:
        doc = self.documents.get(uri)
        return doc.snapshot() if doc is not None else None

    def current_findings(self, uri: str, version: int) -> list[Finding]:
        cached = self.findings.get(uri)
        return cached[1] if cached and cached[0] == version else []
