"""source.fixAll.refine: the safe rewrites the user enabled, applied to the whole file.

Every rule is idempotent, so running fixAll twice changes nothing the second time.
"""

from __future__ import annotations

from . import rewrite_none_compare
from .imports import remove_unused_imports, run_ruff, sort_imports

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
    The tree-based rewrite runs first, on the text the tree belongs to; then at most two ruff
    runs: one reporting unused imports (so side-effect, TYPE_CHECKING and commented imports
    are kept), one applying safe fixes and sorting imports together.
    """
    enabled = set(rules)
    organize = "organize-imports" in enabled
    if "compare-to-none" in enabled:
        source = rewrite_none_compare.fix_all(source, tree)
    if organize:
        source = remove_unused_imports(source, path)
    if "ruff-safe-fixes" in enabled:
        source = ruff_safe_fixes(source, path, sort_imports=organize)
    elif organize:
        source = sort_imports(source, path)
    return source
