"""The baseline: GitHub Copilot's published "contextual filter" features.

Copilot's client shipped a logistic regression over: the previous decision, whitespace
after the cursor, log seconds since the last decision, log length of the last prefix line
(raw and right-trimmed), log document length, log cursor offset, relative cursor position,
a language one-hot and a last-character one-hot of the raw and of the right-trimmed prefix.
Here it is refitted on the same training data as our model (all events are Python, so the
language one-hot is a constant and dropped). The last-character vocabulary is the set of
characters seen at least `MIN_CHAR_COUNT` times in training.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

MIN_CHAR_COUNT = 3
BASE_NAMES = (
    "b_prev_accepted",
    "b_after_whitespace",
    "b_log_since_decision",
    "b_log_line_len",
    "b_log_line_len_trim",
    "b_log_doc_len",
    "b_log_offset",
    "b_rel_pos",
)


def copilot_filter_features(
    prefix: str,
    suffix: str,
    doc_len: int,
    offset: int,
    prev_accepted: bool,
    since_decision_s: float | None,
) -> dict[str, float]:
    last_line = prefix[prefix.rfind("\n") + 1 :]
    trimmed = prefix.rstrip()
    since = 3600.0 if since_decision_s is None else max(since_decision_s, 0.0)
    out = {
        "b_prev_accepted": 1.0 if prev_accepted else 0.0,
        "b_after_whitespace": 1.0 if not suffix[:1].strip() else 0.0,
        "b_log_since_decision": math.log1p(since),
        "b_log_line_len": math.log1p(len(last_line)),
        "b_log_line_len_trim": math.log1p(len(last_line.rstrip())),
        "b_log_doc_len": math.log1p(max(doc_len, 0)),
        "b_log_offset": math.log1p(max(offset, 0)),
        "b_rel_pos": offset / doc_len if doc_len > 0 else 0.0,
    }
    if prefix:
        out[f"b_last_{prefix[-1]!r}"] = 1.0
    if trimmed:
        out[f"b_trim_{trimmed[-1]!r}"] = 1.0
    return out


def baseline_names(rows: Sequence[dict[str, float]]) -> list[str]:
    """Feature names for a baseline fitted on ``rows``: fixed ones plus the char vocabulary."""
    counts: Counter[str] = Counter()
    for row in rows:
        counts.update(k for k in row if k.startswith(("b_last_", "b_trim_")))
    vocab = sorted(k for k, c in counts.items() if c >= MIN_CHAR_COUNT)
    return list(BASE_NAMES) + vocab
