"""Code actions on save: source.fixAll.refine and source.organizeImports on a 5,000-line file.

    python bench/save_actions.py [--rounds 30]

Through the real server over stdio (the raw client of bench/_lspclient.py): each round types
one character (a new document version, as a user's edit before saving), then lists the
source action and resolves its edit, as an editor's codeActionsOnSave does. The file is real
library code (bench/latency.py builds it) with a few fixable lines planted in it.

Two ways to save, both measured:
- after a pause (`--pause`, 1 s): the server computes the save actions in the pause after an
  edit (setting fixAll.precompute), so the save finds them ready;
- immediately after the keystroke: nothing is ready, the save computes everything; on the
  file as planted (its first save, many fixes) and on the file an earlier save fixed
  (`clean_immediate`, the steady state).

The edit is applied and asked for again: a second save must change nothing (idempotence).
The last line printed is one JSON object; `fix_all_ms_median` and
`organize_imports_ms_median` are the saves after a pause, `*_immediate_ms_median` the others.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _lspclient import LspClient  # noqa: E402
from latency import build_files, initialize  # noqa: E402

PLANTED = (
    "import sys\nimport os\nimport colorsys\n",
    'def _planted(a):\n    if a == None:\n        return f"one"\n    return 2\n',
)
TYPED = "# saved 0 times\n"  # its digit changes before each save
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


def median_p95(times: list[float]) -> tuple[float, float]:
    return (
        round(statistics.median(times), 2),
        round(sorted(times)[math.ceil(0.95 * len(times)) - 1], 2),
    )


class Editor:
    """One open document whose version the rounds bump with a one-character edit."""

    def __init__(self, client: LspClient, uri: str, text: str):
        self.client, self.uri, self.text, self.version = client, uri, text, 1
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        )

    def type_char(self) -> None:
        """Change the digit on line 0 (TYPED), as a keystroke would."""
        digit = str((int(self.text[len("# saved ")]) + 1) % 10)
        self.text = self.text[: len("# saved ")] + digit + self.text[len("# saved ") + 1 :]
        self.version += 1
        char = {"line": 0, "character": len("# saved ")}
        end = {"line": 0, "character": len("# saved ") + 1}
        self.client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": self.uri, "version": self.version},
                "contentChanges": [{"range": {"start": char, "end": end}, "text": digit}],
            },
        )

    def replace_all(self, text: str) -> None:
        self.text = text
        self.version += 1
        self.client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": self.uri, "version": self.version},
                "contentChanges": [{"text": text}],
            },
        )


def measure(editor: Editor, kind: str, rounds: int, pause: float) -> dict:
    timed = {"after_pause": [], "immediate": []}
    changed = 0
    for _ in range(rounds):
        for scenario in ("after_pause", "immediate"):
            editor.type_char()
            if scenario == "after_pause":
                time.sleep(pause)
            ms, edits = save_round(editor.client, editor.uri, kind)
            timed[scenario].append(ms)
            changed = len(edits)
    original = editor.text
    _, edits = save_round(editor.client, editor.uri, kind)
    fixed = apply_edits(original, edits)
    assert fixed.startswith(TYPED[:8]), "the typed line must stay first"
    editor.replace_all(fixed)
    _, again = save_round(editor.client, editor.uri, kind)
    # Steady state: the file was fixed by an earlier save; type and save at once.
    timed["clean_immediate"] = []
    for _ in range(rounds):
        editor.type_char()
        ms, _ = save_round(editor.client, editor.uri, kind)
        timed["clean_immediate"].append(ms)
    editor.replace_all(original)  # the next action is measured on the original text
    out = {"edits": changed, "idempotent": not again}
    for scenario, times in timed.items():
        out[f"{scenario}_ms_median"], out[f"{scenario}_ms_p95"] = median_p95(times)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--pause", type=float, default=1.0, help="seconds between edit and save")
    args = ap.parse_args(argv)
    [real], _ = build_files(1)
    lines = real.splitlines(keepends=True)
    mid = next(  # a top-level boundary near the middle, so the file still parses
        i
        for i in range(len(lines) // 2, len(lines))
        if lines[i].startswith(("def ", "class ", "@")) and not lines[i - 1].startswith("@")
    )
    text = TYPED + PLANTED[0] + "".join(lines[:mid]) + PLANTED[1] + "".join(lines[mid:])
    out: dict = {"file_lines": text.count("\n"), "rounds": args.rounds, "pause_s": args.pause}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "big.py"
        path.write_text(text)
        client = LspClient([sys.executable, "-m", "refine_lsp", "serve", "--log-level", "WARNING"])
        try:
            initialize(client, root)
            editor = Editor(client, path.as_uri(), text)
            for kind, key in (
                ("source.fixAll.refine", "fix_all"),
                ("source.organizeImports", "organize_imports"),
            ):
                out[key] = measure(editor, kind, args.rounds, args.pause)
        finally:
            client.shutdown()
    out["target_ms_median"] = TARGET_MS
    for key in ("fix_all", "organize_imports"):
        out[f"{key}_ms_median"] = out[key]["after_pause_ms_median"]
        out[f"{key}_immediate_ms_median"] = out[key]["immediate_ms_median"]
        out[f"{key}_clean_immediate_ms_median"] = out[key]["clean_immediate_ms_median"]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
