"""A real headless Neovim with the README's init.lua: diagnostics arrive, code actions are
listed, an extract-variable action is applied, and the on-save autocommand applies
source.fixAll.refine before the write. The file on disk is compared whole."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"

SOURCE = """import sys
import os


def price(total, coupon):
    if coupon == None:
        return total * 1.2
    return (total - 5) * 1.2


print(price(10, None), sys.argv)
"""

EXPECTED = """import sys


def price(total, coupon):
    if coupon is None:
        return total * 1.2
    value = total - 5
    return value * 1.2


print(price(10, None), sys.argv)
"""

DRIVER = r"""
local out = { steps = {} }
local function finish()
  vim.fn.writefile({ vim.fn.json_encode(out) }, OUT_PATH)
  vim.cmd("qa!")
end
local ok, err = pcall(function()
  local buf = vim.api.nvim_get_current_buf()
  local function client()
    local clients = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = buf })
      or vim.lsp.buf_get_clients(buf)
    for _, c in pairs(clients) do
      if c.name == "refine-lsp" then return c end
    end
  end
  assert(vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 50), "no diagnostics")
  out.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(out.diagnostics, d.message)
  end
  local c = client()
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = 7, character = 11 }, ["end"] = { line = 7, character = 22 } },
    context = { diagnostics = {} },
  }
  local res = c.request_sync("textDocument/codeAction", params, 20000, buf)
  out.actions = {}
  local chosen
  for _, a in ipairs(res.result or {}) do
    table.insert(out.actions, a.title)
    if a.title == "Extract variable" then chosen = a end
  end
  assert(chosen, "no extract variable action")
  local resolved = c.request_sync("codeAction/resolve", chosen, 20000, buf)
  vim.lsp.util.apply_workspace_edit(resolved.result.edit, c.offset_encoding)
  table.insert(out.steps, "extracted")
  vim.cmd("write")
  table.insert(out.steps, "written")
end)
out.ok = ok
out.error = ok and vim.NIL or tostring(err)
finish()
"""


def readme_init_lua() -> str:
    blocks = re.findall(r"```lua\n(.*?)```", README.read_text(), flags=re.S)
    [init] = [b for b in blocks if "refine_lsp_start" in b]
    return init


def test_neovim_extract_variable_and_fix_all_on_save(tmp_path: Path):
    nvim = shutil.which("nvim")
    if nvim is None:
        pytest.skip("Neovim is not installed (apt-get install neovim; .ci/run installs it)")
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.ruff.lint]\nselect = ["E", "F"]\n')
    target = project / "pricing.py"
    target.write_text(SOURCE)
    init = tmp_path / "init.lua"
    init.write_text("vim.cmd('filetype on')\n" + readme_init_lua())
    out_path = tmp_path / "out.json"
    driver = tmp_path / "driver.lua"
    driver.write_text(f"OUT_PATH = {json.dumps(str(out_path))}\n" + DRIVER)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    proc = subprocess.run(
        [
            nvim,
            "--headless",
            "-n",
            "-i",
            "NONE",
            "-u",
            str(init),
            str(target),
            "-c",
            f"luafile {driver}",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out_path.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    out = json.loads(out_path.read_text())
    assert out["ok"], out
    assert "Comparison to `None` should be `cond is None`" in out["diagnostics"]
    assert "`os` imported but unused" in out["diagnostics"]
    assert "Extract variable" in out["actions"]
    assert out["steps"] == ["extracted", "written"]
    assert target.read_text() == EXPECTED
