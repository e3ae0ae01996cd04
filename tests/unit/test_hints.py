"""Refinement hints fade for a user who keeps ignoring them, and stay for one who applies them."""

from refine_lsp.core import Finding, Pos, Severity, Span
from refine_lsp.hints import HintLedger, close_ledger, gate_hints
from refine_lsp.settings import parse_settings
from refine_lsp.suggestions import Suggestions


def make(tmp_path) -> Suggestions:
    settings, _ = parse_settings({"acceptance": {"dbPath": str(tmp_path / "events.db")}})
    return Suggestions(settings)


def finding(code="UP031", line=0, fix=True):
    return Finding(
        Span(Pos(line, 0), Pos(line, 5)),
        Severity.warning,
        code,
        "Use format specifiers",
        "ruff",
        f"ruff:{code}" if fix else None,
        {"edits": []},
    )


def test_refinements_become_hints_and_defects_stay(tmp_path):
    sug = make(tmp_path)
    ledger = HintLedger()
    out = gate_hints(sug, ledger, "file:///a.py", "x\n", [finding(), finding("F401")])
    assert [(f.code, f.severity) for f in out] == [
        ("UP031", Severity.hint),
        ("F401", Severity.warning),
    ]
    assert out[0].data["suggestion_id"]
    # Reviewing again does not count the same hint as shown twice.
    gate_hints(sug, ledger, "file:///a.py", "x\n", [finding()])
    assert sug.store.counts()["refinement_hint"] == {"shown": 1}


def test_ignored_kind_fades_and_applied_kind_stays(tmp_path):
    sug = make(tmp_path)
    ignored_rounds = None
    for i in range(60):
        ledger = HintLedger()
        shown = gate_hints(sug, ledger, "file:///a.py", f"v{i}\n", [finding("UP031")])
        if not shown:
            ignored_rounds = i
            break
        close_ledger(sug, ledger)  # the file closed with the hint ignored
    assert ignored_rounds is not None and 5 < ignored_rounds < 60
    for i in range(60):
        ledger = HintLedger()
        [hint] = gate_hints(sug, ledger, "file:///b.py", f"w{i}\n", [finding("SIM108")])
        assert sug.settle(hint.data["suggestion_id"], "applied")
        close_ledger(sug, ledger)
    counts = sug.store.counts()["refinement_hint"]
    assert counts["applied"] == 60 and counts["rejected"] == ignored_rounds


def test_without_the_gate_every_hint_is_shown():
    out = gate_hints(None, HintLedger(), "file:///a.py", "x\n", [finding()] * 3)
    assert len(out) == 3 and all(f.severity == Severity.hint for f in out)
