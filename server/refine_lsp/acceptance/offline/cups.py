"""Read CUPS-format telemetry and replay it, user by user, through the server's feature code.

Each user's events are replayed in time order through a `UserSession`, the object the
server drives: a changed prompt is a document change (recorded when the request was
issued), a `Shown` event is the moment of the decision to show (features are taken then,
from the prompt, the suggestion and the model's log-probabilities), and an `Accepted` or
`Rejected` event is the user's decision, which becomes that suggestion's label and then
part of the user's history. Nothing logged at or after the decision is used as a feature:
not `seconds_in_state`, `timeSinceDisplayedMs`, the decision event's own measurements,
`cups_label` or `edit_percentage_later`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from refine_lsp.acceptance.features import LogProbs
from refine_lsp.acceptance.offline.baseline import copilot_filter_features
from refine_lsp.acceptance.user import UserSession
from refine_lsp.text import pos_of

DECISIONS = ("Accepted", "Rejected")
_TIME = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$"
)
# Copilot prepends a "# Path: <file>" line to the prompt; it is not part of the document.
_PATH_LINE = re.compile(r"^# Path: [^\n]*\n", re.MULTILINE)


class TelemetryError(ValueError):
    """An events file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Decision:
    user: str
    time: float
    accepted: bool
    stage1: dict[str, float]
    stage2: dict[str, float]
    baseline: dict[str, float]


def parse_time(text: str) -> float:
    """Seconds since the epoch of an ISO-8601 timestamp (tolerates 1-9 fraction digits)."""
    m = _TIME.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"not an ISO-8601 timestamp: {text!r}")
    year, month, day, hh, mm, ss = (int(g) for g in m.groups()[:6])
    frac = float("0." + m.group(7)) if m.group(7) else 0.0
    tz = timezone.utc
    if m.group(8) and m.group(8) != "Z":
        sign = 1 if m.group(8)[0] == "+" else -1
        digits = m.group(8)[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return datetime(year, month, day, hh, mm, ss, tzinfo=tz).timestamp() + frac


def read_events(path: str) -> list[dict]:
    """Events of a CUPS-format JSON-lines file, validated; raises `TelemetryError`."""
    events = []
    try:
        with open(path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    event = json.loads(line)
                    if not isinstance(event, dict):
                        raise ValueError("expected a JSON object")
                    for key in ("user", "time", "event"):
                        if key not in event:
                            raise ValueError(f"missing field {key!r}")
                    event["_t"] = parse_time(event["time"])
                except ValueError as exc:
                    raise TelemetryError(f"{path}:{number}: {exc}") from exc
                event["_i"] = number
                events.append(event)
    except OSError as exc:
        raise TelemetryError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if not events:
        raise TelemetryError(f"{path}: no events")
    return events


def _document(prompt: str) -> str:
    return _PATH_LINE.sub("", prompt, count=1)


def _logprobs(measurements: dict) -> LogProbs | None:
    mean = measurements.get("meanLogProb")
    if not isinstance(mean, (int, float)):
        return None
    alt = measurements.get("meanAlternativeLogProb")
    tokens = measurements.get("numTokens")
    confidence = measurements.get("confidence")
    return LogProbs(
        float(mean),
        float(alt) if isinstance(alt, (int, float)) else None,
        int(tokens) if isinstance(tokens, (int, float)) else 0,
        float(confidence) if isinstance(confidence, (int, float)) else None,
    )


def _number(measurements: dict, key: str, default: float) -> float:
    value = measurements.get(key)
    return float(value) if isinstance(value, (int, float)) else default


def replay_user(events: Iterable[dict]) -> list[Decision]:
    """Decisions of one user's events (any order; replayed sorted by time)."""
    ordered = sorted(events, key=lambda e: (e["_t"], e["_i"]))
    session = UserSession()
    pending: list[tuple[str, dict, dict, dict]] = []  # (suggestion, stage1, stage2, baseline)
    decisions: list[Decision] = []
    last_doc: str | None = None
    last_decision: tuple[float, bool] | None = None
    for event in ordered:
        t = event["_t"]
        kind = event["event"]
        prompt = event.get("prompt") or ""
        suggestion = event.get("suggestion") or ""
        m = event.get("measurements") if isinstance(event.get("measurements"), dict) else {}
        doc = _document(prompt) if isinstance(prompt, str) else ""
        if kind == "Shown":
            # The request was issued timeSinceIssuedMs before display; a prompt that differs
            # from the last one seen means the user changed the document before that.
            issued = t - _number(m, "timeSinceIssuedMs", 0.0) / 1000.0
            if last_doc is not None and doc != last_doc:
                session.record_change(issued, max(abs(len(doc) - len(last_doc)), 1))
            last_doc = doc
            doc_len = int(_number(m, "documentLength", len(doc)))
            offset = int(_number(m, "promptEndPos", len(doc)))
            stage1 = session.stage1_features(
                doc, pos_of(doc, len(doc)), issued, document_shape=(doc_len, offset)
            )
            stage2 = session.stage2_features(stage1, doc, suggestion, "", _logprobs(m))
            base = copilot_filter_features(
                doc,
                "",
                doc_len,
                offset,
                bool(last_decision and last_decision[1]),
                None if last_decision is None else issued - last_decision[0],
            )
            session.record_shown(t, doc, suggestion)
            pending.append((suggestion.strip(), stage1, stage2, base))
            del pending[:-3]  # a suggestion never decided on is not waited for forever
        elif kind in DECISIONS:
            accepted = kind == "Accepted"
            if pending:
                match = next(
                    (
                        i
                        for i in range(len(pending) - 1, -1, -1)
                        if pending[i][0] == suggestion.strip()
                    ),
                    len(pending) - 1,
                )
                _, stage1, stage2, base = pending.pop(match)
                decisions.append(Decision(str(event["user"]), t, accepted, stage1, stage2, base))
            session.record_decision(t, accepted, suggestion)
            last_decision = (t, accepted)
            if accepted:
                # Accepting inserts the suggestion: a document change the server also sees.
                session.record_change(t, len(suggestion))
                last_doc = doc + suggestion
    return decisions


def replay(events: list[dict]) -> list[Decision]:
    """Decisions of all users, each user's replayed independently, in user order."""
    by_user: dict[str, list[dict]] = {}
    for event in events:
        by_user.setdefault(str(event["user"]), []).append(event)
    out: list[Decision] = []
    for user in sorted(by_user, key=lambda u: (len(u), u)):
        out.extend(replay_user(by_user[user]))
    return out


def load_decisions(path: str) -> list[Decision]:
    return replay(read_events(path))
