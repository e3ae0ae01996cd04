"""The reviewer interface: a document snapshot and settings in, findings out."""

from __future__ import annotations

from typing import Protocol

from refine_lsp.settings import Settings
from refine_lsp.text import Finding
from refine_lsp.text.document import DocumentSnapshot


class Reviewer(Protocol):
    name: str

    def enabled(self, settings: Settings) -> bool: ...

    def review(self, snapshot: DocumentSnapshot, settings: Settings) -> list[Finding]: ...
