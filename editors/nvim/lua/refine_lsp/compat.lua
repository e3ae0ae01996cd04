-- The few places where Neovim 0.7 and 0.11+ differ, so the rest of the module has one path.
local M = {}

M.uv = vim.uv or vim.loop
M.has_011 = vim.fn.has("nvim-0.11") == 1
M.has_010 = vim.fn.has("nvim-0.10") == 1

-- 0.11 makes client methods colon calls (the dot form is deprecated); 0.7 only has dot calls.
function M.call(client, name, ...)
  if M.has_011 then
    return client[name](client, ...)
  end
  return client[name](...)
end

function M.request(client, method, params, handler, bufnr)
  return M.call(client, "request", method, params, handler, bufnr)
end

function M.request_sync(client, method, params, timeout_ms, bufnr)
  return M.call(client, "request_sync", method, params, timeout_ms, bufnr)
end

function M.notify(client, method, params)
  return M.call(client, "notify", method, params)
end

function M.cancel_request(client, id)
  return M.call(client, "cancel_request", id)
end

-- Clients attached to `bufnr` (every client when nil), named `name` when given.
function M.clients(bufnr, name)
  local all
  if vim.lsp.get_clients then
    all = vim.lsp.get_clients({ bufnr = bufnr })
  elseif bufnr then
    all = vim.lsp.buf_get_clients(bufnr)
  else
    all = vim.lsp.get_active_clients()
  end
  local out = {}
  for _, c in pairs(all) do
    if name == nil or c.name == name then
      table.insert(out, c)
    end
  end
  return out
end

function M.client_by_id(id)
  return vim.lsp.get_client_by_id(id)
end

-- Byte column in `line` of an LSP character offset in `encoding`.
function M.byte_col(line, character, encoding)
  if encoding == "utf-8" then
    return math.min(character, #line)
  end
  local ok, col
  if M.has_011 then
    ok, col = pcall(vim.str_byteindex, line, encoding, character, false)
  else
    ok, col = pcall(vim.str_byteindex, line, character, encoding == "utf-16")
  end
  return ok and col or #line
end

function M.split_lines(text)
  return vim.split(text, "\n", { plain = true })
end

return M
