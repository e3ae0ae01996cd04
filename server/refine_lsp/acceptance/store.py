"""Local events store (SQLite): every suggestion's life, for learning and for `stats`.

- WAL journal, so the server's writes never block a concurrent `refine-lsp acceptance stats`.
- Schema versioned (PRAGMA user_version); a file from another version is set aside.
- Bounded: past `max_events` rows the oldest are deleted, down to (1 - `ROTATE_SHARE`)
  of the bound.
- A corrupt or unreadable file is renamed to ``<name>.corrupt-<time>`` and a fresh store
  started; no method raises on a database problem (the store is never worth a crash).
- Source text is stored only when ``store_source`` is True; secrets never enter here
  (features are numbers, and the server only passes source with the user's opt-in).
"""

from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from refine_lsp.acceptance.events import AcceptanceEvent

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DEFAULT_MAX_EVENTS = 50_000
ROTATE_SHARE = 0.2
# Counting rows costs a scan, so the size is checked every this many writes (the store
# may exceed max_events by at most this much between checks).
ROTATE_CHECK_EVERY = 100
_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    suggestion_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    event TEXT NOT NULL,
    ts REAL NOT NULL,
    features TEXT NOT NULL,
    source TEXT
);
CREATE INDEX IF NOT EXISTS events_suggestion ON events (suggestion_id);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


EVENTS_FILE = "events.sqlite3"


def default_db_path(db_path: str | None = None) -> str:
    """The events store's path: ``acceptance.dbPath`` (or --db) when given, else
    ``events.sqlite3`` in the state dir (paths.state_dir). Server and CLI both use this."""
    if db_path:
        return os.path.expanduser(db_path)
    from refine_lsp.paths import state_dir

    return str(state_dir() / EVENTS_FILE)


def read_only(path: str) -> tuple[dict[str, dict[str, int]], dict[str, dict]]:
    """(counts, state) of an existing store, read without writing anything to it.

    Raises OSError when the file is missing and sqlite3.Error when it is unreadable."""
    if path != ":memory:" and not os.path.exists(path):
        raise FileNotFoundError(path)
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2.0)
    try:
        counts: dict[str, dict[str, int]] = {}
        for kind, ev, n in db.execute(
            "SELECT kind, event, count(*) FROM events GROUP BY kind, event"
        ):
            counts.setdefault(kind, {})[ev] = n
        state: dict[str, dict] = {}
        for key, value in db.execute("SELECT key, value FROM state"):
            try:
                loaded = json.loads(value)
            except ValueError:
                continue
            if isinstance(loaded, dict):
                state[key] = loaded
        return counts, state
    finally:
        db.close()


@dataclass
class EventStore:
    path: str
    store_source: bool = False
    max_events: int = DEFAULT_MAX_EVENTS
    set_aside: list[str] = field(default_factory=list)  # files moved away as corrupt
    _db: sqlite3.Connection | None = field(default=None, init=False, repr=False)
    _writes: int = field(default=0, init=False, repr=False)
    # The server may record from worker threads; one connection, used under a lock.
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)

    def __post_init__(self) -> None:
        self._open()

    # -- opening and recovery ------------------------------------------------------------
    def _open(self) -> None:
        try:
            self._db = self._connect()
            return
        except OSError as exc:  # e.g. the directory cannot be created: run without a store
            log.warning("events store disabled: %s", exc)
            return
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "unable to open" in str(exc):
                log.warning("events store disabled: %s", exc)  # not corrupt: leave it be
                return
            reason: Exception = exc
        except sqlite3.DatabaseError as exc:
            reason = exc
        self._set_aside(reason)
        try:
            self._db = self._connect()
        except (sqlite3.Error, OSError) as again:
            log.warning("events store disabled: %s", again)
            self._db = None

    def _connect(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        db = sqlite3.connect(self.path, timeout=2.0, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables and version != SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"schema version {version}, expected {SCHEMA_VERSION}")
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("integrity check failed")
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _set_aside(self, reason: Exception) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None
        if self.path == ":memory:" or not os.path.exists(self.path):
            return
        target = f"{self.path}.corrupt-{int(time.time() * 1000)}"
        try:
            os.replace(self.path, target)
            for extra in ("-wal", "-shm"):
                if os.path.exists(self.path + extra):
                    os.replace(self.path + extra, target + extra)
            self.set_aside.append(target)
            log.warning("events store %s set aside as %s: %s", self.path, target, reason)
        except OSError as exc:
            log.warning("events store %s unusable and not movable: %s", self.path, exc)

    def _run(self, sql: str, args: tuple = ()) -> list[tuple]:
        """Execute, recovering once from a corrupt file; [] when there is no store."""
        with self._lock:
            for attempt in (0, 1):
                if self._db is None:
                    return []
                try:
                    return self._db.execute(sql, args).fetchall()
                except sqlite3.OperationalError as exc:  # locked, disk full...: not corrupt
                    log.warning("events store: %s", exc)
                    return []
                except sqlite3.DatabaseError as exc:  # malformed image, not a database
                    if attempt:
                        log.warning("events store: %s", exc)
                        return []
                    self._set_aside(exc)
                    self._open()
                except sqlite3.Error as exc:
                    log.warning("events store: %s", exc)
                    return []
            return []

    # -- public API ----------------------------------------------------------------------
    def record(self, event: AcceptanceEvent) -> None:
        features = {
            k: v
            for k, v in event.features.items()
            if isinstance(v, (int, float)) and math.isfinite(v)
        }
        source = event.source if self.store_source else None
        self._run(
            "INSERT INTO events (suggestion_id, kind, event, ts, features, source)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                event.suggestion_id,
                event.kind,
                event.event,
                event.timestamp,
                json.dumps(features, separators=(",", ":")),
                source,
            ),
        )
        self._writes += 1
        if self._writes % max(1, min(ROTATE_CHECK_EVERY, self.max_events // 10)) == 0:
            self._rotate()

    def _rotate(self) -> None:
        rows = self._run("SELECT count(*), min(id) FROM events")
        if not rows or rows[0][0] <= self.max_events:
            return
        drop = max(1, int(self.max_events * ROTATE_SHARE))
        self._run(
            "DELETE FROM events WHERE id < ?", (rows[0][1] + rows[0][0] - self.max_events + drop,)
        )

    def events(
        self, suggestion_id: str | None = None, limit: int = 10_000
    ) -> list[AcceptanceEvent]:
        if suggestion_id is None:
            sql, args = (
                "SELECT * FROM (SELECT * FROM events ORDER BY id DESC LIMIT ?) ORDER BY id",
                (limit,),
            )
        else:
            sql, args = (
                "SELECT * FROM events WHERE suggestion_id = ? ORDER BY id LIMIT ?",
                (suggestion_id, limit),
            )
        out = []
        for _, sid, kind, ev, ts, feats, source in self._run(sql, args):
            try:
                features = json.loads(feats)
            except ValueError:
                features = {}
            out.append(AcceptanceEvent(sid, kind, ev, ts, features, source))
        return out

    def count(self) -> int:
        rows = self._run("SELECT count(*) FROM events")
        return rows[0][0] if rows else 0

    def counts(self) -> dict[str, dict[str, int]]:
        """{kind: {event: count}} over the whole store."""
        out: dict[str, dict[str, int]] = {}
        for kind, ev, n in self._run(
            "SELECT kind, event, count(*) FROM events GROUP BY kind, event"
        ):
            out.setdefault(kind, {})[ev] = n
        return out

    def save_state(self, key: str, value: Mapping) -> None:
        """Persist learned state (the gate's online corrections) under ``key``."""
        self._run(
            "INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, json.dumps(value))
        )

    def load_state(self, key: str) -> dict:
        rows = self._run("SELECT value FROM state WHERE key = ?", (key,))
        if not rows:
            return {}
        try:
            value = json.loads(rows[0][0])
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def close(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None
