"""The acceptance side's commands: refineLsp.suggestionAccepted (carried by an accepted
suggestion), refineLsp.acceptanceStats (what was counted and hidden, and why),
refineLsp.hideHintsLikeThis and refineLsp.acceptanceReset (then the open documents are
reviewed again, so the change shows at once)."""

from __future__ import annotations

from lsprotocol import types as lsp

from ..scheduler import review_all_open
from ..server import RefineServer


def _args(first) -> dict:
    """A code action's data ({"args": {...}}) or the plain arguments of a direct call."""
    if isinstance(first, dict):
        return first.get("args") if isinstance(first.get("args"), dict) else first
    return {}


def suggestion_accepted(ls: RefineServer, sid: str, *rest):
    how = rest[0] if rest else None
    event = {"partial": "partially_accepted", "applied": "applied"}.get(how, "accepted")
    return {"recorded": ls.session.suggestions().settle(str(sid), event)}


def acceptance_stats(ls: RefineServer, *args):
    return ls.session.suggestions().counts(ls.session.hint_ledgers.values())


def hide_hints(ls: RefineServer, first=None, *rest):
    """[code action data] or [sid, kind]."""
    args = _args(first)
    sid = args.get("sid") if args else first
    kind = args.get("kind") if args else (rest[0] if rest else None)
    s = ls.session
    done = s.suggestions().dismiss_hint(
        sid if isinstance(sid, str) else None,
        kind if isinstance(kind, str) else None,
        s.hint_ledgers.values(),
    )
    ls.notify(
        done.get("message")
        or f"hints like {kind} are hidden; refineLsp.acceptanceReset brings them back",
        lsp.MessageType.Info,
    )
    review_all_open(ls)
    return done


def acceptance_reset(ls: RefineServer, first=None, *rest):
    """[code action data], [kind] or [] for every kind."""
    args = _args(first)
    kind = args.get("kind") if args else first
    s = ls.session
    done = s.suggestions().reset(kind if isinstance(kind, str) else None, s.hint_ledgers.values())
    review_all_open(ls)
    return done
