"""Rename of a method's parameter: the parameter in the method and the overrides a call may
reach instead, and ``old=`` in every call whose receiver is proven (self., super(), the
class, a known instance, the constructor call for ``__init__``); refused with where when a
call passing the keyword cannot be proven. Each case applies the edit to the whole
workspace and runs the program before and after."""

from __future__ import annotations

import re
import textwrap

import pytest
from refine_lsp.refactor.model import Refusal
from refine_lsp.refactor.rename import rename

from tests.refactor.test_refactor_rename import at, make, run
from tests.refactor.test_refactor_rename_members import apply, rel

SHAPES = {
    "shapes/__init__.py": "",
    "shapes/base.py": """
        class Shape:
            def __init__(self, name, scale=1):
                self.name = name
                self.scale = scale

            def area(self, precision=2):
                return round(0.0, precision)

            def describe(self, precision=2):
                return f"{self.name}: {self.area(precision=precision)}"


        class Square(Shape):
            def __init__(self, side, scale=1):
                super().__init__("square", scale=scale)
                self.side = side

            def area(self, precision=2):
                return round(self.side * self.side * self.scale / 3, precision)


        class Unit(Square):
            pass
    """,
    "main.py": """
        from shapes.base import Shape, Square, Unit


        def show(s: Shape):
            return s.area(precision=1)


        sq = Square(2, scale=3)
        print(sq.area(precision=3), show(sq), sq.describe(precision=0))
        print(Shape.area(sq, precision=4), Unit(1, scale=2).area(precision=1))
        print(Shape("blob", scale=5).scale, {}.get("k", 7))
    """,
}


def test_method_parameter_renamed_in_the_overrides_and_at_proven_calls(tmp_path):
    files = make(tmp_path, SHAPES)
    before = run(tmp_path)
    base = str(tmp_path / "shapes/base.py")
    line, col = at(files, base, "precision", 1)  # Shape.area's
    result = rename(files, base, line, col, "digits")
    apply(tmp_path, files, result)
    text = rel(tmp_path, files)
    assert text["shapes/base.py"] == textwrap.dedent(SHAPES["shapes/base.py"]).lstrip().replace(
        "def area(self, precision=2):\n        return round(0.0, precision)",
        "def area(self, digits=2):\n        return round(0.0, digits)",
    ).replace("self.area(precision=precision)", "self.area(digits=precision)").replace(
        "def area(self, precision=2):\n        return round(self.side * self.side * self.scale / 3, precision)",
        "def area(self, digits=2):\n        return round(self.side * self.side * self.scale / 3, digits)",
    )
    assert text["main.py"] == textwrap.dedent(SHAPES["main.py"]).lstrip().replace(
        "area(precision=", "area(digits="
    ).replace("Shape.area(sq, precision=4)", "Shape.area(sq, digits=4)")
    assert "describe(precision=0)" in text["main.py"]  # another method's parameter
    assert run(tmp_path) == before
    assert before == "4.0 4.0 square: 4.0\n0.0 0.7\n5 7\n"


def test_constructor_parameter_renamed_at_the_calls_of_the_class_and_its_heirs(tmp_path):
    files = make(tmp_path, SHAPES)
    before = run(tmp_path)
    base = str(tmp_path / "shapes/base.py")
    line, col = at(files, base, "side, scale")  # Square.__init__'s
    result = rename(files, base, line, col + 6, "factor")
    apply(tmp_path, files, result)
    text = rel(tmp_path, files)
    assert "def __init__(self, side, factor=1):" in text["shapes/base.py"]
    assert 'super().__init__("square", scale=factor)' in text["shapes/base.py"]  # Shape's
    assert "def __init__(self, name, scale=1):" in text["shapes/base.py"]
    assert text["main.py"] == textwrap.dedent(SHAPES["main.py"]).lstrip().replace(
        "Square(2, scale=3)", "Square(2, factor=3)"
    ).replace("Unit(1, scale=2)", "Unit(1, factor=2)")
    assert run(tmp_path) == before


def test_base_constructor_parameter_follows_super_calls(tmp_path):
    files = make(tmp_path, SHAPES)
    before = run(tmp_path)
    base = str(tmp_path / "shapes/base.py")
    line, col = at(files, base, "name, scale")  # Shape.__init__'s
    result = rename(files, base, line, col + 6, "zoom")
    apply(tmp_path, files, result)
    text = rel(tmp_path, files)
    assert 'super().__init__("square", zoom=scale)' in text["shapes/base.py"]
    assert 'Shape("blob", zoom=5).scale' in text["main.py"]
    assert "Square(2, scale=3)" in text["main.py"]  # Square's own __init__
    assert run(tmp_path) == before


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (
            "def anything(x):\n    return x.area(precision=1)\n",
            "1 call of `area` passing `precision=` or reaching it indirectly cannot be proven",
        ),
        (
            "import functools\nf = functools.partial(sq.area, precision=1)\n",
            "reaching it indirectly cannot be proven",
        ),
        (
            "opts = {'precision': 1}\nprint(sq.area(**opts))\n",
            "1 call of `area` passing `precision=`",
        ),
        (
            "class Odd(Square):\n    def area(self, **kw):\n        return 0\n",
            "takes `precision` through `**kw`",
        ),
    ],
)
def test_method_parameter_refused_where_a_call_cannot_be_proven(tmp_path, extra, reason):
    files = make(tmp_path, {**SHAPES, "main.py": textwrap.dedent(SHAPES["main.py"]) + extra})
    base = str(tmp_path / "shapes/base.py")
    line, col = at(files, base, "precision", 1)
    with pytest.raises(Refusal, match=re.escape(reason)):
        rename(files, base, line, col, "digits")


def test_constructor_parameter_refused_where_the_class_travels_as_a_value(tmp_path):
    """cachetools' tests keep the class in a test-case attribute (Cache = FIFOCache) and call
    self.Cache(maxsize=...): that call may be the constructor's."""
    extra = "class Case:\n    Kind = Square\n\n    def make(self):\n        return self.Kind(2, scale=1)\n"
    files = make(tmp_path, {**SHAPES, "main.py": textwrap.dedent(SHAPES["main.py"]) + extra})
    base = str(tmp_path / "shapes/base.py")
    line, col = at(files, base, "side, scale")
    with pytest.raises(Refusal, match=r"1 call of `__init__` passing `scale=`.*main.py:16"):
        rename(files, base, line, col + 6, "factor")


def test_method_parameter_of_a_class_deriving_from_outside_is_refused(tmp_path):
    files = make(
        tmp_path,
        {
            "main.py": """
                import threading


                class Worker(threading.Thread):
                    def run(self, verbose=False):
                        print(verbose)


                Worker().run(verbose=True)
            """
        },
    )
    main = str(tmp_path / "main.py")
    line, col = at(files, main, "verbose")
    with pytest.raises(Refusal, match="derives from `threading.Thread`"):
        rename(files, main, line, col, "loud")


def test_first_parameter_of_a_method_is_renamed_like_a_local(tmp_path):
    files = make(tmp_path, SHAPES)
    before = run(tmp_path)
    base = str(tmp_path / "shapes/base.py")
    line, col = at(files, base, "def area(self")  # Shape.area's
    result = rename(files, base, line, col + 9, "this")
    apply(tmp_path, files, result)
    text = rel(tmp_path, files)["shapes/base.py"]
    assert "def area(this, precision=2):\n        return round(0.0, precision)" in text
    assert text.count("def area(self, precision=2):") == 1  # Square's is another function
    assert run(tmp_path) == before
