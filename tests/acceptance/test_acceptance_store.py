"""The events store: recording, opt-in source, rotation, corrupt-file recovery."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from refine_lsp.acceptance.events import AcceptanceEvent
from refine_lsp.acceptance.store import SCHEMA_VERSION, EventStore


def ev(
    sid: str, event: str = "shown", t: float = 1.0, source: str | None = "x = 1"
) -> AcceptanceEvent:
    return AcceptanceEvent(
        sid, "inline_completion", event, t, {"s_len": 2.5, "bad": float("nan")}, source
    )


def test_records_features_and_outcome_without_source_by_default(tmp_path):
    store = EventStore(str(tmp_path / "events.db"))
    store.record(ev("a", "shown", 1.0))
    store.record(ev("a", "accepted", 2.0))
    got = store.events("a")
    assert [(e.event, e.timestamp, e.source) for e in got] == [
        ("shown", 1.0, None),
        ("accepted", 2.0, None),
    ]
    assert got[0].features == {"s_len": 2.5}  # non-finite numbers are dropped
    assert got[1].outcome is True
    assert store.counts() == {"inline_completion": {"shown": 1, "accepted": 1}}


def test_source_only_when_opted_in(tmp_path):
    store = EventStore(str(tmp_path / "events.db"), store_source=True)
    store.record(ev("a", source="print('hi')"))
    assert store.events("a")[0].source == "print('hi')"


def test_wal_and_schema_version(tmp_path):
    path = str(tmp_path / "events.db")
    EventStore(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_rotation_keeps_the_store_bounded_and_drops_the_oldest(tmp_path):
    store = EventStore(str(tmp_path / "events.db"), max_events=50)
    for i in range(200):
        store.record(ev(f"s{i}", t=float(i)))
    assert store.count() <= 50
    ids = [e.suggestion_id for e in store.events()]
    assert ids[-1] == "s199" and "s0" not in ids
    assert ids == sorted(ids, key=lambda s: int(s[1:]))


def test_corrupt_file_is_set_aside_and_a_fresh_store_started(tmp_path):
    path = tmp_path / "events.db"
    path.write_bytes(b"this is not a database" * 100)
    store = EventStore(str(path))
    store.record(ev("fresh"))
    assert [e.suggestion_id for e in store.events()] == ["fresh"]
    assert len(store.set_aside) == 1 and os.path.exists(store.set_aside[0])
    with open(store.set_aside[0], "rb") as fh:
        assert fh.read().startswith(b"this is not a database")


def test_corruption_while_open_recovers_on_next_write(tmp_path):
    path = tmp_path / "events.db"
    store = EventStore(str(path))
    store.record(ev("before"))
    store.close()
    with open(path, "r+b") as fh:  # clobber the header and first pages
        fh.write(b"\x00garbage" * 600)
    store = EventStore(str(path))
    store.record(ev("after"))
    assert [e.suggestion_id for e in store.events()] == ["after"]


def test_other_schema_version_is_set_aside(tmp_path):
    path = str(tmp_path / "events.db")
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE events (x)")
    db.execute("PRAGMA user_version=99")
    db.commit()
    db.close()
    store = EventStore(path)
    store.record(ev("new"))
    assert store.count() == 1 and store.set_aside


def test_unwritable_location_never_raises(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = EventStore(str(blocker / "sub" / "events.db"))  # parent is a file
    store.record(ev("a"))
    assert store.count() == 0 and store.events() == []


def test_state_round_trip(tmp_path):
    store = EventStore(str(tmp_path / "events.db"))
    store.save_state("gate", {"stage1": {"user_bias": 0.5}})
    assert EventStore(str(tmp_path / "events.db")).load_state("gate") == {
        "stage1": {"user_bias": 0.5}
    }
    assert store.load_state("missing") == {}


def test_event_validation():
    with pytest.raises(ValueError, match="kind"):
        AcceptanceEvent("a", "popup", "shown", 1.0)
    with pytest.raises(ValueError, match="event"):
        AcceptanceEvent("a", "code_action", "clicked", 1.0)
    with pytest.raises(ValueError, match="suggestion_id"):
        AcceptanceEvent("", "code_action", "applied", 1.0)


def test_default_db_path_is_the_state_dir_one(monkeypatch, tmp_path):
    from refine_lsp.acceptance.store import default_db_path

    monkeypatch.delenv("REFINE_LSP_STATE_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_db_path() == str(tmp_path / "refine-lsp" / "events.sqlite3")
    monkeypatch.setenv("REFINE_LSP_STATE_DIR", str(tmp_path / "s"))
    assert default_db_path() == str(tmp_path / "s" / "events.sqlite3")
    assert default_db_path("~/x.db") == str(Path.home() / "x.db")


def test_records_from_several_threads(tmp_path):
    import threading

    store = EventStore(str(tmp_path / "events.db"))
    threads = [
        threading.Thread(target=lambda n=n: [store.record(ev(f"{n}-{i}")) for i in range(25)])
        for n in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.count() == 100
