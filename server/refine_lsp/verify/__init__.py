"""Verifiers: each judges a candidate and returns a Verdict with localised feedback.

- ``sandbox``: run commands in a temporary copy with time and memory limits.
- ``containment``: no process a command starts outlives it (guard subreaper, marker sweep,
  bwrap namespaces where available); ``kill_all_sandboxes()`` for cancel-all and shutdown.
- ``pytest_runner``: per-test outcomes and per-test line coverage from sandboxed workers.
- ``checks``: parses, and no new ruff finding.
- ``properties``: generated inputs (hypothesis): no new crash, equivalence, timing.
"""

from .verdict import Feedback, Verdict

__all__ = ["Feedback", "Verdict"]
