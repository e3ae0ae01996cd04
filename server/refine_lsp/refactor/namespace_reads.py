"""Code that reads a module's namespace whole (``vars(m)``, ``dir(m)``, ``m.__dict__``,
``inspect.getmembers(m)``): it sees every new module-level name, private or not.

toolz's test_curried_namespace compares ``vars(toolz)`` with ``vars(toolz.curried)``: a
helper that extract function defines at module level breaks it, whatever its name. Such a
read is looked for in the files of the module's project (the folder above its top-level
package, above ``src/`` too), read off the text as rename does; each file's reads are kept
until it changes, so a second look costs a stat per file.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from refine_lsp.paths import skipped_dir
from refine_lsp.text.files import read_source

from .model import Refusal

READ_WHOLE = (
    "{where} reads the namespace of `{module}` whole ({how}): a new function at module "
    "level would show in it"
)

_READ = re.compile(
    r"\b(?P<attr>\w+)\s*\.\s*__dict__\b|\b(?P<fn>vars|dir|getmembers)\(\s*(?:\w+\.)*(?P<arg>\w+)\s*\)"
)
_MAX_FILES = 3000  # a loose script in a big folder: the walk stops here, unchecked beyond
_MAX_DIRS = 1000
_CACHE: dict[str, tuple[tuple[int, int], list[tuple[str, int, str]]]] = {}
_LOCK = threading.Lock()


def module_and_project(path: str | os.PathLike) -> tuple[str, Path]:
    """The name code elsewhere reads the module by (its last dotted part) and the folder
    its project's files are in."""
    p = Path(path).resolve()
    name = p.parent.name if p.name == "__init__.py" else p.stem
    folder = p.parent
    while (folder / "__init__.py").exists() and folder.parent != folder:
        folder = folder.parent
    if folder.name == "src":
        folder = folder.parent
    return name, folder


def _reads_of(path: Path) -> list[tuple[str, int, str]]:
    """(name read whole, line, how) for each read in the file, cached by mtime and size."""
    key = str(path)
    try:
        st = os.stat(path)
    except OSError:
        return []
    stamp = (st.st_mtime_ns, st.st_size)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    try:
        text = read_source(path)
    except (OSError, ValueError):
        text = ""
    found = []
    if "__dict__" in text or "vars(" in text or "dir(" in text or "getmembers(" in text:
        for m in _READ.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            if m.group("attr"):
                found.append((m.group("attr"), line, f"{m.group('attr')}.__dict__"))
            else:
                found.append((m.group("arg"), line, f"{m.group('fn')}({m.group('arg')})"))
    with _LOCK:
        _CACHE[key] = (stamp, found)
    return found


def check_new_module_name(path: str | os.PathLike | None) -> None:
    """Refuse a new module-level function in the module at ``path`` where a file of its
    project reads that module's namespace whole (nothing is checked without a path)."""
    if path is None:
        return
    module, folder = module_and_project(path)
    if module == "__main__" or not module.isidentifier():
        return
    for file in _python_files(folder):
        for name, line, how in _reads_of(file):
            if name == module:
                where = f"{file.relative_to(folder)}:{line}"
                raise Refusal(READ_WHOLE.format(where=where, module=module, how=how))


def _python_files(folder: Path):
    """The folder's Python files, skipped folders left out, the walk bounded."""
    files = dirs = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not skipped_dir(d) and not d.startswith("."))
        dirs += 1
        for f in sorted(filenames):
            if f.endswith(".py"):
                files += 1
                yield Path(dirpath) / f
        if files >= _MAX_FILES or dirs >= _MAX_DIRS:
            return
