"""Scrub API keys from anything headed to logs, errors or stored events.

Keys are registered when they are read from the environment (never earlier, never stored
elsewhere), so every string passed through ``redact`` loses them, whatever its origin.
"""

from __future__ import annotations

import logging
import re
import threading

_lock = threading.Lock()
_secrets: set[str] = set()
# Shapes of common provider keys, scrubbed even when the key was never registered here.
_KEY_SHAPES = re.compile(
    r"\b(?:sk|pk|rk)-[A-Za-z0-9_\-]{16,}|\bBearer\s+[A-Za-z0-9_\-\.=]{8,}|\bAIza[0-9A-Za-z_\-]{30,}"
)
REDACTED = "[REDACTED]"


def register_secret(value: str | None) -> None:
    # Very short values would redact ordinary words; no real key is that short.
    if value and len(value) >= 6:
        with _lock:
            _secrets.add(value)


def redact(text: object) -> str:
    """``text`` as a string with every registered key and key-shaped token replaced."""
    s = str(text)
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in s:
            s = s.replace(secret, REDACTED)
    return _KEY_SHAPES.sub(REDACTED, s)


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites each record's message with ``redact``."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record must not break logging
            return True
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True
