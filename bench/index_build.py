"""How long the workspace index takes to build and what it holds in memory.

    python bench/index_build.py                 # our own server, libcst, pygls
    python bench/index_build.py PATH [PATH ...]

Each folder is indexed in a fresh process (the server builds it in a worker thread after
initialize). Reported per folder: files, skipped, build seconds and seconds per 100 files; the
time of the first texts() (what rename asks: walk, stat, from memory) and of parsing every
file's outline (done on first use, not while building); the memory the index allocates
(tracemalloc peak, a second build) and the process's resident growth. The last line is one JSON
object. Target (issue 17): <= 2 s per 100 files, <= 50 MB resident.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, resource, sys, time, tracemalloc
from pathlib import Path
from refine_lsp.index.store import WorkspaceIndex
import refine_lsp.syntax  # the parser library is loaded before the measurement, as in the server
folder = Path(sys.argv[1])
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
index = WorkspaceIndex([folder])
t0 = time.perf_counter()
stats = index.build()
seconds = time.perf_counter() - t0
t0 = time.perf_counter()
texts, _ = index.texts({})
texts_ms = (time.perf_counter() - t0) * 1000
t0 = time.perf_counter()
index.definers_of("main")  # every file's outline parsed (what the first Move asks)
outline_s = time.perf_counter() - t0
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()  # a second build, for what the index itself allocates
again = WorkspaceIndex([folder])
again.build()
again.definers_of("main")
_, peak = tracemalloc.get_traced_memory()
print(json.dumps({"files": stats.files, "skipped": len(stats.skipped), "seconds": seconds,
                  "alloc_peak_mb": peak / 2**20, "rss_growth_mb": (rss1 - rss0) / 1024,
                  "texts_ms": texts_ms, "outline_s": outline_s, "texts": len(texts)}))
"""


def default_folders() -> list[Path]:
    import libcst
    import pygls

    here = Path(__file__).resolve().parents[1]
    return [
        here / "server" / "refine_lsp",
        Path(libcst.__file__).parent,
        Path(pygls.__file__).parent,
    ]


def measure(folder: Path, runs: int = 3) -> dict:
    """The index of ``folder`` built ``runs`` times, each in a fresh process: medians."""
    out = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(folder)],
            capture_output=True,
            text=True,
            check=True,
        )
        out.append(json.loads(done.stdout.strip().splitlines()[-1]))
    files = out[0]["files"]
    seconds = statistics.median(r["seconds"] for r in out)
    return {
        "files": files,
        "skipped": out[0]["skipped"],
        "seconds_median": round(seconds, 3),
        "seconds_per_100_files": round(100 * seconds / max(files, 1), 3),
        "alloc_peak_mb": round(statistics.median(r["alloc_peak_mb"] for r in out), 1),
        "rss_growth_mb": round(statistics.median(r["rss_growth_mb"] for r in out), 1),
        "texts_ms_median": round(statistics.median(r["texts_ms"] for r in out), 1),
        "outlines_s_median": round(statistics.median(r["outline_s"] for r in out), 3),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path)
    ap.add_argument("--runs", type=int, default=3, help="builds per folder (median reported)")
    args = ap.parse_args(argv)
    results = {}
    for folder in args.folders or default_folders():
        results[folder.name] = measure(folder, args.runs)
        print(folder, results[folder.name], file=sys.stderr)
    worst = max(r["seconds_per_100_files"] for r in results.values())
    print(json.dumps({"folders": results, "worst_seconds_per_100_files": worst}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
