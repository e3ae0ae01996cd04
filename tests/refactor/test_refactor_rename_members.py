"""Rename of methods and attributes (through self., cls., super(), the class, and instances
whose class is known) and of modules and packages (the file renamed, every import
rewritten): apply the edits, run the program before and after, compare; refusals with their
reasons."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from refine_lsp.refactor.model import Refusal
from refine_lsp.refactor.rename import prepare, rename

from tests.refactor.test_refactor_rename import at, make, run

SHOP = {
    "shop/__init__.py": """
        from .cart import Cart
    """,
    "shop/cart.py": """
        class Base:
            def total(self):
                return 0


        class Cart(Base):
            __slots__ = ("items", "owner")

            def __init__(self, owner):
                self.items = []
                self.owner = owner

            def add(self, price):
                self.items.append(price)
                return self

            def total(self):
                return sum(self.items) + super().total()

            @classmethod
            def empty(cls):
                return cls("nobody").add(0)


        class Special(Cart):
            __slots__ = ()

            def total(self):
                return Cart.total(self) * 2
    """,
    "shop/extra.py": """
        import shop.cart
        import shop.cart as sc
        from . import cart
        from .cart import Cart
        from shop import cart as c2


        def make():
            return shop.cart.Cart("x"), sc.Cart("y"), cart.Cart("z"), Cart("w"), c2.Base()
    """,
    "main.py": """
        import shop
        from shop import Cart, extra
        from shop.cart import Special


        def report(c: Cart):
            return c.total()


        def unknown(x):
            return x.total()


        cart = Cart("ann")
        cart.add(3).add(4)
        s = Special("bob")
        s.add(1)
        print(report(cart), s.total(), unknown(cart), Cart.empty().total(), cart.owner)
        print(len(extra.make()), shop.Cart.__name__)
    """,
}


def apply(root: Path, files: dict[str, str], result) -> None:
    for path, text in result.changes.items():
        Path(path).write_text(text)
    for old, new in result.file_renames:
        shutil.move(old, new)
    files.clear()
    files.update({str(p): p.read_text() for p in root.rglob("*.py")})


def rel(root: Path, files: dict[str, str]) -> dict[str, str]:
    return {Path(p).relative_to(root).as_posix(): t for p, t in files.items()}


def test_method_renamed_in_its_family_and_on_known_instances_unproven_calls_counted(tmp_path):
    files = make(tmp_path, SHOP)
    before = run(tmp_path)
    cart = str(tmp_path / "shop/cart.py")
    line, col = at(files, cart, "def total", 1)
    result = rename(files, cart, line, col + 4, "grand_total")
    assert result.left == ["main.py:11", "main.py:18"]  # x.total(), Cart.empty().total()
    assert result.warnings[0] == (
        "2 uses of `.total` on values whose class cannot be proven were left as they are: "
        "main.py:11, main.py:18"
    )
    apply(tmp_path, files, result)
    text = rel(tmp_path, files)
    assert text["shop/cart.py"].count("def grand_total(self)") == 3
    assert "return sum(self.items) + super().grand_total()" in text["shop/cart.py"]
    assert "return Cart.grand_total(self) * 2" in text["shop/cart.py"]
    assert "def report(c: Cart):\n    return c.grand_total()" in text["main.py"]
    assert "def unknown(x):\n    return x.total()" in text["main.py"]  # left, and said so
    # an unproven call breaks, as the warning said it might
    after = run(tmp_path)
    assert "AttributeError: 'Cart' object has no attribute 'total'" in after
    assert before.startswith("7 2 7 0 ann\n")


def test_attribute_renamed_with_its_slot_and_instance_uses(tmp_path):
    files = make(tmp_path, SHOP)
    before = run(tmp_path)
    cart = str(tmp_path / "shop/cart.py")
    line, col = at(files, cart, "self.owner")
    result = rename(files, cart, line, col + 5, "client")
    assert result.warnings == []
    apply(tmp_path, files, result)
    text = rel(tmp_path, files)
    assert '__slots__ = ("items", "client")' in text["shop/cart.py"]
    assert "self.client = owner" in text["shop/cart.py"]
    assert "cart.client)" in text["main.py"]
    assert run(tmp_path) == before


def test_method_renamed_from_a_call_on_a_known_instance(tmp_path):
    files = make(tmp_path, SHOP)
    before = run(tmp_path)
    main = str(tmp_path / "main.py")
    line, col = at(files, main, "s.add(1)")
    result = rename(files, main, line, col + 2, "put")
    apply(tmp_path, files, result)
    text = rel(tmp_path, files)
    assert "def put(self, price):" in text["shop/cart.py"]
    assert 'return cls("nobody").put(0)' in text["shop/cart.py"]
    assert "cart.put(3).add(4)\n" in text["main.py"]  # the second call's value is unproven
    assert "s.put(1)" in text["main.py"]
    assert result.warnings[0].startswith("1 use of `.add`")
    assert "AttributeError" in run(tmp_path) and "AttributeError" not in before


@pytest.mark.parametrize(
    ("source", "needle", "new", "reason"),
    [
        (
            "class A:\n    def __init__(self):\n        pass\n",
            "__init__",
            "setup",
            "special \\(dunder\\) name",
        ),
        (
            "class A:\n    def run(self):\n        return 1\n\nclass B(A):\n    def stop(self):\n"
            "        return 2\n",
            "run",
            "stop",
            "`B` already has a member `stop`",
        ),
        (
            "class A:\n    def run(self):\n        return 1\n\nprint(getattr(A(), 'run')())\n",
            "run",
            "go",
            "reached by name with getattr",
        ),
        (  # a method is in the class's namespace: the class's own __dict__ is read
            "class A:\n    def run(self):\n        return type(self).__dict__\n",
            "run",
            "go",
            "reaches its attributes dynamically \\(__dict__",
        ),
        (
            "import json\n\nclass E(json.JSONEncoder):\n    def default(self, o):\n"
            "        return str(o)\n",
            "default",
            "fallback",
            "`json.JSONEncoder` \\(a base of `E`\\) defines `default`",
        ),
        (
            "from thirdparty import Base\n\nclass E(Base):\n    def go(self):\n        return 1\n",
            "go",
            "run",
            "derives from `Base`, which is outside the workspace",
        ),
        (
            "from dataclasses import dataclass\n\n@dataclass\nclass P:\n    x: int\n",
            "x:",
            "y",
            "field of the decorated class `P`",
        ),
        (
            "def f(v):\n    return v.size\n",
            "size",
            "length",
            "cannot tell the class of `v`",
        ),
    ],
)
def test_member_refused_with_the_reason(tmp_path, source, needle, new, reason):
    files = make(tmp_path, {"mod.py": source})
    mod = str(tmp_path / "mod.py")
    with pytest.raises(Refusal, match=reason):
        rename(files, mod, *at(files, mod, needle), new)


def test_prepare_accepts_a_method_on_self_and_refuses_an_unknown_receiver():
    source = (
        "class A:\n    def run(self):\n        return self.run\n\ndef f(v):\n    return v.run\n"
    )
    assert prepare("m.py", source, 2, 20) == ((2, 20, 2, 23), "run")
    with pytest.raises(Refusal, match="cannot tell the class of `v`"):
        prepare("m.py", source, 5, 14)


def test_module_renamed_with_every_import_and_the_file(tmp_path):
    files = make(tmp_path, SHOP)
    before = run(tmp_path)
    main = str(tmp_path / "main.py")
    line, col = at(files, main, "cart import Special")
    result = rename(files, main, line, col, "basket")
    assert result.file_renames == [
        (str(tmp_path / "shop/cart.py"), str(tmp_path / "shop/basket.py"))
    ]
    apply(tmp_path, files, result)
    text = rel(tmp_path, files)
    assert "shop/cart.py" not in text
    assert text["shop/__init__.py"] == "from .basket import Cart\n"
    assert text["shop/extra.py"].startswith(
        "import shop.basket\nimport shop.basket as sc\nfrom . import basket\n"
        "from .basket import Cart\nfrom shop import basket as c2\n"
    )
    assert 'shop.basket.Cart("x"), sc.Cart("y"), basket.Cart("z")' in text["shop/extra.py"]
    assert "from shop.basket import Special" in text["main.py"]
    assert run(tmp_path) == before


def test_module_imported_by_name_keeps_its_name_as_an_alias_where_the_new_one_is_taken(tmp_path):
    files = make(
        tmp_path,
        {
            "lib/__init__.py": "",
            "lib/util.py": "def f():\n    return 1\n",
            "main.py": "from lib import util\n\nhelpers = 2\nprint(util.f() + helpers)\n",
        },
    )
    before = run(tmp_path)
    main = str(tmp_path / "main.py")
    result = rename(files, main, *at(files, main, "util"), "helpers")
    apply(tmp_path, files, result)
    assert files[str(tmp_path / "main.py")].startswith("from lib import helpers as util\n")
    assert run(tmp_path) == before


def test_package_renamed_with_its_folder(tmp_path):
    files = make(tmp_path, SHOP)
    before = run(tmp_path)
    main = str(tmp_path / "main.py")
    result = rename(files, main, *at(files, main, "shop"), "store")
    assert result.file_renames == [(str(tmp_path / "shop"), str(tmp_path / "store"))]
    apply(tmp_path, files, result)
    text = rel(tmp_path, files)
    assert text["main.py"].startswith(
        "import store\nfrom store import Cart, extra\nfrom store.cart import Special\n"
    )
    assert 'store.cart.Cart("x")' in text["store/extra.py"]
    assert run(tmp_path) == before


@pytest.mark.parametrize(
    ("needle", "new", "reason"),
    [
        ("shop\n", "main", "`main.py` already exists beside `shop`"),
        ("cart import Special", "extra", "`extra.py` already exists beside `cart.py`"),
    ],
)
def test_module_rename_refused_with_the_reason(tmp_path, needle, new, reason):
    files = make(tmp_path, SHOP)
    main = str(tmp_path / "main.py")
    with pytest.raises(Refusal, match=reason):
        rename(files, main, *at(files, main, needle), new)


def test_a_module_from_outside_the_workspace_is_refused(tmp_path):
    files = make(tmp_path, {"main.py": "import json\nprint(json.dumps(1))\n"})
    main = str(tmp_path / "main.py")
    with pytest.raises(Refusal, match="the module `json` is not in the workspace"):
        rename(files, main, *at(files, main, "json"), "jason")


def test_method_of_a_subclass_of_a_builtin_is_renamed(tmp_path):
    files = make(
        tmp_path,
        {
            "main.py": "class Html(str):\n    def wrap(self):\n        return '<p>' + self + '</p>'\n"
            "\nprint(Html('x').wrap())\n",
        },
    )
    before = run(tmp_path)
    main = str(tmp_path / "main.py")
    result = rename(files, main, *at(files, main, "wrap"), "paragraph")
    apply(tmp_path, files, result)
    assert "print(Html('x').paragraph())" in files[main]
    assert run(tmp_path) == before == "<p>x</p>\n"


def test_method_a_base_outside_the_workspace_defines_higher_up_is_refused(tmp_path):
    files = make(
        tmp_path,
        {
            "main.py": "from collections.abc import MutableMapping\n\n\nclass Cache(MutableMapping):\n"
            "    pass\n\n\nclass LRU(Cache):\n    def popitem(self):\n        return 1\n",
        },
    )
    main = str(tmp_path / "main.py")
    with pytest.raises(Refusal, match=r"`MutableMapping` \(a base of `Cache`\) defines `popitem`"):
        rename(files, main, *at(files, main, "popitem"), "evict")


NARROW = {
    "lib/__init__.py": """
        from .ranges import *  # noqa
    """,
    "lib/ranges.py": """
        __all__ = ["Span"]


        class Span:
            def __init__(self, a, b):
                self.a, self.b = a, b

            def width(self):
                return self.b - self.a

            def __eq__(self, other):
                if isinstance(other, Span):
                    return self.width() == other.width()
                return False

            def same(self, other):
                return isinstance(other, Span) and other.width() == self.width()
    """,
    "main.py": """
        import lib as li

        s = li.Span(1, 4)
        print(s.width(), s == li.Span(2, 5), s.same(li.Span(0, 3)), s == 3)
    """,
}


def test_instances_proven_through_a_star_re_export_and_isinstance_checks(tmp_path):
    files = make(tmp_path, NARROW)
    before = run(tmp_path)
    ranges = str(tmp_path / "lib/ranges.py")
    line, col = at(files, ranges, "def width")
    result = rename(files, ranges, line, col + 4, "length")
    assert result.left == [] and result.warnings == []
    apply(tmp_path, files, result)
    text = rel(tmp_path, files)
    assert "return self.length() == other.length()" in text["lib/ranges.py"]
    assert "isinstance(other, Span) and other.length() == self.length()" in text["lib/ranges.py"]
    assert "print(s.length(), s == li.Span(2, 5)" in text["main.py"]
    after = run(tmp_path)
    assert after == before == "3 True True False\n", (before, after)


def test_an_isinstance_check_proves_nothing_about_a_rebound_parameter(tmp_path):
    narrow = dict(NARROW)
    narrow["lib/ranges.py"] = NARROW["lib/ranges.py"].replace(
        "                if isinstance(other, Span):\n",
        "                if isinstance(other, Span):\n                    other = other\n",
    )
    files = make(tmp_path, narrow)
    ranges = str(tmp_path / "lib/ranges.py")
    line, col = at(files, ranges, "def width")
    result = rename(files, ranges, line, col + 4, "length")
    assert len(result.left) == 1 and result.left[0].startswith("ranges.py:")


def test_method_of_a_class_copying_its_instance_dict_is_renamed(tmp_path):
    """An instance's __dict__ (pickling state) never holds a method: toolz's curry copies
    self.__dict__ in __reduce__; an attribute assigned on self is still refused."""
    source = {
        "main.py": """
            import pickle


            class Box:
                def __init__(self, n):
                    self.n = n

                def double(self):
                    return self.n * 2

                def __reduce__(self):
                    state = {k: v for k, v in self.__dict__.items() if k != "cache"}
                    return (Box, (state["n"],))


            b = pickle.loads(pickle.dumps(Box(4)))
            print(Box.double(b), Box(1).double())
        """
    }
    files = make(tmp_path, source)
    before = run(tmp_path)
    main = str(tmp_path / "main.py")
    result = rename(files, main, *at(files, main, "double"), "twice")
    apply(tmp_path, files, result)
    assert rel(tmp_path, files)["main.py"] == textwrap.dedent(source["main.py"]).lstrip().replace(
        "double", "twice"
    )
    assert run(tmp_path) == before == "8 2\n"
    line, col = at(files, main, "self.n =")
    with pytest.raises(Refusal, match=r"reaches its attributes dynamically \(self.__dict__"):
        rename(files, main, line, col + 5, "m")


def test_a_hook_the_base_calls_on_self_is_renamed_in_the_base_and_every_implementation(tmp_path):
    """cachetools' _TimedCache calls self.expire(), which only its subclasses define: renaming
    TLRUCache.expire alone broke every call through the base."""
    source = {
        "main.py": """
            class Timed:
                def size(self):
                    self.expire()
                    return len(self.items)


            class A(Timed):
                def __init__(self):
                    self.items = [1, 2, 3]

                def expire(self):
                    self.items.pop()


            class B(Timed):
                def __init__(self):
                    self.items = [1]

                def expire(self):
                    self.items.clear()


            print(A().size(), B().size())
        """
    }
    files = make(tmp_path, source)
    before = run(tmp_path)
    main = str(tmp_path / "main.py")
    result = rename(files, main, *at(files, main, "expire", 1), "evict")  # A's
    apply(tmp_path, files, result)
    assert rel(tmp_path, files)["main.py"] == textwrap.dedent(source["main.py"]).lstrip().replace(
        "expire", "evict"
    )
    assert run(tmp_path) == before == "2 0\n"
