"""Organize imports: remove unused ones, then sort, both done by ruff (fast on big files).

Kept even when unused: names listed in `__all__` (ruff counts them as used), imports with a
comment on their line, imports inside `if TYPE_CHECKING:` and `try:` blocks (optional
dependencies), and modules imported for their side effects. `from __future__` stays first.
"""

from __future__ import annotations

import json
import re
import subprocess

from refine_lsp.recent import Recent

from .model import Refusal

SIDE_EFFECT_MODULES = {
    "readline", "rlcompleter", "antigravity", "this", "site", "sitecustomize",
    "usercustomize", "faulthandler", "tracemalloc", "gevent.monkey", "eventlet",
    "django.contrib.gis", "matplotlib", "pytest_asyncio", "setuptools",
}  # fmt: skip
_SIDE_EFFECT_WORDS = re.compile(
    rb"\b(%s)\b" % b"|".join(sorted({m.split(".")[0].encode() for m in SIDE_EFFECT_MODULES}))
)
_HEADER = re.compile(r"^(\s*)(if\s+(typing\.)?TYPE_CHECKING\b|try\s*:)")


def run_ruff(source: str, args: list[str], path: str | None) -> subprocess.CompletedProcess:
    """``ruff check <args>`` on the text through the one ruff runner (bytes in and out, so
    CRLF and lone-CR line ends come back as they went in); a failure is a refusal."""
    from refine_lsp.tools.ruff import RuffFailed, RuffUnavailable
    from refine_lsp.tools.ruff import run_ruff as run

    try:
        return run(["check", *args], source, filename=path, ok_codes=())
    except (RuffFailed, RuffUnavailable) as exc:
        raise Refusal(f"ruff could not run: {exc}") from None


def organize_imports(source: str, path: str | None = None, tree=None) -> str:
    """Sorted imports without the unused ones our policy lets go.

    Usually one ruff run removes and sorts, and is done (`fix_keeping`). When that run would
    remove an import the policy spares, one run sorts and reports unused imports, and only
    when some may be removed do two more runs remove them and sort again.
    """
    if "import" not in source:
        return source
    fixed = fix_keeping(source, ["--select", "I001,F401"], path, tree)
    if fixed is not None:
        return fixed
    sorted_, found = fix_and_report(source, ["--select", "I001,F401", "--unfixable", "F401"], path)
    if found is not None and not has_removable_unused(sorted_, found):
        return sorted_
    return sort_imports(remove_unused_imports(sorted_, path), path)


def fix_and_report(source: str, args: list[str], path: str | None) -> tuple[str, list | None]:
    """One ruff run applying the fixes `args` allow; the fixed text and the diagnostics left
    in it (None when they could not be read)."""
    proc = run_ruff(source, ["--fix", "--exit-zero", "--output-format", "json", *args], path)
    if proc.returncode != 0:
        return source, None
    report = proc.stderr[proc.stderr.find("[") :] if "[" in proc.stderr else ""
    try:
        found = json.loads(report)
    except json.JSONDecodeError:
        found = None
    if not isinstance(found, list):  # without its report, an empty output is not trusted
        return (proc.stdout or source), None
    return proc.stdout, found  # empty when every line went (a file of unused imports)


def kept_import_lines(source: str, tree=None) -> list[str]:
    """The lines of each import the keep-policy would spare if unused (with a comment on its
    lines, of a side-effect module, inside a `try:` block or an `if` block), from the
    tree-sitter tree: `tree` is a parse of `source` or of a text with the same import lines.

    Conservative (every `if` counts, not only TYPE_CHECKING): a statement listed here that is
    really removable only costs the slower path.
    """
    from .tsview import parse

    data = tree.root_node.text if tree is not None else None
    if data is None:  # no tree, or one that does not hold its text
        tree = parse(source)
        data = tree.root_node.text or source.encode("utf-8", "surrogatepass")
    root = tree.root_node
    lines = data.split(b"\n")
    kept = []
    at = data.find(b"import")
    while at >= 0:  # each keyword `import` is a token of its own
        node = root.descendant_for_byte_range(at, at + 6)
        at = data.find(b"import", at + 6)
        statement = node.parent if node is not None else None
        if statement is None or statement.type not in ("import_statement", "import_from_statement"):
            continue  # the word in a string or comment, or a `__future__` import
        text = b"\n".join(lines[statement.start_point[0] : statement.end_point[0] + 1])
        if _spared(statement, text):
            kept.append(text.decode("utf-8", "surrogatepass"))
    return kept


def _spared(statement, text: bytes) -> bool:
    if statement.has_error or b"#" in text:
        return True
    parent = statement.parent
    while parent is not None:
        if parent.type in ("try_statement", "if_statement", "ERROR"):
            return True
        parent = parent.parent
    if not _SIDE_EFFECT_WORDS.search(text):
        return False
    names = [
        (c.child_by_field_name("name") or c).text.decode("utf-8", "surrogatepass")
        for c in statement.named_children
        if c.type in ("dotted_name", "aliased_import", "relative_import")
    ]
    if statement.type == "import_from_statement" and names:
        names = names[:1] + [f"{names[0]}.{n}" for n in names[1:]]
    for name in names:
        parts = name.split(".")
        if any(".".join(parts[:k]) in SIDE_EFFECT_MODULES for k in range(1, len(parts) + 1)):
            return True
    return False


_SPARED_UNUSED: Recent[tuple, bool] = Recent(64)  # kept imports seen unused


def fix_keeping(source: str, args: list[str], path: str | None, tree=None) -> str | None:
    """One ruff run with unused imports fixable (`args` select F401): its result when it
    left every import the keep-policy spares as it was, else None (the caller takes the
    general path). The usual case once a file's kept imports are used.

    A file whose spared imports were unused last time (a side-effect import, say) goes
    straight to the general path while they stay the same, instead of paying this run on
    every save.
    """
    kept = kept_import_lines(source, tree)
    key = (path, tuple(args), tuple(kept))
    if kept and _SPARED_UNUSED.get(key, False):
        return None
    fixed, found = fix_and_report(source, args, path)
    if found is None:
        return None
    if any(fixed.count(k) != source.count(k) for k in kept):
        _SPARED_UNUSED.put(key, True)
        return None
    return fixed


def has_removable_unused(source: str, found: list) -> bool:
    """Whether any reported unused import is one organize-imports would remove."""
    lines = source.split("\n")
    return any(
        isinstance(d, dict) and d.get("code") == "F401" and _removable(lines, d) for d in found
    )


def sort_imports(source: str, path: str | None = None) -> str:
    proc = run_ruff(source, ["--fix-only", "--select", "I001", "--exit-zero"], path)
    return proc.stdout if proc.returncode == 0 and proc.stdout else source


def remove_unused_imports(source: str, path: str | None = None) -> str:
    if "import" not in source:
        return source
    proc = run_ruff(source, ["--select", "F401", "--output-format", "json", "--exit-zero"], path)
    try:
        found = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        return source
    lines = source.split("\n")
    groups: dict[tuple, list[bool]] = {}
    for diag in found:
        fix = diag.get("fix") or {}
        if fix.get("applicability") != "safe" or not fix.get("edits"):
            continue
        key = tuple(
            (e["location"]["row"], e["location"]["column"], e["end_location"]["row"],
             e["end_location"]["column"], e["content"])
            for e in fix["edits"]
        )  # fmt: skip
        groups.setdefault(key, []).append(_removable(lines, diag))
    edits = [e for key, ok in groups.items() if all(ok) for e in key]
    return _apply(source, lines, edits)


def _removable(lines: list[str], diag: dict) -> bool:
    row = diag["location"]["row"] - 1
    end_row = diag["end_location"]["row"] - 1
    statement = "\n".join(lines[_statement_start(lines, row) : end_row + 1])
    if "#" in "\n".join(lines[row : _statement_end(lines, end_row) + 1]):
        return False
    module = re.search(r"`([^`]+)` imported", diag.get("message", ""))
    name = module.group(1) if module else ""
    if any(name == m or name.startswith(m + ".") for m in SIDE_EFFECT_MODULES):
        return False
    if statement.lstrip().startswith("from __future__"):
        return False
    indent = len(lines[row]) - len(lines[row].lstrip())
    for k in range(row - 1, -1, -1):
        text = lines[k]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        level = len(text) - len(text.lstrip())
        if level < indent:
            if _HEADER.match(text):
                return False
            indent = level
        if indent == 0:
            break
    return True


def _statement_start(lines, row):
    while row > 0 and lines[row].lstrip().startswith((")", "    ")) and "import" not in lines[row]:
        row -= 1
    return row


def _statement_end(lines, row):
    return row


def _apply(source: str, lines: list[str], edits) -> str:
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(row, col):
        return min(starts[row - 1] + col - 1, len(source))

    spans = sorted({(offset(r1, c1), offset(r2, c2), text) for r1, c1, r2, c2, text in edits})
    out, last = [], 0
    for start, end, text in spans:
        if start < last:  # overlapping fixes: keep the first, the next run finds the rest
            continue
        out.append(source[last:start])
        out.append(text)
        last = end
    out.append(source[last:])
    return "".join(out)
