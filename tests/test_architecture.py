"""The layout's promises, checked on the source: no import cycle among the server's modules,
and each kind, command id, loop mode and state path defined once and used everywhere."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import refine_lsp

PACKAGE = Path(refine_lsp.__file__).parent
REPO = PACKAGE.parent.parent


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _top_level_imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Modules imported when ``name`` is imported: module-level statements only (imports inside
    functions run later; ``if TYPE_CHECKING:`` blocks never run)."""
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    out: set[str] = set()

    def visit(stmts) -> None:
        for node in stmts:
            if isinstance(node, ast.If):
                test = node.test
                if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
                    visit(node.orelse)
                    continue
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for h in node.handlers:
                    visit(h.body)
                visit(node.orelse)
                visit(node.finalbody)
            elif isinstance(node, ast.Import):
                out.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    prefix = ".".join(base[: len(base) - node.level + 1])
                    mod = f"{prefix}.{node.module}" if node.module else prefix
                else:
                    mod = node.module or ""
                # `from pkg import sub` imports the submodule; `from mod import name`, the module
                for a in node.names:
                    out.add(f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return {m for m in out if m in known and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            strong(v)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _top_level_imports(path, name, known) for name, path in modules.items()}


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_among_server_modules():
    assert _cycles(_graph()) == []


def test_handlers_are_module_level_functions_bound_in_one_table():
    from refine_lsp.actions import kinds
    from refine_lsp.lsp import app

    for method, handler, _ in app.METHODS:
        assert handler.__qualname__ == handler.__name__, f"{method}: a nested function"
        assert handler.__module__.startswith("refine_lsp.lsp.handlers."), method
    assert len({m for m, _, _ in app.METHODS}) == len(app.METHODS)
    assert set(app.COMMANDS) == set(kinds.COMMANDS)
    for command, handler in app.COMMANDS.items():
        assert handler.__module__.startswith("refine_lsp.lsp.commands."), command


def test_loop_modes_are_one_table_for_server_cli_and_vscode():
    from refine_lsp.cli import VERBS
    from refine_lsp.refine.modes import MODES

    assert {v.name for v in VERBS.values() if v.module == "refine_lsp.cli.loop"} == set(MODES)
    for mode in MODES.values():
        assert callable(mode.run()), mode.entry

    package = json.loads((REPO / "vscode-client" / "package.json").read_text(encoding="utf-8"))
    contributed = {c["command"] for c in package["contributes"]["commands"]}
    from refine_lsp.actions import kinds

    # The loop modes and "Run tests for this function", the one loop action that is no mode.
    commands = {m.vscode_command: m.id for m in MODES.values()}
    commands[kinds.RUN_TESTS_VSCODE] = kinds.RUN_TESTS_KIND.rpartition(".")[2]
    assert set(commands) <= contributed
    source = (REPO / "vscode-client" / "src" / "refineActions.ts").read_text(encoding="utf-8")
    pairs = dict(re.findall(r"command: '([\w.]+)',\s*kind: `\$\{REFINE_KIND\}\.(\w+)`", source))
    assert pairs == commands
    assert (
        re.search(r"REFINE_KIND = '([\w.]+)'", source).group(1)
        == __import__("refine_lsp.actions.kinds", fromlist=["LOOP"]).LOOP
    )


def test_every_refactoring_is_registered_once_with_kind_and_title():
    from refine_lsp.actions import kinds
    from refine_lsp.refactor import REFACTORINGS

    declared = set(kinds.CODE_ACTION_KINDS)
    for entry in REFACTORINGS.values():
        assert entry.title and entry.compute
        assert any(entry.kind == k or entry.kind.startswith(k + ".") for k in declared), entry


def test_one_events_store_path_for_server_and_cli(tmp_path, monkeypatch):
    from refine_lsp.paths import events_db_path

    monkeypatch.setenv("REFINE_LSP_STATE_DIR", str(tmp_path))
    assert events_db_path() == tmp_path / "events.sqlite3"


def test_the_headless_loop_imports_nothing_of_lsp():
    code = (
        "import sys, refine_lsp.cli.loop, refine_lsp.refine.loop, refine_lsp.refine.improve;"
        "bad = [m for m in sys.modules if m.startswith(('refine_lsp.lsp', 'pygls', 'lsprotocol'))];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
