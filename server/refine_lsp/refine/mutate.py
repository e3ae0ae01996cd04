"""Deterministic repair: libcst mutation templates applied inside one function.

Each template turns one node (or block) into a nearby alternative: ``templates`` the
one-token slips, ``fixpatterns`` the edits that reach further, and ``same-edit`` here (one
edit repeated at every identical copy of its node: a literal or operator wrong in each place
it was pasted). Pairs of edits at two lines are built by the loop. The function is
cut out of the file, mutated as its own small module and spliced back, so the rest of the
file stays byte-identical and large files stay cheap. Every mutant compiles; whether it is a
fix is for the verifiers to say.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from .fixpatterns import Block, FixPatterns, Pair, code_of
from .target import Target
from .templates import Sites, local_names

# Node kinds whose identical copies get the same edit at once (``same-edit``): a literal, an
# operator or a call repeated in a function is often wrong, or right, in every copy.
_TWIN_KINDS = (
    cst.SimpleString,
    cst.Integer,
    cst.Float,
    cst.Comparison,
    cst.BinaryOperation,
    cst.Call,
    cst.Subscript,
    cst.Return,
    cst.AugAssign,
)


@dataclass(frozen=True)
class Mutant:
    source: str  # the whole file with the mutation applied
    template: str
    line: int  # zero-based line of the mutated node in the file
    description: str
    size: int  # characters changed: the smaller, the closer to the original


class _Replace(cst.CSTTransformer):
    """Replace ``target`` by ``replacement``: a node, a removal, a block's new statement list
    (``Block``), a pair of nodes (``Pair``), or several identical sites at once (``_Twins``)."""

    def __init__(self, target: cst.CSTNode, replacement):
        self.swaps: dict[int, object] = {}
        if isinstance(replacement, Pair):
            self.swaps[id(target)] = replacement.first_new
            self.swaps[id(replacement.other)] = replacement.other_new
        elif isinstance(replacement, _Twins):
            for node in (target, *replacement.others):
                self.swaps[id(node)] = replacement.new
        else:
            self.swaps[id(target)] = replacement

    def on_leave(self, original_node, updated_node):
        new = self.swaps.get(id(original_node), updated_node)
        if isinstance(new, Block):
            return updated_node.with_changes(body=new.body)
        return new


@dataclass(frozen=True)
class _Twins:
    """The same replacement at every site whose code is identical to the target's."""

    new: object
    others: tuple


def _size(old: str, new: str) -> int:
    p = 0
    while p < min(len(old), len(new)) and old[p] == new[p]:
        p += 1
    s = 0
    while s < min(len(old), len(new)) - p and old[-1 - s] == new[-1 - s]:
        s += 1
    return max(len(old) - p - s, len(new) - p - s)


def _split(source: str, target: Target) -> tuple[str, str, str, str]:
    lines = source.splitlines(keepends=True)
    before = "".join(lines[: target.start_line])
    func = "".join(lines[target.start_line : target.end_line + 1])
    after = "".join(lines[target.end_line + 1 :])
    first = lines[target.start_line]
    indent = first[: len(first) - len(first.lstrip())]
    if func and not func.endswith("\n"):
        func += "\n"  # the file ended without a newline; splicing adds one
    return before, textwrap.dedent(func), after, indent


def mutants(source: str, target: Target, lines: Iterable[int] | None = None) -> list[Mutant]:
    """Every single-template mutant of ``target`` whose mutated node starts on one of ``lines``.

    ``lines`` are zero-based lines of the file; None means the whole function.
    """
    before, func, after, indent = _split(source, target)
    try:
        module = cst.parse_module(func)
    except cst.ParserSyntaxError:
        return []
    wrapper = MetadataWrapper(module)
    fn = next((s for s in wrapper.module.body if isinstance(s, cst.FunctionDef)), None)
    if fn is None:
        return []
    rel_lines = None if lines is None else {ln - target.start_line for ln in lines}
    names = local_names(fn)
    sites = Sites(rel_lines, names)
    wrapper.visit(sites)
    more = FixPatterns(fn, rel_lines, names)
    wrapper.visit(more)
    found = sites.sites + more.sites + _twin_sites(fn, sites.sites)
    splice = _Splicer(wrapper, func)
    seen = {func}
    out = []
    for node, line, template, replacement in found:
        try:
            new_func = splice(node, replacement)
            if new_func is None:
                new_func = wrapper.module.visit(_Replace(node, replacement)).code
        except Exception:  # noqa: BLE001 - an invalid tree (e.g. an emptied block)
            continue
        if new_func in seen:
            continue
        seen.add(new_func)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # `1[i]`, `"a"()`: compiles, always wrong
                compile(new_func, "<mutant>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, SyntaxWarning):
            continue
        desc = _describe(wrapper.module, node, replacement)
        new_source = before + textwrap.indent(new_func, indent) + after
        out.append(
            Mutant(
                new_source,
                template,
                line + target.start_line,
                f"line {line + target.start_line + 1}: {desc}",
                _size(func, new_func),
            )
        )
    return out


class _Splicer:
    """One expression on one line replaced by another, as text: the function's code with
    the node's span replaced by the replacement's code. The same text as rewriting the whole tree
    (an expression's code does not depend on its parent: identical on all 133,044 such
    sites of the HumanEvalFix functions; tests/refine/test_refine_mutate.py compares the
    two on one function with the awkward cases) at a fraction of the cost, which was most of
    building a long function's mutants. None where it does not apply (statements, blocks,
    several sites): those take the tree rewrite."""

    def __init__(self, wrapper: MetadataWrapper, code: str):
        self.positions = wrapper.resolve(PositionProvider)
        self.code = code
        starts = [0]
        for ln in code.splitlines(keepends=True):
            starts.append(starts[-1] + len(ln))
        self.starts = starts

    def __call__(self, node, replacement) -> str | None:
        if not isinstance(node, cst.BaseExpression) or not isinstance(
            replacement, cst.BaseExpression
        ):
            return None
        span = self.positions.get(node)
        if span is None or span.start.line != span.end.line:
            return None
        new = code_of(replacement)
        if "\n" in new:  # a continuation line's indent comes from the enclosing block
            return None
        a = self.starts[span.start.line - 1] + span.start.column
        b = self.starts[span.end.line - 1] + span.end.column
        if self.code[a:b] != code_of(node):  # the span leaves out the node's own parentheses
            return None
        if _word(self.code[a - 1 : a] + new[:1]) or _word(new[-1:] + self.code[b : b + 1]):
            return None  # `if(x and y)` -> `ify`: the tree refuses to write that
        return self.code[:a] + new + self.code[b:]


def _word(pair: str) -> bool:
    """Two characters that would run together into one name or number."""
    return len(pair) == 2 and all(ch.isalnum() or ch == "_" for ch in pair)


def _twin_sites(fn: cst.FunctionDef, sites: list) -> list:
    """``same-edit``: each one-token edit repeated at every identical copy of its node."""
    by_code: dict[str, list] = {}

    class V(cst.CSTVisitor):
        def on_visit(self, node):
            if isinstance(node, _TWIN_KINDS):
                by_code.setdefault(code_of(node), []).append(node)
            return True

    fn.visit(V())
    out = []
    for node, line, _template, replacement in sites:
        if not isinstance(node, _TWIN_KINDS) or not isinstance(replacement, cst.CSTNode):
            continue
        twins = [n for n in by_code.get(code_of(node), []) if n is not node]
        if twins and len(twins) <= 4:
            out.append((node, line, "same-edit", _Twins(replacement, tuple(twins))))
    return out


def _describe(module: cst.Module, node, replacement) -> str:
    def short(n) -> str:
        text = module.code_for_node(n).strip().splitlines()
        one = text[0] if text else ""
        return one if len(one) <= 60 else one[:57] + "..."

    if isinstance(replacement, cst.RemovalSentinel):
        return f"delete `{short(node)}`"
    if isinstance(replacement, _Twins):
        return (
            f"`{short(node)}` -> `{short(replacement.new)}` ({1 + len(replacement.others)} places)"
        )
    if isinstance(replacement, Pair):
        return f"`{short(node)}` <-> `{short(replacement.other)}`"
    if isinstance(replacement, Block):
        added = [s for s in replacement.body if not any(s is t for t in node.body)]
        if not added:
            return "reorder statements"
        where = f" after `{short(replacement.anchor)}`" if replacement.anchor is not None else ""
        return f"insert `{short(added[0])}`{where}"
    if isinstance(node, cst.BaseCompoundStatement) and isinstance(replacement, cst.CSTNode):
        return _describe_block(module, node, replacement)
    return f"`{short(node)}` -> `{short(replacement)}`"


def _describe_block(module: cst.Module, node, replacement) -> str:
    """A compound statement's edit by its first changed line (`if c:` -> `if c and d:`,
    add `else:`...), not by its unchanged first line."""
    old = [ln.strip() for ln in module.code_for_node(node).strip().splitlines()]
    new = [ln.strip() for ln in module.code_for_node(replacement).strip().splitlines()]
    for i, line in enumerate(new):
        if i >= len(old) or old[i] != line:
            if len(new) > len(old) and (i >= len(old) or old[i] == new[i + len(new) - len(old)]):
                added = new[i : i + len(new) - len(old)]
                text = "".join(ln + (" " if ln.endswith(":") else "; ") for ln in added)
                return "add `" + text.rstrip("; ")[:80] + "`"
            was = old[i] if i < len(old) else ""
            return f"`{was[:60]}` -> `{line[:60]}`"
    return f"`{old[0][:60] if old else ''}` rewritten"


def add_return_mutants(source: str, target: Target) -> list[Mutant]:
    """``return <local>`` appended to a function whose last statement does not return."""
    before, func, after, indent = _split(source, target)
    try:
        module = cst.parse_module(func)
    except cst.ParserSyntaxError:
        return []
    fn = next((s for s in module.body if isinstance(s, cst.FunctionDef)), None)
    if fn is None or not isinstance(fn.body, cst.IndentedBlock) or not fn.body.body:
        return []
    last = fn.body.body[-1]
    if isinstance(last, cst.SimpleStatementLine) and isinstance(
        last.body[0], (cst.Return, cst.Raise)
    ):
        return []
    out = []
    for name in local_names(fn):
        ret = cst.SimpleStatementLine([cst.Return(cst.Name(name))])
        new_fn = fn.with_changes(body=fn.body.with_changes(body=[*fn.body.body, ret]))
        new_func = module.with_changes(body=[new_fn if s is fn else s for s in module.body]).code
        out.append(
            Mutant(
                before + textwrap.indent(new_func, indent) + after,
                "add-return",
                target.end_line,
                f"line {target.end_line + 1}: add `return {name}`",
                _size(func, new_func),
            )
        )
    return out
