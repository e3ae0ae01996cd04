"""Move to module: small packages built in tmp_path, the move applied to every file it edits
(and the one it creates), the program run before and after with the same output; refusals
with their reasons."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from refine_lsp.actions import Refused
from refine_lsp.refactor.move import move
from refine_lsp.refactor.move_targets import destinations, selected


def build(root: Path, files: dict[str, str]) -> dict[str, str]:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text).lstrip())
    return {str(p.resolve()): p.read_text() for p in root.rglob("*.py")}


def run(root: Path, script: str = "main.py") -> str:
    done = subprocess.run(
        [sys.executable, script], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if needle in line)


def do_move(root: Path, files, src: str, needle: str, dest: str, last: str | None = None, **kw):
    path = str((root / src).resolve())
    first = line_of(files[path], needle)
    end = line_of(files[path], last) if last else first
    result = move(files, path, first, end, str((root / dest).resolve()), **kw)
    for changed, text in result.changes.items():
        Path(changed).write_text(text)
    return result


SHOP = {
    "shop/__init__.py": """
        from .pricing import unit_price

        __all__ = ["unit_price", "bulk_discount"]
        from .pricing import bulk_discount
    """,
    "shop/util.py": """
        def clamp(x, lo, hi):
            return max(lo, min(hi, x))
    """,
    "shop/pricing.py": '''
        """Prices."""
        import math
        from .util import clamp

        __all__ = ["RATE", "bulk_discount", "unit_price"]

        RATE = 0.1


        # the discount, capped
        def bulk_discount(quantity):
            return clamp(math.floor(quantity / 10) * RATE, 0, 0.5)


        def unit_price(base, quantity):
            return round(base * (1 - bulk_discount(quantity)), 2)
    ''',
    "shop/stats.py": """
        from shop import pricing
        from shop.pricing import bulk_discount


        def report(q):
            return pricing.bulk_discount(q), bulk_discount(q)


        LEVELS = [report(q) for q in (5, 25)]
    """,
    "main.py": """
        import shop.pricing
        from shop.pricing import bulk_discount as bd, unit_price
        from shop import stats, bulk_discount


        def later():
            from shop.pricing import RATE, bulk_discount

            return RATE, bulk_discount(70)


        print(shop.pricing.bulk_discount(30), bd(12), unit_price(10.0, 40))
        print(stats.report(20), stats.LEVELS, bulk_discount(44), later())
    """,
}


@pytest.mark.parametrize("dest", ["shop/stats.py", "shop/discounts.py", "shop/util.py"])
def test_move_a_function_and_its_constant_and_the_program_runs_the_same(tmp_path, dest):
    files = build(tmp_path, SHOP)
    before = run(tmp_path)
    result = do_move(tmp_path, files, "shop/pricing.py", "RATE = 0.1", dest, last="return clamp")
    assert result.names == ["RATE", "bulk_discount"]
    assert run(tmp_path) == before
    moved = (tmp_path / dest).read_text()
    assert "# the discount, capped\ndef bulk_discount(quantity):" in moved
    pricing = (tmp_path / "shop/pricing.py").read_text()
    assert "def bulk_discount" not in pricing and "RATE = 0.1" not in pricing
    assert f"from .{Path(dest).stem} import bulk_discount\n" in pricing  # its relative style
    assert '__all__ = ["unit_price"]' in pricing
    # what only the moved code used went with it
    assert pricing.startswith(f'"""Prices."""\nfrom .{Path(dest).stem} import bulk_discount\n\n')
    assert "import math" not in pricing and "clamp" not in pricing
    init = (tmp_path / "shop/__init__.py").read_text()
    assert f"from .{Path(dest).stem} import bulk_discount" in init
    if dest == "shop/discounts.py":
        assert result.created == [str((tmp_path / dest).resolve())]
        assert moved.startswith("import math\nfrom .util import clamp\n\n\nRATE = 0.1\n")
    if dest == "shop/stats.py":  # its own imports of the moved name go; it is defined there
        assert "from shop.pricing import bulk_discount" not in moved
        assert "from shop import pricing" not in moved
        assert "return bulk_discount(q), bulk_discount(q)" in moved
        # used at import time (LEVELS): defined before that code
        assert moved.index("def bulk_discount") < moved.index("LEVELS =")
    if dest == "shop/util.py":  # clamp is util's own: no import of it
        assert "import clamp" not in moved


def test_the_import_forms_are_rewritten(tmp_path):
    files = build(tmp_path, SHOP)
    do_move(tmp_path, files, "shop/pricing.py", "RATE = 0.1", "shop/discounts.py", "return clamp")
    main = (tmp_path / "main.py").read_text()
    assert main.splitlines()[:4] == [
        "import shop.pricing",
        "import shop.discounts",
        "from shop.pricing import unit_price",
        "from shop.discounts import bulk_discount as bd",
    ]
    assert "print(shop.discounts.bulk_discount(30), bd(12)" in main
    assert "    from shop.discounts import RATE, bulk_discount\n" in main
    stats = (tmp_path / "shop/stats.py").read_text()
    # `from shop import pricing` served only the moved name: it goes (no unused import)
    assert stats.startswith(
        "from shop import discounts\nfrom shop.discounts import bulk_discount\n"
    )
    assert "return discounts.bulk_discount(q), bulk_discount(q)" in stats


def test_a_class_moves_with_the_names_it_uses_from_the_source(tmp_path):
    files = build(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/models.py": """
                from dataclasses import dataclass

                TAX = 0.2


                def taxed(x):
                    return x * (1 + TAX)


                @dataclass
                class Item:
                    name: str
                    price: float

                    def total(self) -> float:
                        return taxed(self.price)
            """,
            "app/shop.py": """
                from app.models import Item

                CART = [Item("a", 1.0), Item("b", 2.5)]
            """,
            "main.py": """
                from app import models
                from app.shop import CART

                print(sum(i.total() for i in CART), models.Item("c", 3).total())
            """,
        },
    )
    before = run(tmp_path)
    do_move(tmp_path, files, "app/models.py", "class Item", "app/items.py")
    assert run(tmp_path) == before
    items = (tmp_path / "app/items.py").read_text()
    assert items.startswith("from dataclasses import dataclass\nfrom app.models import taxed\n")
    assert "@dataclass\nclass Item:" in items
    assert "dataclass" not in (tmp_path / "app/models.py").read_text()
    assert "from app.items import Item" in (tmp_path / "app/shop.py").read_text()
    assert "models.Item" not in (tmp_path / "main.py").read_text()


def test_reexport_keeps_the_name_in_the_old_module(tmp_path):
    files = build(
        tmp_path,
        {
            "lib/__init__.py": "",
            "lib/a.py": """
                def f():
                    return 1
            """,
            "lib/b.py": "",
            "main.py": """
                from lib.a import f

                print(f())
            """,
        },
    )
    before = run(tmp_path)
    do_move(tmp_path, files, "lib/a.py", "def f", "lib/b.py", reexport=True)
    assert (tmp_path / "lib/a.py").read_text() == "from lib.b import f\n"
    assert (tmp_path / "main.py").read_text().startswith("from lib.b import f\n")
    assert run(tmp_path) == before


def test_the_packages_own_tests_pass_after_the_move(tmp_path):
    files = build(
        tmp_path,
        {
            "calc/__init__.py": "",
            "calc/ops.py": """
                import operator


                def add(a, b):
                    return operator.add(a, b)


                def twice(a):
                    return add(a, a)
            """,
            "calc/more.py": """
                def neg(a):
                    return -a
            """,
            "tests/test_ops.py": """
                from calc import ops
                from calc.ops import add, twice


                def test_add():
                    assert add(2, 3) == 5 == ops.add(2, 3)


                def test_twice():
                    assert twice(4) == 8
            """,
        },
    )
    do_move(tmp_path, files, "calc/ops.py", "def add", "calc/more.py")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    assert "import operator\n" in (tmp_path / "calc/more.py").read_text()


def test_a_star_import_of_the_source_gets_the_moved_names_from_the_destination(tmp_path):
    files = build(
        tmp_path,
        {
            "m/__init__.py": "from .a import *\n",
            "m/a.py": "def f():\n    return 1\n\n\ndef _g():\n    return 2\n",
            "m/b.py": "",
            "main.py": "from m import *\nfrom m.a import *\n\nprint(f())\n",
        },
    )
    before = run(tmp_path)
    do_move(tmp_path, files, "m/a.py", "def f", "m/b.py")
    assert (tmp_path / "m/__init__.py").read_text() == "from .a import *\nfrom .b import f\n"
    assert (
        (tmp_path / "main.py")
        .read_text()
        .startswith("from m import *\nfrom m.a import *\nfrom m.b import f\n")
    )
    assert run(tmp_path) == before
    do_move(tmp_path, build(tmp_path, {}), "m/a.py", "def _g", "m/b.py")  # not exported by *
    assert (tmp_path / "m/__init__.py").read_text() == "from .a import *\nfrom .b import f\n"


def test_names_imported_for_type_checking_stay_behind_the_guard(tmp_path):
    files = build(
        tmp_path,
        {
            "t/__init__.py": "",
            "t/kinds.py": "class Kind:\n    pass\n",
            "t/a.py": """
                from __future__ import annotations

                from typing import TYPE_CHECKING

                if TYPE_CHECKING:
                    from t.kinds import Kind


                def name_of(k: Kind) -> str:
                    return type(k).__name__
            """,
            "main.py": "from t.a import name_of\nfrom t.kinds import Kind\n\nprint(name_of(Kind()))\n",
        },
    )
    before = run(tmp_path)
    do_move(tmp_path, files, "t/a.py", "def name_of", "t/names.py")
    assert run(tmp_path) == before == "Kind\n"
    names = (tmp_path / "t/names.py").read_text()
    assert names.startswith(
        "from __future__ import annotations\nfrom typing import TYPE_CHECKING\n"
    )
    assert "if TYPE_CHECKING:\n    from t.kinds import Kind\n" in names


def test_names_the_source_got_by_import_star_come_from_the_source(tmp_path):
    files = build(
        tmp_path,
        {
            "s/__init__.py": "",
            "s/base.py": "def first(xs):\n    return xs[0]\n",
            "s/a.py": "from s.base import *\n\n\ndef head(xs):\n    return first(xs)\n",
            "main.py": "from s.a import head\n\nprint(head([3, 4]))\n",
        },
    )
    before = run(tmp_path)
    do_move(tmp_path, files, "s/a.py", "def head", "s/heads.py")
    assert run(tmp_path) == before == "3\n"
    assert (tmp_path / "s/heads.py").read_text().startswith("from s.a import first\n")


REFUSALS = [
    (
        {
            "m/__init__.py": "",
            "m/a.py": "def f():\n    return 1\n",
            "m/b.py": "",
            "main.py": "import m\nimport m.a as _a\n\nprint(m.a.f())\n",
        },
        "m/a.py",
        "def f",
        "m/b.py",
        "main.py:4 reaches `f` as m.a.f, a way the move cannot rewrite yet",
    ),
    (
        {
            "m/__init__.py": "",
            "m/a.py": "REG = []\n\n\ndef register(f):\n    REG.append(f)\n    return f\n",
            "m/b.py": "from m.a import register\n\n\n@register\ndef g():\n    pass\n",
            "m/c.py": "",
        },
        "m/b.py",
        "def g",
        "m/c.py",
        "calls `register` at b.py:4 while its module is imported",
    ),
    (
        {
            "m/__init__.py": "",
            "m/a.py": "X = 1\n\ndef f():\n    return X\n\ndef g():\n    return f()\n",
            "m/b.py": "",
        },
        "m/a.py",
        "def f",
        "m/b.py",
        "import cycle at import time: m.b -> m.a -> m.b (m.b would import `X` from m.a; m.a would import `f` from m.b)",
    ),
    (
        {
            "m/__init__.py": "",
            "m/a.py": "_n = 0\n\ndef bump():\n    global _n\n    _n += 1\n",
            "m/b.py": "",
        },
        "m/a.py",
        "def bump",
        "m/b.py",
        "declares `global _n`",
    ),
    (
        {
            "m/__init__.py": "",
            "m/a.py": "def f():\n    return 1\n",
            "m/b.py": "def f():\n    return 2\n",
        },
        "m/a.py",
        "def f",
        "m/b.py",
        "b.py already defines `f` (line 1)",
    ),
    (
        {
            "m/__init__.py": "",
            "m/a.py": "def f():\n    return 1\n",
            "m/b.py": "",
            "main.py": "import m.a\nm.a.f = print\n",
        },
        "m/a.py",
        "def f",
        "m/b.py",
        "main.py:2 assigns m.a.f",
    ),
    (
        {
            "m/__init__.py": "",
            "m/a.py": "def f():\n    return 1\n",
            "m/b.py": "",
            "main.py": "from m import a\nprint(getattr(a, 'f')())\n",
        },
        "m/a.py",
        "def f",
        "m/b.py",
        "reaches `f` of m.a through a string",
    ),
    (
        {"m/__init__.py": "", "m/a.py": "def where():\n    return __file__\n", "m/b.py": ""},
        "m/a.py",
        "def where",
        "m/b.py",
        "reads `__file__`",
    ),
    (
        {
            "m/__init__.py": "",
            "m/a.py": "import os\n\ndef f():\n    return os.sep\n",
            "m/b.py": "os = None\n",
        },
        "m/a.py",
        "def f",
        "m/b.py",
        "`os` means something else in b.py (line 1)",
    ),
    (
        {"m/__init__.py": "", "m/a.py": "def f():\n    return 1\n\nf = 2\n", "m/b.py": ""},
        "m/a.py",
        "def f",
        "m/b.py",
        "`f` is also bound at a.py:4",
    ),
    (
        {
            "m/__init__.py": "",
            "m/a.py": "def f():\n    return 1\n",
            "m/b.py": "",
            "t.py": "patch('m.a.f')\n",
        },
        "m/a.py",
        "def f",
        "m/b.py",
        "t.py names `m.a.f` in a string",
    ),
    (
        {"m/__init__.py": "", "m/a.py": "if True:\n    def f():\n        return 1\n", "m/b.py": ""},
        "m/a.py",
        "def f",
        "m/b.py",
        "not a top-level function, class or constant",
    ),
    (
        {
            "m/__init__.py": "",
            "m/a.py": (
                "def test_one():\n    return 1\n\n\n"
                "def run_all():\n"
                "    return [f() for n, f in list(globals().items()) if n.startswith('test_')]\n"
            ),
            "m/b.py": "",
        },
        "m/a.py",
        "def test_one",
        "m/b.py",
        "a.py reads its namespace whole with globals() at a.py:6: the moved names would leave",
    ),
    (
        {
            "m/__init__.py": "",
            "m/a.py": "def f():\n    return 1\n\n\nNAMES = sorted(vars())\n",
            "m/b.py": "",
        },
        "m/a.py",
        "def f",
        "m/b.py",
        "a.py reads its namespace whole with vars() at a.py:5",
    ),
]


@pytest.mark.parametrize("files,src,needle,dest,reason", REFUSALS, ids=lambda v: None)
def test_refused_with_the_reason(tmp_path, files, src, needle, dest, reason):
    texts = build(tmp_path, files)
    before = {p: Path(p).read_text() for p in texts}
    with pytest.raises(Refused) as exc:
        do_move(tmp_path, texts, src, needle, dest)
    assert reason in str(exc.value)
    assert {p: Path(p).read_text() for p in texts} == before


def test_listing_selects_definitions_by_their_header(tmp_path):
    text = "X = 1\n\n\n@dec\ndef f():\n    return X\n\n\nclass C:\n    pass\n"
    assert selected(text, 0, 0) == ["X"]
    assert selected(text, 3, 3) == ["f"]
    assert selected(text, 4, 4) == ["f"]
    assert selected(text, 5, 5) == []  # inside the body: nothing, the menu stays short
    assert selected(text, 0, 9) == ["X", "f", "C"]


def test_destinations_beside_the_source_the_most_using_one_and_a_new_module(tmp_path):
    build(tmp_path, SHOP)
    found = destinations(tmp_path / "shop/pricing.py", ["bulk_discount"])
    assert [(Path(d.path).name, d.why) for d in found] == [
        ("stats.py", "uses it most"),
        ("util.py", "beside it"),
        ("bulk_discount.py", "new module"),
    ]
    assert found[-1].module == "shop.bulk_discount" and found[-1].new


def test_moved_code_goes_below_the_destination_imports_it_reuses(tmp_path):
    """cachetools' func.py sets __all__ before its imports: a class whose default argument
    reads `time` went right under the docstring, above `import time` (NameError on import)."""
    files = build(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/core.py": """
                import time


                class Timer:
                    def __init__(self, clock=time.monotonic):
                        self.clock = clock
            """,
            "pkg/util.py": '''
                """Helpers."""

                __all__ = ("stamp",)

                import time


                def stamp():
                    return int(time.time() > 0)
            ''',
            "main.py": """
                from pkg.core import Timer
                from pkg.util import stamp

                print(Timer().clock is __import__("time").monotonic, stamp())
            """,
        },
    )
    before = run(tmp_path)
    do_move(tmp_path, files, "pkg/core.py", "class Timer", "pkg/util.py", last="self.clock")
    assert (tmp_path / "pkg/util.py").read_text() == textwrap.dedent(
        '''
        """Helpers."""

        __all__ = ("stamp", "Timer")

        import time


        class Timer:
            def __init__(self, clock=time.monotonic):
                self.clock = clock


        def stamp():
            return int(time.time() > 0)
        '''
    ).lstrip()
    assert run(tmp_path) == before == "True 1\n"


@pytest.mark.parametrize(
    "needle, imports",
    [
        ("def counter", "import collections\n"),
        ("def is_map", "import collections.abc\n"),
        ("def both", "import collections\nimport collections.abc\nimport os.path\n"),
    ],
)
def test_a_module_bound_by_two_imports_is_imported_not_taken_from_the_source(
    tmp_path, needle, imports
):
    """`import collections` beside `import collections.abc` binds `collections` twice: the
    moved code gets the import itself, not `from pkg.a import collections`."""
    files = build(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/b.py": "",
            "pkg/a.py": """
                import collections
                import collections.abc
                import os.path


                def counter(xs):
                    return collections.Counter(xs)


                def is_map(x):
                    return isinstance(x, collections.abc.Mapping)


                def both(x):
                    return collections.Counter(x), isinstance(x, collections.abc.Mapping), os.path.sep
            """,
            "main.py": """
                from pkg.a import both, counter, is_map

                print(counter("abca"), is_map({}), is_map([]), both("xy"))
            """,
        },
    )
    before = run(tmp_path)
    do_move(tmp_path, files, "pkg/a.py", needle, "pkg/b.py")
    assert run(tmp_path) == before
    moved = (tmp_path / "pkg/b.py").read_text()
    assert moved.startswith(imports + "\n\n")
    assert "from pkg.a import" not in moved


def test_code_needing_a_name_the_destination_imports_below_its_head_goes_after_it(tmp_path):
    """cachetools' func.py, after earlier moves: `from cachetools import Cache` comes after
    other code; a class deriving from Cache moved there goes below that import, which it
    reuses (it ran before it: NameError)."""
    files = build(
        tmp_path,
        {
            "m/__init__.py": "",
            "m/a.py": """
                class Base:
                    kind = "base"


                class Child(Base):
                    kind = "child"
            """,
            "m/b.py": '''
                """Helpers."""

                __all__ = ["describe"]

                from m.a import Base


                def describe(x):
                    return isinstance(x, Base)
            ''',
            "main.py": """
                from m.a import Child
                from m.b import describe

                print(Child.kind, Child.__mro__[1].kind, describe(Child()))
            """,
        },
    )
    before = run(tmp_path)
    do_move(tmp_path, files, "m/a.py", "class Child", "m/b.py")
    assert run(tmp_path) == before == "child base True\n"
    b = (tmp_path / "m/b.py").read_text()
    assert b.index("from m.a import Base") < b.index("class Child(Base)")
    assert "from m.b import Child" in (tmp_path / "main.py").read_text()


def test_a_private_name_moved_is_not_added_to_the_destinations_all(tmp_path):
    """toolz: `_get` moved from itertoolz (no `_get` in its `__all__`) to functoolz went into
    functoolz's `__all__`, so `from .functoolz import *` put it in the package namespace."""
    files = build(
        tmp_path,
        {
            "pkg/__init__.py": "from .a import *\nfrom .b import *\n",
            "pkg/a.py": """
                __all__ = ["first"]


                def _get(seq, i):
                    return seq[i]


                def first(seq):
                    return _get(seq, 0)
            """,
            "pkg/b.py": """
                __all__ = ["last"]


                def last(seq):
                    return seq[-1]
            """,
            "main.py": """
                import pkg

                print(sorted(n for n in vars(pkg) if not n.startswith("__")), pkg.first("xy"))
            """,
        },
    )
    before = run(tmp_path)
    do_move(tmp_path, files, "pkg/a.py", "def _get", "pkg/b.py")
    assert run(tmp_path) == before
    assert '__all__ = ["last"]' in (tmp_path / "pkg/b.py").read_text()


REDUCEBY = {
    "pkg/__init__.py": "",
    "pkg/util.py": "NO = object()\n",
    "pkg/c.py": "def freq(xs):\n    return len(xs)\n",
    "pkg/d.py": "def pick(xs):\n    return xs[0]\n",
    "pkg/a.py": """
        from pkg.util import NO
        from pkg.c import freq


        def reduceby(xs, init=NO):
            return freq(xs) if init is NO else init
    """,
    "main.py": """
        from pkg.a import reduceby
        from pkg.b import pairs

        print(reduceby("abc"), reduceby("x", 5), pairs("ab"))
    """,
}


@pytest.mark.parametrize(
    "dest, above",
    [
        (  # the name it needs is the destination's last leading import
            """
            import itertools
            from pkg.c import freq


            __all__ = ("pairs",)


            def pairs(xs):
                return list(itertools.combinations(xs, 2)), freq(xs)
            """,
            "from pkg.c import freq",
        ),
        (  # ... or one before the last
            """
            from pkg.c import freq
            from pkg.d import pick


            def pairs(xs):
                return pick(xs), freq(xs)
            """,
            "from pkg.d import pick",
        ),
    ],
)
def test_code_needing_a_leading_import_goes_after_them_and_the_new_ones(tmp_path, dest, above):
    """toolz: reduceby (`init=no_default`) moved to recipes, whose leading imports bind a
    name it uses: the code went in at the same place as the new import, before it; and,
    after pluck had left recipes (its leading imports `from .itertoolz import frequencies,
    getter` then `from .compatibility import pluck`), between the two. NameError at import
    time, both."""
    files = build(tmp_path, {**REDUCEBY, "pkg/b.py": dest})
    before = run(tmp_path)
    do_move(tmp_path, files, "pkg/a.py", "def reduceby", "pkg/b.py")
    assert run(tmp_path) == before
    b = (tmp_path / "pkg/b.py").read_text()
    assert b.index(above) < b.index("from pkg.util import NO") < b.index("def reduceby")


STAR_PKG = {
    "pkg/__init__.py": "from .b import *\n",
    "pkg/a.py": """
        def shout(s):
            return s.upper()
    """,
    "pkg/b.py": """
        __all__ = ["last"]


        def last(seq):
            return seq[-1]
    """,
    "main.py": """
        import pkg
        from pkg.a import shout

        print(sorted(n for n, v in vars(pkg).items() if callable(v)), shout("x"))
    """,
}


def test_a_star_imported_destination_keeps_its_importers_namespace(tmp_path):
    """toolz: get_exclude_keywords (public, from _signatures, which nobody star-imports)
    moved to recipes went into recipes' `__all__`, and `from .recipes import *` put it in
    the toolz namespace."""
    files = build(tmp_path, STAR_PKG)
    before = run(tmp_path)
    result = do_move(tmp_path, files, "pkg/a.py", "def shout", "pkg/b.py")
    assert run(tmp_path) == before
    assert '__all__ = ["last"]' in (tmp_path / "pkg/b.py").read_text()
    assert result.warnings == []


def test_a_star_imported_destination_without_all_is_said_or_refused(tmp_path):
    no_all = {**STAR_PKG, "pkg/b.py": "def last(seq):\n    return seq[-1]\n"}
    files = build(tmp_path, no_all)
    result = do_move(tmp_path, files, "pkg/a.py", "def shout", "pkg/b.py")
    assert result.warnings == ["__init__.py does `from pkg.b import *`: it now gets `shout` too"]
    own = {**no_all, "pkg/__init__.py": "def shout(s):\n    return s\n\n\nfrom .b import *\n"}
    files = build(tmp_path / "own", own)
    with pytest.raises(Refused) as exc:
        do_move(tmp_path / "own", files, "pkg/a.py", "def shout", "pkg/b.py")
    assert "__init__.py does `from pkg.b import *` and binds `shout` itself" in str(exc.value)


def test_a_name_reached_through_another_modules_import_of_the_source_is_refused(tmp_path):
    """toolz's __init__ calls `functoolz._sigs.create_signature_registry()`: functoolz's
    alias of _signatures, reached from outside; the move cannot follow it."""
    files = build(
        tmp_path,
        {
            "pkg/__init__.py": "from . import user\n\nuser._s.setup()\n",
            "pkg/sigs.py": "def setup():\n    return 1\n",
            "pkg/user.py": "from . import sigs as _s\n\n\ndef go():\n    return _s.setup()\n",
            "pkg/other.py": "",
        },
    )
    before = {p: Path(p).read_text() for p in files}
    with pytest.raises(Refused) as exc:
        do_move(tmp_path, files, "pkg/sigs.py", "def setup", "pkg/other.py")
    assert "__init__.py:3 reaches `setup` as _s.setup (the module pkg.sigs)" in str(exc.value)
    assert {p: Path(p).read_text() for p in files} == before


def test_a_new_import_inside_an_existing_cycle_is_refused(tmp_path):
    """toolz: functoolz imports _signatures at its end (after is_arity, which _signatures
    takes from it at its top); moving is_partial_args from functoolz to _signatures made
    functoolz import it back at its top, before is_arity exists: ImportError."""
    files = build(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/f.py": """
                def is_arity(n):
                    return n == 1


                def is_partial_args(n):
                    return n > 0


                def check(n):
                    return is_partial_args(n) and _sigs.arity_ok(n)


                from . import sigs as _sigs
            """,
            "pkg/sigs.py": """
                from .f import is_arity


                def arity_ok(n):
                    return is_arity(n)
            """,
            "main.py": "from pkg.f import check\n\nprint(check(1), check(2))\n",
        },
    )
    before = {p: Path(p).read_text() for p in files}
    assert run(tmp_path) == "True False\n"
    with pytest.raises(Refused) as exc:
        do_move(tmp_path, files, "pkg/f.py", "def is_partial_args", "pkg/sigs.py")
    assert "would have pkg.f import pkg.sigs before it defines `" in str(exc.value)
    assert {p: Path(p).read_text() for p in files} == before
