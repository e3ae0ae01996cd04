"""Hypothesis property tests written as text for a user's test file ("Add property tests")."""

from __future__ import annotations

import ast
from pathlib import Path

from refine_lsp.verify import _inputs as inputs

from .target import Target

_SIMPLE = {
    "int": "st.integers(-20, 40)",
    "float": "st.floats(-1e3, 1e3, allow_nan=False)",
    "bool": "st.booleans()",
    "str": "st.text(max_size=12)",
    "bytes": "st.binary(max_size=12)",
    "None": "st.none()",
}
_CONTAINERS = {"list": "st.lists({}, max_size=8)", "set": "st.sets({}, max_size=8)"}
_RETURN_TYPES = {"int", "float", "bool", "str", "list", "dict", "tuple", "set", "bytes"}


def strategy_text(ann: ast.expr | None, default: ast.expr | None = None) -> str:
    """Source text of a hypothesis strategy for an annotation (or a default's type)."""
    if ann is None:
        if isinstance(default, ast.Constant) and default.value is not None:
            return _SIMPLE.get(type(default.value).__name__, "st.integers(-20, 40)")
        return "st.integers(-20, 40)"
    if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
        try:
            ann = ast.parse(ann.value, mode="eval").body
        except SyntaxError:
            return "st.integers(-20, 40)"
    if isinstance(ann, ast.Name):
        if ann.id in _SIMPLE:
            return _SIMPLE[ann.id]
        low = ann.id.lower()
        if low in _CONTAINERS:
            return _CONTAINERS[low].format("st.integers(-20, 40)")
        if low == "dict":
            return "st.dictionaries(st.text(max_size=5), st.integers(-20, 40), max_size=5)"
        if low == "tuple":
            return "st.lists(st.integers(-20, 40), max_size=6).map(tuple)"
        return "st.integers(-20, 40)"
    if isinstance(ann, ast.Constant) and ann.value is None:
        return "st.none()"
    if isinstance(ann, ast.Subscript):
        base = ast.unparse(ann.value).split(".")[-1].lower()
        args = ann.slice.elts if isinstance(ann.slice, ast.Tuple) else [ann.slice]
        inner = [strategy_text(a) for a in args]
        if base in _CONTAINERS:
            return _CONTAINERS[base].format(inner[0])
        if base == "dict" and len(inner) == 2:
            return f"st.dictionaries({inner[0]}, {inner[1]}, max_size=5)"
        if base == "tuple":
            if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is ...:
                return f"st.lists({inner[0]}, max_size=6).map(tuple)"
            return f"st.tuples({', '.join(inner)})"
        if base == "optional":
            return f"st.none() | {inner[0]}"
        if base == "union":
            return f"st.one_of({', '.join(inner)})"
    if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
        return f"{strategy_text(ann.left)} | {strategy_text(ann.right)}"
    return "st.integers(-20, 40)"


_MUTABLE_SPECS = {"list", "set", "dict", "record"}


def property_tests(
    source: str, target: Target, module: str, specs: list[dict] | None = None
) -> list[tuple[str, str]]:
    """(test name, test source) pairs; each stands alone and is kept only if it passes.

    ``specs``: the calibrated input domain per parameter (verify/_inputs.py), built from the
    values the tests pass, docstring examples and defaults; without it, the annotations."""
    tree = ast.parse(source)
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == target.name)
    params = fn.args.posonlyargs + fn.args.args
    defaults = [None] * (len(params) - len(fn.args.defaults)) + list(fn.args.defaults)
    names = [p.arg for p in params]
    if specs is not None and len(specs) == len(params):
        texts = [inputs.strategy_text(spec) for spec in specs]
    else:
        specs = None
        texts = [strategy_text(p.annotation, d) for p, d in zip(params, defaults, strict=True)]
    strategies = ", ".join(f"{n}={t}" for n, t in zip(names, texts, strict=True))
    call_args = ", ".join(names)
    copies = ", ".join(f"copy.deepcopy({n})" for n in names)
    head = f"@settings(max_examples=100, deadline=None)\n@given({strategies})\n"
    sig = f"({call_args})"
    f = target.name
    tests = [
        (
            f"test_{f}_does_not_crash",
            f"{head}def test_{f}_does_not_crash{sig}:\n    {f}({call_args})\n",
        ),
        (
            f"test_{f}_is_deterministic",
            f"{head}def test_{f}_is_deterministic{sig}:\n"
            f"    assert {f}({copies}) == {f}({copies})\n",
        ),
    ]
    ret = ast.unparse(fn.returns).split("[")[0].lower() if fn.returns is not None else ""
    if ret in _RETURN_TYPES:
        tests.append(
            (
                f"test_{f}_returns_{ret}",
                f"{head}def test_{f}_returns_{ret}{sig}:\n"
                f"    assert isinstance({f}({call_args}), {ret})\n",
            )
        )
    mutable = [
        p.arg
        for i, p in enumerate(params)
        if (specs is not None and specs[i]["k"] in _MUTABLE_SPECS)
        or (
            p.annotation is not None
            and ast.unparse(p.annotation).split("[")[0].lower() in ("list", "dict", "set")
        )
    ]
    if mutable:
        before = "\n".join(f"    {n}_before = copy.deepcopy({n})" for n in mutable)
        after = "\n".join(f"    assert {n} == {n}_before" for n in mutable)
        tests.append(
            (
                f"test_{f}_keeps_its_arguments",
                f"{head}def test_{f}_keeps_its_arguments{sig}:\n{before}\n"
                f"    {f}({call_args})\n{after}\n",
            )
        )
    return tests


def test_module(
    module: str,
    function: str,
    tests: list[str],
    existing: str = "",
    extra_imports: list[str] = (),
) -> str:
    """``extra_imports``: lines importing the project classes the strategies build."""
    same = f"from {module} import "
    names = [function] + [ln[len(same) :] for ln in extra_imports if ln.startswith(same)]
    header = (
        "import copy\n\n"
        "from hypothesis import given, settings\n"
        "from hypothesis import strategies as st\n\n"
        f"{same}{', '.join(names)}\n"
    ) + "".join(f"{line}\n" for line in extra_imports if not line.startswith(same))
    body = "\n\n".join(tests)
    if existing.strip():
        return existing.rstrip("\n") + "\n\n\n" + header + "\n\n" + body
    return header + "\n\n" + body


def formatted(text: str, path: Path, workspace: Path, timeout_s: float = 10.0) -> tuple[str, list]:
    """``text`` formatted and fixed with the project's ruff configuration (as if it were
    ``path``), and the findings ruff still reports (``[]``: the file passes the project's
    check). Without ruff, the text as it is and no findings."""
    import json

    from refine_lsp.tools.ruff import RuffFailed, RuffUnavailable, run_ruff

    try:
        fmt = run_ruff(["format"], text, filename=path, cwd=workspace, timeout_s=timeout_s)
        text = fmt.stdout or text
        fixed = run_ruff(["check", "--fix", "--no-cache"], text, filename=path, cwd=workspace)
        text = fixed.stdout or text
        report = run_ruff(
            ["check", "--no-cache", "--output-format", "json"], text, filename=path, cwd=workspace
        )
        return text, json.loads(report.stdout or "[]")
    except (RuffUnavailable, RuffFailed, ValueError):
        return text, []
