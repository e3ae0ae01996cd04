"""One user's suggestions in flight: the session, gate, hint gate and events store.

Kept apart from the handlers so inline completions, hints and code actions share one set of
suggestions in flight and one store. Only real decisions are learned from; with
``acceptance.record`` off (headless runs) the store is read but never written.
Nothing here imports pygls.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from refine_lsp.acceptance import (
    AcceptanceEvent,
    EventStore,
    HintGate,
    UserSession,
    default_db_path,
    default_gate,
)
from refine_lsp.acceptance.hidden import (
    COMPLETION_KIND,
    RESET_COMMAND,
    bring_back,
    hidden_summary,
)
from refine_lsp.acceptance.hints import HintLedger
from refine_lsp.acceptance.store import read_only
from refine_lsp.settings import Settings

log = logging.getLogger(__name__)

# A shown completion nobody settled within this time is dropped, not learned from: the user
# may have looked away or scrolled, which is no decision.
SHOWN_TIMEOUT_S = 30.0
STAT_KEYS = ("stage1_skipped", "model_calls", "stage2_hidden")


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
    stats: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAT_KEYS, 0))

    def __post_init__(self) -> None:
        acc = self.settings.acceptance
        self.db = default_db_path(acc.db_path)
        self.recording = acc.record
        state = self._open_store()
        self.gate = default_gate(acc.keep_accepted, acc.call_cost_s, acc.rejected_cost_s)
        self.gate.load_state(state.get("gate") or {})
        self.hints = HintGate()
        self.hints.load_state(state.get("hints") or {})
        saved = state.get("completions") or {}
        self.earlier = {k: int(saved.get(k, 0) or 0) for k in STAT_KEYS}  # before this session
        self._hints_dirty = False
        self.hidden_this_session: dict[str, int] = {}

    def _open_store(self) -> dict:
        if self.recording:
            self.store = EventStore(self.db, store_source=self.settings.acceptance.store_source)
            return {k: self.store.load_state(k) for k in ("gate", "hints", "completions")}
        self.store = None
        try:  # what the user taught the gate still applies; nothing is written
            return read_only(self.db)[1]
        except (OSError, sqlite3.Error):
            return {}

    def reconfigure(self, settings: Settings) -> None:
        self.settings = settings
        acc = settings.acceptance
        self.gate.set_keep(acc.keep_accepted, acc.call_cost_s, acc.rejected_cost_s)
        if settings.acceptance.record != self.recording:
            self.close()
            self.recording = settings.acceptance.record
            self._open_store()
        if self.store is not None:
            self.store.store_source = settings.acceptance.store_source

    # -- events ----------------------------------------------------------------------------

    def record(self, sid: str, kind: str, event: str, features: dict, text: str | None = None):
        if self.store is None:
            return
        try:
            self.store.record(AcceptanceEvent(sid, kind, event, time.time(), features, text))
        except Exception:  # the store must never take a feature down with it
            log.exception("could not record %s event", event)

    def _save(self, key: str, value: dict) -> None:
        if self.store is not None:
            self.store.save_state(key, value)

    def new_id(self) -> str:
        return uuid.uuid4().hex

    def shown(self, sid: str, pending: Pending) -> None:
        self.pending[sid] = pending
        if pending.kind == COMPLETION_KIND:
            self.session.record_shown(pending.shown_at, pending.prefix, pending.text)
        self.record(sid, pending.kind, "shown", pending.features, pending.text or None)

    def settle(self, sid: str, event: str) -> bool:
        """accepted / partially_accepted / applied / rejected / dismissed: a real decision."""
        pending = self.pending.pop(sid, None)
        if pending is None:
            return False
        accepted = event not in ("rejected", "dismissed")
        now = time.time()
        if pending.kind == COMPLETION_KIND:
            self.session.record_decision(now, accepted, pending.text)
            self.gate.learn(pending.features, accepted)
            self._save("gate", self.gate.state())
            self._save("completions", self._completion_state())
        elif pending.kind == "refinement_hint":
            self.hints.record(pending.hint_kind, accepted)
            self._save("hints", self.hints.state())
        self.record(sid, pending.kind, event, pending.features)
        return True

    def forget(self, sid: str) -> bool:
        """Drop a shown suggestion without a decision (file closed, document replaced)."""
        return self.pending.pop(sid, None) is not None

    def forget_document(self, uri: str) -> None:
        for sid in [s for s, p in self.pending.items() if p.uri == uri]:
            del self.pending[sid]

    def expire(self, uri: str | None = None, now: float | None = None) -> None:
        """A newer completion for the same document settles the shown one as rejected (the
        user typed on past it); one left unsettled too long is dropped without learning."""
        now = time.time() if now is None else now
        for sid, p in list(self.pending.items()):
            if p.kind != COMPLETION_KIND:
                continue
            if uri is not None and p.uri == uri:
                self.settle(sid, "rejected")
            elif now - p.shown_at > SHOWN_TIMEOUT_S:
                self.forget(sid)

    # -- refinement hints -----------------------------------------------------------------

    def show_hint(self, uri: str, kind: str) -> str | None:
        """One opportunity to show a hint of ``kind``: its suggestion id, or None if hidden."""
        if not self.hints.should_show(kind):
            self._hints_dirty = True
            self.hidden_this_session[kind] = self.hidden_this_session.get(kind, 0) + 1
            return None
        sid = self.new_id()
        self.shown(sid, Pending("refinement_hint", {}, time.time(), uri, hint_kind=kind))
        return sid

    def flush_hints(self) -> None:
        """Persist the hidden counts once per review rather than once per hint."""
        if self._hints_dirty:
            self._hints_dirty = False
            self._save("hints", self.hints.state())

    def dismiss_hint(
        self, sid: str | None = None, kind: str | None = None, ledgers: Iterable = ()
    ) -> dict:
        """ "Hide hints like this": a rejection, and the kind stays hidden until reset.

        Returns what was hidden; the shell then publishes the open documents again."""
        pending = self.pending.get(sid) if sid else None
        kind = kind or (pending.hint_kind if pending is not None else None)
        if not kind:
            return {"hidden": None, "message": "no such hint (it may have been fixed already)"}
        if pending is not None:
            self.settle(sid, "dismissed")
        self.hints.mute(kind)
        for ledger in ledgers:
            for inst in ledger.decided.values():
                if inst.finding.code == kind and inst.sid is not None:
                    self.forget(inst.sid)
                    inst.sid = None
                    self.hints.kinds[kind].hidden += 1
                    self.hidden_this_session[kind] = self.hidden_this_session.get(kind, 0) + 1
        self._save("hints", self.hints.state())
        return {
            "hidden": kind,
            "message": f"{kind} hints hidden; to bring them back, {bring_back(kind)}",
        }

    # -- what was hidden, and undoing it --------------------------------------------------

    def _completion_state(self) -> dict:
        out = {k: self.earlier[k] + self.stats.get(k, 0) for k in STAT_KEYS}
        return out | self._thresholds()

    def _thresholds(self) -> dict:
        def prob(z: float) -> float:
            return 0.0 if z == float("-inf") else round(1.0 / (1.0 + math.exp(-z)), 4)

        return {
            "stage1": prob(self.gate.threshold1),
            "stage2": prob(self.gate.threshold2),
            "keep_accepted": self.gate.keep_accepted,
        }

    def store_counts(self) -> dict:
        if self.store is not None:
            return self.store.counts()
        try:
            return read_only(self.db)[0]
        except (OSError, sqlite3.Error):
            return {}

    def hidden_summary(self, ledgers: Iterable[HintLedger] = ()) -> dict:
        """For refineLsp.acceptanceStats and the status item ("3 hints hidden")."""
        now: dict[str, int] = {}
        for ledger in ledgers:
            for kind, n in ledger.hidden_count().items():
                now[kind] = now.get(kind, 0) + n
        return hidden_summary(
            self.hints,
            self.store_counts(),
            self._completion_state(),
            self._thresholds(),
            now,
            self.db,
            self.recording,
            self.hidden_this_session,
        )

    def hidden_hints_at(self, ledger: HintLedger, line: int) -> list[dict]:
        """For a "Show hidden hints" code action on ``line`` (0-based): each hidden hint
        there with its rule, message, why it is hidden, and the reset command's arguments."""
        rows = {r["kind"]: r for r in self.hidden_summary()["hints"]}
        out = []
        for f in ledger.hidden_at(line):
            row = rows.get(f.code, {})
            out.append(
                {
                    "kind": f.code,
                    "message": f.message,
                    "line": f.span.start.line,
                    "why": row.get("why", ""),
                    "title": f"Show hidden hints like this ({f.code})",
                    "command": RESET_COMMAND,
                    "arguments": [f.code],
                }
            )
        return out

    def reset(self, kind: str | None = None, ledgers: Iterable[HintLedger] = ()) -> dict:
        """Forget what was learned for ``kind`` (a rule id or "inline_completion"; all when
        None), so its suggestions show again. The shell then publishes open documents again."""
        done = self.hints.reset(None if kind == COMPLETION_KIND else kind)
        if kind == COMPLETION_KIND:
            done = []
        if kind in (None, COMPLETION_KIND):
            self.gate = default_gate(
                self.gate.keep_accepted, self.gate.call_cost, self.gate.rejected_cost
            )
            self.earlier = dict.fromkeys(STAT_KEYS, 0)
            self.stats.update(dict.fromkeys(STAT_KEYS, 0))
            done.append(COMPLETION_KIND)
            self._save("gate", self.gate.state())
            self._save("completions", self._completion_state())
        for ledger in ledgers:  # hidden hints are decided afresh on the next review
            for key in [
                k
                for k, i in ledger.decided.items()
                if i.sid is None and (kind is None or k[0] == kind)
            ]:
                del ledger.decided[key]
        self._save("hints", self.hints.state())
        what = ", ".join(done) if done else f"nothing was learned for {kind}"
        return {"reset": done, "message": f"reset: {what}"}

    def counts(self, ledgers: Iterable[HintLedger] = ()) -> dict:
        return {
            "events": self.store_counts(),
            "session": dict(self.stats),
            "thresholds": {"stage1": self.gate.threshold1, "stage2": self.gate.threshold2},
            "keep_accepted": self.gate.keep_accepted,
            "hidden": self.hidden_summary(ledgers),
        }

    def close(self) -> None:
        if self.store is not None:
            self._save("completions", self._completion_state())
            self._save("hints", self.hints.state())
            self.store.close()
            self.store = None
