"""Pull code out of a model's answer, rejecting what cannot be the code asked for.

Models wrap code in prose and fences, answer in the wrong language, or stop mid-function.
What comes back is compiled: a block that does not compile is never returned.
"""

from __future__ import annotations

import ast
import re

# Stop sequence for answers expected to hold one code block: generation ends at the blank
# line after the closing fence, skipping the explanation models like to add (about half the
# tokens of a SmolLM2 repair answer). Completion.code() accepts the then-unclosed block.
CODE_STOP = ["```\n\n"]

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.\-]*)[^\n]*$", re.MULTILINE)
_PY_TAGS = {"", "python", "py", "python3", "py3", "ipython", "pycon"}
# A line that can start Python code in an unfenced answer.
_CODE_START = re.compile(
    r"^(?:def |async def |class |import |from \S+ import |@\w|if __name__|[A-Za-z_]\w*\s*(?:=|\())"
)


def _blocks(text: str) -> list[tuple[str, str, bool]]:
    """(tag, body, closed) for each fenced block, in order; an unclosed last block counts."""
    out = []
    matches = list(_FENCE.finditer(text))
    i = 0
    while i < len(matches):
        opening = matches[i]
        fence, tag = opening.group(1), opening.group(2).lower()
        closing = None
        for j in range(i + 1, len(matches)):
            m = matches[j]
            if m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not m.group(2):
                closing = j
                break
        end = matches[closing].start() if closing is not None else len(text)
        body = text[opening.end() + 1 : end] if opening.end() < len(text) else ""
        out.append((tag, body, closing is not None))
        i = (closing + 1) if closing is not None else len(matches)
    return out


def _compiles(code: str) -> bool:
    try:
        compile(code, "<model>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError):
        return False
    return True


def _defines(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    return {
        n.name
        for n in ast.walk(tree)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }


def _only_expressions(code: str) -> bool:
    # Prose such as "Done" or "x" parses as an expression; real answers have statements.
    tree = ast.parse(code)
    return all(isinstance(s, ast.Expr) for s in tree.body)


def _clean(code: str) -> str:
    lines = [ln.rstrip() for ln in code.replace("\r\n", "\n").split("\n")]
    # Strip an interpreter prompt if every code line carries one.
    if lines and all(ln.startswith((">>> ", "... ")) or not ln.strip() for ln in lines):
        lines = [ln[4:] for ln in lines]
    text = "\n".join(lines).strip("\n")
    return text + "\n" if text else ""


def _best(candidates: list[str], entry_point: str | None) -> str | None:
    if not candidates:
        return None
    if entry_point:
        with_entry = [c for c in candidates if entry_point in _defines(c)]
        if with_entry:
            candidates = with_entry
    return max(candidates, key=lambda c: (len(_defines(c)), len(c)))


def _unfenced(text: str) -> str | None:
    lines = text.replace("\r\n", "\n").split("\n")
    starts = [i for i, ln in enumerate(lines) if _CODE_START.match(ln)]
    for first in starts[:5]:
        # Trailing prose: drop lines from the end until what is left compiles.
        for last in range(len(lines), first, -1):
            code = _clean("\n".join(lines[first:last]))
            if code and _compiles(code) and not _only_expressions(code):
                return code
    return None


def extract_code(
    text: str | None,
    language: str = "python",
    *,
    entry_point: str | None = None,
    allow_unclosed: bool = False,
) -> str | None:
    """The code in a model answer, or None.

    Fenced blocks tagged with another language, blocks that do not compile (garbage, cut
    off) and unclosed fences (the answer was truncated) are rejected; ``allow_unclosed``
    accepts a last unclosed block, for answers known to have ended on their own (a stop
    sequence or end of text, not the token limit). Among several good
    blocks the one defining ``entry_point`` wins, then the one with most definitions.
    Without fences, the answer from its first code-looking line is taken if it compiles.
    For a language other than Python, the first closed block with that tag is returned as is.
    """
    if not text or not text.strip():
        return None
    language = language.lower()
    blocks = _blocks(text)
    if language not in ("python", "py"):
        for tag, body, closed in blocks:
            if closed and tag == language and body.strip():
                return _clean(body)
        return None
    if blocks:
        good = []
        for tag, body, closed in blocks:
            code = _clean(body)
            if (closed or allow_unclosed) and tag in _PY_TAGS and code and _compiles(code):
                good.append(code)
        return _best(good, entry_point)
    code = _clean(text)
    if _compiles(code) and not _only_expressions(code):
        return code
    return _unfenced(text)
