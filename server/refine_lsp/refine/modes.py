"""The one table of loop modes: the server's code actions and command, the CLI's verbs and the
VS Code extension's commands are all read from here (tests/test_tables.py checks the last)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LoopMode:
    id: str  # the CLI verb and the `mode` argument of refineLsp.runLoop
    title: str  # what the editor shows ("<title>: <function>")
    help: str  # the CLI's one-line help
    vscode_command: str  # the command the VS Code extension contributes for it
    entry: str  # "module:function" running the mode (imported on first use)

    def run(self) -> Callable:
        module, _, name = self.entry.partition(":")
        return getattr(importlib.import_module(module), name)


MODES: dict[str, LoopMode] = {
    m.id: m
    for m in (
        LoopMode(
            "fix",
            "Fix failing tests",
            "fix the failing tests that reach the function at FILE:LINE",
            "refineLsp.fixFailingTests",
            "refine_lsp.refine.loop:fix_failing_tests",
        ),
        LoopMode(
            "refine",
            "Refine with checks",
            "refine the function at FILE:LINE, keeping every check green",
            "refineLsp.refineWithChecks",
            "refine_lsp.refine.improve:refine_with_checks",
        ),
        LoopMode(
            "faster",
            "Make faster (keeps tests green)",
            "make the function at FILE:LINE faster, verified by its tests and timing",
            "refineLsp.makeFaster",
            "refine_lsp.refine.improve:make_faster",
        ),
        LoopMode(
            "properties",
            "Add property tests",
            "write hypothesis property tests for the function at FILE:LINE",
            "refineLsp.addPropertyTests",
            "refine_lsp.refine.improve:add_property_tests",
        ),
    )
}
