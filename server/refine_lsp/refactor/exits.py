"""When a selection holding `return` can become `return extracted(...)`.

That keeps behaviour when every path through the selection leaves the function (a
`return` or `raise` on each path), or when nothing runs after the selection anyway (it
ends the function's body, possibly inside `if`/`else`/`with` that end it too): falling
off the extracted function then returns None exactly as falling off the original did.
Answered in tree-sitter (listing) and libcst (editing).
"""

from __future__ import annotations

import libcst as cst

_TS_EXIT = {"return_statement", "raise_statement"}
_TS_UP = {"if_statement", "elif_clause", "else_clause", "with_statement"}


def ts_always_exits(stmts) -> bool:
    return any(_ts_exits(st) for st in stmts)


def _ts_block_exits(node) -> bool:
    return node is not None and any(_ts_exits(c) for c in node.named_children)


def _ts_body(node):
    """The block of a clause (`else:`, `except ...:`, `finally:`)."""
    return next((c for c in node.named_children if c.type == "block"), None)


def _ts_exits(node) -> bool:
    t = node.type
    if t in _TS_EXIT:
        return True
    if t == "if_statement":
        clauses = node.children_by_field_name("alternative")
        if not clauses or clauses[-1].type != "else_clause":
            return False
        branches = [node.child_by_field_name("consequence")]
        branches += [
            c.child_by_field_name("consequence") if c.type == "elif_clause" else _ts_body(c)
            for c in clauses
        ]
        return all(_ts_block_exits(b) for b in branches)
    if t == "with_statement":
        return _ts_block_exits(node.child_by_field_name("body"))
    if t == "try_statement":
        parts = [c for c in node.named_children if c.type.endswith("_clause")]
        final = next((c for c in parts if c.type == "finally_clause"), None)
        if final is not None and _ts_block_exits(_ts_body(final)):
            return True
        handlers = [c for c in parts if c.type.startswith("except")]
        orelse = next((c for c in parts if c.type == "else_clause"), None)
        main = _ts_block_exits(node.child_by_field_name("body")) or (
            orelse is not None and _ts_block_exits(_ts_body(orelse))
        )
        return main and all(_ts_block_exits(_ts_body(h)) for h in handlers)
    return False


def ts_at_tail(container, stmts) -> bool:
    """Nothing in the function runs after these statements."""
    last = stmts[-1]
    block = container
    while True:
        rest = [c for c in block.named_children if c.type != "comment"]
        if not rest or rest[-1] != last:
            return False
        owner = block.parent
        if owner is None:
            return False
        if owner.type == "function_definition":
            return True
        while owner is not None and owner.type in ("elif_clause", "else_clause"):
            owner = owner.parent
        if owner is None or owner.type not in _TS_UP:
            return False
        last, block = owner, owner.parent
        if block is None or block.type != "block":
            return False


def always_exits(stmts) -> bool:
    return any(_exits(st) for st in stmts)


def _suite_exits(suite) -> bool:
    if isinstance(suite, cst.SimpleStatementSuite):
        return any(isinstance(s, (cst.Return, cst.Raise)) for s in suite.body)
    return always_exits(suite.body)


def _exits(st) -> bool:
    if isinstance(st, cst.SimpleStatementLine):
        return any(isinstance(s, (cst.Return, cst.Raise)) for s in st.body)
    if isinstance(st, cst.If):
        if st.orelse is None or not _suite_exits(st.body):
            return False
        return _exits(st.orelse) if isinstance(st.orelse, cst.If) else _suite_exits(st.orelse.body)
    if isinstance(st, cst.With):
        return _suite_exits(st.body)
    if isinstance(st, cst.Try):
        if st.finalbody is not None and _suite_exits(st.finalbody.body):
            return True
        main = _suite_exits(st.body) or (st.orelse is not None and _suite_exits(st.orelse.body))
        return main and all(_suite_exits(h.body) for h in st.handlers)
    return False


def at_tail(parents, owner, j: int, func) -> bool:
    """``owner.body[:j]`` ends where ``func`` ends: nothing runs after it."""
    if func is None or j != len(owner.body):
        return False
    node = owner
    while True:
        parent = parents.get(node)
        if parent is func:
            return True
        while isinstance(parent, cst.Else) or (
            isinstance(parent, cst.If) and isinstance(parents.get(parent), cst.If)
        ):
            parent = parents.get(parent)  # `else:` / `elif` belong to the outermost `if`
        if not isinstance(parent, (cst.If, cst.With)):
            return False
        block = parents.get(parent)
        if not isinstance(block, cst.IndentedBlock) or block.body[-1] is not parent:
            return False
        node = block
