"""What a reviewer found: where, how bad, what, and optionally how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from .span import Span


class Severity(IntEnum):
    error = 1
    warning = 2
    information = 3
    hint = 4


@dataclass(frozen=True)
class Finding:
    """Something a reviewer found: where, how bad, what, and optionally how to fix it."""

    span: Span
    severity: Severity
    code: str
    message: str
    source: str
    fix_id: str | None = None
    data: dict = field(default_factory=dict, compare=False, hash=False)
