"""A real headless Neovim (Debian's 0.7.2 and a current one) with the README's init.lua:
diagnostics arrive, code actions are listed, an extract-variable action is applied, and the
on-save autocommand applies source.fixAll.refine before the write. The file on disk is
compared whole, and no warning or error reaches the user on the way. Settings given in the
README's table reach the server on both versions (0.7 only through init_options)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from nvim_support import nvim_params, run_nvim, user_visible_problems
from refine_lsp.llm.fake_server import FakeOpenAI, Reply

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
  local buf = vim.api.nvim_get_current_buf()
  assert(vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 50), "no diagnostics")
  out.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(out.diagnostics, d.message)
  end
  local c = refine_client(buf)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = 7, character = 11 }, ["end"] = { line = 7, character = 22 } },
    context = { diagnostics = {} },
  }
  local res = call(c, "request_sync", "textDocument/codeAction", params, 20000, buf)
  out.actions = {}
  local chosen
  for _, a in ipairs(res.result or {}) do
    table.insert(out.actions, a.title)
    if a.title == "Extract variable" then chosen = a end
  end
  assert(chosen, "no extract variable action")
  local resolved = call(c, "request_sync", "codeAction/resolve", chosen, 20000, buf)
  vim.lsp.util.apply_workspace_edit(resolved.result.edit, c.offset_encoding)
  table.insert(out.steps, "extracted")
  vim.cmd("write")
  table.insert(out.steps, "written")
  -- Let the server's answers to the edit and the save arrive, so their messages are seen.
  vim.wait(1500, function() return false end, 50)
"""


def readme_block(marker: str) -> str:
    blocks = re.findall(r"```lua\n(.*?)```", README.read_text(), flags=re.S)
    [block] = [b for b in blocks if marker in b]
    return block


def readme_init_lua() -> str:
    return readme_block("refine_lsp_start")


def make_project(tmp_path: Path) -> Path:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.ruff.lint]\nselect = ["E", "F"]\n')
    return project


@pytest.mark.parametrize("nvim", nvim_params())
def test_neovim_extract_variable_and_fix_all_on_save(nvim: str, tmp_path: Path):
    project = make_project(tmp_path)
    target = project / "pricing.py"
    target.write_text(SOURCE)
    out, proc = run_nvim(nvim, tmp_path, project, readme_init_lua(), DRIVER, [target])
    assert out["ok"], out
    assert "Comparison to `None` should be `cond is None`" in out["diagnostics"]
    assert "`os` imported but unused" in out["diagnostics"]
    assert "Extract variable" in out["actions"]
    assert out["steps"] == ["extracted", "written"]
    assert target.read_text() == EXPECTED
    assert user_visible_problems(out, proc) == []


@pytest.mark.parametrize("nvim", [p for p in nvim_params() if p.values[0] == "current"])
def test_readme_vim_lsp_config_form(nvim: str, tmp_path: Path):
    """The README's Neovim 0.11+ form (vim.lsp.config / vim.lsp.enable) with the same
    settings table and fix-all autocommand as the init.lua."""
    init = readme_init_lua()
    settings = init[: init.index("local function refine_lsp_start")]
    fix_all = init[init.index("-- client:request_sync()") :]
    project = make_project(tmp_path)
    target = project / "pricing.py"
    target.write_text(SOURCE)
    config = settings + readme_block('vim.lsp.config("refine-lsp"') + fix_all
    out, proc = run_nvim(nvim, tmp_path, project, config, DRIVER, [target])
    assert out["ok"], out
    assert out["steps"] == ["extracted", "written"]
    assert target.read_text() == EXPECTED
    assert user_visible_problems(out, proc) == []


MODEL_LINE = (
    '-- refine_settings.model = { solver = "openai/gpt-4o-mini", apiKeyEnv = "OPENAI_API_KEY" }'
)

INLINE_DRIVER = r"""
  local buf = vim.api.nvim_get_current_buf()
  assert(vim.wait(30000, function() return refine_client(buf) ~= nil end, 50), "no client")
  local c = refine_client(buf)
  assert(vim.wait(30000, function() return c.initialized or c.server_capabilities end, 50))
  -- The first suggestion waits for the server to import litellm: long on a busy machine.
  local res, err = call(c, "request_sync", "textDocument/inlineCompletion", {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = 1, character = 11 },
    context = { triggerKind = 1 },
  }, 150000, buf)
  out.inline = res and res.result or vim.NIL
  out.inline_error = (res and res.err and vim.inspect(res.err)) or (not res and tostring(err))
    or vim.NIL
  local stats = call(c, "request_sync", "workspace/executeCommand",
    { command = "refineLsp.acceptanceStats" }, 10000, buf)
  out.stats = stats and stats.result or vim.NIL
"""


@pytest.mark.parametrize("nvim", nvim_params())
def test_readme_settings_reach_the_server(nvim: str, tmp_path: Path):
    """The user uncomments the README's model line: on 0.7 it arrives only as
    initializationOptions, on 0.11 also through workspace/configuration; inline works."""
    project = make_project(tmp_path)
    target = project / "geo.py"
    target.write_text("def area(width, height):\n    return \n")
    init = readme_init_lua()
    assert MODEL_LINE in init
    with FakeOpenAI(responder=lambda request: Reply(text="width * height")) as fake:
        model = (
            f'refine_settings.model = {{ solver = "openai/fake", apiBase = "{fake.url}/v1",'
            ' apiKeyEnv = "FAKE_KEY" }\n'
            "refine_settings.acceptance = { keepAccepted = 1.0 }"
        )
        out, proc = run_nvim(
            nvim,
            tmp_path,
            project,
            init.replace(MODEL_LINE, model),
            INLINE_DRIVER,
            [target],
            env={"FAKE_KEY": "sk-test"},
        )
        calls = len(fake.requests)
    assert out["ok"], out
    assert out["inline_error"] is None, out
    [item] = out["inline"]["items"]
    assert item["insertText"] == "width * height"
    assert calls == 1
    assert user_visible_problems(out, proc) == []
