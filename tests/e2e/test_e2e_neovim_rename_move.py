"""Rename and Move in a real headless Neovim (Debian's 0.7.2 and a current one) with the
README's init.lua: vim.lsp.buf.rename edits every file of the workspace, the Move code action
(resolved, then applied as Neovim applies workspace edits) moves a function to its sibling
module with every import rewritten. The program prints the same before and after, the files
are compared whole, and no warning or error reaches the user."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from nvim_support import nvim_params, run_nvim, user_visible_problems
from test_e2e_neovim import make_project, readme_init_lua

FILES = {
    "geo/__init__.py": "",
    "geo/shapes.py": "def area(width, height):\n    return width * height\n\n\n"
    "def square(side):\n    return area(side, side)\n",
    "geo/report.py": "from geo.shapes import area\n\n\ndef show():\n    return area(2, 3)\n",
    "main.py": "from geo import shapes\nfrom geo.report import show\nfrom geo.shapes import area\n\n"
    "print(area(2, 3), shapes.square(4), show())\n",
}

DRIVER = r"""
  local buf = vim.api.nvim_get_current_buf()
  assert(wait_for(function() return refine_client(buf) ~= nil end, 30000), "not attached")
  local c = refine_client(buf)
  local function file_text(rel)
    return table.concat(vim.fn.readfile(rel), "\n") .. "\n"
  end
  local function buf_text(rel)
    local b = vim.fn.bufnr(rel)
    if b == -1 then return vim.NIL end
    return table.concat(vim.api.nvim_buf_get_lines(b, 0, -1, false), "\n") .. "\n"
  end

  -- Rename `area` (line 1, on its name) to `surface`, as :lua vim.lsp.buf.rename does.
  vim.api.nvim_win_set_cursor(0, { 1, 5 })
  vim.lsp.buf.rename("surface")
  assert(wait_for(function()
    local t = buf_text("main.py")
    return t ~= vim.NIL and t:find("surface", 1, true) ~= nil
  end, 60000), "rename did not reach main.py")
  vim.cmd("silent noautocmd wall") -- the edit alone, no fix-all on save
  table.insert(out.steps, "renamed")
  out.renamed = { shapes = file_text("geo/shapes.py"), report = file_text("geo/report.py"), main = file_text("main.py") }

  -- Neovim 0.10+ sends the rename's didChange after a debounce: a user looks at the result
  -- before asking for the next action (a listing on older text is refused at resolve).
  wait_for(function() return false end, 1000)
  -- Move `square` (line 5) to geo.report: list refactor.move, resolve, apply.
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = 4, character = 4 }, ["end"] = { line = 4, character = 4 } },
    context = { diagnostics = {}, only = { "refactor.move" }, triggerKind = 1 },
  }
  local res = call(c, "request_sync", "textDocument/codeAction", params, 60000, buf)
  assert(res and not res.err, "codeAction failed: " .. vim.inspect(res))
  out.moves = {}
  local chosen
  for _, a in ipairs(res.result or {}) do
    table.insert(out.moves, a.title)
    if a.title:find("to geo.report", 1, true) then chosen = a end
  end
  assert(chosen, "no move to geo.report in " .. vim.inspect(out.moves))
  if not chosen.edit then
    local r = call(c, "request_sync", "codeAction/resolve", chosen, 60000, buf)
    assert(r and not r.err, "resolve failed: " .. vim.inspect(r))
    chosen = r.result
  end
  vim.lsp.util.apply_workspace_edit(chosen.edit, c.offset_encoding)
  vim.cmd("silent noautocmd wall") -- the edit alone, no fix-all on save
  table.insert(out.steps, "moved")
  out.moved = { shapes = file_text("geo/shapes.py"), report = file_text("geo/report.py"), main = file_text("main.py") }
  vim.wait(300, function() return false end, 50)
"""


def run(project: Path) -> str:
    return subprocess.run(
        [sys.executable, "main.py"], cwd=project, capture_output=True, text=True, timeout=60
    ).stdout


@pytest.mark.parametrize("nvim", nvim_params())
def test_neovim_rename_then_move_keep_the_program(nvim: str, tmp_path: Path):
    project = make_project(tmp_path)
    for rel, text in FILES.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    before = run(project)
    assert before == "6 16 6\n"
    out, proc = run_nvim(
        nvim, tmp_path, project, readme_init_lua(), DRIVER, [project / "geo" / "shapes.py"]
    )
    assert out["ok"], out
    assert out["steps"] == ["renamed", "moved"]
    assert out["renamed"] == {
        "shapes": FILES["geo/shapes.py"].replace("area", "surface"),
        "report": FILES["geo/report.py"].replace("area", "surface"),
        "main": FILES["main.py"].replace("area", "surface"),
    }
    assert out["moves"] == [
        "Move `square` to geo.report (beside it)",
        "Move `square` to a new module geo.square",
    ]
    assert out["moved"] == {
        "shapes": "def surface(width, height):\n    return width * height\n",
        "report": "from geo.shapes import surface\n\n\ndef square(side):\n"
        "    return surface(side, side)\n\n\ndef show():\n    return surface(2, 3)\n",
        # `shapes` served only the moved name: the destination's import takes its place
        "main": "from geo import report\nfrom geo.report import show\n"
        "from geo.shapes import surface\n\n"
        "print(surface(2, 3), report.square(4), show())\n",
    }
    assert run(project) == before
    assert user_visible_problems(out, proc) == []
