"""The acceptance side of the server: one user's session, gate, hint gate and events store.

Kept apart from the handlers so inline completions, hints and code actions share one set of
suggestions in flight and one store. Nothing here imports pygls.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field

from refine_lsp.acceptance import (
    AcceptanceEvent,
    EventStore,
    HintGate,
    UserSession,
    default_gate,
)
from refine_lsp.paths import state_dir
from refine_lsp.settings import Settings

log = logging.getLogger(__name__)

# A shown suggestion nobody settled within this time counts as rejected (implicitly).
SHOWN_TIMEOUT_S = 30.0


@dataclass
class Pending:
    kind: str
    features: dict
    shown_at: float
    uri: str
    prefix: str = ""
    text: str = ""
    hint_kind: str = ""


@dataclass
class Suggestions:
    settings: Settings
    store: EventStore | None = None
    session: UserSession = field(default_factory=UserSession)
    pending: dict[str, Pending] = field(default_factory=dict)
    stats: dict[str, int] = field(
        default_factory=lambda: {"stage1_skipped": 0, "model_calls": 0, "stage2_hidden": 0}
    )

    def __post_init__(self) -> None:
        acc = self.settings.acceptance
        path = acc.db_path or str(state_dir() / "events.sqlite3")
        self.store = EventStore(path, store_source=acc.store_source)
        self.gate = default_gate(acc.keep_accepted)
        self.gate.load_state(self.store.load_state("gate"))
        self.hints = HintGate()
        self.hints.load_state(self.store.load_state("hints"))

    def reconfigure(self, settings: Settings) -> None:
        self.settings = settings
        self.gate.set_keep(settings.acceptance.keep_accepted)
        if self.store is not None:
            self.store.store_source = settings.acceptance.store_source

    # -- events ----------------------------------------------------------------------------

    def record(self, sid: str, kind: str, event: str, features: dict, text: str | None = None):
        try:
            self.store.record(AcceptanceEvent(sid, kind, event, time.time(), features, text))
        except Exception:  # the store must never take a feature down with it
            log.exception("could not record %s event", event)

    def new_id(self) -> str:
        return uuid.uuid4().hex

    def shown(self, sid: str, pending: Pending) -> None:
        self.pending[sid] = pending
        if pending.kind == "inline_completion":
            self.session.record_shown(pending.shown_at, pending.prefix, pending.text)
        self.record(sid, pending.kind, "shown", pending.features, pending.text or None)

    def settle(self, sid: str, event: str) -> bool:
        """accepted / partially_accepted / applied / rejected for a shown suggestion."""
        pending = self.pending.pop(sid, None)
        if pending is None:
            return False
        accepted = event != "rejected"
        now = time.time()
        if pending.kind == "inline_completion":
            self.session.record_decision(now, accepted, pending.text)
            self.gate.learn(pending.features, accepted)
            self.store.save_state("gate", self.gate.state())
        elif pending.kind == "refinement_hint":
            self.hints.record(pending.hint_kind, accepted)
            self.store.save_state("hints", self.hints.state())
        self.record(sid, pending.kind, event, pending.features)
        return True

    def expire(self, uri: str | None = None, now: float | None = None) -> None:
        """Implicit rejections: a newer suggestion for the same document, or a timeout."""
        now = time.time() if now is None else now
        for sid, p in list(self.pending.items()):
            if p.kind != "inline_completion":
                continue
            if (uri is not None and p.uri == uri) or now - p.shown_at > SHOWN_TIMEOUT_S:
                self.settle(sid, "rejected")

    def counts(self) -> dict:
        return {
            "events": self.store.counts() if self.store else {},
            "session": dict(self.stats),
            "thresholds": {"stage1": self.gate.threshold1, "stage2": self.gate.threshold2},
            "keep_accepted": self.gate.keep_accepted,
        }

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
