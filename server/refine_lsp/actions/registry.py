"""The code-action registry: providers keyed by kind, cheap listing, edits on resolve.

Listing returns `Offer`s with the JSON-able arguments needed later; only resolve
computes the new text. Nothing here imports pygls.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Protocol

from refine_lsp.settings import Settings
from refine_lsp.text import TextEdit, diff_edits
from refine_lsp.text.document import DocumentSnapshot

from .offer import ActionContext, Offer, Refused, kind_matches

log = logging.getLogger(__name__)


class ActionProvider(Protocol):
    name: str
    kinds: tuple[str, ...]

    def offers(self, ctx: ActionContext) -> list[Offer]: ...

    def resolve(self, snapshot: DocumentSnapshot, settings: Settings, args: dict) -> str: ...


def _compatible(kind: str, only: list[str] | None) -> bool:
    """Whether a provider of ``kind`` can produce anything ``only`` asks for."""
    return kind_matches(kind, only) or any(o.startswith(kind + ".") for o in only or [])


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

    def offers(self, ctx: ActionContext, only: list[str] | None = None) -> list[Offer]:
        out: list[Offer] = []
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
        # The revision too: a close and reopen may reuse the version number for other text.
        return (
            provider,
            snapshot.uri,
            snapshot.version,
            snapshot.revision,
            _config_stamp(snapshot.path),
            part,
        )


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
    from .move_provider import MoveToModule
    from .providers import default_providers

    return Registry([*default_providers(), MoveToModule()])
