"""Open documents: UTF-8 bytes, line index and an incrementally maintained tree-sitter tree.

Positions arrive in the client's negotiated encoding (utf-8, utf-16 or utf-32 code units).
The document converts them to byte offsets on its own UTF-8 copy, so ``tree.edit`` gets
exact byte and point offsets and the reparse reuses the old tree.

Lines: the client counts \r\n, \n and a lone \r as line breaks (LSP); domain positions
(`Pos`) and tree-sitter points count \n only. The two agree unless the text holds a lone \r,
and only then are positions converted through byte offsets (`lone_cr`).
"""

from __future__ import annotations

import bisect
import itertools
import re
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import tree_sitter

from refine_lsp.syntax.parser import new_parser
from refine_lsp.text import Pos

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"

# Above this size a document is kept as text but not parsed or reviewed: a generated
# or minified file should not cost every keystroke.
MAX_PARSE_BYTES = 8 * 1024 * 1024
# Trees are kept for the most recently used documents only; a 5,000-line file's tree is
# ~3 MB. Others keep their text and are parsed again when needed.
MAX_TREES = 8

_BREAK = re.compile(rb"\r\n|\r|\n")  # LSP's line breaks
_LONE_CR = re.compile(rb"\r(?!\n)")
# Every open and every change gets the next number: what a listed action was computed on,
# even when a client reuses a version number after a close and reopen.
_revisions = itertools.count(1)


def _units(s: str, encoding: str) -> int:
    if encoding == UTF8:
        return len(s.encode("utf-8", "surrogatepass"))
    if encoding == UTF16:
        return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)
    return len(s)


def _chars_for_units(s: str, units: int, encoding: str) -> int:
    """How many characters of ``s`` fit in ``units`` code units (clamped, never splits a char)."""
    if encoding == UTF32:
        return min(units, len(s))
    used = 0
    for i, ch in enumerate(s):
        cp = ord(ch)
        if encoding == UTF8:
            w = 1 if cp < 0x80 else 2 if cp < 0x800 else 3 if cp < 0x10000 else 4
        else:
            w = 2 if cp > 0xFFFF else 1
        if used + w > units:
            return i
        used += w
    return len(s)


def uri_to_path(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


@dataclass(frozen=True)
class DocumentSnapshot:
    """An immutable view of a document at one version, safe to hand to work off the loop."""

    uri: str
    version: int
    text: str
    tree: tree_sitter.Tree | None
    revision: int = 0  # Document.revision when taken

    @property
    def path(self) -> Path | None:
        return uri_to_path(self.uri)


class Document:
    def __init__(
        self, uri: str, text: str, version: int = 0, encoding: str = UTF16, *, parse: bool = True
    ):
        """``parse=False``: no tree until ``ensure_tree`` (a document read only to convert
        positions, such as a file an edit changes that the editor has not opened)."""
        self.uri = uri
        self.version = version
        self.encoding = encoding
        self._parser = new_parser()
        self.last_parse_ms = 0.0
        self.last_parse_cpu_ms = 0.0
        self.too_large = False
        self.revision = 0
        self._set_all(text, parse)

    # -- state -------------------------------------------------------------------------

    def _set_all(self, text: str, parse: bool = True) -> None:
        self.data = text.encode("utf-8", "surrogatepass")
        self._text: str | None = text
        self.revision = next(_revisions)
        self.lone_cr = _LONE_CR.search(self.data) is not None
        self._nl_starts: list[int] | None = None
        self._index_lines()
        self.tree = None
        if parse:
            self._reparse(None)

    def _index_lines(self) -> None:
        if b"\r" in self.data:
            self.line_starts = [0, *(m.end() for m in _BREAK.finditer(self.data))]
        else:
            self.line_starts = self._newline_starts()

    def _newline_starts(self) -> list[int]:
        starts = [0]
        find = self.data.find
        i = find(b"\n")
        while i >= 0:
            starts.append(i + 1)
            i = find(b"\n", i + 1)
        return starts

    def _domain_starts(self) -> list[int]:
        """Byte offsets of the lines counted by \n only (built when a lone \r needs them)."""
        if not self.lone_cr:
            return self.line_starts
        if self._nl_starts is None:
            self._nl_starts = self._newline_starts()
        return self._nl_starts

    def _point(self, offset: int) -> tuple[int, int]:
        """Tree-sitter point (rows by \n, column in bytes) of a byte offset."""
        starts = self._domain_starts()
        row = bisect.bisect_right(starts, offset) - 1
        return row, offset - starts[row]

    def _reparse(self, old_tree: tree_sitter.Tree | None) -> None:
        self.too_large = len(self.data) > MAX_PARSE_BYTES
        if self.too_large:
            self.tree = None
            return
        t0, c0 = time.perf_counter(), time.thread_time()
        self.tree = (
            self._parser.parse(self.data, old_tree)
            if old_tree is not None
            else self._parser.parse(self.data)
        )
        self.last_parse_ms = (time.perf_counter() - t0) * 1000
        self.last_parse_cpu_ms = (time.thread_time() - c0) * 1000

    def drop_tree(self) -> None:
        """Free the tree; the next use parses the whole text again."""
        self.tree = None

    def ensure_tree(self) -> tree_sitter.Tree | None:
        if self.tree is None and not self.too_large:
            self._reparse(None)
        return self.tree

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.data.decode("utf-8", "surrogatepass")
        return self._text

    @property
    def parsed(self) -> bool:
        """Whether the document is small enough to parse and review."""
        return not self.too_large

    def snapshot(self) -> DocumentSnapshot:
        # A copy (O(1)): the live tree is edited in place by the next keystroke while work
        # on this snapshot may still read it in another thread.
        tree = self.ensure_tree()
        return DocumentSnapshot(
            self.uri, self.version, self.text, tree.copy() if tree else None, self.revision
        )

    # -- positions ---------------------------------------------------------------------

    def _line_bytes(self, line: int) -> bytes:
        start = self.line_starts[line]
        end = self.line_starts[line + 1] if line + 1 < len(self.line_starts) else len(self.data)
        content = self.data[start:end]
        if content.endswith(b"\r\n"):
            return content[:-2]
        if content.endswith((b"\n", b"\r")):
            return content[:-1]
        return content

    def _line_text(self, line: int) -> str:
        return self._line_bytes(line).decode("utf-8", "surrogatepass")

    def byte_point(self, line: int, character: int) -> tuple[int, tuple[int, int]]:
        """Byte offset and tree-sitter point of a client position, clamped into the text."""
        if line < 0:
            return 0, (0, 0)
        if line >= len(self.line_starts):
            return len(self.data), self._point(len(self.data))
        raw = self._line_bytes(line)
        character = max(0, character)
        if self.encoding == UTF8 and raw.isascii():
            col = min(character, len(raw))
        else:
            s = raw.decode("utf-8", "surrogatepass")
            chars = _chars_for_units(s, character, self.encoding)
            col = len(s[:chars].encode("utf-8", "surrogatepass"))
        offset = self.line_starts[line] + col
        return offset, (self._point(offset) if self.lone_cr else (line, col))

    def _client_line_of(self, offset: int) -> tuple[int, int]:
        """Client (line, character) of a byte offset, clamped to its line's content."""
        line = bisect.bisect_right(self.line_starts, offset) - 1
        raw = self._line_bytes(line)[: offset - self.line_starts[line]]
        return line, _units(raw.decode("utf-8", "surrogatepass"), self.encoding)

    def _domain_offset(self, pos: Pos) -> int:
        """Byte offset of a domain position (lines by \n), clamped to its line's content."""
        starts = self._domain_starts()
        if pos.line >= len(starts):
            return len(self.data)
        start = starts[max(0, pos.line)]
        end = starts[pos.line + 1] - 1 if pos.line + 1 < len(starts) else len(self.data)
        s = self.data[start:end].decode("utf-8", "surrogatepass")
        return start + len(s[: max(0, pos.col)].encode("utf-8", "surrogatepass"))

    def to_client(self, pos: Pos) -> tuple[int, int]:
        """Client (line, character) of a domain position (column in characters)."""
        if self.lone_cr:
            return self._client_line_of(self._domain_offset(pos))
        if pos.line >= len(self.line_starts):
            last = len(self.line_starts) - 1
            return last, _units(self._line_text(last), self.encoding)
        s = self._line_text(pos.line)
        return pos.line, _units(s[: max(0, pos.col)], self.encoding)

    def from_client(self, line: int, character: int) -> Pos:
        """Domain position (column in characters) of a client position, clamped."""
        if self.lone_cr:
            offset = self.byte_point(line, character)[0]
            starts = self._domain_starts()
            row = bisect.bisect_right(starts, offset) - 1
            return Pos(row, len(self.data[starts[row] : offset].decode("utf-8", "surrogatepass")))
        if line >= len(self.line_starts):
            last = len(self.line_starts) - 1
            return Pos(last, len(self._line_text(last)))
        line = max(0, line)
        s = self._line_text(line)
        return Pos(line, _chars_for_units(s, max(0, character), self.encoding))

    # -- edits -------------------------------------------------------------------------

    def _reindex(self, a: int, b: int, n: int) -> None:
        """The line index after bytes [a, b) became ``n`` new ones: starts before ``a`` and
        from ``b + 1`` on (shifted) stay; between, breaks are found again, looking one byte
        either side, where a \r and a \n may have joined or parted."""
        old = self.line_starts
        lo, hi = max(0, a - 1), min(len(self.data), a + n + 1)
        window = self.data[lo:hi]
        if not self.lone_cr and b"\r" in window:
            self.lone_cr = _LONE_CR.search(self.data, lo, min(len(self.data), hi + 1)) is not None
        found = [lo + m.end() for m in _BREAK.finditer(window) if lo + m.end() <= a + n]
        delta = n - (b - a)
        tail = old[bisect.bisect_left(old, b + 1) :]
        if delta:
            tail = [s + delta for s in tail]
        self.line_starts = old[: bisect.bisect_left(old, a)] or [0]
        self.line_starts += found
        self.line_starts += tail

    def apply_change(self, text: str, start: tuple[int, int] | None, end: tuple[int, int] | None):
        """Apply one content change: a range replacement, or the whole text when no range."""
        if start is None or end is None:
            self._set_all(text)
            return
        start_byte = self.byte_point(*start)[0]
        end_byte = self.byte_point(*end)[0]
        if end_byte < start_byte:
            start_byte, end_byte = end_byte, start_byte
        start_point, end_point = self._point(start_byte), self._point(end_byte)
        new = text.encode("utf-8", "surrogatepass")
        self.data = self.data[:start_byte] + new + self.data[end_byte:]
        self._text = None
        self.revision = next(_revisions)
        self._nl_starts = None
        self._reindex(start_byte, end_byte, len(new))
        new_end_point = self._point(start_byte + len(new))
        if self.tree is None:
            self.too_large = len(self.data) > MAX_PARSE_BYTES
            return  # parsed again when needed
        self.tree.edit(
            start_byte=start_byte,
            old_end_byte=end_byte,
            new_end_byte=start_byte + len(new),
            start_point=start_point,
            old_end_point=end_point,
            new_end_point=new_end_point,
        )
        self._reparse(self.tree)


class DocumentStore:
    def __init__(self, max_trees: int = MAX_TREES) -> None:
        self._docs: dict[str, Document] = {}  # least recently used first
        self.encoding = UTF16
        self.max_trees = max_trees

    def open(self, uri: str, text: str, version: int) -> Document:
        doc = Document(uri, text, version, self.encoding)
        self._docs.pop(uri, None)
        self._docs[uri] = doc
        self._evict()
        return doc

    def get(self, uri: str) -> Document | None:
        return self._docs.get(uri)

    def touch(self, uri: str) -> Document | None:
        """The document, marked as the most recently used."""
        doc = self._docs.pop(uri, None)
        if doc is not None:
            self._docs[uri] = doc
            self._evict()
        return doc

    def _evict(self) -> None:
        with_trees = [d for d in self._docs.values() if d.tree is not None]
        for doc in with_trees[: max(0, len(with_trees) - self.max_trees)]:
            doc.drop_tree()

    def close(self, uri: str) -> None:
        self._docs.pop(uri, None)

    def __iter__(self):
        return iter(self._docs.values())

    def __len__(self) -> int:
        return len(self._docs)
