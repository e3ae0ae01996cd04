"""Deterministic repair: libcst mutation templates applied inside one function.

Each template (see ``templates``) turns one node into a nearby alternative. The function is
cut out of the file, mutated as its own small module and spliced back, so the rest of the
file stays byte-identical and large files stay cheap. Every mutant compiles; whether it is a
fix is for the verifiers to say.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper

from .target import Target
from .templates import Sites, local_names


@dataclass(frozen=True)
class Mutant:
    source: str  # the whole file with the mutation applied
    template: str
    line: int  # zero-based line of the mutated node in the file
    description: str
    size: int  # characters changed: the smaller, the closer to the original


class _Replace(cst.CSTTransformer):
    def __init__(self, target: cst.CSTNode, replacement):
        self.target = target
        self.replacement = replacement

    def on_leave(self, original_node, updated_node):
        if original_node is self.target:
            return self.replacement
        return updated_node


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
    sites = Sites(rel_lines, local_names(fn))
    wrapper.visit(sites)
    seen = {func}
    out = []
    for node, line, template, replacement in sites.sites:
        try:
            new_func = wrapper.module.visit(_Replace(node, replacement)).code
        except Exception:  # noqa: BLE001 - an invalid tree (e.g. an emptied block)
            continue
        if new_func in seen:
            continue
        seen.add(new_func)
        try:
            compile(new_func, "<mutant>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
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


def _describe(module: cst.Module, node, replacement) -> str:
    def short(n) -> str:
        text = module.code_for_node(n).strip().splitlines()
        one = text[0] if text else ""
        return one if len(one) <= 60 else one[:57] + "..."

    if isinstance(replacement, cst.RemovalSentinel):
        return f"delete `{short(node)}`"
    return f"`{short(node)}` -> `{short(replacement)}`"


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
