"""Memory: outcomes reorder templates, survive sessions, and stale insights are pruned."""

from __future__ import annotations

from refine_lsp.refine.memory import PRUNE_AFTER, Memory, code_kind


def test_repeated_fixes_raise_a_template_and_persist(tmp_path):
    m = Memory(tmp_path)
    before = m.weight("swap-var", "loop")
    for _ in range(6):  # six tasks, each fixed by a swap after three tries
        m.record("swap-var", "loop", fixed=True, tries=3)
    m.record("cmp-op", "loop", fixed=False, tries=10)
    m.save()
    again = Memory(tmp_path)
    assert again.weight("swap-var", "loop") > before
    assert again.weight("swap-var", "loop") > again.weight("cmp-op", "loop")
    assert again.weight("swap-var", "plain") == before  # another kind of code: only the prior
    assert again.insights("loop") == [
        "in similar code (loop), `swap-var` edits fixed 6 of 18 tries"
    ]


def test_one_lucky_fix_does_not_reorder_templates(tmp_path):
    m = Memory(tmp_path)
    m.record("swap-var", "loop", fixed=True, tries=3)
    assert m.weight("swap-var", "loop") < m.weight("cmp-op", "loop")


def test_a_template_that_keeps_failing_here_moves_back(tmp_path):
    m = Memory(tmp_path)
    for _ in range(40):  # 200 tries without a fix: well below its prior
        m.record("cmp-op", "str", fixed=False, tries=5)
    assert m.weight("cmp-op", "str") < m.weight("swap-var", "str")


def test_concurrent_sessions_merge(tmp_path):
    a, b = Memory(tmp_path), Memory(tmp_path)
    a.record("const", "plain", fixed=True)
    b.record("const", "plain", fixed=True)
    a.save()
    b.save()
    assert Memory(tmp_path).stats["const|plain"]["fixes"] == 2


def test_insight_that_stops_helping_is_pruned(tmp_path):
    m = Memory(tmp_path)
    m.record("const", "plain", fixed=True)
    m.record("const", "plain", fixed=False, tries=PRUNE_AFTER)
    m.save()
    assert "const|plain" not in Memory(tmp_path).stats
    assert Memory(tmp_path).insights("plain") == []


def test_no_directory_stores_nothing(tmp_path):
    m = Memory(None)
    m.record("const", "plain", fixed=True)
    m.save()
    assert list(tmp_path.iterdir()) == []


def test_code_kind():
    assert code_kind("def f(xs):\n    return [x for x in xs if x != 'a']\n") == "comp+str"
    assert code_kind("def f(a):\n    return a + 1\n") == "plain"
