"""`refine-lsp acceptance evaluate|stats` on a small slice of the real CUPS telemetry."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from refine_lsp.acceptance.cli import main
from refine_lsp.acceptance.events import AcceptanceEvent
from refine_lsp.acceptance.offline.cups import load_decisions, replay
from refine_lsp.acceptance.store import EventStore

CUPS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "cups" / "events-dev.jsonl"
SLICE_USERS = {5, 6, 9, 12}  # the four smallest programmers: a fast but real slice

needs_data = pytest.mark.skipif(not CUPS.exists(), reason=f"CUPS data not found at {CUPS}")


@pytest.fixture(scope="module")
def slice_files(tmp_path_factory):
    lines = [ln for ln in CUPS.read_text().splitlines() if json.loads(ln)["user"] in SLICE_USERS]
    root = tmp_path_factory.mktemp("cups")
    all_path, train, test = root / "slice.jsonl", root / "train.jsonl", root / "test.jsonl"
    all_path.write_text("\n".join(lines) + "\n")
    train.write_text("\n".join(ln for ln in lines if json.loads(ln)["user"] != 12) + "\n")
    test.write_text("\n".join(ln for ln in lines if json.loads(ln)["user"] == 12) + "\n")
    decisions = sum(json.loads(ln)["event"] in ("Accepted", "Rejected") for ln in lines)
    return all_path, train, test, decisions


def last_json(capsys) -> dict:
    out = capsys.readouterr().out.strip().splitlines()
    return json.loads(out[-1])


def check_shape(result: dict) -> None:
    assert set(result) >= {"decisions", "keep", "ours", "baseline"}
    for side in ("ours", "baseline"):
        assert set(result[side]) >= {
            "auc",
            "auc_ci95",
            "accepted_kept",
            "rejected_hidden",
            "calls_saved",
        }
        low, high = result[side]["auc_ci95"]
        assert low <= result[side]["auc"] <= high
        assert all(0.0 <= v <= 1.0 for k, v in result[side].items() if k != "auc_ci95")
    assert set(result["at_keep"]) == {"0.85", "0.90", "0.95"}
    for sides in result["at_keep"].values():
        for side in ("ours", "baseline"):
            assert set(sides[side]) == {
                "curve_rejected_hidden",
                "accepted_kept",
                "rejected_hidden",
                "calls_saved",
            }
            assert all(0.0 <= v <= 1.0 for v in sides[side].values())


@needs_data
def test_cv_users_on_a_slice(slice_files, capsys):
    path, _, _, decisions = slice_files
    assert main(["evaluate", "--train", str(path), "--cv", "users", "--keep", "0.9", "--json"]) == 0
    result = last_json(capsys)
    check_shape(result)
    assert result["decisions"] == decisions and result["keep"] == 0.9
    # Out-of-user thresholds: the kept share lands near, not necessarily at, the target.
    assert result["ours"]["accepted_kept"] >= 0.75
    assert result["ours"]["auc"] > 0.6


@needs_data
def test_train_test_split_and_table_output(slice_files, capsys):
    _, train, test, _ = slice_files
    assert (
        main(["acceptance", "evaluate", "--train", str(train), "--test", str(test), "--json"]) == 0
    )
    result = last_json(capsys)
    check_shape(result)
    assert result["decisions"] == len(load_decisions(str(test)))
    assert main(["evaluate", "--train", str(train), "--test", str(test)]) == 0
    table = capsys.readouterr().out
    assert "ours" in table and "baseline" in table and "rejected hidden" in table
    assert "auc (95% CI)" in table
    assert all(f"keep {k}: ours " in table for k in ("0.85", "0.90", "0.95"))


@needs_data
def test_replay_ignores_everything_logged_after_the_decision(slice_files):
    path, _, _, _ = slice_files
    events = [json.loads(ln) for ln in path.read_text().splitlines()]
    from refine_lsp.acceptance.offline.cups import parse_time

    def prepared(scramble: bool) -> list[dict]:
        out = []
        for i, e in enumerate(events, 1):
            e = dict(e, _t=parse_time(e["time"]), _i=i)
            if scramble:
                e["cups_label"] = "leak"
                e["edit_percentage_later"] = [1.0] * 5
                e["seconds_in_state"] = 999.0 if e["event"] in ("Accepted", "Rejected") else 0.0
                if e["event"] in ("Accepted", "Rejected", "Replay"):
                    e["measurements"] = dict(
                        e["measurements"], timeSinceDisplayedMs=1e6, confidence=1.0
                    )
            out.append(e)
        return out

    clean, scrambled = replay(prepared(False)), replay(prepared(True))
    assert [d.stage2 for d in clean] == [d.stage2 for d in scrambled]
    assert [d.accepted for d in clean] == [d.accepted for d in scrambled]


def test_bad_input_gives_clear_errors(tmp_path, capsys):
    missing = tmp_path / "nope.jsonl"
    assert main(["evaluate", "--train", str(missing), "--cv", "users", "--json"]) == 1
    assert "cannot read" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"user": 1, "time": "2022-08-08T16:05:28.904Z", "event": "Shown"}\nnot json\n')
    assert main(["evaluate", "--train", str(bad), "--cv", "users"]) == 1
    assert "bad.jsonl:2" in capsys.readouterr().err
    assert main(["evaluate", "--train", str(bad)]) == 2  # neither --test nor --cv
    assert "--test" in capsys.readouterr().err
    assert main(["evaluate", "--train", str(bad), "--cv", "users", "--keep", "1.5"]) == 2
    assert main(["frobnicate"]) == 2


def test_plot_without_matplotlib_names_the_extra(tmp_path, monkeypatch, capsys):
    """Without matplotlib (installed or not here) the error names the package and the extra."""
    from refine_lsp.acceptance import cli

    monkeypatch.setattr(cli, "_has_matplotlib", lambda: False)
    out = tmp_path / "curve.png"
    code = main(["evaluate", "--train", "x.jsonl", "--cv", "users", "--plot", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert "matplotlib" in err and "refine-lsp[plot]" in err and "nothing was drawn" in err


def test_plot_extra_is_declared():
    """The extra the error names exists in pyproject.toml and brings matplotlib."""
    import tomllib

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    extras = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]
    assert any(req.startswith("matplotlib") for req in extras["plot"])


@needs_data
@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="needs matplotlib")
def test_plot_writes_a_png_with_real_matplotlib(slice_files, tmp_path):
    _, train, test, _ = slice_files
    out = tmp_path / "curve.png"
    assert main(["evaluate", "--train", str(train), "--test", str(test), "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_stats_counts_events(tmp_path, capsys):
    db = tmp_path / "events.db"
    store = EventStore(str(db))
    for sid, event in [("1", "shown"), ("1", "accepted"), ("2", "shown"), ("2", "rejected")]:
        store.record(AcceptanceEvent(sid, "inline_completion", event, 1.0))
    store.record(AcceptanceEvent("3", "code_action", "applied", 2.0))
    store.close()
    assert main(["stats", "--db", str(db), "--json"]) == 0
    counts = last_json(capsys)["counts"]
    assert counts == {
        "inline_completion": {"shown": 2, "accepted": 1, "rejected": 1},
        "code_action": {"applied": 1},
    }
    assert main(["stats", "--db", str(db)]) == 0
    assert "accepted of shown 50.0%" in capsys.readouterr().out
    assert main(["stats", "--db", str(tmp_path / "none.db")]) == 0  # nothing yet, nothing hidden
    assert "no events recorded yet" in capsys.readouterr().out


@needs_data
def test_plot_draws_both_curves(slice_files, tmp_path, monkeypatch, capsys):
    """With matplotlib present (a recording stand-in here), both trade-off curves are saved."""
    import importlib.machinery
    import sys
    import types

    calls: list[tuple] = []

    class Axes:
        def plot(self, xs, ys, label=None):
            calls.append(("plot", label, len(xs)))

        def __getattr__(self, name):
            return lambda *a, **k: None

    class Figure:
        def tight_layout(self):
            pass

        def savefig(self, path):
            Path(path).write_bytes(b"\x89PNG")

    pyplot = types.ModuleType("matplotlib.pyplot")
    pyplot.subplots = lambda **k: (Figure(), Axes())
    pyplot.close = lambda fig: None
    mpl = types.ModuleType("matplotlib")
    mpl.__spec__ = importlib.machinery.ModuleSpec("matplotlib", None)
    mpl.use = lambda backend: calls.append(("use", backend))
    mpl.pyplot = pyplot
    monkeypatch.setitem(sys.modules, "matplotlib", mpl)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", pyplot)
    _, train, test, _ = slice_files
    out = tmp_path / "curve.png"
    assert main(["evaluate", "--train", str(train), "--test", str(test), "--plot", str(out)]) == 0
    assert out.read_bytes() == b"\x89PNG"
    labels = [c[1] for c in calls if c[0] == "plot"]
    assert labels == ["ours", "baseline (Copilot filter)"]
    assert all(c[2] > 1 for c in calls if c[0] == "plot")
