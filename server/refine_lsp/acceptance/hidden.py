"""What the acceptance gate hid, why, and how to bring it back (plain data for `stats`,
the LSP command refineLsp.acceptanceStats, the status item and "Show hidden hints")."""

from __future__ import annotations

from collections.abc import Mapping

from refine_lsp.acceptance.hints import HintGate
from refine_lsp.actions import kinds

# The command ids the texts below name (defined once, in actions/kinds.py).
RESET_COMMAND = kinds.ACCEPTANCE_RESET
HIDE_COMMAND = kinds.HIDE_HINTS
COMPLETION_KIND = "inline_completion"
ACCEPTING = ("accepted", "partially_accepted", "applied")
REJECTING = ("rejected", "dismissed")


def bring_back(kind: str | None) -> str:
    flag = f" --kind {kind}" if kind else ""
    arg = f' with ["{kind}"]' if kind else ""
    return f"run `refine-lsp acceptance reset{flag}` or the command {RESET_COMMAND}{arg}"


def _hint_row(gate: HintGate, kind: str, hidden_now: int, hidden_session: int) -> dict:
    post = gate.kinds.get(kind)
    mean, _ = gate.rate(kind)
    optimistic = gate.optimistic_rate(kind)
    muted = bool(post and post.muted)
    fading = optimistic < gate.floor
    if muted:
        why = 'you chose "Hide hints like this"'
    elif fading:
        why = (
            f"applied about {mean:.1%} of the time (at most {optimistic:.1%} by the evidence),"
            f" below the threshold {gate.floor:.0%}; shown once in {gate.explore_every}"
            " chances to check"
        )
    else:
        why = f"shown: acceptance estimate {optimistic:.0%} is at or above {gate.floor:.0%}"
    return {
        "kind": kind,
        "hidden": post.hidden if post else 0,
        "hidden_now": hidden_now,
        "hidden_this_session": hidden_session,
        "applied": round(post.accepted, 2) if post else 0.0,
        "rejected": round(post.rejected, 2) if post else 0.0,
        "rate": round(mean, 4),
        "optimistic_rate": round(optimistic, 4),
        "threshold": gate.floor,
        "state": "hidden by you" if muted else "fading" if fading else "shown",
        "why": why,
        "bring_back": bring_back(kind),
    }


def _completion_row(counts: Mapping, totals: Mapping, thresholds: Mapping) -> dict:
    by_event = counts.get(COMPLETION_KIND, {})
    won = sum(by_event.get(e, 0) for e in ACCEPTING)
    lost = sum(by_event.get(e, 0) for e in REJECTING)
    before = int(totals.get("stage1_skipped", 0))
    after = int(totals.get("stage2_hidden", 0))
    keep = thresholds.get("keep_accepted")
    rate = won / (won + lost) if won + lost else None
    why = (
        f"the model predicts acceptance below the threshold for keeping {keep:.0%} of"
        " the suggestions you would accept"
        if isinstance(keep, (int, float))
        else "predicted acceptance below the gate's threshold"
    )
    if rate is not None:
        why += f"; you accepted {rate:.0%} of {won + lost} decided"
    return {
        "kind": COMPLETION_KIND,
        "hidden": before + after,
        "hidden_before_model_call": before,
        "hidden_after_model_call": after,
        "accepted": won,
        "rejected": lost,
        "rate": None if rate is None else round(rate, 4),
        "threshold_stage1": thresholds.get("stage1"),
        "threshold_stage2": thresholds.get("stage2"),
        "keep_accepted": keep,
        "why": why,
        "bring_back": "raise acceptance.keepAccepted (1.0 hides nothing) or set"
        f" acceptance.enabled to false; {bring_back(COMPLETION_KIND)} forgets what it"
        " learned from your decisions",
    }


def hidden_summary(
    hints: HintGate,
    counts: Mapping,
    completion_totals: Mapping,
    thresholds: Mapping,
    hidden_now: Mapping[str, int] | None = None,
    db: str | None = None,
    recording: bool = True,
    hidden_session: Mapping[str, int] | None = None,
) -> dict:
    """Counts of hidden hints (per rule) and completions, each with why and how to undo.

    ``hidden_now``: hint instances hidden in the documents open now, per rule;
    ``hidden_session``: hidden by this server (a headless review reports these); the other
    counts are since the last reset."""
    now = dict(hidden_now or {})
    session = dict(hidden_session or {})
    kinds = sorted(set(hints.kinds) | set(now) | set(session))
    rows = [_hint_row(hints, k, now.get(k, 0), session.get(k, 0)) for k in kinds]
    completion = _completion_row(counts, completion_totals, thresholds)
    live = sum(now.values())
    message = f"{live} hint{'s' if live != 1 else ''} hidden" if live else "no hints hidden"
    return {
        "db": db,
        "recording": recording,
        "hints": rows,
        "hints_hidden": sum(r["hidden"] for r in rows),
        "hints_hidden_now": live,
        "hints_hidden_this_session": sum(session.values()),
        "completions": completion,
        "message": message,
        "reset_all": bring_back(None),
    }


def format_summary(summary: Mapping) -> str:
    """The summary as the text `refine-lsp acceptance stats` prints."""
    lines = [f"events database: {summary.get('db')}"]
    if not summary.get("recording", True):
        lines.append("recording is off (acceptance.record = false): nothing new is learned")
    rows = summary.get("hints") or []
    lines.append(f"refinement hints hidden since the last reset: {summary.get('hints_hidden', 0)}")
    for r in rows:
        lines.append(
            f"  {r['kind']}: {r['state']}, hidden {r['hidden']}"
            f" (recent decisions, older ones weigh less: applied {r['applied']:.1f},"
            f" rejected {r['rejected']:.1f}); {r['why']}"
        )
        if r["state"] != "shown" or r["hidden"]:
            lines.append(f"    to bring back: {r['bring_back']}")
    c = summary["completions"]
    lines.append(
        f"inline completions hidden: {c['hidden']} ({c['hidden_before_model_call']} before the"
        f" model call, {c['hidden_after_model_call']} after); {c['why']}"
    )
    if c["hidden"]:
        lines.append(f"  to bring back: {c['bring_back']}")
    lines.append(f"to reset everything: {summary.get('reset_all')}")
    return "\n".join(lines)


def reset_store(store, kind: str | None = None) -> list[str]:
    """`reset` on a store (an `EventStore`): what was learned for ``kind`` (a rule id or
    "inline_completion"; all when None) is forgotten. The events stay. Returns the kinds."""
    done: list[str] = []
    if kind != COMPLETION_KIND:
        hints = HintGate()
        hints.load_state(store.load_state("hints"))
        done = hints.reset(kind)
        store.save_state("hints", hints.state())
    if kind in (None, COMPLETION_KIND):
        had = bool(store.load_state("gate") or store.load_state("completions"))
        keep = store.load_state("completions").get("keep_accepted")
        store.save_state("gate", {})
        store.save_state("completions", {} if keep is None else {"keep_accepted": keep})
        if had:
            done.append(COMPLETION_KIND)
    return done
