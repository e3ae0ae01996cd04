"""The review-refine loop: verified "Fix failing tests", "Refine with checks", "Make faster"
and "Add property tests".

    from refine_lsp.refine import fix_failing_tests
    result = fix_failing_tests(workspace, file, line, settings, progress=cb, cancel=event)
    result.new_source, result.edits, result.summary.text()

Imported lazily (libcst and the sandbox machinery load on first use, not at server start).
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "fix_failing_tests": ".loop",
    "refine_with_checks": ".improve",
    "make_faster": ".improve",
    "add_property_tests": ".improve",
    "LoopError": ".run",
    "LoopResult": ".result",
    "Summary": ".result",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(name)
