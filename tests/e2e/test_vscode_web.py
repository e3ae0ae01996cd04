"""The packaged VS Code extension in a real VS Code: code-server (VS Code's web build, from the
npm registry) driven by Playwright with Debian's chromium, as a user would drive it.

The .vsix is built from vscode-client/ (`npm run package`), installed into code-server, and
fixtures/shop is opened with the current Python as `refineLsp.server.path`. Then: findings
reach the Problems panel, a quick fix chosen with Ctrl+. changes the file, a save applies
`source.fixAll.refine`, an inline suggestion from the scripted model server
(refine_lsp.llm.fake_server, on 127.0.0.1, no API key) is accepted with Tab and another dismissed
with Escape (the events store records each), and a killed server process is replaced by a new
one while the language status says it is restarting, then running again; no error
notification shows up in any of it.

Set-up: ../shared/tools/vscode-web/setup.sh (code-server 4.100.3 in
~/.cache/refine-lsp-vscode-web, or REFINE_VSCODE_WEB_DIR), `pip install playwright` (its
browsers are not needed), and `npm ci` in vscode-client/. Each missing piece skips with its
reason.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from refine_lsp.acceptance.store import EVENTS_FILE
from refine_lsp.llm.fake_server import FakeOpenAI, Reply

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "vscode-client"
WEB_DIR = Path(
    os.environ.get("REFINE_VSCODE_WEB_DIR", Path.home() / ".cache" / "refine-lsp-vscode-web")
)
ENTRY = WEB_DIR / "node_modules" / "code-server" / "out" / "node" / "entry.js"
SETUP = "../shared/tools/vscode-web/setup.sh"
# A limit on a failure only: every step waits for what the user would see. Generous, because
# code-server, chromium and the server share two cores with a full test run.
STEP_MS = 120_000
# The file the inline tests type in: two functions whose bodies the model completes.
GEO = "def area(width, height):\n    return\n\n\ndef perimeter(width, height):\n    return\n"


def _missing() -> str | None:
    if sys.platform != "linux":
        return "code-server set-up is Linux only here"
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node/npm not installed: the extension is built and code-server runs on Node 20"
    if not (CLIENT / "node_modules" / "@vscode" / "vsce").is_dir():
        return "vscode-client/node_modules missing: run `npm ci` in vscode-client/"
    if not ENTRY.is_file():
        return f"code-server not installed in {WEB_DIR}: run {SETUP}"
    if shutil.which("chromium") is None:
        return f"chromium not installed: run {SETUP} (Debian's chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright not installed: pip install playwright (its browsers are not needed)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"code-server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"code-server did not answer at {url}")


@pytest.fixture(scope="module")
def vsix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("vsix") / "refine-lsp.vsix"
    proc = subprocess.run(
        ["npx", "vsce", "package", "--allow-missing-repository", "--no-rewrite-relative-links"]
        + ["--out", str(out)],
        cwd=CLIENT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def workbench(vsix: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    from playwright.sync_api import sync_playwright

    base = tmp_path_factory.mktemp("vscode-web")
    ext_dir, user_dir, workspace = base / "ext", base / "user", base / "shop"
    shutil.copytree(
        ROOT / "fixtures" / "shop",
        workspace,
        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"),
    )
    (workspace / "shop" / "geo.py").write_text(GEO)
    # The model: what it answers is what the running test scripts in model["answer"]; nothing
    # ("") until a test wants a suggestion, so no other request shows one.
    model = {"answer": ""}
    fake = FakeOpenAI(responder=lambda request: Reply(text=model["answer"])).start()
    node = shutil.which("node")
    install = subprocess.run(
        [node, str(ENTRY), "--extensions-dir", str(ext_dir), "--install-extension", str(vsix)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    settings = {
        "refineLsp.server.path": sys.executable,
        # The extension is not for untrusted workspaces; a test workspace is trusted.
        "security.workspace.trust.enabled": False,
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "telemetry.telemetryLevel": "off",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "extensions.ignoreRecommendations": True,
        "editor.codeActionsOnSave": {"source.fixAll.refine": "explicit"},
        # VS Code for the web saves 1 s after an edit by default (files.autoSave afterDelay), and
        # an automatic save runs no "explicit" code actions: a busy machine's test that pressed
        # Ctrl+S later than that found the file saved already, without the fix-all. The desktop
        # default, so that the save the test makes is the user's explicit one.
        "files.autoSave": "off",
        # An OpenAI-compatible server that needs no key: no refineLsp.model.apiKeyEnv.
        "refineLsp.model.solver": "openai/fake",
        "refineLsp.model.apiBase": fake.url + "/v1",
        "refineLsp.inline.debounceMs": 0,
        # The acceptance filter keeps every suggestion (a fresh user has no history to go on).
        "refineLsp.acceptance.keepAccepted": 1.0,
        "editor.inlineSuggest.enabled": True,
        # The document text is read off the screen: no whitespace dots in it.
        "editor.renderWhitespace": "none",
        # The JSON-RPC traffic with its content in the Refine LSP output channel: what a
        # failure report quotes (the save's code action and its edit, say).
        "refineLsp.trace.server": "verbose",
    }
    (user_dir / "User").mkdir(parents=True)
    (user_dir / "User" / "settings.json").write_text(json.dumps(settings, indent=2))
    port = _free_port()
    log = (base / "code-server.log").open("w")
    server = subprocess.Popen(
        [node, str(ENTRY), "--auth", "none", "--bind-addr", f"127.0.0.1:{port}"]
        + ["--disable-telemetry", "--disable-update-check", "--disable-workspace-trust"]
        + ["--user-data-dir", str(user_dir), "--extensions-dir", str(ext_dir), str(workspace)],
        stdout=log,
        stderr=subprocess.STDOUT,
        # The events store goes to the test's own state dir; no key in the environment.
        env={
            **{k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"},
            "REFINE_LSP_STATE_DIR": str(base / "state"),
        },
        start_new_session=True,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/healthz", server)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium"), args=["--no-sandbox"]
            )
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(STEP_MS)
            page.goto(f"http://127.0.0.1:{port}/?folder={workspace}")
            page.wait_for_selector(".monaco-workbench")
            yield {
                "page": page,
                "workspace": workspace,
                "base": base,
                "pid": server.pid,
                "model": model,
                "fake": fake,
                "events": base / "state" / EVENTS_FILE,
            }
            browser.close()
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
        log.close()
        fake.close()


def _error_toasts(page) -> list[str]:
    """Texts of the error notifications on screen."""
    return page.eval_on_selector_all(
        ".notifications-toasts .notification-toast",
        """els => els.filter(e => e.querySelector('.codicon-error'))
                    .map(e => e.innerText.replace(/\\s+/g, ' ').trim())""",
    )


def _toasts(page) -> list[str]:
    """Texts of every notification on screen (for a failure report)."""
    return page.eval_on_selector_all(
        ".notifications-toasts .notification-toast",
        "els => els.map(e => e.innerText.replace(/\\s+/g, ' ').trim())",
    )


def _open(page, relative: str) -> None:
    """Quick Open, as a user does. On a busy machine the list can show another file first
    (recently opened ones come before the search finishes): wait for the row naming this
    file, and try once more if the editor did not open it."""
    name = Path(relative).name
    for attempt in range(2):
        page.keyboard.press("Control+P")
        page.wait_for_selector(".quick-input-widget input")
        page.keyboard.type(relative)
        page.wait_for_selector(f'.quick-input-list .monaco-list-row[aria-label*="{name}"]')
        page.keyboard.press("Enter")
        try:
            page.wait_for_selector(f'.tab[aria-label*="{name}"]', timeout=STEP_MS // 2)
            break
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError: one more try
            if attempt:
                raise
            page.keyboard.press("Escape")
    page.wait_for_selector(".editor-instance .view-lines")


def _editor_text(page) -> str:
    return page.inner_text(".editor-instance .view-lines").replace("\u00a0", " ")


def _shot(workbench: dict, name: str) -> None:
    workbench["page"].screenshot(path=str(workbench["base"] / f"{name}.png"))


def _server_messages(page) -> list[str]:
    """Texts of the notifications the server sent (window/showMessage: "refine-lsp: ...")."""
    return page.eval_on_selector_all(
        ".notifications-toasts .notification-toast",
        """els => els.map(e => e.innerText.replace(/\\s+/g, ' ').trim())
                    .filter(t => t.includes('refine-lsp:'))""",
    )


# What the inline suggestion on screen reads: VS Code draws it as ghost text, decorations in
# the line (.ghost-text-decoration) and, for further lines, a view zone (.ghost-text).
_GHOST_JS = """() => [...document.querySelectorAll(
    '.editor-instance .ghost-text-decoration, .editor-instance .ghost-text-decoration-preview,'
    + ' .editor-instance .ghost-text')].map(e => e.textContent).join('')"""

# The document as the editor holds it: the rendered lines in their order on screen, without
# the ghost text drawn among them.
_TEXT_JS = """() => [...document.querySelectorAll('.editor-instance .view-lines .view-line')]
    .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
    .map(line => {
        const copy = line.cloneNode(true);
        copy.querySelectorAll('[class*="ghost-text"]').forEach(g => g.remove());
        return copy.textContent.replace(/\u00a0/g, ' ');
    }).join('\\n')"""


def _ghost(page) -> str:
    return page.evaluate(_GHOST_JS).replace("\u00a0", " ")


def _document(page) -> str:
    return page.evaluate(_TEXT_JS)


def _inline_events(db: Path) -> dict[str, list[str]]:
    """The events store's inline-completion events, suggestion id -> events in order."""
    if not db.exists():
        return {}
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            rows = conn.execute(
                "SELECT suggestion_id, event FROM events"
                " WHERE kind = 'inline_completion' ORDER BY id"
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:  # not created yet
        return {}
    out: dict[str, list[str]] = {}
    for sid, event in rows:
        out.setdefault(sid, []).append(event)
    return out


def _settled(db: Path, event: str) -> list[str]:
    return [sid for sid, events in _inline_events(db).items() if event in events]


def _client_log(workbench: dict, chars: int = 4000) -> str:
    """The end of the Refine LSP output channel (the extension's and the server's log)."""
    logs = sorted(
        (workbench["base"] / "user" / "logs").glob("*/exthost*/output_logging_*/*Refine*")
    )
    return logs[-1].read_text(errors="replace")[-chars:] if logs else "(no Refine LSP log)"


def _wait(what: str, probe, workbench: dict):
    """Polls `probe` until it returns something true; on a timeout, a screenshot and why."""
    deadline = time.monotonic() + STEP_MS / 1000
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            _shot(workbench, "timeout")
            page = workbench["page"]
            pytest.fail(
                f"timed out waiting for {what}; document {_document(page)!r}, ghost text "
                f"{_ghost(page)!r}, events {_inline_events(workbench['events'])}, "
                f"model requests {len(workbench['fake'].requests)}\n"
                f"notifications {_toasts(page)}\n--- Refine LSP log ---\n{_client_log(workbench)}"
            )
        time.sleep(0.2)


def test_findings_reach_the_problems_panel(workbench: dict) -> None:
    page = workbench["page"]
    _open(page, "shop/cart.py")
    page.keyboard.press("Control+Shift+M")
    try:
        page.wait_for_selector('.markers-panel .monaco-list-row:has-text("imported but unused")')
    finally:
        _shot(workbench, "problems")
    problems = page.inner_text(".markers-panel")
    assert "F401" in problems and "`os` imported but unused" in problems, problems
    assert _error_toasts(page) == []


def test_quick_fix_with_ctrl_dot_changes_the_file(workbench: dict) -> None:
    page = workbench["page"]
    _open(page, "shop/cart.py")
    assert "import os" in _editor_text(page)
    page.click(".editor-instance .view-lines")
    page.keyboard.press("Control+G")
    page.wait_for_selector(".quick-input-widget input")
    page.keyboard.type("2:8")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+.")
    fix = page.locator('.action-widget .monaco-list-row:has-text("Remove unused import")')
    try:
        fix.first.wait_for()
    finally:
        _shot(workbench, "quick-fix-menu")
    # The menu takes the keyboard as in VS Code: move to the fix, Enter applies it.
    for _ in range(10):
        if "Remove unused import" in page.inner_text(".action-widget .monaco-list-row.focused"):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    _wait("the fix in the editor", lambda: "import os" not in _editor_text(page), workbench)
    _shot(workbench, "quick-fix-applied")
    text = _editor_text(page)
    assert "import os" not in text, text
    assert "import json" in text, "only the unused import went"
    assert _error_toasts(page) == []


def test_save_applies_fix_all_on_save(workbench: dict) -> None:
    page, file = workbench["page"], workbench["workspace"] / "shop" / "cart.py"
    before = file.read_text()
    assert "if cart.coupon == None:" in before
    _open(page, "shop/cart.py")
    page.click(".editor-instance .view-lines")
    page.keyboard.press("Control+S")
    _wait("the saved file", lambda: file.read_text() != before, workbench)
    _shot(workbench, "fix-all-on-save")
    after = file.read_text()
    assert "if cart.coupon is None:" in after, f"{_toasts(page)}\n{_client_log(workbench, 20_000)}"
    assert "import os" not in after, "the quick fix of the previous test is saved with it"
    # The whole file is what the server's fix-all makes of the editor's text.
    from refine_lsp.refactor.fix_all import fix_all
    from refine_lsp.settings import Settings

    buffer = before.replace("import os\n", "", 1)
    assert after == fix_all(buffer, Settings().fix_all.rules, str(file))
    assert _error_toasts(page) == []


def _suggest_at(workbench: dict, line: int, answer: str) -> None:
    """Put the cursor at the end of `line`, have the model answer `answer`, and type a space
    after `return` as a user would: VS Code asks for an inline completion; wait for it to show."""
    page = workbench["page"]
    _open(page, "shop/geo.py")
    page.click(".editor-instance .view-lines")
    page.keyboard.press("Control+G")
    page.wait_for_selector(".quick-input-widget input")
    page.keyboard.type(f"{line}:11")
    page.keyboard.press("Enter")
    page.wait_for_selector(".quick-input-widget", state="hidden")
    # Scripted only now: a request made while the cursor moved gets nothing.
    workbench["model"]["answer"] = answer
    page.keyboard.type(" ")
    try:
        _wait(f"the ghost text {answer!r}", lambda: answer in _ghost(workbench["page"]), workbench)
    finally:
        _shot(workbench, f"inline-shown-line-{line}")
    # What VS Code may ask for after the user's decision gets nothing.
    workbench["model"]["answer"] = ""


def test_inline_suggestion_accepted_with_tab_is_recorded(workbench: dict) -> None:
    page, db = workbench["page"], workbench["events"]
    _suggest_at(workbench, 2, "width * height")
    page.keyboard.press("Tab")
    expected = GEO.replace("    return\n", "    return width * height\n", 1)
    _wait("the accepted text in the document", lambda: _document(page) == expected, workbench)
    _shot(workbench, "inline-accepted")
    assert _ghost(page) == ""
    [accepted] = _wait(
        "the acceptance in the events store", lambda: _settled(db, "accepted"), workbench
    )
    events = _inline_events(db)
    assert events[accepted] == ["generated", "shown", "accepted"], events
    assert _settled(db, "rejected") == [], events
    assert _error_toasts(page) == [] and _server_messages(page) == []


def test_inline_suggestion_dismissed_with_escape_is_recorded(workbench: dict) -> None:
    page, db = workbench["page"], workbench["events"]
    _suggest_at(workbench, 6, "2 * (width + height)")
    page.keyboard.press("Escape")
    _wait("the ghost text to go", lambda: _ghost(page) == "", workbench)
    _shot(workbench, "inline-dismissed")
    [rejected] = _wait(
        "the rejection in the events store", lambda: _settled(db, "rejected"), workbench
    )
    events = _inline_events(db)
    assert events[rejected] == ["generated", "shown", "rejected"], events
    [accepted] = _settled(db, "accepted")
    assert accepted != rejected, "the accepted suggestion is not also rejected"
    # Nothing was inserted: the line keeps only what the user typed.
    accepted_text = GEO.replace("    return\n", "    return width * height\n", 1)
    assert _document(page) == accepted_text.replace(
        "height):\n    return\n", "height):\n    return \n"
    )
    assert _error_toasts(page) == [] and _server_messages(page) == []


def _servers(ancestor: int) -> list[int]:
    """refine-lsp server processes started (at any depth) under code-server."""
    out = subprocess.run(["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True)
    parent, args = {}, {}
    for line in out.stdout.splitlines():
        pid, ppid, cmd = (line.split(None, 2) + [""])[:3]
        parent[int(pid)], args[int(pid)] = int(ppid), cmd
    found = []
    for pid, cmd in args.items():
        if "-m refine_lsp serve" not in cmd:
            continue
        p = pid
        while p > 1 and p != ancestor:
            p = parent.get(p, 1)
        if p == ancestor:
            found.append(pid)
    return found


# The `{}` next to "Python" in the status bar: VS Code's language status entry. Clicking it
# opens its hover, one row per status item of the file's language.
_LANG_STATUS = '[id="status.languageStatus"]'

# The Refine row of that hover as it is on screen ("" while the hover is shut). The first time
# the row shows, it starts recording each text the row takes, in order (window.__refineStatus):
# VS Code renders the rows into one element that it keeps, and updates, while the hover is shut
# too, so a state that lasts less than a poll (the restart on a quiet machine) is still seen.
_STATUS_ROW_JS = """() => {
    const find = root => [...root.querySelectorAll('.hover-language-status')]
        .find(r => r.textContent.includes('Refine:'));
    // The label, " - " where VS Code draws its separator, the detail.
    const text = r => [...r.querySelector('.element .left').childNodes]
        .map(n => n.classList && n.classList.contains('separator') ? ' - ' : n.textContent)
        .join('').replace(/\\u00a0/g, ' ').replace(/\\s+/g, ' ').trim();
    const row = find(document);
    if (row && !window.__refineStatus) {
        const hover = row.parentElement;
        window.__refineStatus = [text(row)];
        new MutationObserver(() => {
            const r = find(hover);
            const seen = window.__refineStatus;
            if (r && text(r) !== seen[seen.length - 1]) seen.push(text(r));
        }).observe(hover, {childList: true, subtree: true, characterData: true});
    }
    return row && row.getClientRects().length ? text(row) : '';
}"""

RUNNING = "Refine: openai/fake"  # the model in use: what the row says while the server runs


def _status_row(page) -> str:
    """The Refine row of the language status hover, opening the hover when it is shut."""
    row = page.evaluate(_STATUS_ROW_JS)
    if not row:
        page.click(_LANG_STATUS)
        row = page.evaluate(_STATUS_ROW_JS)
    return row


def test_a_killed_server_is_restarted_and_the_status_follows(workbench: dict) -> None:
    page, root = workbench["page"], workbench["pid"]
    _open(page, "shop/stats.py")
    # Before: the language status of the Python file (its hover, opened with a click on the
    # `{}`) says the server runs with the model.
    before = _wait(
        "the running status",
        lambda: (row := _status_row(page)) and RUNNING in row and row,
        workbench,
    )
    assert "restarting" not in before and "not running" not in before, before
    [old] = _servers(root)
    os.kill(old, 9)
    # The status says it is restarting, and why.
    seen = lambda: page.evaluate("() => window.__refineStatus")  # noqa: E731
    restarting = _wait(
        "the status to say restarting",
        lambda: next((t for t in seen() if "Refine: restarting" in t), None),
        workbench,
    )
    # "Refine: restarting - the server stopped · process N was killed (SIGKILL); restart 1 of 5
    # in 250 ms · refineLsp.server.path: ..."
    assert restarting.startswith("Refine: restarting - the server stopped · "), restarting
    assert f"process {old} was killed (SIGKILL); restart 1 of 5 in" in restarting, restarting
    _wait("a new server process", lambda: [p for p in _servers(root) if p != old], workbench)
    # Then running again, on the row on screen: "Refine: openai/fake - running · ..." (or the
    # hints hidden, once the new server reports them).
    after = _wait(
        "the status to say running again",
        lambda: (row := _status_row(page)) and RUNNING in row and "restarting" not in row and row,
        workbench,
    )
    _shot(workbench, "status-after-restart")
    history = seen()
    # What the row said, in order, next to the screenshots (for a failure report).
    (workbench["base"] / "status-history.json").write_text(json.dumps(history, indent=1))
    first = next(i for i, t in enumerate(history) if "Refine: restarting" in t)
    assert any(RUNNING in t for t in history[first + 1 :]), history
    assert _error_toasts(page) == [], _toasts(page)
    page.keyboard.press("Escape")
    # The new server answers: an unused import added to a file is reported again.
    page.click(".editor-instance .view-lines")
    page.keyboard.press("Control+Home")
    page.keyboard.type("import base64\n")
    page.keyboard.press("Control+Shift+M")
    try:
        page.wait_for_selector('.markers-panel .monaco-list-row:has-text("base64")')
    finally:
        _shot(workbench, "after-restart")
    assert after.startswith(f"{RUNNING} - "), after
    assert _error_toasts(page) == [], _toasts(page)
