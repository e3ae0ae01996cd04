"""Editor latency of refine-lsp and its peers, driven over stdio by one raw JSON-RPC client.

    python bench/latency.py                 # ours + python-lsp-server + jedi-language-server
    python bench/latency.py --peers none --quick

Per server, in one run, on the same 5,000-line files built from installed library code:
cold start to the initialize result; single-character keystrokes as incremental didChange
(every 25th waits for the publishDiagnostics of its version); codeAction (and resolve where
the server resolves) over whole statement lines inside functions; resident memory with
N files open; and for refine-lsp the server-side reparse time and the cancel latency of
refineLsp.reviewWorkspace. Peers live in their own venv (created on first use). Progress
goes to stderr; the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _lspclient import LspClient, ServerGone, process_tree_rss_mb  # noqa: E402

FILE_LINES = 5000
SOURCE_PACKAGES = ("hypothesis", "libcst", "pygls", "_pytest")
DIAG_TIMEOUT_S = 10.0
REQUEST_TIMEOUT_S = 60.0
ACTION_BUDGET_S = 300.0  # per server; a peer at seconds per request stops early
MEASURE_EVERY = 25
SEED = 20260527
PEERS_VENV = Path.home() / ".cache" / "refine-lsp-bench" / "peers-venv"
PEERS = {
    # name: (console script in the peers venv, pip requirements)
    "python-lsp-server": (
        "pylsp",
        ["python-lsp-server[pyflakes,pycodestyle]", "pylsp-rope"],
    ),
    "jedi-language-server": ("jedi-language-server", ["jedi-language-server"]),
}
ALIASES = {"pylsp": "python-lsp-server", "jedi": "jedi-language-server"}
# Simple statements only, so completing the current line always leaves valid code.
TYPED = (
    "total = len(items) + offset * 2\n"
    "result = [value * 2 for value in range(total) if value % 3]\n"
    'mapping = {"key": result, "size": len(result)}\n'
    "message = f\"{total} items in {mapping['size']} slots\"\n"
)
TARGETS = {  # ours, upper bounds (issue 2)
    "reparse_ms_median": 1.0,
    "change_to_diagnostics_ms_median": 200.0,
    "code_action_ms_median": 15.0,
    "code_action_ms_p95": 50.0,
    "resolve_ms_p95": 100.0,  # issue 13
    "cold_start_ms": 300.0,
    "rss_mb_20_files": 150.0,
    "cancel_ms": 200.0,
}
SHARED_KEYS = (
    "change_to_diagnostics_ms_median",
    "code_action_ms_median",
    "code_action_ms_p95",
    "resolve_ms_median",
    "cold_start_ms",
    "rss_mb_20_files",
)


def say(msg: str) -> None:
    print(f"[latency {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def median(xs):
    return round(statistics.median(xs), 3) if xs else None


def p95(xs):
    return round(sorted(xs)[max(0, math.ceil(0.95 * len(xs)) - 1)], 3) if xs else None


# -- corpus ------------------------------------------------------------------------------


def _modules():
    """(label, lines) of each non-test module of the source packages, `from __future__` dropped."""
    for pkg in SOURCE_PACKAGES:
        spec = importlib.util.find_spec(pkg)
        if spec is None or not spec.submodule_search_locations:
            continue
        base = Path(list(spec.submodule_search_locations)[0])
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(base.parent)
            if {"tests", "test"} & set(rel.parts):
                continue
            try:
                text = path.read_text("utf-8")
                lines = [ln for ln in text.splitlines() if not ln.startswith("from __future__")]
                ast.parse("\n".join(lines))
            except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
                continue
            yield str(rel), lines


def _prefix_fitting(lines: list[str], room: int) -> int:
    """Lines of the longest prefix of a module that ends at a top-level statement and fits."""
    best = 0
    for node in ast.parse("\n".join(lines)).body:
        if node.end_lineno is not None and node.end_lineno <= room:
            best = node.end_lineno
    return best


def build_files(count: int) -> tuple[list[str], list[str]]:
    """`count` texts of exactly FILE_LINES lines of real code, and the modules used."""
    files, used, cur, deferred = [], [], [], []
    modules = _modules()
    while len(files) < count:
        retried = bool(deferred) and not cur  # a fresh file starts with what did not fit before
        if retried:
            label, lines = deferred.pop(0)
        else:
            nxt = next(modules, None)
            if nxt is None:
                if not deferred:
                    break
                retried, (label, lines) = True, deferred.pop(0)
            else:
                label, lines = nxt
        room = FILE_LINES - len(cur)
        if len(lines) <= room:
            cur += lines
            used.append(label)
        else:
            cut = _prefix_fitting(lines, room)
            if room - cut > 60 and not retried and len(deferred) < 50:
                deferred.append((label, lines))  # keeps the padding small; used in a later file
                continue
            cur += lines[:cut] + ["# (benchmark padding)"] * (room - cut)
            used.append(f"{label}[:{cut}]")
        if len(cur) == FILE_LINES:
            text = "\n".join(cur) + "\n"
            ast.parse(text)
            files.append(text)
            cur = []
    if not files:
        raise SystemExit(f"no source modules found in {SOURCE_PACKAGES}")
    while len(files) < count:  # not enough library code: reuse under another uri
        files.append(files[len(files) % max(1, len(files))])
    return files, used


def statement_lines(text: str) -> list[int]:
    """0-based lines holding one whole single-line ASCII statement inside a function."""
    lines = text.splitlines()
    out = set()
    for fn in ast.walk(ast.parse(text)):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            if node is fn or not isinstance(node, ast.stmt) or node.lineno != node.end_lineno:
                continue
            line = lines[node.lineno - 1]
            indent = len(line) - len(line.lstrip())
            if line.isascii() and node.col_offset == indent and line.strip():
                out.add(node.lineno - 1)
    return sorted(out)


# -- protocol helpers --------------------------------------------------------------------


def capabilities() -> dict:
    """A VS Code-like client that takes pushed diagnostics (no textDocument.diagnostic)."""
    kinds = ["", "quickfix", "refactor", "refactor.extract", "refactor.inline"]
    kinds += ["refactor.rewrite", "source", "source.organizeImports", "source.fixAll"]
    return {
        "general": {"positionEncodings": ["utf-8", "utf-16"]},
        "window": {"workDoneProgress": True},
        "workspace": {
            "applyEdit": True,
            "configuration": True,
            "workspaceEdit": {"documentChanges": True},
            "didChangeConfiguration": {"dynamicRegistration": False},
            "executeCommand": {"dynamicRegistration": False},
        },
        "textDocument": {
            "synchronization": {"dynamicRegistration": False, "didSave": True},
            "publishDiagnostics": {"relatedInformation": True, "versionSupport": True},
            "codeAction": {
                "codeActionLiteralSupport": {"codeActionKind": {"valueSet": kinds}},
                "isPreferredSupport": True,
                "disabledSupport": True,
                "dataSupport": True,
                "resolveSupport": {"properties": ["edit"]},
            },
        },
    }


def initialize(client: LspClient, root: Path) -> dict:
    resp = client.request(
        "initialize",
        {
            "processId": os.getpid(),
            "clientInfo": {"name": "refine-lsp-bench"},
            "rootUri": root.as_uri(),
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            "capabilities": capabilities(),
        },
        timeout=60,
    )
    if resp.received is None or resp.error is not None:
        raise ServerGone(f"initialize failed: {resp.error or 'timeout'}")
    client.init_ms = (resp.received - client.spawned) * 1000
    client.notify("initialized", {})
    return resp.result or {}


def wait_diagnostics(client: LspClient, uri: str, since: float, version: int, timeout: float):
    ok = client.wait_for(lambda: client.diagnostics_since(uri, since, version) is not None, timeout)
    return (client.diagnostics_since(uri, since, version) - since) * 1000 if ok else None


# -- phases ------------------------------------------------------------------------------


def cold_start(argv: list[str], root: Path, spawns: int) -> dict:
    times, cpu = [], []
    for i in range(spawns + 1):  # the first spawn warms the file cache and is not counted
        client = LspClient(argv, cwd=str(root))
        try:
            initialize(client, root)
            if i:
                times.append(client.init_ms)
                cpu.append(client.cpu_ms())
        finally:
            client.shutdown()
    return {
        "cold_start_ms": median(times),
        "cold_start_ms_all": [round(t, 1) for t in times],
        "cold_start_cpu_ms": median(cpu),
    }


def import_floor(spawns: int) -> dict:
    """What a bare interpreter takes to start, and to import the LSP library we build on
    (pygls and its lsprotocol types): the part of our cold start no laziness of ours removes."""
    out = {}
    for key, code in (
        ("python_start_ms", "pass"),
        ("import_pygls_lsprotocol_ms", "import lsprotocol.types, pygls.lsp.server"),
    ):
        times = []
        for i in range(spawns + 1):  # the first run warms the file cache
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            if i:
                times.append((time.perf_counter() - t0) * 1000)
        out[key] = median(times)
    return out


def keystrokes(client: LspClient, uri: str, text: str, n: int, spacing_ms: float) -> dict:
    lines = text.splitlines()
    candidates = statement_lines(text)
    insert_at = min(candidates, key=lambda ln: abs(ln - len(lines) // 2))
    indent = lines[insert_at][: len(lines[insert_at]) - len(lines[insert_at].lstrip())]
    line, col, version, typed = insert_at, len(lines[insert_at]), 1, 0
    # Start on a fresh line after the statement, as Enter with auto-indent would.
    stream = ["\n"] + [TYPED[i % len(TYPED)] for i in range(n - 1)]
    waits, timeouts, next_at, cpu0 = [], 0, time.perf_counter(), client.cpu_ms(True)
    for k, ch in enumerate(stream, start=1):
        delay = next_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        insert = "\n" + indent if ch == "\n" else ch
        pos = {"line": line, "character": col}
        version += 1
        sent = client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": pos, "end": pos}, "text": insert}],
            },
        )
        if ch == "\n":
            line, col, typed = line + 1, len(indent), typed + 1
        else:
            col += 1
        next_at = sent + spacing_ms / 1000
        if k % MEASURE_EVERY == 0:
            ms = wait_diagnostics(client, uri, sent, version, DIAG_TIMEOUT_S)
            if ms is None:
                timeouts += 1
                ms = DIAG_TIMEOUT_S * 1000
            waits.append(ms)
            next_at = time.perf_counter() + spacing_ms / 1000
    # Finish the line being typed in one change (a paste), so code actions see valid code.
    tail = TYPED[(n - 1) % len(TYPED) :].split("\n", 1)[0] if n > 1 else ""
    if tail and stream[-1] != "\n":
        pos = {"line": line, "character": col}
        version += 1
        client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": pos, "end": pos}, "text": tail}],
            },
        )
    settle = wait_diagnostics(client, uri, 0.0, version, 30.0)
    return {
        # the server's CPU while typing (parses, reviews and their ruff runs), per keystroke
        "typing_cpu_ms_per_keystroke": round((client.cpu_ms(True) - cpu0) / max(1, n), 3),
        "change_to_diagnostics_ms_median": median(waits),
        "change_to_diagnostics_ms_p95": p95(waits),
        "change_to_diagnostics_samples": len(waits),
        "change_to_diagnostics_timeouts": timeouts,
        "_inserted_lines": typed,
        "_insert_at": insert_at,
        "_version": version,
        "_settled": settle is not None,
    }


def _overlapping(diags: list[dict], line: int) -> list[dict]:
    return [d for d in diags if d["range"]["start"]["line"] <= line <= d["range"]["end"]["line"]]


def timed_request(client: LspClient, method: str, params) -> tuple[float, object, bool]:
    """(ms, response, timed_out). A request still unanswered after REQUEST_TIMEOUT_S is
    cancelled, as an editor would, and drained so it does not delay the next one."""
    resp = client.request(method, params, timeout=REQUEST_TIMEOUT_S)
    if resp.received is not None:
        return resp.ms, resp, False
    client.notify("$/cancelRequest", {"id": resp.id})
    client.wait_response(resp, REQUEST_TIMEOUT_S)
    return REQUEST_TIMEOUT_S * 1000, resp, True


def code_actions(client, uri, text, n, inserted, insert_at, can_resolve, budget_s) -> dict:
    lines = text.splitlines()
    picks = random.Random(SEED).sample(statement_lines(text), n)
    listing, resolving, counts, timeouts, errors, resolved_edits = [], [], [], 0, 0, 0
    deadline, listing_cpu = time.perf_counter() + budget_s, 0.0
    for orig in picks:
        if time.perf_counter() > deadline and len(listing) >= 5:
            break  # a slow peer: keep the run bounded, report how many positions were measured
        ln = orig + inserted if orig > insert_at else orig
        src = lines[orig]
        rng = {
            "start": {"line": ln, "character": len(src) - len(src.lstrip())},
            "end": {"line": ln, "character": len(src)},
        }
        diags = _overlapping(client.latest_diagnostics(uri), ln)
        params = {
            "textDocument": {"uri": uri},
            "range": rng,
            "context": {"diagnostics": diags, "triggerKind": 1},
        }
        cpu0 = client.cpu_ms()
        ms, resp, late = timed_request(client, "textDocument/codeAction", params)
        if listing:  # the first request pays one-time imports; it is reported on its own
            listing_cpu += client.cpu_ms() - cpu0
        listing.append(ms)
        timeouts += late
        if late or resp.error is not None:
            errors += not late
            continue
        result = resp.result or []
        counts.append(len(result))
        actions = [a for a in result if not isinstance(a.get("command"), str)]
        todo = [a for a in actions if "data" in a and "edit" not in a and not a.get("disabled")]
        if can_resolve and todo:
            ms, r, late = timed_request(client, "codeAction/resolve", todo[0])
            resolving.append(ms)
            resolved_edits += bool(not late and r.result and r.result.get("edit"))
    return {
        "code_action_ms_median": median(listing),
        "code_action_ms_p95": p95(listing),
        "code_action_positions_measured": len(listing),
        # server CPU per listing request after the first (10 ms ticks: only a mean means much)
        "code_action_cpu_ms_mean": round(listing_cpu / max(1, len(listing) - 1), 2),
        "code_action_first_ms": round(listing[0], 1) if listing else None,
        "code_action_count_median": median(counts),
        "code_action_timeouts": timeouts,
        "code_action_errors": errors,
        "resolve_ms_median": median(resolving) if can_resolve else None,
        "resolve_ms_p95": p95(resolving) if can_resolve else None,
        "resolve_count": len(resolving),
        "resolve_with_edit": resolved_edits,
    }


def memory(client: LspClient, root: Path, texts: list[str], main_uri: str) -> dict:
    uris = [main_uri]
    since = time.perf_counter()
    for i, text in enumerate(texts[1:], start=1):
        path = root / f"bench_{i:02d}.py"
        path.write_text(text)
        uris.append(path.as_uri())
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uris[-1], "languageId": "python", "version": 1, "text": text}},
        )
    peak, deadline = 0.0, time.perf_counter() + 120
    pending = set(uris[1:])
    while pending and time.perf_counter() < deadline:
        peak = max(peak, process_tree_rss_mb(client.proc.pid))
        if client.wait_for(lambda: client.closed, 0.2):
            break
        pending = {u for u in pending if client.diagnostics_since(u, since, None) is None}
    time.sleep(1.0)
    rss = process_tree_rss_mb(client.proc.pid)
    return {
        "rss_mb_20_files": round(rss, 1),
        "rss_mb_peak": round(max(peak, rss), 1),
        "files_open": len(uris),
        "files_without_diagnostics": len(pending),
    }


def cancel(client: LspClient, tree: Path, trials: int) -> dict:
    acks, stops, notes = [], [], []
    for t in range(trials):
        token = f"bench-cancel-{t}"
        resp = client.send_request(
            "workspace/executeCommand",
            {
                "command": "refineLsp.reviewWorkspace",
                "arguments": [{"root": str(tree)}],
                "workDoneToken": token,
            },
        )
        time.sleep(0.3)
        if resp.received is not None:
            notes.append(f"trial {t}: finished before the cancel ({resp.ms:.0f} ms)")
            continue
        sent = client.notify("$/cancelRequest", {"id": resp.id})
        client.wait_response(resp, 10)
        if resp.received is None:
            notes.append(f"trial {t}: no response 10 s after the cancel")
            acks.append(10000.0)
            continue
        if resp.error is None:
            notes.append(f"trial {t}: completed instead of cancelled")
        acks.append((resp.received - sent) * 1000)

        def ended(token=token, sent=sent):
            return any(
                at >= sent
                and p.get("token") == token
                and (p.get("value") or {}).get("kind") == "end"
                for at, p in client.progress
            )

        if client.wait_for(ended, 10):
            at = min(
                at
                for at, p in client.progress
                if p.get("token") == token and (p.get("value") or {}).get("kind") == "end"
            )
            stops.append((at - sent) * 1000)
        time.sleep(0.5)  # let the cancelled thread's last file finish before the next trial
    return {
        "cancel_ms": median(acks),
        "cancel_ms_all": [round(a, 1) for a in acks],
        "cancel_progress_end_ms": median(stops),
        "cancel_notes": notes,
    }


def run_server(name, argv, root, texts, tree, args) -> dict:
    ours = name == "refine-lsp"
    say(f"{name}: cold start x{args.spawns}")
    out = {"server": name, "loadavg_1min": round(os.getloadavg()[0], 2)}
    out.update(cold_start(argv, root, args.spawns))
    if ours:
        out["cold_start_floor"] = import_floor(args.spawns)
    client = LspClient(argv, cwd=str(root), log_path=root / f"{name}.stderr.log")
    try:
        caps = initialize(client, root).get("capabilities") or {}
        cap = caps.get("codeActionProvider")
        can_resolve = isinstance(cap, dict) and bool(cap.get("resolveProvider"))
        main = root / "bench_00.py"
        main.write_text(texts[0])
        uri = main.as_uri()
        opened = client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": texts[0]}},
        )
        ms = wait_diagnostics(client, uri, opened, 1, 60)
        out["open_to_diagnostics_ms"] = round(ms, 1) if ms is not None else None
        say(f"{name}: {args.keystrokes} keystrokes")
        typing = keystrokes(client, uri, texts[0], args.keystrokes, args.spacing_ms)
        if ours:
            stats = client.request("refineLsp/stats", {}, timeout=10).result or {}
            for key in ("reparse_ms_median", "reparse_ms_p95"):
                value = stats.get(key)
                out[key] = round(value, 3) if isinstance(value, int | float) else value
            out["reparse_count"] = stats.get("parses")
            for key in ("reparse_cpu_ms_median", "reparse_cpu_ms_p95"):  # if the server adds them
                if key in stats:
                    out[key] = stats[key]
        say(f"{name}: code actions at {args.positions} positions")
        out.update(
            code_actions(
                client,
                uri,
                texts[0],
                args.positions,
                typing["_inserted_lines"],
                typing["_insert_at"],
                can_resolve,
                args.action_budget_s,
            )
        )
        out.update({k: v for k, v in typing.items() if not k.startswith("_")})
        say(f"{name}: memory with {len(texts)} files")
        out.update(memory(client, root, texts, uri))
        if ours:
            say(f"{name}: cancel reviewWorkspace")
            out.update(cancel(client, tree, args.cancel_trials))
        out["server_requests"] = sorted(set(client.server_requests))
    finally:
        client.shutdown()
    say(f"{name}: done")
    return out


# -- peers and main ----------------------------------------------------------------------


def ensure_peer(name: str) -> list[str]:
    script, requirements = PEERS[name]
    exe = PEERS_VENV / "bin" / script
    if not exe.exists():
        if not (PEERS_VENV / "bin" / "python").exists():
            say(f"creating {PEERS_VENV}")
            subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
        say(f"pip install {' '.join(requirements)}")
        subprocess.run(
            [str(PEERS_VENV / "bin" / "python"), "-m", "pip", "install", "-q", *requirements],
            check=True,
            stdout=sys.stderr,
        )
    return [str(exe)]


def peer_versions() -> dict:
    code = (
        "import importlib.metadata as m, json\n"
        "names = ['python-lsp-server', 'pylsp-rope', 'jedi-language-server', 'jedi', 'rope']\n"
        "out = {}\n"
        "for n in names:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    try:
        res = subprocess.run(
            [str(PEERS_VENV / "bin" / "python"), "-c", code], capture_output=True, text=True
        )
        return json.loads(res.stdout)
    except (OSError, ValueError):
        return {}


def write_tree(tree: Path, files: int) -> int:
    """A workspace of real modules for reviewWorkspace to walk."""
    count = 0
    for label, lines in _modules():
        if count >= files:
            break
        path = tree / label.replace("/", "__")
        path.write_text("\n".join(lines) + "\n")
        count += 1
    return count


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--peers", default="python-lsp-server,jedi-language-server")
    ap.add_argument("--keystrokes", type=int, default=500)
    ap.add_argument("--positions", type=int, default=50)
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--spacing-ms", type=float, default=30.0)
    ap.add_argument("--spawns", type=int, default=3)
    ap.add_argument("--action-budget-s", type=float, default=ACTION_BUDGET_S)
    ap.add_argument("--cancel-trials", type=int, default=3)
    ap.add_argument("--review-files", type=int, default=300)
    ap.add_argument("--quick", action="store_true", help="small numbers, for a smoke test")
    ap.add_argument(
        "--resolve-in-process",
        type=int,
        metavar="PASSES",
        help="only time list + resolve (compute and diff) at the code-action positions, in "
        "this process, PASSES times over (CPU and wall ms; less noisy than the server run)",
    )
    args = ap.parse_args(argv)
    if args.quick:
        args.keystrokes, args.positions, args.files = 50, 5, 3
        args.spawns, args.cancel_trials, args.review_files = 1, 1, 100
        args.action_budget_s = 60.0
    names = [] if args.peers.strip() in ("", "none") else args.peers.split(",")
    args.peer_names = [ALIASES.get(n.strip(), n.strip()) for n in names]
    unknown = [n for n in args.peer_names if n not in PEERS]
    if unknown:
        ap.error(f"unknown peer(s) {unknown}; known: {sorted(PEERS)} (or 'none')")
    return args


def resolve_in_process(text: str, passes: int, positions: int) -> dict:
    """What codeAction/resolve computes, timed without the server: at the same positions,
    the refactorings listed there and the first enabled one computed and diffed. Each pass
    starts with no cached chunk, as a server that just opened the file."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
    from refine_lsp import refactor
    from refine_lsp.refactor import chunk
    from refine_lsp.syntax.parser import parse
    from refine_lsp.text import Pos, Span, diff_edits

    lines = text.splitlines()
    picks = random.Random(SEED).sample(statement_lines(text), positions)
    tree = parse(text)
    cpu, wall, kinds = [], [], {}
    for _ in range(passes):
        getattr(chunk, "clear_cache", lambda: None)()  # older trees cache nothing
        for row in picks:
            src = lines[row]
            span = Span(Pos(row, len(src) - len(src.lstrip())), Pos(row, len(src)))
            listed = refactor.list_refactorings(text, span, tree)
            todo = [o for o in listed if o.disabled_reason is None]
            if not todo:
                continue
            c0, w0 = time.process_time(), time.perf_counter()
            try:
                diff_edits(text, refactor.compute_refactoring(text, span, todo[0].id, tree))
            except refactor.Refusal:
                pass
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
            kinds[todo[0].id] = kinds.get(todo[0].id, 0) + 1
    return {
        "resolve_in_process_cpu_ms_median": median(cpu),
        "resolve_in_process_cpu_ms_p95": p95(cpu),
        "resolve_in_process_wall_ms_median": median(wall),
        "resolve_in_process_wall_ms_p95": p95(wall),
        "resolve_in_process_count": len(cpu),
        "resolve_in_process_kinds": kinds,
        "passes": passes,
        "loadavg_1min": round(os.getloadavg()[0], 2),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.resolve_in_process:
        texts, _ = build_files(1)
        print(json.dumps(resolve_in_process(texts[0], args.resolve_in_process, args.positions)))
        return 0
    load_before = os.getloadavg()
    say(f"building {args.files} files of {FILE_LINES} lines from {', '.join(SOURCE_PACKAGES)}")
    texts, used = build_files(args.files)
    result: dict = {}
    with tempfile.TemporaryDirectory(prefix="refine-lsp-bench-") as tmp:
        tree = Path(tmp) / "review_tree"
        tree.mkdir()
        tree_files = write_tree(tree, args.review_files)
        ours_argv = [sys.executable, "-m", "refine_lsp", "serve"]
        root = Path(tmp) / "refine-lsp"
        root.mkdir()
        result.update(run_server("refine-lsp", ours_argv, root, texts, tree, args))
        peers = {}
        for name in args.peer_names:
            root = Path(tmp) / name
            root.mkdir()
            try:
                peers[name] = run_server(name, ensure_peer(name), root, texts, tree, args)
            except (ServerGone, subprocess.CalledProcessError, OSError) as exc:
                say(f"{name}: failed: {exc}")
                peers[name] = {"error": str(exc)}
    result["peers"] = peers
    result["ratios"] = {
        name: {
            k: round(result[k] / p[k], 4)
            for k in SHARED_KEYS
            if isinstance(result.get(k), int | float)
            and isinstance(p.get(k), int | float)
            and p[k] > 0
        }
        for name, p in peers.items()
    }
    result["targets"] = {
        k: {
            "target": t,
            "value": result.get(k),
            "met": result.get(k) is not None and result[k] <= t,
        }
        for k, t in TARGETS.items()
    }
    result["scenario"] = {
        "file_lines": FILE_LINES,
        "files": args.files,
        "distinct_files": len(set(texts)),
        "keystrokes": args.keystrokes,
        "measure_every": MEASURE_EVERY,
        "spacing_ms": args.spacing_ms,
        "positions": args.positions,
        "seed": SEED,
        "review_tree_files": tree_files,
        "source_modules": len(used),
        "source_first": used[:3],
    }
    result["machine"] = {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "peer_versions": peer_versions() if args.peer_names else {},
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
