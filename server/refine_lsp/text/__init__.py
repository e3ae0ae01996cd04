"""Text in the domain: positions, spans, findings and edits. Nothing here imports pygls.

Coordinates are zero-based (line, column) where column counts Python str characters
(Unicode code points) within the line. The server converts to and from the client's
position encoding at its boundary.
"""

from .diff import diff_edits, matching_lines
from .edit import TextEdit, apply_edits
from .finding import Finding, Severity
from .span import Pos, Span, offset_of, pos_of

__all__ = [
    "Finding",
    "Pos",
    "Severity",
    "Span",
    "TextEdit",
    "apply_edits",
    "diff_edits",
    "matching_lines",
    "offset_of",
    "pos_of",
]
