"""Extract function / method: whole statements become a new function and a call to it.

Parameters and return values come from the flow around the selection (extract_bindings);
names declared `global` keep their declaration in the new function, and an expression
selection goes to extract_expression. A selection that yields becomes a generator the
call delegates to with `yield from`, which forwards values, `send()` and `throw()` and
returns what the generator returns (PEP 380). Anything that would change behaviour (control
flow leaving the selection, `yield` in an async function, `nonlocal` names, names maybe
unbound) is refused.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import GlobalScope

from ..text import Span
from . import exits, extract_expression
from . import names as naming
from .chunk import parse_chunk
from .extract_bindings import (  # noqa: F401 - the reasons are part of this module's API
    BECOMES_GLOBAL,
    CLOSURE_CELL,
    DELETED,
    MAYBE_UNBOUND,
    PARAM_UNBOUND,
    RAISE_LOSES,
    REBOUND,
    SHARED_CELL,
    SHARED_GLOBAL,
    bindings,
    declared_globals,
)
from .model import Offer, Refusal, offer
from .namespace_reads import check_new_module_name
from .statements import NOT_WHOLE, cst_statements, ts_statements
from .tsview import LOOPS, SourceView, ancestors, enclosing_function, top_level_rows, walk
from .usage import usage_of

RETURN = "The selection contains a `return` that would leave the extracted function only"
YIELD = (
    "The selection contains `yield` in an async function: it cannot be delegated with `yield from`"
)
GUARDED_YIELD = (
    "The selection yields inside a `try`/`with` of the function: a StopIteration it raises "
    "would reach it as a RuntimeError from the extracted generator (PEP 479)"
)
JUMP = "The selection contains `{}` for a loop outside the selection"
GLOBAL = "The selection contains a `global`/`nonlocal` statement"
DECLARED = "`{}` is declared global/nonlocal in the enclosing function and assigned here"
CLASS_BODY = "Statements in a class body cannot be extracted into a function"
DYNAMIC = "The selection calls `{}()`, which sees the local variables"
SELF_REBOUND = "The selection assigns to `{}` (the method's first parameter)"
CLOSURE = "`{}` is read by a nested function, which would not see the value assigned here"
PRIVATE_STATIC = "Class-private names in a static method cannot be moved out of the class"

_NESTED = {"function_definition", "class_definition", "lambda"}
_DYNAMIC = {"locals", "vars", "exec", "eval", "dir"}


def list_offer(view: SourceView, span: Span) -> Offer | None:
    """The extract-function offer at a selection, with the refusals that are cheap to see."""
    found = ts_statements(view, span)
    if found is None:
        trimmed = view.trimmed(span)
        node = (
            extract_expression.ts_offerable(view, trimmed) if trimmed.start != trimmed.end else None
        )
        if node is not None:
            return offer("extract.function", _ts_expression_refusal(node))
        if trimmed.start.line == trimmed.end.line:
            return None  # an expression or a word: extract variable is the relevant action
        return offer("extract.function", NOT_WHOLE)
    container, stmts = found
    func = enclosing_function(stmts[0])
    owner = container.parent
    if owner is not None and owner.type == "class_definition":
        return offer("extract.function", CLASS_BODY)
    reason = _ts_refusal(stmts, container, func)
    title = None
    if func is not None and _is_method(func) and _reads_first_param(view, func, stmts):
        title = "Extract method"
    return offer("extract.function", reason, title)


def _ts_expression_refusal(node) -> str | None:
    for a in ancestors(node):
        if a.type in ("case_pattern", "as_pattern"):
            return extract_expression.PATTERN
        if a.type in ("function_definition", "lambda"):
            break
        if a.type == "class_definition":
            return extract_expression.CLASS_BODY
    for n in [node, *walk(node, skip=_NESTED)]:
        if n.type in ("yield", "await"):
            return extract_expression.YIELDS.format(n.type)
    return None


def _is_method(func) -> bool:
    parent = func.parent
    if parent is not None and parent.type == "decorated_definition":
        parent = parent.parent
    return (
        parent is not None and parent.type == "block" and parent.parent.type == "class_definition"
    )


def _reads_first_param(view: SourceView, func, stmts) -> bool:
    params = func.child_by_field_name("parameters")
    first = next((p for p in params.named_children if p.type == "identifier"), None)
    if first is None:
        return False
    name = view.text(first)
    return any(
        n.type == "identifier" and view.text(n) in (name, "super") for st in stmts for n in walk(st)
    )


def _ts_refusal(stmts, container, func=None) -> str | None:
    ends_with_return = exits.ts_always_exits(stmts) or exits.ts_at_tail(container, stmts)
    for st in stmts:
        # A selected `def`/`class` may hold returns and declarations of its own.
        inner = [] if st.type in _NESTED or st.type == "decorated_definition" else walk(st, _NESTED)
        for node in [st, *inner]:
            t = node.type
            if t == "return_statement" and not ends_with_return:
                return RETURN
            if t == "yield" and (func is None or _is_async(func)):
                return YIELD
            if t == "yield" and _guarded(stmts[0], func):
                return GUARDED_YIELD
            if t in ("global_statement", "nonlocal_statement"):
                return GLOBAL
            if t in ("break_statement", "continue_statement"):
                loop = next((a for a in ancestors(node) if a.type in LOOPS | _NESTED), None)
                if loop is None or loop.type in _NESTED or not _inside(loop, stmts):
                    return JUMP.format(t.split("_")[0])
    return None


def _guarded(node, func) -> bool:
    """Inside a `try` or `with` statement of ``func``."""
    for a in ancestors(node.parent):
        if a == func:
            return False
        if a.type in ("try_statement", "with_statement"):
            return True
    return False


def _is_async(func) -> bool:
    return any(c.type == "async" for c in func.children[:2])


def _inside(node, stmts) -> bool:
    return stmts[0].start_byte <= node.start_byte and node.end_byte <= stmts[-1].end_byte


class _Facts(cst.CSTVisitor):
    """Control flow and special names inside the selection (not inside nested scopes)."""

    def __init__(self):
        self.returns, self.yields, self.awaits = 0, False, False
        self.jumps: list[str] = []
        self.loop_depth = 0
        self.globals = False
        self.dynamic: str | None = None
        self.deleted: set[str] = set()
        self.private = False

    def _scope(self, node) -> bool:
        return False

    visit_FunctionDef = visit_Lambda = visit_ClassDef = _scope

    def visit_Return(self, node) -> None:
        self.returns += 1

    def visit_Yield(self, node) -> None:
        self.yields = True

    def visit_Await(self, node) -> None:
        self.awaits = True

    def visit_For(self, node: cst.For) -> None:
        self.awaits |= node.asynchronous is not None
        self.loop_depth += 1

    def leave_For(self, node) -> None:
        self.loop_depth -= 1

    def visit_While(self, node) -> None:
        self.loop_depth += 1

    def leave_While(self, node) -> None:
        self.loop_depth -= 1

    def visit_With(self, node: cst.With) -> None:
        self.awaits |= node.asynchronous is not None

    def visit_Break(self, node) -> None:
        if not self.loop_depth:
            self.jumps.append("break")

    def visit_Continue(self, node) -> None:
        if not self.loop_depth:
            self.jumps.append("continue")

    def visit_Global(self, node) -> None:
        self.globals = True

    visit_Nonlocal = visit_Global

    def visit_Del(self, node: cst.Del) -> None:
        if isinstance(node.target, cst.Name):
            self.deleted.add(node.target.value)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value in _DYNAMIC:
            self.dynamic = node.func.value

    def visit_Name(self, node: cst.Name) -> None:
        if node.value.startswith("__") and not node.value.endswith("__"):
            self.private = True


def compute(source: str, span: Span, view: SourceView | None = None, name: str | None = None):
    view = view or SourceView(source)
    trimmed = view.trimmed(span)
    found = ts_statements(view, span)
    if found is None:
        if trimmed.start != trimmed.end and extract_expression.ts_offerable(view, trimmed):
            return extract_expression.compute(source, trimmed, view, name=name)
        raise Refusal(NOT_WHOLE)
    func_node = enclosing_function(found[1][0])
    chunk = parse_chunk(source, trimmed, view, whole=func_node is None)
    owner, i, j = cst_statements(chunk, trimmed)
    body = list(owner.body)
    selected = body[i:j]
    func, method_class = _enclosing(chunk, owner)

    facts = _Facts()
    for st in selected:
        st.visit(facts)
    # `return extracted(...)` keeps behaviour when the selection always leaves the
    # function, or when nothing runs after it in the function anyway.
    ends_with_return = bool(facts.returns) and (
        exits.always_exits(selected) or exits.at_tail(chunk.parents, owner, j, func)
    )
    if facts.returns and not ends_with_return:
        raise Refusal(RETURN)
    generator = facts.yields
    if generator and (func is None or func.asynchronous is not None or facts.awaits):
        raise Refusal(YIELD)
    if generator and any(
        isinstance(a, (cst.Try, cst.TryStar, cst.With)) for a in _ancestors(chunk, owner, func)
    ):
        raise Refusal(GUARDED_YIELD)
    if facts.jumps:
        raise Refusal(JUMP.format(facts.jumps[0]))
    if facts.globals:
        raise Refusal(GLOBAL)
    if facts.dynamic:
        raise Refusal(DYNAMIC.format(facts.dynamic))

    scope = chunk.scopes[selected[0]]
    use = usage_of(chunk, scope)
    s, e = chunk.start(selected[0]), chunk.end(selected[-1])
    inside = lambda p: s <= p <= e  # noqa: E731
    loops = [a for a in _ancestors(chunk, owner, func) if isinstance(a, (cst.For, cst.While))]
    module_level = isinstance(scope, GlobalScope)

    # A name the function declares `global` stays global in the new function, declared so.
    # A `nonlocal` one too, with the new function nested where the selection is.
    # (Walked only where the chunk's text holds the word: most functions declare nothing.)
    declared_global = declared_globals(func) if "global" in chunk.text else set()
    declared_nonlocal = declared_globals(func, cst.Nonlocal) if "nonlocal" in chunk.text else set()
    globals_: set[str] = set()
    nonlocals: set[str] = set()
    for sc in {sc for sc in chunk.scopes.values() if sc is not None}:
        for a in sc.assignments:
            if a.name in use.declared and a.node in chunk.positions and inside(chunk.start(a.node)):
                if a.name in declared_global:
                    globals_.add(a.name)
                elif a.name in declared_nonlocal:
                    nonlocals.add(a.name)
                else:
                    raise Refusal(DECLARED.format(a.name))
    params, outputs = bindings(chunk, func, selected, use, inside, loops, module_level)
    if ends_with_return:
        for n in outputs:
            if any(not inside(p) for p in use.nested_reads.get(n, [])):
                raise Refusal(CLOSURE.format(n))
        outputs = []

    # A method chunk is the method alone (dedented): its class is outside the chunk.
    chunk_method = (
        method_class is None
        and func is not None
        and chunk.function is not None
        and _is_method(chunk.function)
        and any(x is func for x in chunk.module.body)
    )
    self_name, decorator = None, None
    if method_class is not None or chunk_method:
        kind = _method_kind(func)
        first = func.params.params[0].name.value if func.params.params else None
        uses_self = first in params or "super" in use_names(selected) or facts.private
        if kind == "static" and facts.private:
            raise Refusal(PRIVATE_STATIC)
        if kind != "static" and first is not None and uses_self:
            if first in outputs or any(inside(p) for p in use.binds.get(first, [])):
                raise Refusal(SELF_REBOUND.format(first))
            self_name = first
            params = [p for p in params if p != first]
            decorator = "classmethod" if kind == "class" else None

    # A function defined at module level is a helper of the code it came from: a private
    # name keeps the module's public names as they were (toolz's tests compare them).
    private = self_name is None and not nonlocals
    default = _default_name(outputs, func, source, private)
    fname = naming.suggest_name(name, source, default, private=private)
    if private:
        check_new_module_name(view.path)
    new_def = _build_def(
        fname,
        self_name,
        decorator,
        params,
        outputs,
        selected,
        facts.awaits,
        ends_with_return,
        sorted(globals_),
        sorted(nonlocals),
    )
    call = _build_call(fname, self_name, params, outputs, facts.awaits, ends_with_return, generator)
    call = call.with_changes(leading_lines=selected[0].leading_lines)
    new_body = body[:i] + [call] + body[j:]
    if nonlocals:  # defined just before the call, inside the function whose names it shares
        if self_name is not None:
            raise Refusal(DECLARED.format(sorted(nonlocals)[0]))
        new_body = body[:i] + [new_def.with_changes(leading_lines=call.leading_lines),
                               call.with_changes(leading_lines=[])] + body[j:]  # fmt: skip
        tree = chunk.replace(owner, owner.with_changes(body=new_body))
        return chunk.splice(tree)
    tree = chunk.replace(owner, owner.with_changes(body=new_body))
    one_blank = [cst.EmptyLine(indent=False)]
    if self_name is not None and method_class is not None:
        block = method_class.body
        new_block = _find_replacement(tree, chunk, block)
        k = [id(x) for x in block.body].index(id(func))
        inner = list(new_block.body)
        inner.insert(k + 1, new_def.with_changes(leading_lines=one_blank))
        tree = tree.deep_replace(new_block, new_block.with_changes(body=inner))
    elif self_name is not None:
        mod_body = list(tree.body)
        k = [id(x) for x in chunk.module.body].index(id(func))
        mod_body.insert(k + 1, new_def.with_changes(leading_lines=one_blank))
        tree = tree.with_changes(body=mod_body)
    elif func is None:  # module-level code: the function must exist before it runs
        top = _top_statement(chunk, selected[0])
        mod_body = list(tree.body)
        k = [id(x) for x in chunk.module.body].index(id(top))
        mod_body[k] = mod_body[k].with_changes(leading_lines=one_blank * 2)
        comments = [x for x in top.leading_lines if x.comment is not None]
        lead = (one_blank * 2 if k else []) + comments
        mod_body.insert(k, new_def.with_changes(leading_lines=lead))
        tree = tree.with_changes(body=mod_body)
    else:
        return _insert_after_top_level(view, trimmed, chunk, tree, new_def)
    return chunk.splice(tree)


def _insert_after_top_level(view, trimmed, chunk, tree, new_def) -> str:
    """Splice the edited chunk, then add the new function after the top-level statement, or
    before it where running that statement may call the function it holds (a def inside an
    `if` or `try`, a decorated def, a class body that calls something)."""
    top_first, top_last = top_level_rows(view, trimmed)
    old_rows = chunk.last_row - chunk.first_row + 1
    tree_code = tree.code  # generated once: the whole chunk's text
    new_text = chunk.splice(tree, tree_code)
    new_rows = len(tree_code.rstrip("\n").split("\n")) if tree_code else 0
    code = cst.Module(body=[new_def], default_indent=chunk.module.default_indent).code
    code_lines = code.rstrip("\n").split("\n")
    lines = new_text.split("\n")
    if _may_run_when_defined(view, top_first):
        lead = ["", ""] if top_first and lines[top_first - 1].strip() else []
        lines[top_first:top_first] = [*lead, *code_lines, "", ""]
        return "\n".join(lines)
    at = top_last + 1 + (new_rows - old_rows)
    lines[at:at] = ["", "", *code_lines]
    return "\n".join(lines)


def _may_run_when_defined(view, row: int) -> bool:
    """Executing the top-level statement at ``row`` may run code it defines."""
    top = next(
        (c for c in view.tree.root_node.named_children if c.start_point[0] == row),
        None,
    )
    if top is None or top.type == "function_definition":
        return top is None
    if top.type == "class_definition":
        return any(n.type == "call" for n in walk(top, skip={"function_definition"}))
    return True


def use_names(stmts) -> set[str]:
    found = set()

    class Visitor(cst.CSTVisitor):
        def visit_Name(self, node) -> None:
            found.add(node.value)

    for st in stmts:
        st.visit(Visitor())
    return found


def _enclosing(chunk, owner):
    """The function holding the selection and, for a method, its class; refuses class bodies."""
    node = owner
    while node is not None:
        parent = chunk.parents.get(node)
        if isinstance(parent, cst.FunctionDef):
            grand = chunk.parents.get(chunk.parents.get(parent))
            return parent, grand if isinstance(grand, cst.ClassDef) else None
        if isinstance(parent, cst.ClassDef):
            raise Refusal(CLASS_BODY)
        node = parent
    return None, None


def _ancestors(chunk, owner, func):
    node = owner
    while node is not None and node is not func:
        yield node
        node = chunk.parents.get(node)


def _top_statement(chunk, node):
    while not isinstance(chunk.parents.get(node), cst.Module):
        node = chunk.parents[node]
    return node


def _find_replacement(tree, chunk, block):
    """The class block in the edited tree (it was rebuilt when the method body changed)."""
    line = chunk.start(block)
    found = []

    class Visitor(cst.CSTVisitor):
        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            found.append(node.body)

    tree.visit(Visitor())
    orig = []

    class Orig(cst.CSTVisitor):
        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            orig.append(node.body)

    chunk.module.visit(Orig())
    idx = [chunk.start(b) for b in orig].index(line)
    return found[idx]


def _method_kind(func: cst.FunctionDef) -> str:
    names = {cst.helpers.get_full_name_for_node(d.decorator) for d in func.decorators}
    if "staticmethod" in names:
        return "static"
    if "classmethod" in names:
        return "class"
    return "instance"


def _default_name(outputs, func, source, private=False) -> str:
    if outputs:
        base = "compute_" + naming.snake(outputs[0])
    elif func is not None:
        base = naming.snake(func.name.value).strip("_") + "_step"
    else:
        base = "run_step"
    return naming.unique(base, source, private=private)


def _names_expr(names_):
    if len(names_) == 1:
        return cst.Name(names_[0])
    return cst.Tuple([cst.Element(cst.Name(n)) for n in names_], lpar=[], rpar=[])


def _build_def(
    fname, self_name, decorator, params, outputs, selected, is_async, ends, globals_, nonlocals
):
    stmts = list(selected)
    stmts[0] = stmts[0].with_changes(leading_lines=[])
    if nonlocals:
        declare = cst.Nonlocal([cst.NameItem(cst.Name(n)) for n in nonlocals])
        stmts.insert(0, cst.SimpleStatementLine([declare]))
    if globals_:
        declare = cst.Global([cst.NameItem(cst.Name(n)) for n in globals_])
        stmts.insert(0, cst.SimpleStatementLine([declare]))
    if outputs and not ends:
        stmts.append(cst.SimpleStatementLine([cst.Return(_names_expr(outputs))]))
    names_ = ([self_name] if self_name else []) + params
    return cst.FunctionDef(
        name=cst.Name(fname),
        params=cst.Parameters([cst.Param(cst.Name(n)) for n in names_]),
        body=cst.IndentedBlock(stmts),
        decorators=[cst.Decorator(cst.Name(decorator))] if decorator else [],
        asynchronous=cst.Asynchronous() if is_async else None,
    )


def _build_call(fname, self_name, params, outputs, is_async, ends, generator=False):
    func = cst.Name(fname)
    if self_name:
        func = cst.Attribute(cst.Name(self_name), cst.Name(fname))
    call: cst.BaseExpression = cst.Call(func, [cst.Arg(cst.Name(p)) for p in params])
    if is_async:
        call = cst.Await(call)
    if generator:  # `return (yield from ...)`; elsewhere no parentheses are needed
        parens = {"lpar": [cst.LeftParen()], "rpar": [cst.RightParen()]} if ends else {}
        call = cst.Yield(cst.From(call), **parens)
    if ends:
        small = cst.Return(call)
    elif outputs:
        small = cst.Assign([cst.AssignTarget(_names_expr(outputs))], call)
    else:
        small = cst.Expr(call)
    return cst.SimpleStatementLine([small])
