-- Inline completions as ghost text. Neovim 0.7 to 0.11 have no inline-completion client, so
-- this module asks textDocument/inlineCompletion itself while the user types (debounced),
-- draws the first item with an extmark, and reports each suggestion's fate to the server
-- exactly once, as the VS Code extension does: accepted (the item's command), partially
-- accepted (the same command with "partial") or rejected (refineLsp/suggestionRejected {id}).
local compat = require("refine_lsp.compat")

local M = {}

M.REJECTED = "refineLsp/suggestionRejected"
M.INVOKED, M.AUTOMATIC = 1, 2
M.namespace = vim.api.nvim_create_namespace("refine_lsp_inline")
M.config = {
  client_name = "refine-lsp",
  auto = true, -- ask while typing; false: only on the suggest key
  debounce_ms = 75,
  hl_group = "RefineLspGhostText",
}

local shown = {} -- buf -> the suggestion on screen
local pending = {} -- buf -> { client_id, request_id } of the request in flight
local own_insert = {} -- buf -> cursor our own insertion left (no new request for that move)
local timer = nil

vim.api.nvim_set_hl(0, M.config.hl_group, { link = "Comment", default = true })

local function cursor()
  local pos = vim.api.nvim_win_get_cursor(0)
  return pos[1] - 1, pos[2]
end

local function in_insert()
  return vim.api.nvim_get_mode().mode:sub(1, 1) == "i"
end

local function warn(msg)
  vim.notify("refine-lsp: " .. msg, vim.log.levels.WARN)
end

-- The server puts the suggestion id first in the item's command: a string or { id = ... }.
local function suggestion_id(command)
  local first = command and command.arguments and command.arguments[1]
  if type(first) == "table" then
    first = first.id
  end
  if type(first) == "string" or type(first) == "number" then
    return tostring(first)
  end
end

local function render(buf, s)
  vim.api.nvim_buf_clear_namespace(buf, M.namespace, 0, -1)
  local lines = compat.split_lines(s.text)
  local opts = { virt_text = { { lines[1], M.config.hl_group } }, hl_mode = "combine" }
  if compat.has_010 then
    opts.virt_text_pos = "inline"
  else -- 0.7 has no inline virtual text: draw over the line end, or after it mid-line
    local line = vim.api.nvim_buf_get_lines(buf, s.row, s.row + 1, false)[1] or ""
    opts.virt_text_pos = s.col >= #line and "overlay" or "eol"
  end
  if #lines > 1 then
    opts.virt_lines = {}
    for i = 2, #lines do
      table.insert(opts.virt_lines, { { lines[i], M.config.hl_group } })
    end
  end
  s.mark = vim.api.nvim_buf_set_extmark(buf, M.namespace, s.row, s.col, opts)
end

local function clear(buf)
  if vim.api.nvim_buf_is_valid(buf) then
    vim.api.nvim_buf_clear_namespace(buf, M.namespace, 0, -1)
  end
end

-- "accepted", "partial" or "rejected", once per suggestion.
local function settle(buf, s, how)
  if s.settled then
    return
  end
  s.settled = how
  local client = compat.client_by_id(s.client_id)
  if not client or not s.sid then
    return
  end
  if how == "rejected" then
    compat.notify(client, M.REJECTED, { id = s.sid })
    return
  end
  local command = s.command
  if not command or not command.command then
    return
  end
  local args = vim.deepcopy(command.arguments or {})
  if how == "partial" then
    table.insert(args, "partial")
  end
  local params = { command = command.command, arguments = args }
  compat.request(client, "workspace/executeCommand", params, function(err)
    if err then
      warn("recording an accepted suggestion failed: " .. tostring(err.message or err))
    end
  end, buf)
end

local function cancel_pending(buf)
  local p = pending[buf]
  pending[buf] = nil
  local client = p and compat.client_by_id(p.client_id)
  if client then
    compat.cancel_request(client, p.request_id)
  end
end

--- The suggestion shown in `buf` (text still to accept, anchor, id), or nil.
function M.current(buf)
  local s = shown[buf or vim.api.nvim_get_current_buf()]
  if s then
    return { id = s.sid, text = s.text, row = s.row, col = s.col, settled = s.settled or nil }
  end
end

--- Hide the suggestion in `buf` and report it rejected (unless already partly accepted).
function M.dismiss(buf)
  buf = buf or vim.api.nvim_get_current_buf()
  local s = shown[buf]
  if not s then
    return false
  end
  shown[buf] = nil
  clear(buf)
  settle(buf, s, "rejected")
  return true
end

local function insert(buf, s, text)
  local lines = compat.split_lines(text)
  vim.api.nvim_buf_set_text(buf, s.row, s.col, s.row, s.col, lines)
  local row = s.row + #lines - 1
  local col = (#lines == 1 and s.col or 0) + #lines[#lines]
  vim.api.nvim_win_set_cursor(0, { row + 1, col })
  own_insert[buf] = { row, col }
  return row, col
end

--- Insert the whole suggestion at the cursor.
function M.accept(buf)
  buf = buf or vim.api.nvim_get_current_buf()
  local s = shown[buf]
  if not s then
    return false
  end
  shown[buf] = nil
  clear(buf)
  insert(buf, s, s.text)
  settle(buf, s, "accepted")
  return true
end

-- A line break (with the next line's indentation) is one word; so is a run of punctuation.
local function next_word(text)
  return text:match("^\n[ \t]*")
    or text:match("^[ \t]*[%w_]+")
    or text:match("^[ \t]*[^%w_%s]+")
    or text:match("^[ \t]+")
    or text
end

-- The rest of the current line; at a line end, the break and the next line.
local function next_line(text)
  local from = text:sub(1, 1) == "\n" and 2 or 1
  local i = text:find("\n", from, true)
  return i and text:sub(1, i - 1) or text
end

local function accept_part(buf, part_of)
  buf = buf or vim.api.nvim_get_current_buf()
  local s = shown[buf]
  if not s then
    return false
  end
  local part = part_of(s.text)
  if #part >= #s.text then
    return M.accept(buf)
  end
  s.text = s.text:sub(#part + 1)
  s.row, s.col = insert(buf, s, part)
  render(buf, s)
  settle(buf, s, "partial")
  return true
end

function M.accept_word(buf)
  return accept_part(buf, next_word)
end

function M.accept_line(buf)
  return accept_part(buf, next_line)
end

local function on_result(buf, client, result, row, col, tick)
  local r, c = cursor()
  if vim.api.nvim_get_current_buf() ~= buf or not in_insert() then
    return
  end
  if vim.api.nvim_buf_get_changedtick(buf) ~= tick or r ~= row or c ~= col then
    return -- the user typed or moved on; a newer request follows
  end
  local items = type(result) == "table" and (result.items or result) or {}
  local item = items[1]
  local text = item and item.insertText
  if type(text) == "table" then
    text = text.value -- a snippet: shown and inserted as plain text
  end
  if type(text) ~= "string" or text == "" then
    return
  end
  if item.range and item.range.start.line == row then
    -- The item may replace what was typed since its start: show only what is new.
    local line = vim.api.nvim_buf_get_lines(buf, row, row + 1, false)[1] or ""
    local start = compat.byte_col(line, item.range.start.character, client.offset_encoding)
    if start < col then
      local typed = line:sub(start + 1, col)
      if text:sub(1, #typed) ~= typed then
        return
      end
      text = text:sub(#typed + 1)
    end
  end
  M.dismiss(buf)
  local s = {
    sid = suggestion_id(item.command),
    text = text,
    row = row,
    col = col,
    command = item.command,
    client_id = client.id,
  }
  shown[buf] = s
  render(buf, s)
end

--- Ask for a suggestion at the cursor (kind: M.INVOKED, the default, or M.AUTOMATIC).
function M.request(buf, kind)
  buf = buf or vim.api.nvim_get_current_buf()
  local client = compat.clients(buf, M.config.client_name)[1]
  if not client then
    return false
  end
  if timer then
    timer:stop() -- this request supersedes the one the pause would send
  end
  cancel_pending(buf)
  local row, col = cursor()
  local tick = vim.api.nvim_buf_get_changedtick(buf)
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  params.context = { triggerKind = kind or M.INVOKED }
  local request_id
  local ok
  ok, request_id = compat.request(client, "textDocument/inlineCompletion", params, function(err, result)
    if not pending[buf] or pending[buf].request_id ~= request_id then
      return -- superseded by a newer request, or cancelled
    end
    pending[buf] = nil
    if err then
      if err.code ~= -32800 then -- RequestCancelled: we asked for that
        warn("inline completion failed: " .. tostring(err.message or err))
      end
      return
    end
    on_result(buf, client, result, row, col, tick)
  end, buf)
  if ok then
    pending[buf] = { client_id = client.id, request_id = request_id }
  end
  return ok
end

local function schedule_request(buf)
  cancel_pending(buf) -- asked for where the cursor no longer is
  if not M.config.auto then
    return
  end
  timer = timer or compat.uv.new_timer()
  timer:stop()
  timer:start(
    M.config.debounce_ms,
    0,
    vim.schedule_wrap(function()
      local idle = not shown[buf] and not pending[buf]
      if idle and vim.api.nvim_get_current_buf() == buf and in_insert() then
        M.request(buf, M.AUTOMATIC)
      end
    end)
  )
end

local function on_char(buf)
  local s = shown[buf]
  local row, col = cursor()
  local ch = vim.v.char
  if s and row == s.row and col == s.col and ch ~= "" and s.text:sub(1, #ch) == ch then
    -- Typing what the suggestion says keeps it: it moves on with the cursor.
    s.text = s.text:sub(#ch + 1)
    s.col = s.col + #ch
    vim.schedule(function()
      if shown[buf] ~= s then
        return
      end
      if s.text == "" then
        shown[buf] = nil
        clear(buf)
        settle(buf, s, "accepted")
      else
        render(buf, s)
      end
    end)
    return
  end
  schedule_request(buf)
end

local function on_move(buf)
  local s = shown[buf]
  local row, col = cursor()
  local own = own_insert[buf]
  own_insert[buf] = nil
  if s and row == s.row and col == s.col then
    return
  end
  if s then
    M.dismiss(buf) -- moved or typed away from it
  end
  if own and own[1] == row and own[2] == col then
    return -- the cursor our accept left: wait for the user to type
  end
  schedule_request(buf)
end

local function map(buf, lhs, fn, desc)
  if not lhs then
    return
  end
  vim.keymap.set("i", lhs, function()
    if not fn(buf) then -- nothing shown: the key does what it did before
      local keys = vim.api.nvim_replace_termcodes(lhs, true, false, true)
      vim.api.nvim_feedkeys(keys, "n", false)
    end
  end, { buffer = buf, desc = desc })
end

--- Watch typing in `buf` and install the keymaps (a false value leaves that key alone).
function M.attach(buf, keymaps)
  local group = vim.api.nvim_create_augroup("refine_lsp_inline_" .. buf, { clear = true })
  local function on(event, fn)
    vim.api.nvim_create_autocmd(event, {
      group = group,
      buffer = buf,
      callback = function()
        fn(buf)
      end,
    })
  end
  on("InsertCharPre", on_char)
  on("CursorMovedI", on_move)
  on({ "InsertLeave", "BufLeave" }, function(b)
    cancel_pending(b)
    M.dismiss(b)
  end)
  on({ "BufUnload" }, function(b)
    shown[b], pending[b], own_insert[b] = nil, nil, nil
  end)
  keymaps = keymaps or {}
  map(buf, keymaps.accept, M.accept, "refine-lsp: accept the suggestion")
  map(buf, keymaps.accept_word, M.accept_word, "refine-lsp: accept a word of the suggestion")
  map(buf, keymaps.accept_line, M.accept_line, "refine-lsp: accept a line of the suggestion")
  map(buf, keymaps.dismiss, M.dismiss, "refine-lsp: dismiss the suggestion")
  if keymaps.suggest then
    vim.keymap.set("i", keymaps.suggest, function()
      M.dismiss(buf)
      M.request(buf, M.INVOKED)
    end, { buffer = buf, desc = "refine-lsp: ask for a suggestion" })
  end
end

return M
