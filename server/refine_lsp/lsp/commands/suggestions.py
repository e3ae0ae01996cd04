"""refineLsp.suggestionAccepted (the command an accepted suggestion carries) and
refineLsp.acceptanceStats (what the acceptance side counted and hid)."""

from __future__ import annotations

from ..server import RefineServer


def suggestion_accepted(ls: RefineServer, sid: str, *rest):
    how = rest[0] if rest else None
    event = {"partial": "partially_accepted", "applied": "applied"}.get(how, "accepted")
    return {"recorded": ls.session.suggestions().settle(str(sid), event)}


def acceptance_stats(ls: RefineServer, *args):
    return ls.session.suggestions().counts()
