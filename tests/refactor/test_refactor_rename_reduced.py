"""Rename analyses a big module on the top-level statements that name the renamed names
(refactor/rename.py ``reduced``). Differential: for every identifier of a workspace full of
what could tell the two apart (star imports, ``global``, ``del``, ``__all__``, strings,
class bodies, ``nonlocal``, ``match``, decorators, ``;``, CRLF, backslashes, aliases,
importers), to a fresh name and to a name that collides, the reduced analysis gives exactly
the whole file's result: the same edits, warnings and left uses, or the same refusal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from refine_lsp.refactor import rename as R
from refine_lsp.refactor.model import Refusal

PKG = {
    "pkg/__init__.py": 'from .core import *\nfrom .core import helper as _helper\n__all__ = ["helper", "Widget"]\n',
    "pkg/core.py": '''"""Core: helper, Widget, LIMIT."""
import os, sys
from typing import NamedTuple

LIMIT = 10; OTHER = 2
counter = 0
__all__ = ["helper", "Widget", "LIMIT", "make"]


def decorate(fn):
    return fn


@decorate
def helper(value, *, scale=1):
    """Uses LIMIT and counter."""
    global counter
    counter += 1
    total = value * scale
    if total > LIMIT:
        total = LIMIT
    return total


def outer(items):
    seen = 0

    def inner(x):
        nonlocal seen
        seen += x
        return helper(x, scale=2)

    for item in items:
        inner(item)
    return seen


class Widget:
    size = LIMIT

    def __init__(self, name):
        self.name = name

    def grow(self, by=1):
        self.size = self.size + by
        return helper(self.size)


def classify(point):
    match point:
        case (x, 0):
            return x
        case {"k": value, **rest}:
            return value
        case _:
            return None


def make(name: "Widget") -> Widget:
    w = Widget(name)
    return w


def dyn():
    return getattr(sys.modules[__name__], "helper")


tmp = 1
del tmp
long = 1 + \\
    LIMIT
if os.environ.get("X"):
    def maybe():
        return OTHER
else:
    maybe = None
''',
    "pkg/use.py": """from pkg.core import helper, LIMIT as CAP, Widget
from pkg import core
import pkg.core


def run(n):
    w = Widget("a")
    return helper(n) + CAP + core.helper(1) + pkg.core.LIMIT + w.grow()


def other(helper_x):
    return helper_x


class Sub(Widget):
    def grow(self, by=2):
        return super().grow(by)


shared = Widget("shared")
Alias = Sub


def through_global():
    return shared.grow() + Alias("b").grow()


def annotated(x: Widget, y: "Sub", z=None):
    z = make("c")
    return x.grow() + y.grow() + z.grow() + x.name


class Plain:
    def grow(self):
        return 0


plain = Plain()


def not_ours():
    return plain.grow()
""",
    "pkg/crlf.py": "from pkg.core import helper\r\n\r\nvalue = helper(3)\r\n\r\ndef twice():\r\n    return helper(value) * 2\r\n",
    "pkg/nested.py": '''from pkg.core import helper


class Outer(object):
    """Outer."""

    class Inner:
        word = 1

        def target(self, word=2):
            return word + helper(self.word)

    def one(self): return helper(1)

    @staticmethod
    def multi(a,
              b): return a + b

    def commented(self):
        # first a comment
        x = 1; target = x
        return target

    async def later(self, word):
        """Docstring."""
        await helper(word)
        return word


def plain(word):
    def inner():
        return word

    value = 3

    return inner() + value


def header_only(target=Outer):
    return 1
''',
    "pkg/star.py": "from pkg.core import *\n\n\ndef f():\n    return helper(LIMIT)\n",
    # a function travelling as a value: a call passing its keyword that names it not may
    # reach it (refused); its alias in another module is a call that names it
    "pkg/valued.py": """def fn(a, scale=0):
    return a + scale


h = fn


def g():
    return h(a=1)


def other(a):
    return fn(a=a, scale=a)
""",
    "pkg/alias.py": """from pkg.core import helper as h2


def k():
    return h2(1, scale=3)


def unrelated(scale=2):
    return dict(scale=scale)
""",
    # receivers proven from locals, comprehensions, lambdas and imports, the way a test module
    # reads the classes it tests; c2 is rebound at module level, so its uses stay unproven
    "pkg/receivers.py": """import pkg.core as pc
from pkg import core as c2
from pkg.core import Widget


def t_one():
    it = pc.Widget("a")
    it.grow()
    return it


def t_two():
    it = c2.Widget("b")
    return it.grow(2)


def t_unrelated():
    it = pc.Widget("c")
    return it.name


def t_comp():
    return [w.grow() for w in [Widget("d")]]


def t_lambda():
    f = lambda w=Widget("e"): w.grow()
    return f()


def t_inner():
    it = Widget("f")

    def g():
        return it.grow()

    return g()


c2 = None
""",
}


def _workspace(tmp_path: Path) -> dict[str, str]:
    files = {}
    for rel, text in PKG.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode())
        files[str(p)] = text
    return files


def _outcome(files, path, line, col, new):
    R._cache.clear()
    try:
        r = R.rename(files, path, line, col, new)
    except Refusal as exc:
        return ("refused", str(exc))
    return ("renamed", r.old, dict(r.changes), r.occurrences, r.warnings, r.left, r.file_renames)


def _positions(text: str):
    """Every identifier occurrence of the text (zero-based line, column)."""
    for i, line in enumerate(text.split("\n")):
        for m in re.finditer(r"[A-Za-z_]\w*", line):
            yield i, m.start(), m.group()


@pytest.mark.parametrize("rel", sorted(PKG))
def test_reduced_analysis_gives_the_whole_files_result(tmp_path, monkeypatch, rel):
    files = _workspace(tmp_path)
    path = str(tmp_path / rel)
    names = sorted({w for _, _, w in _positions(files[path])})
    compared = reduced_used = 0
    seen_words = set()
    for line, col, word in _positions(files[path]):
        if word in seen_words and word not in ("helper", "LIMIT", "value", "Widget", "grow"):
            continue  # one occurrence per name, all of the interesting ones
        seen_words.add(word)
        collide = names[(names.index(word) + 1) % len(names)]
        for new in (word + "_renamed", collide):
            monkeypatch.setattr(R, "REDUCE", False)
            whole = _outcome(files, path, line, col, new)
            monkeypatch.setattr(R, "REDUCE", True)
            part = _outcome(files, path, line, col, new)
            assert part == whole, (rel, line, col, word, new)
            compared += 1
            text = files[path]
            small = R.reduced(text, {word, new})
            reduced_used += small is not None and small != text
    assert compared >= 2 * len(names)
    if rel == "pkg/core.py":
        assert reduced_used > 10  # the reduction did happen, and changed nothing


def test_reduced_keeps_lines_and_columns():
    text = PKG["pkg/core.py"]
    small = R.reduced(text, {"helper", "helper_x"})
    assert small is not None and small != text
    assert small.count("\n") == text.count("\n")
    for a, b in zip(text.split("\n"), small.split("\n"), strict=True):
        assert b in ("", a) or b.strip() in ('"""', "0")
    assert "def helper(" in small and "class Widget" in small  # Widget.grow calls helper
    assert "def classify" not in small and "import os, sys" in small
    # inside a kept class, only the methods naming the words are kept (with the header)
    assert "        return helper(self.size)" in small and "self.name = name" not in small
    compile(small, "reduced", "exec")


def test_nested_reduction_parses_in_every_shape():
    text = PKG["pkg/nested.py"]
    for words in ({"word"}, {"target"}, {"Outer"}, {"helper"}, {"nothing_here"}):
        small = R.reduced(text, words)
        assert small is not None
        assert small.count("\n") == text.count("\n")
        compile(small, "reduced", "exec")


def test_no_reduction_where_tree_sitter_sees_an_error():
    assert R.reduced("def f(:\n    pass\nx = 1\n", {"x"}) is None


TRAILING = '''\
"""A module."""
import json

# a comment on its own line
version_json = """
{"version": "1.0"}
"""  # END VERSION_JSON helper


def helper():
    return json.loads(version_json)  # helper's comment


CALL = dict(
    a=1,
)  # helper again
'''


@pytest.mark.parametrize("layout", [False, True])
@pytest.mark.parametrize("words", [{"helper"}, {"END"}, {"json"}, {"CALL"}, {"nothing"}])
def test_a_trailing_comment_goes_with_its_statement(words, layout):
    """A comment after a statement that spans lines is on the statement's last line: kept on
    its own it would cut the statement (toolz's _version.py: `'''  # END VERSION_JSON`)."""
    small = R.reduced(TRAILING, words, layout=layout)
    assert small is not None and small.count("\n") == TRAILING.count("\n")
    compile(small, "reduced", "exec")
    for a, b in zip(TRAILING.split("\n"), small.split("\n"), strict=True):
        assert b in ("", a) or b.strip() in ('"""', "0")
    if layout:
        assert "# a comment on its own line" in small


def test_a_member_rename_reads_only_the_functions_naming_the_member(tmp_path):
    """Receivers bound in the function around the use (kept whole) or by a top-level import
    pull in no other statement: a test module full of ``it = C(...)`` is read on the tests
    using the member only (a 6,000-line test module took 17 s), while a module-level name
    (``c2``, rebound) still brings its bindings along."""
    from refine_lsp.refactor.rename_members import parse_for_members

    files = _workspace(tmp_path)
    path = str(tmp_path / "pkg/receivers.py")
    R._cache.clear()
    code = parse_for_members(path, files[path], {"grow", "grown"}, {"grow", "grown"})
    kept = code.wrapper.module.code
    assert "def t_one" in kept and "def t_two" in kept and "def t_inner" in kept
    assert "def t_unrelated" not in kept
    assert "c2 = None" in kept  # what the receiver c2 may be at module level
