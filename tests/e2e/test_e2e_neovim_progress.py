"""Long actions in a real headless Neovim (0.7.2 and a current one) through the shipped module:
the loop's code action runs as a command, its progress reaches the user, :RefineLspCancel
stops it (the command answers "cancelled", the progress ends "cancelled"), the file is
unchanged, and nothing but information messages reaches the user."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from nvim_support import NVIM_MODULE, REPO, nvim_params, run_nvim, user_visible_problems
from refine_lsp.llm.fake_server import FakeOpenAI, Reply

SETUP = """
vim.opt.runtimepath:prepend(%(module)s)
require("refine_lsp").setup({
  settings = {
    model = { solver = "openai/fake", apiBase = %(api)s, apiKeyEnv = "FAKE_KEY", timeoutS = 120 },
  },
  progress = "notify",
})
"""

DRIVER = r"""
  local buf = vim.api.nvim_get_current_buf()
  assert(vim.wait(60000, function() return refine_client(buf) ~= nil end, 50), "not attached")
  local c = refine_client(buf)
  assert(vim.wait(60000, function() return c.initialized ~= false end, 50))
  local res = call(c, "request_sync", "textDocument/codeAction", {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = 2, character = 4 }, ["end"] = { line = 2, character = 4 } },
    context = { diagnostics = {} },
  }, 30000, buf)
  local action
  for _, a in ipairs(res and res.result or {}) do
    if a.title:find("^Refine with checks") then action = a end
  end
  assert(action, "no loop action: " .. vim.inspect(res))
  if not action.command then
    action = call(c, "request_sync", "codeAction/resolve", action, 30000, buf).result
  end
  out.title = action.title
  local answer = nil
  call(c, "request", "workspace/executeCommand", action.command, function(err, result)
    answer = { err = err and err.code or vim.NIL, result = result or vim.NIL }
  end, buf)
  local progress = require("refine_lsp.progress")
  -- The loop's own progress (the workspace index may be reporting too, from the start).
  local prefix = action.title:match("^[^:]*")
  local function working()
    for _, works in pairs(progress.active) do
      for _, work in pairs(works) do
        if (work.title or ""):sub(1, #prefix) == prefix then return true end
      end
    end
  end
  assert(wait_for(working, 120000), "no progress began")
  out.active_before = working() or false
  vim.cmd("RefineLspCancel")
  assert(wait_for(function() return not working() end, 60000), "progress never ended")
  -- Neovim does not pass a cancelled request's error on; an answer would be the command's.
  vim.wait(1000, function() return answer ~= nil end, 50)
  out.answer = answer or vim.NIL
  out.pending = 0
  for _, r in pairs(c.requests or {}) do
    if r.type == "pending" then out.pending = out.pending + 1 end
  end
  out.text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n") .. "\n"
"""


@pytest.mark.parametrize("nvim", nvim_params())
def test_loop_progress_shown_and_cancelled(nvim: str, tmp_path: Path):
    project = tmp_path / "shop"
    shutil.copytree(REPO / "fixtures" / "shop", project)
    pricing = project / "shop" / "pricing.py"
    before = pricing.read_text()
    # The model takes a minute to answer: the cancel comes first.
    with FakeOpenAI(responder=lambda request: Reply.slow(60, "def f(): pass")) as fake:
        init = SETUP % {"module": json.dumps(str(NVIM_MODULE)), "api": json.dumps(fake.url + "/v1")}
        out, proc = run_nvim(
            nvim, tmp_path, project, init, DRIVER, [pricing], env={"FAKE_KEY": "sk-test"}
        )
    assert out["ok"], out
    assert out["active_before"] is True
    # No answer (the request was cancelled) or the command's own "cancelled": never an edit.
    answer = out["answer"]
    assert answer is None or answer["result"]["message"] == "cancelled", answer
    assert out["pending"] == 0
    infos = [n["msg"] for n in out["notify"]]
    title = out["title"].split(":")[0]
    assert any(m.startswith(f"refine-lsp: {title}") for m in infos), infos
    assert any(m.startswith("refine-lsp: cancelling") for m in infos), infos
    assert any(m.endswith(": cancelled") for m in infos), infos
    assert out["text"] == before and pricing.read_text() == before
    assert user_visible_problems(out, proc) == []
