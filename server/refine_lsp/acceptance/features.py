"""Feature extraction shared by the server and the offline evaluation.

Every feature is something known at the moment of the decision: the document and cursor,
the user's typing and decision history up to that moment, and (for stage 2) the suggestion
and the model's own log-probabilities. Nothing measured after the suggestion is displayed
is ever a feature. Features are plain ``dict[str, float]``; a model reads the names it was
trained on and treats a missing name as 0.

Prefixes: ``c_`` context, ``t_`` timing, ``h_`` history, ``s_`` suggestion.
"""

from __future__ import annotations

import builtins
import keyword
import math
import re
from dataclasses import dataclass
from typing import Any

from refine_lsp.acceptance import syntax_probe
from refine_lsp.acceptance.state import DecisionHistory, TypingState
from refine_lsp.text import Pos, offset_of

# Last-character classes (of the raw and of the right-trimmed prefix), as in Copilot's filter.
CHAR_CLASSES = ("alnum", "open", "close", "dot", "comma", "colon", "equals", "space", "newline")
_CLASS_OF = {
    "(": "open",
    "[": "open",
    "{": "open",
    ")": "close",
    "]": "close",
    "}": "close",
    ".": "dot",
    ",": "comma",
    ":": "colon",
    "=": "equals",
    " ": "space",
    "\t": "space",
    "\n": "newline",
}
# How many lines before the cursor count as "nearby" for the repetition feature.
NEARBY_LINES = 20
# How much of the prefix counts for "names already used".
NEARBY_CHARS = 6000
# Upper bounds (characters) of the suggestion-length classes, one unit of log length wide
# (e^k - 1): acceptance is not monotone in length (an empty or one-character completion is
# almost never taken, one of a few lines more often than one of a line), which a log
# length's one weight cannot say.
LENGTH_CLASSES = (1, 6, 19, 53, 147)


@dataclass(frozen=True)
class LogProbs:
    """The model's own view of a suggestion, when the provider returns log-probabilities.

    ``mean`` is the mean token log-probability of the suggestion; ``alternative_mean`` the
    mean log-probability of the best alternative tokens (top_logprobs), when available.
    """

    mean: float
    alternative_mean: float | None = None
    tokens: int = 0
    # A provider's own calibrated confidence in the completion (0..1), when it reports one.
    confidence: float | None = None

    @classmethod
    def from_tokens(
        cls, token_logprobs: list[float], alternatives: list[list[float]] | None = None
    ) -> LogProbs | None:
        """Summary of per-token log-probabilities (and each token's alternatives)."""
        values = [v for v in token_logprobs if isinstance(v, (int, float)) and math.isfinite(v)]
        if not values:
            return None
        alt = None
        if alternatives:
            # The best alternative per token that is not the chosen token itself (the
            # chosen one is usually the maximum, so take the second best when present).
            best = [sorted(a, reverse=True)[1] for a in alternatives if len(a) >= 2]
            if best:
                alt = sum(best) / len(best)
        return cls(sum(values) / len(values), alt, len(values))


def _char_class(ch: str) -> str | None:
    if not ch:
        return None
    if ch.isalnum() or ch == "_":
        return "alnum"
    return _CLASS_OF.get(ch)


def _one_hot(prefix: str, cls: str | None, out: dict[str, float]) -> None:
    for name in CHAR_CLASSES:
        out[f"{prefix}{name}"] = 1.0 if cls == name else 0.0


def context_features(
    text: str,
    cursor: Pos,
    tree: Any = None,
    *,
    document_shape: tuple[int, int] | None = None,
) -> dict[str, float]:
    """Features of the document around ``cursor``, before any model is asked.

    ``tree`` is an optional tree-sitter tree of ``text``; without one the local region
    before the cursor is parsed (a few dozen lines, well under a millisecond).
    ``document_shape`` = (document length, cursor offset) is for callers that only hold an
    excerpt of the document (the offline replay, whose telemetry logged only the prefix);
    the server passes the whole document and leaves it out.
    """
    offset = offset_of(text, cursor)
    prefix, suffix = text[:offset], text[offset:]
    doc_len, doc_offset = document_shape if document_shape else (len(text), offset)
    doc_offset = min(max(doc_offset, 0), max(doc_len, 0))
    line_start = prefix.rfind("\n") + 1
    line_before = prefix[line_start:]
    line_end = suffix.find("\n")
    line_after = suffix if line_end < 0 else suffix[:line_end]
    stripped = prefix.rstrip()
    prev_lines = prefix[:line_start].rstrip("\n").split("\n")
    prev_nonblank = next((ln for ln in reversed(prev_lines) if ln.strip()), "")
    indent = len(line_before) - len(line_before.lstrip(" \t"))

    out: dict[str, float] = {
        "c_doc_len": math.log1p(doc_len),
        "c_offset": math.log1p(doc_offset),
        "c_rel_pos": doc_offset / doc_len if doc_len > 0 else 0.0,
        "c_line": math.log1p(cursor.line),
        "c_line_len": math.log1p(len(line_before)),
        "c_line_len_trim": math.log1p(len(line_before.rstrip())),
        "c_line_blank": 1.0 if not line_before.strip() else 0.0,
        "c_indent": min(indent, 32) / 4.0,
        "c_after_blank": 1.0 if not line_after.strip() else 0.0,
        "c_after_len": math.log1p(len(line_after)),
        "c_prev_comment": 1.0 if prev_nonblank.lstrip().startswith("#") else 0.0,
        "c_prev_opens_block": 1.0 if prev_nonblank.rstrip().endswith(":") else 0.0,
        "c_line_is_comment": 1.0 if line_before.lstrip().startswith("#") else 0.0,
        "c_line_keyword": 1.0 if line_before.lstrip().split(" ", 1)[0] in _KEYWORDS else 0.0,
    }
    _one_hot("c_last_", _char_class(prefix[-1:]), out)
    _one_hot("c_last_trim_", _char_class(stripped[-1:]), out)

    if tree is not None:
        node = syntax_probe.cursor_node(tree, len(prefix.encode("utf-8")))
    else:
        region_prefix = prefix[syntax_probe.local_region_start(prefix) :]
        region = syntax_probe.parse(region_prefix + line_after)
        node = syntax_probe.cursor_node(region, len(region_prefix.encode("utf-8")))
    for name in syntax_probe.NODE_CATEGORIES:
        out[f"c_node_{name}"] = 1.0 if node.category == name else 0.0
    out["c_node_depth"] = min(node.depth, 20) / 5.0
    out["c_in_string"] = 1.0 if node.in_string else 0.0
    out["c_in_comment"] = 1.0 if node.in_comment or "#" in line_before else 0.0
    return out


_KEYWORDS = frozenset(
    "def class if elif else for while with try except finally return import from".split()
)


def timing_features(typing: TypingState, now: float) -> dict[str, float]:
    return typing.features(now)


def history_features(history: DecisionHistory, now: float) -> dict[str, float]:
    return history.features(now)


def _repetition(suggestion: str, prefix: str) -> float:
    """Share of the suggestion's non-blank lines already present among the nearby lines."""
    nearby = {ln.strip() for ln in prefix.split("\n")[-NEARBY_LINES:] if ln.strip()}
    lines = [ln.strip() for ln in suggestion.split("\n") if ln.strip()]
    if not lines:
        return 0.0
    return sum(1 for ln in lines if ln in nearby) / len(lines)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KNOWN_NAMES = frozenset(keyword.kwlist) | frozenset(dir(builtins))


def _known_identifiers(suggestion: str, prefix: str) -> float:
    """Share of the suggestion's identifiers that already occur before the cursor (or are
    keywords/builtins): suggestions that invent names are the ones users throw away."""
    names = _IDENT.findall(suggestion)
    if not names:
        return 1.0
    seen = set(_IDENT.findall(prefix[-NEARBY_CHARS:]))
    return sum(1 for n in names if n in seen or n in _KNOWN_NAMES) / len(names)


def _echo_length(prefix: str, suggestion: str) -> int:
    """Length of the longest start of the suggestion that the prefix already ends with.

    Copilot's completions in the CUPS telemetry often begin by regenerating the partial
    token before the cursor (the editor replaces that range), and those were accepted more
    often than others; from a provider that only inserts, an echo would duplicate text.
    Which way it points is left to the data the model is fitted or adapted on.
    """
    best = 0
    for k in range(1, min(len(suggestion), 60) + 1):
        head = suggestion[:k]
        if head.strip() and prefix.endswith(head):
            best = k
    return best


def _length_class(length: int) -> dict[str, float]:
    """One-hot of the `LENGTH_CLASSES` class of a suggestion's length (the last: longer)."""
    index = next((i for i, bound in enumerate(LENGTH_CLASSES) if length <= bound), None)
    index = len(LENGTH_CLASSES) if index is None else index
    return {f"s_len_class{i}": 1.0 if i == index else 0.0 for i in range(len(LENGTH_CLASSES) + 1)}


def _bracket_balance(text: str) -> int:
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
    return depth


def suggestion_features(
    prefix: str,
    suggestion: str,
    suffix: str = "",
    logprobs: LogProbs | None = None,
    history: DecisionHistory | None = None,
) -> dict[str, float]:
    """Features of a suggestion to be inserted between ``prefix`` and ``suffix``."""
    first_line = suggestion.split("\n", 1)[0]
    body = suggestion.strip()
    lines = [ln.strip() for ln in suggestion.split("\n") if ln.strip()]
    out = {
        "s_len": math.log1p(len(suggestion)),
        "s_lines": math.log1p(suggestion.count("\n")),
        "s_multiline": 1.0 if "\n" in suggestion.strip("\n") else 0.0,
        "s_first_line_len": math.log1p(len(first_line)),
        "s_starts_newline": 1.0 if suggestion.startswith("\n") else 0.0,
        "s_is_comment": 1.0 if body.startswith("#") else 0.0,
        "s_comment_only": 1.0 if lines and all(ln.startswith("#") for ln in lines) else 0.0,
        "s_code_lines": float(min(len(lines), 10)),
        "s_empty": 0.0 if body else 1.0,
        "s_parses": 1.0 if suggestion_parses_safely(prefix, suggestion, suffix) else 0.0,
        "s_repeats_nearby": _repetition(suggestion, prefix),
        "s_known_names": _known_identifiers(suggestion, prefix),
        "s_echo": math.log1p(_echo_length(prefix, suggestion)),
        "s_closes_line": 1.0
        if _bracket_balance(prefix[prefix.rfind("\n") + 1 :] + first_line) == 0
        else 0.0,
        "s_seen_rejected": 1.0 if history is not None and history.was_rejected(suggestion) else 0.0,
        **_length_class(len(suggestion)),
        "s_has_logprobs": 0.0,
        "s_mean_logprob": 0.0,
        "s_alt_logprob": 0.0,
        "s_logprob_margin": 0.0,
        "s_tokens": 0.0,
        "s_logprob_x_len": 0.0,
        "s_confidence": 0.0,
    }
    if logprobs is not None:
        out["s_has_logprobs"] = 1.0
        out["s_mean_logprob"] = max(logprobs.mean, -10.0)
        alt = logprobs.alternative_mean
        if alt is not None:
            out["s_alt_logprob"] = max(alt, -10.0)
            out["s_logprob_margin"] = max(logprobs.mean, -10.0) - max(alt, -10.0)
        out["s_tokens"] = math.log1p(logprobs.tokens)
        out["s_total_logprob"] = -math.log1p(-max(logprobs.mean, -10.0) * max(logprobs.tokens, 1))
        # A long suggestion at a given mean log-probability is a bigger bet than a short one.
        out["s_logprob_x_len"] = max(logprobs.mean, -10.0) * out["s_len"]
        if logprobs.confidence is not None:
            out["s_confidence"] = min(max(logprobs.confidence, 0.0), 1.0)
    return out


def suggestion_parses_safely(prefix: str, suggestion: str, suffix: str) -> bool:
    """`syntax_probe.suggestion_parses`, treating a parser failure as "does not parse"."""
    try:
        return syntax_probe.suggestion_parses(prefix, suggestion, suffix)
    except (ValueError, RuntimeError):
        return False
