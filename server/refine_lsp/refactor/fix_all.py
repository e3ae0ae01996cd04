"""source.fixAll.refine: the safe rewrites the user enabled, applied to the whole file.

Every rule is idempotent, so running fixAll twice changes nothing the second time.
"""

from __future__ import annotations

from . import rewrite_none_compare
from .imports import organize_imports, run_ruff

FIX_ALL_RULES: dict[str, str] = {
    "ruff-safe-fixes": "Fixes ruff marks as safe, for the project's ruff rules "
    "(unused imports are left to organize-imports)",
    "compare-to-none": "`x == None` to `x is None` where only the truth value is used",
    "organize-imports": "Remove unused imports (keeping side-effect and TYPE_CHECKING imports), "
    "then sort them",
}


def ruff_safe_fixes(source: str, path: str | None = None) -> str:
    proc = run_ruff(source, ["--fix-only", "--exit-zero", "--unfixable", "F401,I001"], path)
    return proc.stdout if proc.returncode == 0 and proc.stdout else source


def fix_all(source: str, rules: list[str], path: str | None = None) -> str:
    """Apply the enabled rules in a fixed order; unknown rule ids are ignored."""
    enabled = set(rules)
    if "ruff-safe-fixes" in enabled:
        source = ruff_safe_fixes(source, path)
    if "compare-to-none" in enabled:
        source = rewrite_none_compare.fix_all(source)
    if "organize-imports" in enabled:
        source = organize_imports(source, path)
    return source
