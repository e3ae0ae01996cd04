"""Save actions (fixAll, organize imports) computed in the pause after an edit.

The registry's cache must give the same edits as computing them on save, and must never
serve a result for another version, other settings or a changed ruff configuration.
"""

import os

from refine_lsp.actions import default_registry
from refine_lsp.settings import parse_settings
from refine_lsp.text import apply_edits
from refine_lsp.text.document import Document

SOURCE = """import os
import sys


def f(a):
    if a == None:
        return f"none"
    return sys.argv
"""
FIXED = """import sys


def f(a):
    if a is None:
        return "none"
    return sys.argv
"""


def _doc(tmp_path, text=SOURCE, version=1):
    path = tmp_path / "mod.py"
    path.write_text(text)
    return Document(path.as_uri(), text, version)


def test_precomputed_fix_all_equals_computing_it_on_save(tmp_path):
    settings, _ = parse_settings({})
    doc = _doc(tmp_path)
    cold = default_registry().resolve_edits("fixall", doc.snapshot(), settings, {})
    assert apply_edits(SOURCE, cold) == FIXED

    registry = default_registry()
    registry.precompute(doc.snapshot(), settings)
    ready = registry.saved.get(registry._save_key("fixall", doc.snapshot(), settings))
    assert ready is not None and apply_edits(SOURCE, ready) == FIXED
    assert registry.resolve_edits("fixall", doc.snapshot(), settings, {}) is ready
    imports = registry.resolve_edits("imports", doc.snapshot(), settings, {})
    assert apply_edits(SOURCE, imports) == SOURCE.replace("import os\n", "")


def test_a_new_version_or_other_rules_are_computed_afresh(tmp_path):
    settings, _ = parse_settings({})
    registry = default_registry()
    doc = _doc(tmp_path)
    registry.precompute(doc.snapshot(), settings)

    edited = SOURCE.replace("return sys.argv", "return sys.path")
    newer = _doc(tmp_path, edited, version=2)
    edits = registry.resolve_edits("fixall", newer.snapshot(), settings, {})
    assert apply_edits(edited, edits) == FIXED.replace("sys.argv", "sys.path")

    only_none, _ = parse_settings({"fixAll": {"rules": ["compare-to-none"]}})
    edits = registry.resolve_edits("fixall", doc.snapshot(), only_none, {})
    assert apply_edits(SOURCE, edits) == SOURCE.replace("a == None", "a is None")


def test_editing_the_ruff_configuration_makes_the_result_stale(tmp_path):
    settings, _ = parse_settings({"fixAll": {"rules": ["ruff-safe-fixes"]}})
    registry = default_registry()
    doc = _doc(tmp_path)
    registry.precompute(doc.snapshot(), settings)
    before = registry.resolve_edits("fixall", doc.snapshot(), settings, {})
    assert 'return "none"' in apply_edits(SOURCE, before)

    config = tmp_path / "ruff.toml"
    config.write_text('[lint]\nselect = ["E"]\n')  # F541 (f-string) no longer selected
    os.utime(config, ns=(1, 1))  # a distinct stamp even on coarse clocks
    after = registry.resolve_edits("fixall", doc.snapshot(), settings, {})
    assert apply_edits(SOURCE, after) == SOURCE


def test_closing_forgets_the_document(tmp_path):
    settings, _ = parse_settings({})
    registry = default_registry()
    doc = _doc(tmp_path)
    registry.precompute(doc.snapshot(), settings)
    key = registry._save_key("fixall", doc.snapshot(), settings)
    assert registry.saved.get(key) is not None
    registry.saved.forget(doc.uri)
    assert registry.saved.get(key) is None


def test_a_save_during_the_precomputation_waits_for_it_instead_of_computing_twice():
    import threading
    import time

    from refine_lsp.actions import SaveResults

    results = SaveResults()
    calls = []

    def make():
        calls.append(threading.current_thread().name)
        time.sleep(0.2)
        return ["edits"]

    got = []
    threads = [
        threading.Thread(target=lambda: got.append(results.compute(("k",), make))) for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [["edits"]] * 3 and len(calls) == 1


def test_a_failed_computation_lets_the_next_caller_compute():
    from refine_lsp.actions import SaveResults

    results = SaveResults()

    def broken():
        raise RuntimeError("ruff crashed")

    try:
        results.compute(("k",), broken)
    except RuntimeError:
        pass
    assert results.compute(("k",), lambda: ["edits"]) == ["edits"]
