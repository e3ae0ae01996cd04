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


# One ruff run removes unused imports itself unless it would remove an import the keep-policy
# spares; either way the result must be the general path's (report, remove, sort again).
SPARES_NONE = [
    d(
        """
        import sys, os
        from collections import (OrderedDict,
            defaultdict)
        import json as j
        from . import sibling
        from .pkg.mod import thing, other


        def f(x):
            import re
            if x == None:
                return f"none"
            return defaultdict(list), other
        """
    ),
    d(
        """
        from __future__ import annotations
        import typing
        import os.path
        from os import path, sep
        print(sep)
        """
    ),
    "import os\n",
]
KEEPS_SOME = [
    "import json  # plugins\n",
    "import readline\n",
    "from gevent import monkey\n",
    "try:\n    import numpy\nexcept ImportError:\n    numpy = None\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import os\n",
    "from x import (a,  # why\n    b)\n",
]
USED_KEPT = d(
    """
    import os, sys
    from typing import TYPE_CHECKING
    if TYPE_CHECKING:
        from collections import OrderedDict
    try:
        import numpy
    except ImportError:
        numpy = None


    def f(d: OrderedDict):
        return numpy, d
    """
)


def test_kept_import_lines_lists_what_the_policy_spares():
    from refine_lsp.refactor.imports import kept_import_lines

    assert [kept_import_lines(s) for s in SPARES_NONE] == [[]] * len(SPARES_NONE)
    assert [kept_import_lines(s) for s in KEEPS_SOME[:3]] == [
        ["import json  # plugins"],
        ["import readline"],
        ["from gevent import monkey"],
    ]
    assert kept_import_lines(KEEPS_SOME[3]) == ["    import numpy"]
    assert kept_import_lines(KEEPS_SOME[4]) == ["    import os"]
    assert kept_import_lines(KEEPS_SOME[5]) == ["from x import (a,  # why\n    b)"]


@pytest.mark.parametrize("source", [*SPARES_NONE, *KEEPS_SOME, USED_KEPT, BEFORE])
@pytest.mark.parametrize("action", ["organize", "fix_all"])
def test_one_run_path_equals_the_general_path(source, action, monkeypatch):
    import importlib

    imports = importlib.import_module("refine_lsp.refactor.imports")
    fix_all_module = importlib.import_module("refine_lsp.refactor.fix_all")

    def run(text):
        if action == "organize":
            return organize_imports(text)
        return fix_all(text, list(FIX_ALL_RULES))

    fast = run(source)
    assert run(fast) == fast  # a fixed point: saving twice changes nothing
    calls = []
    monkeypatch.setattr(imports, "fix_keeping", lambda *a: calls.append(a))
    monkeypatch.setattr(fix_all_module, "fix_keeping", lambda *a: calls.append(a))
    assert run(source) == fast
    assert calls or "import" not in source


def test_one_run_path_is_taken_where_kept_imports_are_used():
    from refine_lsp.refactor.imports import fix_keeping

    assert fix_keeping(USED_KEPT, ["--select", "I001,F401"], None) == USED_KEPT.replace(
        "import os, sys\nfrom typing import TYPE_CHECKING\n",
        "from typing import TYPE_CHECKING\n\n",
    )
    assert fix_keeping("import readline\n", ["--select", "I001,F401"], None) is None


def test_a_file_whose_spared_import_is_unused_skips_the_one_run_path_next_time(monkeypatch):
    import importlib

    from refine_lsp.recent import Recent

    imports = importlib.import_module("refine_lsp.refactor.imports")
    monkeypatch.setattr(imports, "_SPARED_UNUSED", Recent(64))
    runs = []
    real = imports.run_ruff
    monkeypatch.setattr(imports, "run_ruff", lambda *a: runs.append(a[1]) or real(*a))
    source = "import readline\nimport sys, os\nprint(os)\n"
    expected = "import os\nimport readline\n\nprint(os)\n# spared-unused case\n"
    assert organize_imports(source + "# spared-unused case\n") == expected
    first = len(runs)
    runs.clear()
    assert organize_imports(source + "# spared-unused case\n") == expected
    assert len(runs) == first - 1  # the one-run attempt is not repeated
    assert organize_imports(expected) == expected
