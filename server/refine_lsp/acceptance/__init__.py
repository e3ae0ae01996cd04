"""Acceptance model: learn when a suggestion is worth showing (issue 5).

Plain data in, plain data out; nothing here imports pygls or lsprotocol, and tree-sitter is
imported on first use. How the server drives it, per user:

    from refine_lsp.acceptance import (
        AcceptanceEvent, EventStore, HintGate, LogProbs, UserSession, default_db_path,
        default_gate)

    store = EventStore(default_db_path(settings.acceptance.db_path),
                       store_source=settings.acceptance.store_source)
    gate = default_gate(settings.acceptance.keep_accepted)   # shipped prior, this user
    gate.load_state(store.load_state("gate"))                # earlier online corrections
    session = UserSession()

    # textDocument/didChange
    session.record_change(time.time(), chars_changed)

    # inline completion request, BEFORE any model call
    f1 = session.stage1_features(text, cursor, time.time(), tree=tree)  # tree optional
    if not gate.stage1(f1).show:
        return None                                  # no model call at all
    ... ask the model -> suggestion, token logprobs ...
    lp = LogProbs.from_tokens(token_logprobs, top_alternatives)   # None when unavailable
    f2 = session.stage2_features(f1, prefix, suggestion, suffix, lp)
    decision = gate.stage2(f2)
    store.record(AcceptanceEvent(sid, "inline_completion", "generated", now, f2, suggestion))
    if decision.show:
        session.record_shown(now, prefix, suggestion)
        store.record(AcceptanceEvent(sid, "inline_completion", "shown", now, f2, suggestion))

    # refineLsp.suggestionAccepted / refineLsp/suggestionRejected (or implicit rejection:
    # typing that diverges from the ghost text, or a timeout); shown suggestions only
    session.record_decision(now, accepted, suggestion)
    gate.learn(f2, accepted)                          # online adaptation
    store.record(AcceptanceEvent(sid, kind, "accepted" | "rejected", now, f2))
    store.save_state("gate", gate.state())            # e.g. on shutdown / every N decisions

    # refinement hints: per kind (the rule id), through one ledger per document
    # (acceptance/hints.py): gate_hints on each review, close_ledger on didClose (no
    # decision). Only an applied fix, an in-place edit that does not take it, or an explicit
    # "Hide hints like this" teaches the gate. What was hidden: acceptance/hidden.py.

`gate.set_keep(k)` re-derives the thresholds when `acceptance.keepAccepted` changes.
Stage 2 uses a model with log-probability features when ``lp`` was given and a model
without them otherwise (each with its own threshold), so chat-only providers are gated
too. Both `stage1` and `stage2` take well under 0.2 ms (bench/acceptance_gate.py); the
features take about a millisecond (a local tree-sitter parse).
Source text reaches the store only when `store_source` is True.

Offline: `refine_lsp.acceptance.cli.main(argv)` implements `refine-lsp acceptance evaluate
--train A.jsonl (--test B.jsonl | --cv users) [--keep 0.95] [--json] [--plot FILE.png]`
`refine-lsp acceptance stats [--db PATH]` and `refine-lsp acceptance reset [--kind K]`.
"""

from refine_lsp.acceptance.events import EVENTS, KINDS, AcceptanceEvent
from refine_lsp.acceptance.features import LogProbs, context_features, suggestion_features
from refine_lsp.acceptance.gate import AcceptanceGate, AcceptancePrior, GateDecision
from refine_lsp.acceptance.hints import HintGate
from refine_lsp.acceptance.prior import default_gate, shipped_prior
from refine_lsp.acceptance.store import EventStore, default_db_path
from refine_lsp.acceptance.user import UserSession

__all__ = [
    "EVENTS",
    "KINDS",
    "AcceptanceEvent",
    "AcceptanceGate",
    "AcceptancePrior",
    "EventStore",
    "GateDecision",
    "HintGate",
    "LogProbs",
    "UserSession",
    "context_features",
    "default_db_path",
    "default_gate",
    "shipped_prior",
    "suggestion_features",
]
