"""The text side of a move: which lines of the source go (with the comments right above
them), the moved code as text, ``__all__`` lists edited, new import lines placed."""

from __future__ import annotations

import libcst as cst

from .move_file import MoveFile


def removal_lines(src: MoveFile, stmts) -> list[tuple[int, int]]:
    """Line ranges to delete: the statements, the comments right above them and the blank
    lines after them (before them too at the end of the file)."""
    lines = src.text.splitlines()
    gone: set[int] = set()
    for stmt in stmts:
        first, last = src.lines(stmt)
        for empty in reversed(stmt.leading_lines):
            if empty.comment is None:
                break
            first -= 1
        gone.update(range(first, last + 1))
        before = first - 1
        while before >= 1 and not lines[before - 1].strip():
            before -= 1
        if before >= 1:  # the blank lines above go; those below still part what stays
            gone.update(range(before + 1, first))
            continue
        after = last + 1
        while after <= len(lines) and not lines[after - 1].strip():
            gone.add(after)
            after += 1
    ranges: list[tuple[int, int]] = []
    for n in sorted(gone):
        if ranges and ranges[-1][1] == n - 1:
            ranges[-1] = (ranges[-1][0], n)
        else:
            ranges.append((n, n))
    return ranges


def moved_text(src: MoveFile, stmts) -> str:
    lines = src.text.splitlines(keepends=True)
    blocks = []
    for stmt in stmts:
        first, last = src.lines(stmt)
        for empty in reversed(stmt.leading_lines):
            if empty.comment is None:
                break
            first -= 1
        block = "".join(lines[first - 1 : last])
        blocks.append(block if block.endswith("\n") else block + "\n")
    joiner = "\n\n" if any(isinstance(s, (cst.FunctionDef, cst.ClassDef)) for s in stmts) else ""
    return joiner.join(blocks)


def all_node(f: MoveFile):
    """The value of a module-level ``__all__ = [...]`` (or tuple), or None."""
    for stmt in f.tree.body:
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            continue
        small = stmt.body[0]
        targets = []
        if isinstance(small, cst.Assign):
            targets = [t.target for t in small.targets]
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            targets = [small.target]
        if any(isinstance(t, cst.Name) and t.value == "__all__" for t in targets):
            if isinstance(small.value, (cst.List, cst.Tuple)):
                return small.value
    return None


def edit_all(f: MoveFile, remove: set[str] = frozenset(), add: list[str] = ()) -> bool:
    value = all_node(f)
    if value is None:
        return False

    def named(el) -> str | None:
        s = el.value
        return s.evaluated_value if isinstance(s, cst.SimpleString) else None

    elements = list(value.elements)
    kept = [el for el in elements if named(el) not in remove]
    present = {named(el) for el in kept}
    quote = '"'
    for el in elements:
        if isinstance(el.value, cst.SimpleString):
            quote = el.value.value[-1]
            break
    extra = [n for n in add if n not in present]
    if len(kept) == len(elements) and not extra:
        return False
    last_comma = elements[-1].comma if elements else cst.MaybeSentinel.DEFAULT
    if isinstance(value, cst.Tuple) and len(elements) == 1 and extra:
        last_comma = cst.MaybeSentinel.DEFAULT  # ("a",) only needed its comma to be a tuple
    for n in extra:
        if kept:
            comma = kept[-1].comma
            if isinstance(comma, cst.MaybeSentinel):
                comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            elif getattr(comma.whitespace_after, "value", None) == "":  # the trailing one
                comma = comma.with_changes(whitespace_after=cst.SimpleWhitespace(" "))
            kept[-1] = kept[-1].with_changes(comma=comma)
        kept.append(cst.Element(cst.SimpleString(f"{quote}{n}{quote}")))
    if kept:
        kept[-1] = kept[-1].with_changes(comma=last_comma)
        if (
            isinstance(value, cst.Tuple)
            and len(kept) == 1
            and not isinstance(last_comma, cst.Comma)
        ):
            kept[-1] = kept[-1].with_changes(comma=cst.Comma())
    # (the node's position leaves its parentheses out: so does the new code)
    f.replace_node(value, f.code(value.with_changes(elements=kept, lpar=[], rpar=[])))
    return True


def within(f: MoveFile, node, outer) -> bool:
    r, o = f.positions[node], f.positions[outer]
    return (o.start.line, o.start.column) <= (r.start.line, r.start.column) and (
        r.end.line,
        r.end.column,
    ) <= (o.end.line, o.end.column)


def insert_import(f: MoveFile, after: int, line: str) -> None:
    if after:
        f.insert_before_line(after + 1, line)
        return
    body = f.tree.body
    if body:
        f.insert_before_line(f.lines(body[0])[0] - comment_lines(body[0]), line + "\n\n")
    else:
        f.edits.append(
            (
                len(f.text),
                len(f.text),
                ("\n" if f.text and not f.text.endswith("\n") else "") + line,
            )
        )


def comment_lines(stmt) -> int:
    n = 0
    for empty in reversed(getattr(stmt, "leading_lines", ())):
        if empty.comment is None:
            break
        n += 1
    return n
