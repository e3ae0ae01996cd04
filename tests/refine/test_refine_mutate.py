"""Mutation templates: the whole file before and after, the rest of the file untouched."""

from __future__ import annotations

import pytest
from refine_lsp.refine.mutate import add_return_mutants, mutants
from refine_lsp.refine.target import find_target

SRC = '''\
"""Module."""

LIMIT = 3


class Box:
    def count(self, items, low):
        n = 0
        for i in range(len(items)):
            if items[i] > low and i != LIMIT:
                n += 1
        return n
'''


def _by_desc(source, line, lines=None):
    t = find_target(source, line)
    return {m.description: m for m in mutants(source, t, lines)}


def test_comparison_swap_inside_a_method_keeps_the_rest():
    ms = _by_desc(SRC, 9, [9])
    m = ms["line 10: `items[i] > low` -> `items[i] >= low`"]
    assert m.template == "cmp-op" and m.line == 9 and m.size == 1
    assert m.source == SRC.replace("items[i] > low", "items[i] >= low")


def test_boolean_operator_and_off_by_one_range():
    ms = _by_desc(SRC, 9)
    assert ms[
        "line 10: `items[i] > low and i != LIMIT` -> `items[i] > low or i != LIMIT`"
    ].source == (SRC.replace(" and ", " or "))
    m = ms["line 9: `range(len(items))` -> `range(len(items) + 1)`"]
    assert m.template == "off-by-one"
    assert m.source == SRC.replace("range(len(items))", "range(len(items) + 1)")
    assert ms["line 9: `range(len(items))` -> `range(1, len(items))`"].template == "drop-arg"


def test_constants_names_and_augmented_assignment():
    ms = _by_desc(SRC, 9)
    assert ms["line 8: `0` -> `1`"].source == SRC.replace("n = 0", "n = 1")
    assert ms["line 11: `n += 1` -> `n -= 1`"].source == SRC.replace("n += 1", "n -= 1")
    assert ms["line 11: `n += 1` -> `n = 1`"].template == "aug-to-assign"
    assert ms["line 12: `n` -> `low`"].source == SRC.replace("return n", "return low")


def test_statement_deletion_and_negation():
    ms = _by_desc(SRC, 9)
    assert ms["line 8: delete `n = 0`"].source == SRC.replace("        n = 0\n", "")
    # Deleting the only statement of a block leaves ``pass``, so the mutant still compiles.
    assert ms["line 11: delete `n += 1`"].source == SRC.replace("n += 1", "pass")
    neg = ms["line 10: `items[i] > low` -> `not (items[i] > low)`"]
    assert neg.source == SRC.replace("if items[i] > low", "if not (items[i] > low)")


def test_swapped_arguments_and_operands():
    src = "def f(a, b):\n    return divmod(a - b, 2)\n"
    ms = _by_desc(src, 1)
    assert ms["line 2: `a - b` -> `b - a`"].source == "def f(a, b):\n    return divmod(b - a, 2)\n"
    assert ms["line 2: `divmod(a - b, 2)` -> `divmod(2, a - b)`"].template == "swap-args"
    assert ms["line 2: `a - b` -> `abs(a - b)`"].source == (
        "def f(a, b):\n    return divmod(abs(a - b), 2)\n"
    )


def test_function_swaps_and_sort_reverse():
    src = "def f(xs):\n    return sorted(xs)[0] + min(xs)\n"
    ms = _by_desc(src, 1)
    assert ms["line 2: `min(xs)` -> `max(xs)`"].source == src.replace("min(", "max(")
    assert ms["line 2: `sorted(xs)` -> `sorted(xs, reverse=True)`"].source == src.replace(
        "sorted(xs)", "sorted(xs, reverse=True)"
    )


def test_missing_return():
    src = "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n"
    [m] = [m for m in add_return_mutants(src, find_target(src, 0)) if "return s" in m.description]
    assert m.source == src + "    return s\n"


def test_every_mutant_is_unique_and_compiles():
    t = find_target(SRC, 9)
    ms = mutants(SRC, t)
    assert len({m.source for m in ms}) == len(ms)
    for m in ms:
        compile(m.source, "<m>", "exec")
        assert m.source.startswith('"""Module."""\n\nLIMIT = 3\n')


def test_spliced_mutants_are_the_tree_rewrites_text():
    # One-line expression edits are spliced into the text; they must read exactly as the
    # tree rewrite writes them (parenthesised tuples, `if(a and b)`, multi-line literals).
    import libcst as cst
    from libcst.metadata import MetadataWrapper
    from refine_lsp.refine.fixpatterns import FixPatterns
    from refine_lsp.refine.mutate import _Replace, _Splicer, _twin_sites
    from refine_lsp.refine.templates import Sites, local_names

    src = (
        "def f(xs, t=1):\n"
        "    pairs = [\n        (1, 2), (t, -t)\n    ]\n"
        "    for i in xs:\n"
        "        if(xs.count(i) > t and i != ''):\n"
        "            t = xs.count(i) * (t + 1)\n"
        "    return(t or len(xs)), (0, 1), not t, pairs[0][1] ** 2\n"
    )
    w = MetadataWrapper(cst.parse_module(src))
    fn = w.module.body[0]
    names = local_names(fn)
    sites, more = Sites(None, names), FixPatterns(fn, None, names)
    w.visit(sites)
    w.visit(more)
    splice = _Splicer(w, w.module.code)
    spliced = 0
    for node, _line, _template, replacement in (
        sites.sites + more.sites + _twin_sites(fn, sites.sites)
    ):
        text = splice(node, replacement)
        if text is None:
            continue
        spliced += 1
        try:
            tree = w.module.visit(_Replace(node, replacement)).code
        except Exception:  # noqa: BLE001 - the tree refuses it: the splice must not compile
            with pytest.raises(SyntaxError):
                compile(text, "<mutant>", "exec")
            continue
        assert text == tree
    assert spliced > 50
