"""Organize imports and fixAll: whole text after applying, keep-rules, idempotence."""

from __future__ import annotations

import textwrap

import pytest
from refine_lsp.refactor import FIX_ALL_RULES, fix_all, organize_imports


def d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


BEFORE = d(
    """
    from __future__ import annotations
    import sys, os
    import readline
    import json  # used by plugins
    from typing import TYPE_CHECKING
    if TYPE_CHECKING:
        from collections import OrderedDict
    try:
        import numpy
    except ImportError:
        numpy = None
    from pkg import (a,
      b)
    __all__ = ["a"]
    if sys.argv == None:
        print(f"hi")
    """
)


def test_organize_imports_keeps_what_matters():
    assert organize_imports(BEFORE) == d(
        """
        from __future__ import annotations

        import json  # used by plugins
        import readline
        import sys
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from collections import OrderedDict
        try:
            import numpy
        except ImportError:
            numpy = None
        from pkg import a

        __all__ = ["a"]
        if sys.argv == None:
            print(f"hi")
        """
    )


def test_fix_all_default_rules():
    rules = ["ruff-safe-fixes", "compare-to-none", "organize-imports"]
    out = fix_all(BEFORE, rules)
    assert out.endswith('if sys.argv is None:\n    print("hi")\n')
    assert "import os" not in out and "from pkg import a\n" in out


@pytest.mark.parametrize(
    "rules",
    [
        ["ruff-safe-fixes", "compare-to-none", "organize-imports"],
        ["compare-to-none"],
        ["organize-imports"],
        ["ruff-safe-fixes"],
    ],
)
def test_fix_all_is_idempotent(rules):
    once = fix_all(BEFORE, rules)
    assert fix_all(once, rules) == once


def test_fix_all_applies_only_enabled_rules_and_ignores_unknown():
    out = fix_all(BEFORE, ["compare-to-none", "no-such-rule"])
    assert out == BEFORE.replace("sys.argv == None", "sys.argv is None")
    assert fix_all(BEFORE, []) == BEFORE
    assert set(FIX_ALL_RULES) == {"ruff-safe-fixes", "compare-to-none", "organize-imports"}


def test_organize_imports_leaves_clean_code_alone():
    clean = "import os\n\nprint(os.sep)\n"
    assert organize_imports(clean) == clean
