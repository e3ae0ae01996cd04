"""The code-action providers: ruff's quick fixes, the libcst refactorings, organize imports,
fix-all on save, and the loop's verified actions. Listing is cheap; resolve computes the text."""

from __future__ import annotations

from refine_lsp.refine.modes import MODES
from refine_lsp.refine.outcomes import TestReports
from refine_lsp.settings import Settings
from refine_lsp.syntax.query import enclosing_function, function_name
from refine_lsp.text import Pos, Span, TextEdit, apply_edits
from refine_lsp.text.document import DocumentSnapshot

from . import kinds
from .offer import ActionContext, Offer, Refused


def _edit_to_json(e: TextEdit) -> list:
    return [e.span.start.line, e.span.start.col, e.span.end.line, e.span.end.col, e.new_text]


def _edit_from_json(v: list) -> TextEdit:
    return TextEdit(Span(Pos(v[0], v[1]), Pos(v[2], v[3])), v[4])


def _overlaps(a: Span, b: Span) -> bool:
    return not (a.end < b.start or b.end < a.start)


def _path(snapshot: DocumentSnapshot) -> str | None:
    """The file's path, so ruff applies the project's configuration."""
    return str(snapshot.path) if snapshot.path is not None else None


class RuffQuickFix:
    """ruff's own fixes for the findings under the cursor."""

    name = "ruff.fix"
    kinds = (kinds.QUICKFIX,)

    def offers(self, ctx: ActionContext) -> list[Offer]:
        out = []
        for f in ctx.findings:
            if f.source != "ruff" or not f.fix_id or not _overlaps(f.span, ctx.span):
                continue
            applicability = f.data.get("applicability", "unsafe")
            title = f"Ruff ({f.code}): {f.data.get('fix_message')}"
            if applicability != "safe":
                title += " (unsafe fix)"
            out.append(
                Offer(
                    self.name,
                    f"ruff.fix.{f.code}",
                    kinds.QUICKFIX,
                    title,
                    {
                        "edits": [_edit_to_json(e) for e in f.data["edits"]],
                        "suggestion_id": f.data.get("suggestion_id"),
                    },
                    preferred=applicability == "safe",
                    findings=(f,),
                )
            )
        return out

    def resolve(self, snapshot: DocumentSnapshot, settings: Settings, args: dict) -> str:
        return apply_edits(snapshot.text, [_edit_from_json(e) for e in args["edits"]])


class Refactorings:
    """The libcst refactorings (refine_lsp.refactor), imported on first use."""

    name = "refactor"
    kinds = (kinds.REFACTOR_EXTRACT, kinds.REFACTOR_INLINE, kinds.REFACTOR_REWRITE)

    def offers(self, ctx: ActionContext) -> list[Offer]:
        from refine_lsp import refactor

        span = ctx.span
        where = [span.start.line, span.start.col, span.end.line, span.end.col]
        return [
            Offer(
                self.name,
                o.id,
                o.kind,
                o.title,
                {**o.args, "id": o.id, "span": where},
                disabled_reason=o.disabled_reason,
            )
            for o in refactor.list_refactorings(ctx.snapshot.text, span, ctx.snapshot.tree)
            if o.kind != kinds.ORGANIZE_IMPORTS
        ]

    def resolve(self, snapshot: DocumentSnapshot, settings: Settings, args: dict) -> str:
        from refine_lsp import refactor

        s = args["span"]
        return refactor.compute_refactoring(
            snapshot.text,
            Span(Pos(s[0], s[1]), Pos(s[2], s[3])),
            args["id"],
            tree=snapshot.tree,
            path=None if snapshot.path is None else str(snapshot.path),
        )


class OrganizeImports:
    name = "imports"
    kinds = (kinds.ORGANIZE_IMPORTS,)

    def offers(self, ctx: ActionContext) -> list[Offer]:
        return [
            Offer(self.name, "source.organize-imports", kinds.ORGANIZE_IMPORTS, "Organize imports")
        ]

    def resolve(self, snapshot: DocumentSnapshot, settings: Settings, args: dict) -> str:
        from refine_lsp import refactor

        return refactor.organize_imports(snapshot.text, path=_path(snapshot), tree=snapshot.tree)

    def save_key(self, settings: Settings) -> tuple:
        return ()


class FixAll:
    """The safe rewrites the user enabled (settings.fixAll.rules); never model-backed."""

    name = "fixall"
    kinds = (kinds.FIX_ALL,)

    def offers(self, ctx: ActionContext) -> list[Offer]:
        if not ctx.settings.fix_all.rules:
            return []
        return [
            Offer(self.name, "source.fix-all", kinds.FIX_ALL, "Fix all safe issues (refine-lsp)")
        ]

    def resolve(self, snapshot: DocumentSnapshot, settings: Settings, args: dict) -> str:
        from refine_lsp import refactor

        return refactor.fix_all(
            snapshot.text, list(settings.fix_all.rules), path=_path(snapshot), tree=snapshot.tree
        )

    def save_key(self, settings: Settings) -> tuple | None:
        return tuple(settings.fix_all.rules) if settings.fix_all.rules else None


class LoopActions:
    """The loop's actions inside a function of a file (saved or not); each runs as a command
    (RUN_LOOP, RUN_TESTS), with progress and cancel, and applies only a verified edit.

    "Fix failing tests" is offered where the last test run the server saw (kept in
    ``reports`` until the file or a failing test's file changes) had a failing test reach the
    function, for automatic requests too: that is where it helps. Elsewhere "Run tests for
    this function" finds out. The rest take minutes and are offered only when the user opens
    the menu (Invoked), never as a lightbulb.
    """

    name = "refine"
    kinds = (kinds.LOOP,)

    def __init__(self) -> None:
        self.reports = TestReports()

    def offers(self, ctx: ActionContext) -> list[Offer]:
        snapshot = ctx.snapshot
        if snapshot.tree is None or snapshot.path is None:
            return []
        fn = enclosing_function(snapshot.tree, (ctx.span.start.line, 0))
        if fn is None:
            return []
        name = function_name(fn) or "function"
        report = self.reports.current(snapshot.path, snapshot.text)
        failing = report.failing_reaching(_def_lines(fn)) if report is not None else []
        if not ctx.invoked and not failing:
            return []  # minutes of work: offered when the user opens the menu, no lightbulb
        # The loop imports and runs the file: where it does not parse, say so here rather
        # than offer a run that can only fail.
        broken = None
        if snapshot.tree.root_node.has_error:
            first = _first_error_line(snapshot.tree.root_node)
            broken = f"the file has a syntax error at line {first + 1}; fix it first"
        args = {"line": ctx.span.start.line}
        out = []
        for mode in MODES.values():
            if mode.id == "fix":
                if failing:
                    out.append(self._mode(mode, name, args, broken, failing))
                elif ctx.invoked:
                    out.append(
                        Offer(
                            self.name,
                            "loop.tests",
                            kinds.RUN_TESTS_KIND,
                            f"{kinds.RUN_TESTS_TITLE}: {name}",
                            dict(args),
                            disabled_reason=broken,
                            command=kinds.RUN_TESTS,
                        )
                    )
            elif ctx.invoked:
                out.append(self._mode(mode, name, args, broken))
        return out

    def _mode(self, mode, name: str, args: dict, broken, failing=()) -> Offer:
        title = f"{mode.title}: {name}"
        if failing:
            title += f" ({len(failing)} failing)"
        return Offer(
            self.name,
            f"loop.{mode.id}",
            f"{kinds.LOOP}.{mode.id}",
            title,
            {"mode": mode.id, **args},
            disabled_reason=broken,
            command=kinds.RUN_LOOP,
        )

    def resolve(self, snapshot: DocumentSnapshot, settings: Settings, args: dict) -> str:
        raise Refused("this action runs as a command")


def _def_lines(fn) -> range:
    """The function's lines from its ``def`` (decorators excluded, as refine.target counts)."""
    node = fn.child_by_field_name("definition") if fn.type == "decorated_definition" else fn
    node = node or fn
    return range(node.start_point[0], fn.end_point[0] + 1)


def loop_reports(registry) -> TestReports:
    """The test reports the loop's actions are offered from (the LSP commands record here)."""
    return registry.providers[LoopActions.name].reports


class HintActions:
    """Beside a refinement hint: "Hide hints like this" (an explicit rejection the gate
    learns from); on a line whose hint the gate hides: "Show hidden hints like this"."""

    name = "hints"
    kinds = (kinds.QUICKFIX,)

    def offers(self, ctx: ActionContext) -> list[Offer]:
        out = []
        for f in ctx.findings:
            sid = f.data.get("suggestion_id")
            if not sid or not _overlaps(f.span, ctx.span):
                continue
            out.append(
                Offer(
                    self.name,
                    f"hints.hide.{f.code}",
                    kinds.QUICKFIX,
                    f"Hide hints like this ({f.code})",
                    {"sid": sid, "kind": f.code},
                    command=kinds.HIDE_HINTS,
                )
            )
        for h in ctx.hidden_hints:
            why = h.get("why")
            out.append(
                Offer(
                    self.name,
                    f"hints.show.{h['kind']}",
                    kinds.QUICKFIX,
                    f"{h['title']} (hidden: {why})" if why else h["title"],
                    {"kind": h["kind"]},
                    command=kinds.ACCEPTANCE_RESET,
                )
            )
        return out

    def resolve(self, snapshot: DocumentSnapshot, settings: Settings, args: dict) -> str:
        raise Refused("this action runs as a command")


def _first_error_line(node) -> int:
    """Line of the first ERROR or MISSING node (tree-sitter marks where parsing failed)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "ERROR" or n.is_missing:
            return n.start_point[0]
        stack.extend(c for c in reversed(n.children) if c.has_error or c.is_missing)
    return node.start_point[0]


def default_providers() -> list:
    return [
        RuffQuickFix(),
        HintActions(),
        Refactorings(),
        OrganizeImports(),
        FixAll(),
        LoopActions(),
    ]
