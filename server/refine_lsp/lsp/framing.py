"""The base protocol's frames (``Content-Length: N`` headers, a blank line, N bytes of body),
read without trusting the sender: headers in any case, CRLF or LF line ends, a size cap, and
resynchronisation on the next valid header after anything malformed.

Sans I/O: `FrameReader.feed` takes bytes as they arrive and returns what they completed.

A body that is JSON cannot hold a raw line break inside a string, so the bytes
``Content-Length: <digits>`` followed by a line end never occur inside a well-formed message:
finding them is a safe place to start again, even in the middle of a body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BODY_BYTES = 64 * 2**20  # a larger body is skipped without being stored
MAX_HEADER_LINE = 8 * 1024  # a longer header line is garbage
MAX_HEADER_LINES = 32
MAX_HEADER_BLOCK = 16 * 1024  # bounds the rescans of a header block that arrives byte by byte

# One header line, with its line end (CRLF or LF): "name: value".
_HEADER_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r?\n")
# Where a frame can start again after garbage: a Content-Length line ending where searched.
_HEADER_BEFORE = re.compile(rb"content-length[ \t]*:[ \t]*[0-9]+[ \t]*\r?\n\Z", re.IGNORECASE)
_TAIL_KEPT = 256  # bytes kept while discarding: the start of a header split across reads


def _header_prefix_pattern() -> re.Pattern[bytes]:
    """Matches the unfinished start of a Content-Length header at the end of the bytes."""
    inner = rb"[ \t]*(?::[ \t]*[0-9]*[ \t]*\r?)?"
    for ch in reversed(b"content-length"):
        inner = re.escape(bytes([ch])) + (b"(?:" + inner + b")?" if inner else b"")
    return re.compile(inner + rb"\Z", re.IGNORECASE)


_PARTIAL_HEADER = _header_prefix_pattern()


def _size(raw: bytes) -> str:
    return raw.decode() if len(raw) <= 19 else f"a {len(raw)}-digit number of"


def _limit(n: int) -> str:
    return f"{n // 2**20} MiB" if n >= 2**20 else f"{n}-byte"


@dataclass(frozen=True)
class Frame:
    body: bytes


@dataclass(frozen=True)
class BadFrame:
    """Something that was not a usable frame; ``reason`` says what, for the log and the client.

    ``too_large`` frames were well formed but over the cap (answered as an invalid request)."""

    reason: str
    too_large: bool = False


Event = Frame | BadFrame


class FrameReader:
    def __init__(self, max_body: int = MAX_BODY_BYTES) -> None:
        self.max_body = max_body
        self._buf = bytearray()
        self._body_len: int | None = None  # reading a body of this many bytes
        self._skip: int | None = None  # discarding an oversized body: bytes left of it
        self._lost: str | None = None  # discarding garbage, for this reason
        self._dropped = 0  # bytes discarded while lost
        self._scanned = 0  # bytes of the buffer already searched for a header
        self._block: dict[bytes, bytes] | None = None  # the header block being read
        self._hpos = 0  # where its next line starts
        self._nl_from = 0  # where to look for that line's end

    def feed(self, data: bytes) -> list[Event]:
        self._buf += data
        out: list[Event] = []
        while self._step(out):
            pass
        return out

    def eof(self) -> list[Event]:
        """What is left when the stream ends: an unfinished frame is reported, not served."""
        out: list[Event] = []
        if self._body_len is not None:
            out.append(
                BadFrame(f"stream ended inside a body ({len(self._buf)} of {self._body_len} bytes)")
            )
        elif self._skip is not None:
            out.append(BadFrame("stream ended inside an oversized body"))
        elif self._lost is not None or self._buf.strip():
            out.append(
                BadFrame(
                    f"stream ended in {self._dropped + len(self._buf)} bytes that are not a frame"
                )
            )
        self._buf.clear()
        self._body_len = self._skip = self._lost = self._block = None
        self._dropped = self._scanned = 0
        return out

    def _step(self, out: list[Event]) -> bool:
        """One step of the state machine; False when it needs more bytes."""
        if self._lost is not None:
            return self._resync(out)
        if self._skip is not None:
            return self._discard_body()
        if self._body_len is not None:
            return self._read_body(out)
        return self._read_headers(out)

    def _find_header(self, end: int | None = None) -> re.Match[bytes] | None:
        """The next Content-Length header line before ``end``, looking at new bytes only.

        A header line ends in a line feed: memchr finds those, and only the bytes just before
        each one are matched (a case-insensitive regex over every byte would be ~10x slower)."""
        end = len(self._buf) if end is None else min(end, len(self._buf))
        pos = self._scanned
        while (nl := self._buf.find(b"\n", pos, end)) >= 0:
            m = _HEADER_BEFORE.search(self._buf, max(0, nl - _TAIL_KEPT), nl + 1)
            if m is not None:
                self._scanned = m.start()
                return m
            pos = nl + 1
        self._scanned = max(self._scanned, end)
        return None

    def _consume(self, n: int) -> None:
        del self._buf[:n]
        self._scanned = max(0, self._scanned - n)

    # -- states --------------------------------------------------------------------------

    def _read_headers(self, out: list[Event]) -> bool:
        buf = self._buf
        if self._block is None:
            # Blank lines between frames are tolerated: some clients end a body with one.
            i = 0
            while i < len(buf) and buf[i] in b"\r\n":
                i += 1
            self._consume(i)
            if not buf:
                return False
            self._block, self._hpos, self._nl_from = {}, 0, 0
        headers, pos = self._block, self._hpos
        while True:  # one line at a time, resuming where the last bytes ran out
            if buf.startswith(b"\r\n", pos) or buf.startswith(b"\n", pos):
                self._block = None
                self._consume(pos + (2 if buf[pos] == 13 else 1))
                return self._start_body(headers, out)
            nl = buf.find(b"\n", max(pos, self._nl_from))
            if nl < 0:
                if len(buf) - pos <= MAX_HEADER_LINE and len(buf) <= MAX_HEADER_BLOCK:
                    self._hpos, self._nl_from = pos, len(buf)
                    return False  # an unfinished line: wait for the rest
                return self._get_lost("header too long", at_block=True)
            m = _HEADER_LINE.fullmatch(buf, pos, nl + 1)
            if m is None:
                return self._get_lost(
                    f"not a header line: {bytes(buf[pos : pos + 40])!r}", at_block=True
                )
            too_long = nl + 1 - pos > MAX_HEADER_LINE or nl + 1 > MAX_HEADER_BLOCK
            if too_long or len(headers) >= MAX_HEADER_LINES:
                return self._get_lost("header too long", at_block=True)
            name, value = m.group(1).lower(), m.group(2)
            if headers.get(name, value) != value:
                return self._get_lost(f"conflicting {m.group(1).decode()} headers", at_block=True)
            headers[name] = value
            pos = nl + 1

    def _start_body(self, headers: dict[bytes, bytes], out: list[Event]) -> bool:
        raw = headers.get(b"content-length")
        if raw is None:
            return self._get_lost("a header block without Content-Length")
        if not raw.isdigit():
            return self._get_lost(f"Content-Length is not a number: {bytes(raw[:40])!r}")
        # int() refuses over 4300 digits; past 19 digits it is over any cap anyway
        length = int(raw) if len(raw) <= 19 else 2**63
        self._scanned = 0
        if length > self.max_body:
            out.append(
                BadFrame(
                    f"message of {_size(raw)} bytes is over the {_limit(self.max_body)} limit; "
                    "it was discarded",
                    too_large=True,
                )
            )
            self._skip = length
        else:
            self._body_len = length
        return True

    def _read_body(self, out: list[Event]) -> bool:
        length = self._body_len
        assert length is not None
        # A header among the body's bytes: the body was shorter than its length.
        m = self._find_header(length)
        if m is not None:
            self._short(out, m.start(), length)
            return True
        if len(self._buf) < length:
            return False
        body = bytes(self._buf[:length])
        tail = _PARTIAL_HEADER.search(body, max(0, length - 64))
        if tail is not None:  # ends in the start of a header: the next message's
            self._short(out, tail.start(), length)
            return True
        self._consume(length)
        self._body_len = None
        out.append(Frame(body))
        return True

    def _short(self, out: list[Event], got: int, length: int) -> None:
        out.append(
            BadFrame(
                f"body of {got} bytes is shorter than its Content-Length of {length}; "
                "reading the next message"
            )
        )
        self._consume(got)
        self._body_len = None
        self._scanned = 0

    def _discard_body(self) -> bool:
        assert self._skip is not None
        # The client may have lied about the size: a header in what follows starts again.
        m = self._find_header(self._skip)
        if m is not None:
            self._consume(m.start())
            self._skip = None
            self._scanned = 0
            return True
        n = min(self._skip, len(self._buf))
        if n < self._skip:  # more to come: keep a tail that may hold a header's start
            n = max(0, n - _TAIL_KEPT)
        self._consume(n)
        self._skip -= n
        if self._skip:
            return False
        self._skip = None
        self._scanned = 0
        return True

    def _get_lost(self, why: str, at_block: bool = False) -> bool:
        """Start discarding; ``at_block``: the buffer still starts with the bad header block,
        whose first byte goes so that the search finds the next header, not this one."""
        self._lost = why
        self._block = None
        self._dropped = 0
        self._scanned = 0
        if at_block:
            self._consume(1)
            self._dropped = 1
        return True

    def _resync(self, out: list[Event]) -> bool:
        """Drop bytes up to the next Content-Length header."""
        m = self._find_header()
        if m is None:
            n = max(0, len(self._buf) - _TAIL_KEPT)  # the tail may hold a header's start
            self._dropped += n
            self._consume(n)
            return False
        self._dropped += m.start()
        self._consume(m.start())
        out.append(BadFrame(f"{self._lost}; skipped {self._dropped} bytes to the next header"))
        self._lost = None
        self._scanned = 0
        return True
