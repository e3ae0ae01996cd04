"""Code actions on save: source.fixAll.refine and source.organizeImports on a 5,000-line file.

    python bench/save_actions.py [--rounds 30]

Through the real server over stdio (the raw client of bench/_lspclient.py): each round lists
the source action and resolves its edit, as an editor's codeActionsOnSave does. The file is
real library code (bench/latency.py builds it) with a few fixable lines planted in it. The
edit is applied and asked for again: a second save must change nothing (idempotence).
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _lspclient import LspClient  # noqa: E402
from latency import build_files, initialize  # noqa: E402

PLANTED = (
    "import sys\nimport os\n",
    "def _planted(a):\n    if a == None:\n        return 1\n    return 2\n",
)
TARGET_MS = 50.0


def apply_edits(text: str, edits: list[dict]) -> str:
    """utf-8 positions (the client asks for them); the planted text is ASCII anyway."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line.encode()))
    data = text.encode()

    def off(p):
        return starts[min(p["line"], len(lines))] + p["character"]

    for e in sorted(edits, key=lambda e: off(e["range"]["start"]), reverse=True):
        r = e["range"]
        data = data[: off(r["start"])] + e["newText"].encode() + data[off(r["end"]) :]
    return data.decode()


def edits_of(result: dict | None, uri: str) -> list[dict]:
    edit = (result or {}).get("edit") or {}
    out = []
    for change in edit.get("documentChanges") or []:
        if change.get("textDocument", {}).get("uri") == uri:
            out += change["edits"]
    out += (edit.get("changes") or {}).get(uri, [])
    return out


def save_round(client: LspClient, uri: str, kind: str) -> tuple[float, list[dict]]:
    listed = client.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": [], "only": [kind], "triggerKind": 2},
        },
        timeout=60,
    )
    total = listed.ms or 0.0
    edits: list[dict] = []
    for action in listed.result or []:
        if action.get("kind") != kind:
            continue
        resolved = client.request("codeAction/resolve", action, timeout=60)
        total += resolved.ms or 0.0
        edits += edits_of(resolved.result, uri)
    return total, edits


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args(argv)
    [real], _ = build_files(1)
    lines = real.splitlines(keepends=True)
    text = (
        PLANTED[0]
        + "".join(lines[: len(lines) // 2])
        + PLANTED[1]
        + "".join(lines[len(lines) // 2 :])
    )
    out: dict = {"file_lines": text.count("\n"), "rounds": args.rounds}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "big.py"
        path.write_text(text)
        uri = path.as_uri()
        client = LspClient([sys.executable, "-m", "refine_lsp", "serve", "--log-level", "WARNING"])
        try:
            initialize(client, root)
            client.notify(
                "textDocument/didOpen",
                {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
            )
            for kind, key in (
                ("source.fixAll.refine", "fix_all"),
                ("source.organizeImports", "organize_imports"),
            ):
                times, changed = [], 0
                for _ in range(args.rounds):
                    ms, edits = save_round(client, uri, kind)
                    times.append(ms)
                    changed = len(edits)
                ms, edits = save_round(client, uri, kind)
                fixed = apply_edits(text, edits)
                version = 2 if key == "fix_all" else 3
                client.notify(
                    "textDocument/didChange",
                    {
                        "textDocument": {"uri": uri, "version": version},
                        "contentChanges": [{"text": fixed}],
                    },
                )
                _, again = save_round(client, uri, kind)
                out[key] = {
                    "ms_median": round(statistics.median(times), 2),
                    "ms_p95": round(sorted(times)[int(0.95 * (len(times) - 1))], 2),
                    "edits": changed,
                    "idempotent": not again,
                }
                # Each action is measured on the original text.
                client.notify(
                    "textDocument/didChange",
                    {
                        "textDocument": {"uri": uri, "version": version + 10},
                        "contentChanges": [{"text": text}],
                    },
                )
        finally:
            client.shutdown()
    out["target_ms_median"] = TARGET_MS
    out["fix_all_ms_median"] = out["fix_all"]["ms_median"]
    out["organize_imports_ms_median"] = out["organize_imports"]["ms_median"]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
