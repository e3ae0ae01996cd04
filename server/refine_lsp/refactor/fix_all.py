"""source.fixAll.refine: the safe rewrites the user enabled, applied to the whole file.

Every rule is idempotent, so running fixAll twice changes nothing the second time.
"""

from __future__ import annotations

from . import rewrite_none_compare
from .imports import (
    fix_and_report,
    fix_keeping,
    has_removable_unused,
    organize_imports,
    remove_unused_imports,
    run_ruff,
)

FIX_ALL_RULES: dict[str, str] = {
    "ruff-safe-fixes": "Fixes ruff marks as safe, for the project's ruff rules "
    "(unused imports are left to organize-imports)",
    "compare-to-none": "`x == None` to `x is None` where only the truth value is used",
    "organize-imports": "Remove unused imports (keeping side-effect and TYPE_CHECKING imports), "
    "then sort them",
}


def ruff_safe_fixes(source: str, path: str | None = None, sort_imports: bool = False) -> str:
    """ruff's safe fixes in one run; unused imports are left to organize-imports' policy."""
    args = ["--fix-only", "--exit-zero", "--unfixable", "F401"]
    args += ["--extend-select", "I001"] if sort_imports else ["--unfixable", "I001"]
    proc = run_ruff(source, args, path)
    return proc.stdout if proc.returncode == 0 and proc.stdout else source


def fix_all(source: str, rules: list[str], path: str | None = None, tree=None) -> str:
    """Apply the enabled rules; unknown rule ids are ignored.

    `tree` is the tree-sitter parse of `source` when the caller has one (the server does).
    The tree-based rewrite runs first, on the text the tree belongs to (it changes no import
    and no line break, so the tree still describes the imports afterwards). Then one ruff run
    applies the safe fixes, removes unused imports and sorts; that is the result when it left
    every import the keep policy spares as it was (`fix_keeping`). Otherwise one run applies
    the other fixes, sorts and reports unused imports, and only when some of them may go
    (side-effect, TYPE_CHECKING and commented imports stay) do two more runs remove them and
    fix and sort again.
    """
    enabled = set(rules)
    organize = "organize-imports" in enabled
    if "compare-to-none" in enabled:
        source = rewrite_none_compare.fix_all(source, tree)
    if "ruff-safe-fixes" not in enabled:
        return organize_imports(source, path, tree) if organize else source
    if not organize:
        return ruff_safe_fixes(source, path)
    fixed = fix_keeping(source, ["--extend-select", "I001,F401"], path, tree)
    if fixed is not None:
        return fixed
    # One ruff run fixes, sorts and reports unused imports; a file whose imports are clean
    # (the usual case once it has been saved this way) needs nothing more.
    args = ["--unfixable", "F401", "--extend-select", "I001,F401"]
    fixed, found = fix_and_report(source, args, path)
    if found is not None and not has_removable_unused(fixed, found):
        return fixed
    return ruff_safe_fixes(remove_unused_imports(fixed, path), path, sort_imports=True)
