"""Refinement hints fade only on real decisions: a dismissal, or an edit of the flagged line
that does not take the fix. Closing a file, a wholesale change or a headless run teach nothing."""

from refine_lsp.acceptance.hints import HintLedger, close_ledger, gate_hints
from refine_lsp.acceptance.suggestions import Suggestions
from refine_lsp.settings import parse_settings
from refine_lsp.text import Finding, Pos, Severity, Span, TextEdit

URI = "file:///a.py"


def make(tmp_path, **acceptance) -> Suggestions:
    settings, _ = parse_settings({"acceptance": {"dbPath": str(tmp_path / "e.db"), **acceptance}})
    return Suggestions(settings)


def up031(text: str, line: int = 1) -> Finding:
    """A UP031 finding on ``line`` of ``text`` whose fix rewrites `"%s" % x` as an f-string."""
    src = text.splitlines()[line]
    start, end = src.index('"'), len(src) - 1
    return Finding(
        Span(Pos(line, start), Pos(line, end)),
        Severity.warning,
        "UP031",
        "Use format specifiers instead of percent format",
        "ruff",
        "ruff:UP031",
        {"edits": [TextEdit(Span(Pos(line, start), Pos(line, end)), 'f"hi {name}"')]},
    )


BEFORE = 'def f(name):\n    print("hi %s" % name)\n    return name\n'
FIXED = 'def f(name):\n    print(f"hi {name}")\n    return name\n'
OTHER = 'def f(name):\n    print("hello", name)\n    return name\n'


def review(sug, ledger, text, findings=None):
    return gate_hints(sug, ledger, URI, text, up031_list(text) if findings is None else findings)


def up031_list(text):
    return [up031(text)] if "%" in text else []


def hint_counts(sug):
    return sug.store.counts().get("refinement_hint", {})


def test_refinements_become_hints_and_defects_are_never_gated(tmp_path):
    sug = make(tmp_path)
    sug.hints.mute("UP031")
    sug.hints.mute("F401")
    unused = Finding(Span(Pos(0, 0), Pos(0, 1)), Severity.warning, "F401", "unused", "ruff", "x")
    error = Finding(Span(Pos(0, 0), Pos(0, 1)), Severity.error, "UP999", "syntax", "ruff", "x")
    out = review(sug, HintLedger(), BEFORE, [up031(BEFORE), unused, error])
    # The muted refinement is hidden; the warning and the error are published as reported.
    assert [(f.code, f.severity) for f in out] == [
        ("F401", Severity.warning),
        ("UP999", Severity.error),
    ]
    sug2 = make(tmp_path / "2")
    ledger = HintLedger()
    [hint] = review(sug2, ledger, BEFORE)
    assert hint.severity == Severity.hint and hint.data["suggestion_id"]
    review(sug2, ledger, BEFORE)  # reviewing again is not a second showing
    assert hint_counts(sug2) == {"shown": 1}


def test_closing_the_file_is_no_decision(tmp_path):
    sug = make(tmp_path)
    for _ in range(40):
        ledger = HintLedger()
        assert len(review(sug, ledger, BEFORE)) == 1
        close_ledger(sug, ledger)
    assert hint_counts(sug) == {"shown": 40}
    assert sug.hints.rate("UP031")[0] == sug.hints.rate("never-seen")[0]
    assert not sug.pending


def test_editing_the_line_without_the_fix_rejects_and_typing_the_fix_applies(tmp_path):
    sug = make(tmp_path)
    ledger = HintLedger()
    [hint] = review(sug, ledger, BEFORE)
    assert review(sug, ledger, OTHER) == []  # rewritten another way
    assert hint_counts(sug) == {"shown": 1, "rejected": 1}
    [again] = review(sug, ledger, BEFORE)
    assert again.data["suggestion_id"] != hint.data["suggestion_id"]
    assert review(sug, ledger, FIXED) == []  # typed the fix by hand
    assert hint_counts(sug) == {"shown": 2, "rejected": 1, "applied": 1}


def test_quick_fix_applied_counts_once(tmp_path):
    sug = make(tmp_path)
    ledger = HintLedger()
    [hint] = review(sug, ledger, BEFORE)
    assert sug.settle(hint.data["suggestion_id"], "applied")  # the code action's command
    review(sug, ledger, FIXED)
    assert hint_counts(sug) == {"shown": 1, "applied": 1}


def test_no_decision_when_the_rule_stops_or_the_document_is_replaced(tmp_path):
    sug = make(tmp_path)
    ledger = HintLedger()
    review(sug, ledger, BEFORE)
    assert review(sug, ledger, BEFORE, findings=[]) == []  # e.g. the rule was deselected
    review(sug, ledger, BEFORE)
    assert review(sug, ledger, "import os\n") == []  # a branch switch or a revert
    assert hint_counts(sug) == {"shown": 2}


def test_an_edit_on_the_line_that_keeps_the_hint_is_the_same_hint(tmp_path):
    sug = make(tmp_path)
    ledger = HintLedger()
    [hint] = review(sug, ledger, BEFORE)
    edited = BEFORE.replace("% name)", "% name)  # greet")
    [same] = review(sug, ledger, edited)
    assert same.data["suggestion_id"] == hint.data["suggestion_id"]
    assert hint_counts(sug) == {"shown": 1}


def test_kind_rejected_by_edits_fades_says_why_and_comes_back(tmp_path):
    sug = make(tmp_path)
    ledger = HintLedger()
    rounds = 0
    while review(sug, ledger, BEFORE) and rounds < 60:
        review(sug, ledger, OTHER)
        rounds += 1
    assert 5 < rounds < 60
    assert [f.code for f in ledger.hidden_at(1)] == ["UP031"]  # "Show hidden hints" here
    [action] = sug.hidden_hints_at(ledger, 1)
    assert action["command"] == "refineLsp.acceptanceReset" and action["arguments"] == ["UP031"]
    assert "below the threshold" in action["why"] and sug.hidden_hints_at(ledger, 0) == []
    summary = sug.hidden_summary([ledger])
    [row] = summary["hints"]
    assert row["kind"] == "UP031" and row["state"] == "fading" and row["hidden_now"] == 1
    assert row["rejected"] > 5 and "below the threshold 10%" in row["why"]
    assert "refine-lsp acceptance reset --kind UP031" in row["bring_back"]
    assert summary["message"] == "1 hint hidden"
    assert sug.reset("UP031", [ledger])["reset"] == ["UP031"]
    assert len(review(sug, ledger, BEFORE)) == 1
    assert sug.hidden_summary([ledger])["hints_hidden_now"] == 0


def test_hide_hints_like_this_dismisses_and_hides_the_kind_until_reset(tmp_path):
    sug = make(tmp_path)
    ledger, other = HintLedger(), HintLedger()
    [hint] = review(sug, ledger, BEFORE)
    gate_hints(sug, other, "file:///b.py", BEFORE, [up031(BEFORE)])
    result = sug.dismiss_hint(hint.data["suggestion_id"], ledgers=[ledger, other])
    assert result["hidden"] == "UP031" and "reset --kind UP031" in result["message"]
    assert review(sug, ledger, BEFORE) == []
    assert gate_hints(sug, other, "file:///b.py", BEFORE, [up031(BEFORE)]) == []
    assert hint_counts(sug) == {"shown": 2, "dismissed": 1}
    [row] = sug.hidden_summary([ledger, other])["hints"]
    assert row["state"] == "hidden by you" and row["hidden_now"] == 2
    sug.close()
    again = make(tmp_path)  # the choice persists across sessions
    assert gate_hints(again, HintLedger(), URI, BEFORE, [up031(BEFORE)]) == []
    again.reset()
    assert len(gate_hints(again, HintLedger(), URI, BEFORE, [up031(BEFORE)])) == 1


def test_applied_kind_stays(tmp_path):
    sug = make(tmp_path)
    for _ in range(30):
        ledger = HintLedger()
        [hint] = review(sug, ledger, BEFORE)
        assert sug.settle(hint.data["suggestion_id"], "applied")
        close_ledger(sug, ledger)
    assert hint_counts(sug) == {"shown": 30, "applied": 30}


def test_without_the_gate_every_hint_is_shown():
    out = gate_hints(None, HintLedger(), URI, BEFORE, [up031(BEFORE)] * 3)
    assert len(out) == 3 and all(f.severity == Severity.hint for f in out)


def test_deleting_what_the_fix_deletes_takes_the_fix(tmp_path):
    text = "def f():\n    x = 1\n    return None\n"
    ret = Finding(
        Span(Pos(2, 4), Pos(2, 15)),
        Severity.warning,
        "RET501",
        "Do not explicitly return None",
        "ruff",
        "ruff:RET501",
        {"edits": [TextEdit(Span(Pos(2, 0), Pos(3, 0)), "")]},
    )
    sug = make(tmp_path)
    ledger = HintLedger()
    assert len(gate_hints(sug, ledger, URI, text, [ret])) == 1
    assert gate_hints(sug, ledger, URI, "def f():\n    x = 1\n", []) == []
    assert hint_counts(sug) == {"shown": 1, "applied": 1}


def test_hints_take_the_severity_the_user_set(tmp_path):
    sug = make(tmp_path)
    [hint] = gate_hints(sug, HintLedger(), URI, BEFORE, [up031(BEFORE)], Severity.information)
    assert hint.severity == Severity.information and hint.data["suggestion_id"]
