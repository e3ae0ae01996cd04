"""The workspace index: every Python file under the workspace folders, with the words it
contains, the names it defines at top level and the modules it imports.

Built once in the background after initialize, then kept current cheaply: the editor's
changes and the file watcher only mark a file dirty, and a query refreshes the dirty files it
needs (the editor's text for open files, the disk for the others). A keystroke never waits for
the index. A file that no longer parses keeps the definitions and imports of its last good
version (its words always follow the text, so a search for a name never misses it). Folders the
loop's sandbox skips are skipped here too, and so is any file over the size limit, with its
reason.

Rename and Move ask it for every file's text (``texts``): from memory, each file checked against
the disk, instead of reading the whole workspace on each request. The word, definition and
import queries are not used by them yet.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from refine_lsp.syntax import new_parser
from refine_lsp.text.files import python_files, read_source

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


Outline = tuple[tuple[str, ...], tuple[str, ...]]  # (top-level definitions, imports)


@dataclass
class Entry:
    words: frozenset[str]
    text: str = ""
    stamp: tuple[int, int] | None = None  # (mtime_ns, size) of the disk text; None: editor's
    # Parsed on the first question about definitions or imports, not while building: the
    # build only reads and splits words. ``last_good`` is the outline of an earlier version
    # that parsed, kept for when this one does not.
    outline: Outline | None = None
    last_good: Outline | None = None
    parses: bool | None = None  # None: not parsed yet


@dataclass
class BuildStats:
    files: int = 0
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cancelled: bool = False


def _top_level(tree, data: bytes) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Names a module defines at top level and the modules it imports (absolute, or with
    leading dots as written), read off a tree-sitter tree."""
    defines: list[str] = []
    imports: list[str] = []

    def text(node) -> str:
        return data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    for node in tree.root_node.children:
        if node.type == "decorated_definition":
            node = node.child_by_field_name("definition") or node
        if node.type in ("function_definition", "class_definition"):
            name = node.child_by_field_name("name")
            if name is not None:
                defines.append(text(name))
        elif node.type == "expression_statement" and node.children:
            first = node.children[0]
            if first.type == "assignment":
                left = first.child_by_field_name("left")
                if left is not None and left.type == "identifier":
                    defines.append(text(left))
        elif node.type == "import_statement":
            for child in node.children_by_field_name("name"):
                target = (
                    child.child_by_field_name("name") if child.type == "aliased_import" else child
                )
                if target is not None:
                    imports.append(text(target))
        elif node.type == "import_from_statement":
            module = node.child_by_field_name("module_name")
            if module is not None:
                imports.append(text(module))
    return tuple(defines), tuple(imports)


class WorkspaceIndex:
    """Thread-safe: built in a worker thread while the server answers requests."""

    def __init__(self, folders: Iterable[Path], max_bytes: int = 1024 * 1024) -> None:
        self.folders = [Path(f) for f in folders]
        self._roots = [f.resolve() for f in self.folders]
        # didChange marks the same file on every keystroke: resolve its path once
        self._keys: dict[str, str] = {}
        self.max_bytes = max_bytes
        self.entries: dict[str, Entry] = {}
        self.skipped: dict[str, str] = {}  # path -> why it is not indexed
        self.ready = False
        self.stats = BuildStats()
        self._by_word: dict[str, set[str]] = {}
        self._dirty: set[str] = set()
        self._lock = threading.RLock()
        self._parser = None

    # -- building ------------------------------------------------------------------------

    def build(
        self,
        open_texts: Mapping[str, str] | None = None,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> BuildStats:
        """Index every file of the folders; ``progress(done, total)`` now and then."""
        t0 = time.perf_counter()
        paths: list[str] = []
        seen: set[str] = set()
        for folder in self.folders:
            for path in python_files(folder):
                key = str(path.resolve())
                if key not in seen:
                    seen.add(key)
                    paths.append(key)
        stats = BuildStats()
        for i, key in enumerate(paths):
            if cancelled():
                stats.cancelled = True
                break
            text = (open_texts or {}).get(key)
            self._refresh(key, text)
            if progress is not None and (i % 50 == 0 or i == len(paths) - 1):
                progress(i + 1, len(paths))
        with self._lock:
            stats.files = len(self.entries)
            stats.skipped = [f"{p}: {why}" for p, why in sorted(self.skipped.items())]
            stats.seconds = time.perf_counter() - t0
            self.stats = stats
            self.ready = not stats.cancelled
        return stats

    def _read(self, key: str) -> tuple[str | None, tuple[int, int] | None]:
        try:
            info = os.stat(key)
            text = read_source(Path(key), self.max_bytes)
        except (OSError, ValueError) as exc:
            with self._lock:
                self._drop(key)
                self.skipped[key] = str(exc)
            return None, None
        return text, (info.st_mtime_ns, info.st_size)

    def _refresh(self, key: str, text: str | None) -> None:
        """Re-index one file from ``text`` (the editor's) or, without it, from the disk."""
        stamp = None
        if text is None:
            text, stamp = self._read(key)
            if text is None:
                return
        elif len(text.encode("utf-8", "surrogatepass")) > self.max_bytes:
            with self._lock:
                self._drop(key)
                self.skipped[key] = f"larger than {self.max_bytes // 1024} KB"
            return
        words = frozenset(WORD.findall(text))
        with self._lock:
            old = self.entries.get(key)
            if old is not None and old.parses is None and old.text != text:
                self.outline(key)  # the version being replaced may be the last that parsed
            last_good = old.last_good if old is not None else None
            if old is not None and old.parses:
                last_good = old.outline
            self._drop(key)
            self.skipped.pop(key, None)
            self.entries[key] = Entry(words, text, stamp, last_good=last_good)
            for word in words:
                self._by_word.setdefault(word, set()).add(key)

    def _drop(self, key: str) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            for word in old.words:
                holders = self._by_word.get(word)
                if holders is not None:
                    holders.discard(key)
                    if not holders:
                        del self._by_word[word]

    # -- keeping it current --------------------------------------------------------------

    def mark_dirty(self, path: str | Path) -> None:
        """The file changed (in the editor or on disk): re-read at the next query."""
        key = self._keys.get(str(path))
        if key is None:
            key = self._keys[str(path)] = str(Path(path).resolve())
        if self._inside(key):
            with self._lock:
                self._dirty.add(key)

    def remove(self, path: str | Path) -> None:
        key = str(Path(path).resolve())
        with self._lock:
            self._dirty.discard(key)
            self._drop(key)
            self.skipped.pop(key, None)

    def _inside(self, key: str) -> bool:
        if not key.endswith(".py"):
            return False
        p = Path(key)
        return any(p.is_relative_to(root) for root in self._roots)

    def refresh_dirty(self, open_texts: Mapping[str, str]) -> int:
        """Bring every dirty file up to date; returns how many were re-read."""
        with self._lock:
            dirty, self._dirty = self._dirty, set()
        for key in dirty:
            if key in open_texts or Path(key).exists():
                self._refresh(key, open_texts.get(key))
            else:
                self.remove(key)
        return len(dirty)

    # -- queries -------------------------------------------------------------------------

    def files_with_word(self, word: str, open_texts: Mapping[str, str] = {}) -> list[str]:
        self.refresh_dirty(open_texts)
        with self._lock:
            return sorted(self._by_word.get(word, ()))

    def texts_containing(
        self, word: str, open_texts: Mapping[str, str]
    ) -> tuple[dict[str, str], list[str]]:
        """(path -> text, skipped files with their reasons) of the files that can mention
        ``word``: the shape of ``index.workspace.workspace_texts(..., containing=word)``."""
        texts: dict[str, str] = {}
        for key in self.files_with_word(word, open_texts):
            text = open_texts.get(key)
            if text is None:
                text = self._current_text(key)
            if text is not None and word in text:
                texts[key] = text
        for key, text in open_texts.items():  # open files outside the folders still count
            if key not in texts and key.endswith(".py") and word in text:
                texts[key] = text
        with self._lock:
            skipped = [f"{p}: {why}" for p, why in sorted(self.skipped.items())]
        return texts, skipped

    def _current_text(self, key: str) -> str | None:
        """The disk text of an indexed file, re-read if the file changed since (its stamp)."""
        with self._lock:
            entry = self.entries.get(key)
        try:
            info = os.stat(key)
        except OSError:
            self.remove(key)
            return None
        if entry is None or entry.stamp != (info.st_mtime_ns, info.st_size):
            self._refresh(key, None)
            with self._lock:
                entry = self.entries.get(key)
        return entry.text if entry is not None else None

    def texts(self, open_texts: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
        """Every Python file of the folders with its current text: the editor's for open
        files, the disk's for the others, from memory unless the file changed on disk. The
        folders are walked each time, so a file created or deleted behind the editor's back
        (no watcher) is never missed: the same answer as ``workspace_texts`` without the reads.
        Files marked dirty are not re-indexed here (their words and outlines wait for the next
        query that reads them): an open file's text is the editor's, a closed one's is checked
        against the disk by its stamp, so a rename does not pay for re-indexing what it edited."""
        texts: dict[str, str] = {}
        seen: set[str] = set()
        for folder in self.folders:
            for path in python_files(folder):
                key = str(path.resolve())
                if key in seen:
                    continue
                seen.add(key)
                text = open_texts.get(key)
                if text is None:
                    text = self._current_text(key)
                if text is not None:
                    texts[key] = text
        with self._lock:
            for key in [k for k in self.entries if k not in seen and k not in open_texts]:
                self._drop(key)
            skipped = [f"{p}: {why}" for p, why in sorted(self.skipped.items()) if p in seen]
        for key, text in open_texts.items():  # open files outside the folders still count
            if key not in texts and key.endswith(".py"):
                texts[key] = text
        return texts, skipped

    def outline(self, key: str) -> Outline:
        """(definitions, imports) of one indexed file: parsed now if not yet; for a file that
        does not parse, those of its last version that did (empty if none did)."""
        with self._lock:
            entry = self.entries.get(key)
            if entry is None:
                return (), ()
            if entry.outline is None:
                if self._parser is None:
                    self._parser = new_parser()
                data = entry.text.encode("utf-8", "surrogatepass")
                tree = self._parser.parse(data)
                entry.parses = not tree.root_node.has_error
                if entry.parses or entry.last_good is None:
                    entry.outline = _top_level(tree, data)
                else:
                    entry.outline = entry.last_good
            return entry.outline

    def definers_of(self, name: str, open_texts: Mapping[str, str] = {}) -> list[str]:
        """Files that define ``name`` at top level (the last good parse of each)."""
        self.refresh_dirty(open_texts)
        with self._lock:
            return sorted(k for k in list(self.entries) if name in self.outline(k)[0])

    def importers_of(self, module: str, open_texts: Mapping[str, str] = {}) -> list[str]:
        """Files that import ``module`` or something under it (absolute imports only)."""
        self.refresh_dirty(open_texts)
        with self._lock:
            return sorted(
                k
                for k in list(self.entries)
                if any(m == module or m.startswith(module + ".") for m in self.outline(k)[1])
            )
