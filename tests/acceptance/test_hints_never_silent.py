"""The user's complaint (issue 14), at the domain level: opening and closing a file and
running headless reviews never make its refinement hints disappear, headless runs leave
the user's store alone, and `acceptance stats` reads the store the server writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from refine_lsp.acceptance.cli import main
from refine_lsp.acceptance.hints import HintLedger, close_ledger, gate_hints, is_refinement
from refine_lsp.acceptance.store import default_db_path, read_only
from refine_lsp.acceptance.suggestions import Suggestions
from refine_lsp.review.ruff import RuffReviewer
from refine_lsp.settings import parse_settings
from refine_lsp.text import Severity
from refine_lsp.text.document import DocumentSnapshot

HINTS = 8  # SIM103, UP031 x4, UP032, SIM108, E711
CART = Path(__file__).resolve().parents[2] / "fixtures" / "shop" / "shop" / "cart.py"


@pytest.fixture(scope="module")
def cart():
    """cart.py and ruff's real findings on it."""
    text = CART.read_text()
    settings, _ = parse_settings({})
    findings = RuffReviewer().review(DocumentSnapshot(CART.as_uri(), 1, text, None), settings)
    assert sum(f.code == "UP031" for f in findings) == 4
    assert sum(map(is_refinement, findings)) == HINTS
    return text, findings


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("REFINE_LSP_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def open_review_close(sug: Suggestions, text: str, findings) -> list:
    """The hints a user sees for one open, review and close of cart.py."""
    ledger = HintLedger()
    shown = gate_hints(sug, ledger, CART.as_uri(), text, findings)
    close_ledger(sug, ledger)
    assert [f.code for f in shown if f.severity != Severity.hint] == ["F401"]
    return [f for f in shown if f.severity == Severity.hint]


def session(record: bool = True) -> Suggestions:
    settings, errors = parse_settings({"acceptance": {"record": record}})
    assert not errors
    return Suggestions(settings)


def test_open_close_ten_times_and_ten_headless_reviews_keep_every_hint(state_dir, cart):
    text, findings = cart
    editor = session()
    assert editor.db == str(state_dir / "events.sqlite3") == default_db_path()
    for _ in range(10):
        assert len(open_review_close(editor, text, findings)) == HINTS
    editor.close()
    before = read_only(default_db_path())
    assert before[0]["refinement_hint"] == {"shown": 10 * HINTS}  # shown, never rejected
    for _ in range(10):
        headless = session(record=False)
        assert len(open_review_close(headless, text, findings)) == HINTS
        headless.close()
    assert read_only(default_db_path()) == before  # not one event or state change
    editor = session()
    assert len(open_review_close(editor, text, findings)) == HINTS
    assert editor.hidden_summary()["hints_hidden"] == 0


def test_a_headless_run_creates_no_store(state_dir, cart):
    text, findings = cart
    headless = session(record=False)
    assert len(open_review_close(headless, text, findings)) == HINTS
    headless.close()
    assert not (state_dir / "events.sqlite3").exists()


def test_stats_reads_what_the_server_wrote_and_reset_brings_a_kind_back(state_dir, cart, capsys):
    text, findings = cart
    editor = session()
    ledger = HintLedger()
    [first, *_] = [
        f for f in gate_hints(editor, ledger, CART.as_uri(), text, findings) if f.code == "UP031"
    ]
    editor.dismiss_hint(first.data["suggestion_id"], ledgers=[ledger])
    shown = gate_hints(editor, ledger, CART.as_uri(), text, findings)
    assert not [f for f in shown if f.code == "UP031"]
    assert editor.hidden_summary([ledger])["message"] == "4 hints hidden"
    close_ledger(editor, ledger)
    ledger = HintLedger()
    gate_hints(editor, ledger, CART.as_uri(), text, findings)  # reopened: still hidden
    summary = editor.hidden_summary()  # after close, as a headless review would ask
    assert summary["hints_hidden_now"] == 0 and summary["hints_hidden_this_session"] == 8
    close_ledger(editor, ledger)
    editor.close()

    assert main(["stats", "--json"]) == 0  # no --db: the server's own store
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["db"] == str(state_dir / "events.sqlite3")
    assert out["counts"]["refinement_hint"]["dismissed"] == 1
    [row] = [r for r in out["hidden"]["hints"] if r["kind"] == "UP031"]
    assert row["state"] == "hidden by you" and row["hidden"] == 8  # 4 dismissed, 4 reopened
    assert main(["stats"]) == 0
    printed = capsys.readouterr().out
    assert "UP031: hidden by you, hidden 8" in printed
    assert "refine-lsp acceptance reset --kind UP031" in printed

    assert main(["reset", "--kind", "UP031"]) == 0
    assert "reset in" in capsys.readouterr().out
    editor = session()
    assert len(open_review_close(editor, text, findings)) == HINTS


def test_stats_help_names_the_servers_store(capsys):
    with pytest.raises(SystemExit):
        main(["stats", "--help"])
    help_text = capsys.readouterr().out
    assert "events.sqlite3 in the state dir" in help_text
    assert "acceptance.dbPath" not in help_text


def test_stats_without_a_store_says_so(state_dir, capsys):
    assert main(["stats"]) == 0  # a fresh user: nothing recorded is no error
    assert "no events recorded yet" in capsys.readouterr().out
    assert not (state_dir / "events.sqlite3").exists()


def test_a_completion_left_alone_or_closed_is_no_decision(state_dir):
    from refine_lsp.acceptance.suggestions import SHOWN_TIMEOUT_S, Pending

    sug = session()
    shown = {"old": ("file:///a.py", 1000.0), "closed": ("file:///b.py", 1029.0)}
    shown["typed"] = ("file:///c.py", 1029.0)
    for sid, (uri, at) in shown.items():
        sug.shown(sid, Pending("inline_completion", {}, at, uri, "x = ", "1"))
    sug.expire(now=1000.0 + SHOWN_TIMEOUT_S + 1)  # nobody looked: dropped, not rejected
    sug.forget_document("file:///b.py")  # the file closed
    assert list(sug.pending) == ["typed"]
    sug.expire("file:///c.py", now=1031.0)  # a newer request there: the user typed past it
    assert sug.store_counts()["inline_completion"] == {"shown": 3, "rejected": 1}
    assert not sug.pending
