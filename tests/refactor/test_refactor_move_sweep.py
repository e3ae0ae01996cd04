"""Every top-level definition of a small package moved to every other module and to a new
one, each from a fresh copy: whatever is offered must leave the program's output as it was
(what is refused must say why, and leave the files alone)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from refine_lsp.actions import Refused
from refine_lsp.refactor import move_reduced
from refine_lsp.refactor.move import defined_names, move
from refine_lsp.refactor.move_file import parse

PACKAGE = {
    "pkg/__init__.py": """
        from .core import Registry, register

        __all__ = ["Registry", "register"]
    """,
    "pkg/core.py": '''
        """The core."""
        import functools
        from collections import OrderedDict

        from . import helpers
        from .helpers import fmt

        DEFAULT = 3
        _REG = {}


        def register(fn):
            _REG[fn.__name__] = fn
            return fn


        class Registry:
            items = OrderedDict()

            def add(self, k, v=DEFAULT):
                self.items[k] = fmt(v)
                return self


        @register
        def double(x):
            return helpers.twice(x)


        @functools.lru_cache(None)
        def cached(n):
            return n * DEFAULT


        def total(xs):
            return sum(double(x) for x in xs) + cached(2)


        def registered():
            return sorted(_REG)
    ''',
    "pkg/helpers.py": """
        def twice(x):
            return 2 * x


        def fmt(v):
            return f"<{v}>"
    """,
    "pkg/extra.py": """
        from pkg.core import total


        def run():
            return total([1, 2, 3])
    """,
    "main.py": """
        import pkg.helpers as h
        from pkg import Registry, core, register
        from pkg.extra import run


        @register
        def triple(x):
            return 3 * x


        print(Registry().add("a").items, core.total([1]), run(), h.fmt(1), core.registered())
    """,
}


SHAPES = {
    "geo/__init__.py": """
        from .base import *
        from .shapes import Square as Square

        __all__ = ["Shape", "Square", "UNIT"]
    """,
    "geo/base.py": """
        from __future__ import annotations

        import math as m
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from .shapes import Square

        __all__ = ["Shape", "UNIT", "scale"]

        UNIT = 2.0
        HALF = UNIT / 2


        class Shape:
            sides: int = 0

            def area(self) -> float:
                return 0.0

            def bigger(self, other: Square) -> bool:
                return self.area() > other.area()


        def scale(x: float, k: float = HALF) -> float:
            return m.floor(x * k * 100) / 100


        def _hidden():
            return "hidden"
    """,
    "geo/shapes.py": """
        from . import base
        from .base import Shape, scale


        class Square(Shape):
            sides = 4

            def __init__(self, a):
                self.a = a

            def area(self):
                return scale(self.a * self.a, base.UNIT)


        class Circle(Shape):
            def __init__(self, r):
                self.r = r

            def area(self):
                return scale(base.m.pi * self.r**2)
    """,
    "geo/report.py": """
        import geo.base as gb
        from geo.shapes import Circle, Square


        def describe(shapes):
            return [(type(s).__name__, s.area(), s.sides) for s in shapes]


        def compare():
            return Square(2).bigger(Circle(1)), gb._hidden()
    """,
    "main.py": """
        import geo
        from geo import report
        from geo.base import scale

        print(report.describe([geo.Square(3), report.Circle(2)]), report.compare())
        print(scale(7), geo.UNIT, geo.Shape().area(), sorted(geo.__all__))
    """,
}


def outcome(*args):
    try:
        result = move(*args)
    except Refused as exc:
        return ("refused", str(exc))
    return ("moved", result.names, dict(result.changes), result.created)


def output(root: Path) -> str:
    done = subprocess.run(
        [sys.executable, "main.py"], cwd=root, capture_output=True, text=True, timeout=60
    )
    return done.stdout + done.stderr


@pytest.mark.parametrize("package", [PACKAGE, SHAPES], ids=["registry", "shapes"])
def test_every_offered_move_keeps_the_output(tmp_path, monkeypatch, package):
    base = tmp_path / "base"
    for rel, text in package.items():
        (base / rel).parent.mkdir(parents=True, exist_ok=True)
        (base / rel).write_text(textwrap.dedent(text).lstrip())
    expected = output(base)
    assert "Traceback" not in expected
    modules = sorted(p.relative_to(base) for p in base.rglob("*.py"))
    tried = offered = reduced = 0
    problems = []
    for src_rel in modules:
        src = parse(str(base / src_rel), (base / src_rel).read_text())
        for stmt in src.tree.body:
            names = defined_names(stmt)
            if not names or names == ["__all__"]:
                continue
            line = src.lines(stmt)[0] - 1
            for dest_rel in [*modules, src_rel.with_name(f"{names[0]}_new.py")]:
                if dest_rel == src_rel or dest_rel.name == "__init__.py":
                    continue
                work = tmp_path / f"w{tried}"
                shutil.copytree(base, work)
                files = {str(p.resolve()): p.read_text() for p in work.rglob("*.py")}
                tried += 1
                what = f"{names} {src_rel} -> {dest_rel}"
                args = (files, str((work / src_rel).resolve()), line, line)
                dest = str((work / dest_rel).resolve())
                monkeypatch.setattr(move_reduced, "REDUCE", False)
                whole = outcome(*args, dest)
                monkeypatch.setattr(move_reduced, "REDUCE", True)
                assert outcome(*args, dest) == whole, what  # the reduced source: the same
                reduced += move_reduced._reduced(files[args[1]], line, line) not in (
                    None,
                    files[args[1]],
                )
                try:
                    result = move(*args, dest)
                except Refused as exc:
                    assert str(exc), what
                    continue
                offered += 1
                for path, text in result.changes.items():
                    Path(path).write_text(text)
                got = output(work)
                if got != expected:
                    problems.append(f"{what}: {got[-400:]}")
    assert problems == []
    assert tried >= 20 and offered >= 8, (tried, offered)
    assert reduced >= tried // 3, (reduced, tried)  # the source was reduced, to the same end
