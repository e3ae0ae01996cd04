"""The shipped Lua module (editors/nvim) in a real headless Neovim, 0.7.2 and a current one:
setup() starts the client, a code action is applied, the save applies fix-all, and inline
completions from the scripted model server appear as ghost text (an extmark) that the user
dismisses, accepts a word of and then the rest, types through and accepts whole; each fate
is recorded once in the server's events store. No warning or error reaches the user. On 0.7
the model settings arrive only as initializationOptions, so the suggestions prove they got
there."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from nvim_support import NVIM_MODULE, nvim_params, run_nvim, user_visible_problems
from refine_lsp.llm.fake_server import FakeOpenAI, Reply
from test_e2e_neovim import DRIVER as EDIT_AND_SAVE
from test_e2e_neovim import EXPECTED, SOURCE, make_project

GEO = "def area(width, height):\n    return\n"
GEO_AFTER = "def area(width, height):\n    return width * height\n    return width * height\n"

SETUP = """
vim.opt.runtimepath:prepend(%(module)s)
require("refine_lsp").setup({
  settings = {
    diagnostics = { debounceMs = 50 },
    model = { solver = "openai/fake", apiBase = %(api)s, apiKeyEnv = "FAKE_KEY" },
    inline = { debounceMs = 0 },
    acceptance = { keepAccepted = 1.0 },
  },
  inline = { debounce_ms = 30 },
})
"""

INLINE = r"""
  local inline = require("refine_lsp.inline")
  vim.cmd("edit geo.py")
  local buf = vim.api.nvim_get_current_buf()
  assert(vim.wait(30000, function() return refine_client(buf) ~= nil end, 50), "not attached")
  local function ghost()
    local marks = vim.api.nvim_buf_get_extmarks(buf, inline.namespace, 0, -1, { details = true })
    local texts = {}
    for _, m in ipairs(marks) do
      for _, chunk in ipairs(m[4].virt_text or {}) do table.insert(texts, chunk[1]) end
    end
    return { marks = #marks, text = table.concat(texts), mode = vim.api.nvim_get_mode().mode }
  end
  local function line(n) return vim.api.nvim_buf_get_lines(buf, n - 1, n, false)[1] end
  local function wait_shown(what)
    -- The first one waits for the server to import litellm: long on a busy machine.
    assert(wait_for(function() return inline.current(buf) ~= nil end, 120000), "no " .. what)
    return inline.current(buf)
  end
  out.seen = {}
  local function note(step, s)
    table.insert(out.seen, { step = step, id = s and s.id or vim.NIL, ghost = ghost(), line = line(vim.fn.line(".")) })
  end

  vim.api.nvim_win_set_cursor(0, { 2, 0 })
  feed("A ") -- typing: an automatic request after the pause
  note("typed", wait_shown("suggestion after typing"))
  feed("<C-]>")
  note("dismissed", inline.current(buf))
  -- Typed on, then asked for one explicitly (with automatic requests off for the edit, so
  -- none races the explicit one).
  inline.config.auto = false
  feed("x<BS>")
  feed("<M-\\>")
  local s2 = wait_shown("suggestion on request")
  note("asked", s2)
  feed("<M-Right>")
  note("word", inline.current(buf))
  feed("<Tab>")
  note("rest", inline.current(buf))
  feed("<Esc>o    return")
  inline.config.auto = true
  feed(" ")
  local s3 = wait_shown("suggestion on the new line")
  note("typed again", s3)
  feed("wid") -- typing what it says keeps it
  note("typed through", inline.current(buf))
  feed("<Tab>")
  note("accepted", inline.current(buf))
  feed("<Esc>")
  local c = refine_client(buf)
  local stats = call(c, "request_sync", "workspace/executeCommand",
    { command = "refineLsp.acceptanceStats" }, 10000, buf)
  out.stats = stats and stats.result or vim.NIL
  out.text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n") .. "\n"
  vim.wait(500, function() return false end, 50)
"""


def events(state: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(state / "events.sqlite3") as db:
        return db.execute(
            "SELECT suggestion_id, event FROM events WHERE kind = ? ORDER BY id",
            ("inline_completion",),
        ).fetchall()


@pytest.mark.parametrize("nvim", nvim_params())
def test_module_edit_save_and_inline_ghost_text(nvim: str, tmp_path: Path):
    project = make_project(tmp_path)
    pricing = project / "pricing.py"
    pricing.write_text(SOURCE)
    (project / "geo.py").write_text(GEO)
    with FakeOpenAI(responder=lambda request: Reply(text="width * height")) as fake:
        init = SETUP % {"module": json.dumps(str(NVIM_MODULE)), "api": json.dumps(fake.url + "/v1")}
        out, proc = run_nvim(
            nvim,
            tmp_path,
            project,
            init,
            EDIT_AND_SAVE + INLINE,
            [pricing],
            env={"FAKE_KEY": "sk-test"},
        )
        model_calls = len(fake.requests)
    assert out["ok"], out
    assert "Extract variable" in out["actions"]
    assert pricing.read_text() == EXPECTED  # the module's fix-all ran before the write
    seen = {s["step"]: s for s in out["seen"]}
    assert seen["typed"]["ghost"] == {"marks": 1, "text": "width * height", "mode": "i"}
    assert seen["dismissed"]["ghost"]["marks"] == 0
    assert seen["asked"]["ghost"]["text"] == "width * height"
    assert seen["word"]["line"] == "    return width"
    assert seen["word"]["ghost"]["text"] == " * height"
    assert seen["rest"]["line"] == "    return width * height"
    assert seen["rest"]["ghost"]["marks"] == 0
    assert seen["typed through"]["id"] == seen["typed again"]["id"]
    assert seen["typed through"]["line"] == "    return wid"
    assert seen["typed through"]["ghost"]["text"] == "th * height"
    assert seen["accepted"]["line"] == "    return width * height"
    assert out["text"] == GEO_AFTER
    assert model_calls == 3
    first, second, third = (seen[k]["id"] for k in ("typed", "asked", "typed again"))
    assert len({first, second, third}) == 3
    assert events(tmp_path / "refine-state") == [
        (first, "generated"),
        (first, "shown"),
        (first, "rejected"),
        (second, "generated"),
        (second, "shown"),
        (second, "partially_accepted"),
        (third, "generated"),
        (third, "shown"),
        (third, "accepted"),
    ]
    assert user_visible_problems(out, proc) == []
