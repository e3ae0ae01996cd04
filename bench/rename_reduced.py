"""Differential check of rename's reduced analysis on real packages: every sampled symbol is
renamed twice, on the statements that name it (refactor/rename.py ``reduced``) and on the
whole files, and the two results (edits, warnings, left uses, or the refusal) must be equal.

    python bench/rename_reduced.py [--package NAME==VERSION ...] [--symbols 60] [--seed 1]
                                   [--max-seconds 900]

The symbols are bench/rename_corpus.py's (same kinds, same fixed-seed sample), each to a fresh
name and to a name of the same file (a collision). The last line is one JSON object:
compared, identical, differing (the first ones, with both outcomes), and per package the
median ms of both analyses.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from refactor_corpus import DEFAULT_PACKAGES, download, modules_of  # noqa: E402
from refine_lsp.refactor import rename as R  # noqa: E402
from refine_lsp.refactor.model import Refusal  # noqa: E402
from rename_corpus import locate, symbols_of  # noqa: E402


def outcome(files, path, pos, new):
    R._cache.clear()
    t = time.perf_counter()
    try:
        r = R.rename(files, path, pos[0], pos[1], new)
        out = ("renamed", dict(r.changes), r.occurrences, r.warnings, r.left, r.file_renames)
    except Refusal as exc:
        out = ("refused", str(exc))
    return out, (time.perf_counter() - t) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--package", action="append", help="NAME==VERSION (repeatable)")
    ap.add_argument("--symbols", type=int, default=60, help="per package")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-seconds", type=float, default=900)
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "refine-lsp-corpus"))
    args = ap.parse_args()
    deadline = time.monotonic() + args.max_seconds
    roots = download(args.package or [*DEFAULT_PACKAGES, "toolz==1.0.0"], Path(args.cache))
    compared = identical = 0
    differing: list[dict] = []
    per_package: dict[str, dict] = {}
    stopped = False
    for root in roots:
        files = {str(p): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}
        symbols = [s for m in modules_of(root) for s in symbols_of(root, str(m.path))]
        random.Random(args.seed).shuffle(symbols)
        ms = {"reduced": [], "whole": []}
        for sym in symbols[: args.symbols]:
            if time.monotonic() > deadline:
                stopped = True
                break
            path = str(root / sym.file)
            pos = locate(files[path], sym)
            if pos is None:
                continue
            others = sorted({s.name for s in symbols if s.file == sym.file} - {sym.name})
            for new in (sym.name + "_renamed", *others[:1]):
                R.REDUCE = True
                part, t_part = outcome(files, path, pos, new)
                R.REDUCE = False
                whole, t_whole = outcome(files, path, pos, new)
                R.REDUCE = True
                ms["reduced"].append(t_part)
                ms["whole"].append(t_whole)
                compared += 1
                if part == whole:
                    identical += 1
                elif len(differing) < 10:
                    differing.append(
                        {
                            "symbol": f"{root.name}/{sym.file}:{sym.name}",
                            "new": new,
                            "reduced": repr(part)[:300],
                            "whole": repr(whole)[:300],
                        }
                    )
        per_package[root.name] = {
            k: round(statistics.median(v), 1) if v else None for k, v in ms.items()
        } | {"renames": len(ms["reduced"])}
        print(root.name, per_package[root.name], file=sys.stderr, flush=True)
        if stopped:
            break
    print(
        json.dumps(
            {
                "compared": compared,
                "identical": identical,
                "differing": differing,
                "stopped_at_deadline": stopped,
                "ms_median": per_package,
            }
        )
    )


if __name__ == "__main__":
    main()
