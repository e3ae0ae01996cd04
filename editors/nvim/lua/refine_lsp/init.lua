-- refine-lsp for Neovim 0.7+: `require("refine_lsp").setup({...})` starts the client for
-- Python buffers, applies source.fixAll.refine before each write, shows inline completions
-- as ghost text and long actions' progress, and cancels them with :RefineLspCancel.
local compat = require("refine_lsp.compat")

local M = {}

M.inline = require("refine_lsp.inline")
M.progress = require("refine_lsp.progress")

M.defaults = {
  name = "refine-lsp",
  cmd = { "refine-lsp", "serve" },
  filetypes = { "python" },
  root_markers = { "pyproject.toml", "setup.cfg", "setup.py", ".git" },
  -- The refineLsp settings, camelCase as in the README's table.
  settings = {},
  fix_all_on_save = true,
  save_timeout_ms = 3000,
  inline = {
    enabled = true,
    auto = true, -- ask while typing; false: only on the suggest key
    debounce_ms = 75,
    keymaps = {
      accept = "<Tab>",
      accept_word = "<M-Right>",
      accept_line = "<M-C-Right>",
      dismiss = "<C-]>",
      suggest = "<M-\\>",
    },
  },
  progress = "echo", -- "echo", "notify" or false
  on_attach = nil, -- function(client, bufnr), after ours
}

M.config = vim.deepcopy(M.defaults)
local clients_by_root = {} -- Neovim 0.7 (no vim.lsp.start): one client per project root

local function warn(msg)
  vim.notify("refine-lsp: " .. msg, vim.log.levels.WARN)
end

-- An empty Lua table is sent as a JSON list; the server expects an object.
local function as_object(t)
  if type(t) ~= "table" or next(t) == nil then
    return vim.empty_dict()
  end
  return t
end

-- The nearest directory above the buffer's file holding a marker, else the file's directory.
function M.root_dir(buf)
  local name = vim.api.nvim_buf_get_name(buf)
  local start = name ~= "" and vim.fn.fnamemodify(name, ":p:h") or vim.fn.getcwd()
  local dir = start
  while true do
    for _, marker in ipairs(M.config.root_markers) do
      if compat.uv.fs_stat(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      return start
    end
    dir = parent
  end
end

local function on_attach(client, buf)
  if M.config.fix_all_on_save then
    local group = vim.api.nvim_create_augroup("refine_lsp_save_" .. buf, { clear = true })
    vim.api.nvim_create_autocmd("BufWritePre", {
      group = group,
      buffer = buf,
      callback = function()
        M.fix_all(buf)
      end,
    })
  end
  if M.config.inline and M.config.inline.enabled then
    M.inline.attach(buf, M.config.inline.keymaps)
  end
  if M.config.on_attach then
    M.config.on_attach(client, buf)
  end
end

--- The client configuration for `buf` (what vim.lsp.start receives).
function M.client_config(buf)
  local settings = as_object(vim.deepcopy(M.config.settings))
  return {
    name = M.config.name,
    cmd = M.config.cmd,
    root_dir = M.root_dir(buf),
    -- Neovim 0.7 sends settings only as initializationOptions (no workspace/configuration,
    -- no didChangeConfiguration); the server reads these first and overlays the others.
    init_options = settings,
    settings = { refineLsp = settings },
    handlers = { ["$/progress"] = M.progress.handler },
    on_attach = on_attach,
  }
end

--- Start (or reuse) the client for `buf` and attach it.
function M.start(buf)
  buf = buf or vim.api.nvim_get_current_buf()
  local config = M.client_config(buf)
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = buf })
  end
  local id = clients_by_root[config.root_dir]
  local client = id and compat.client_by_id(id)
  if not client or client.is_stopped() then
    id = vim.lsp.start_client(config)
    clients_by_root[config.root_dir] = id
  end
  if id then
    vim.lsp.buf_attach_client(buf, id)
  end
  return id
end

local function request_sync(client, method, params, buf)
  local res, err = compat.request_sync(client, method, params, M.config.save_timeout_ms, buf)
  if not res then
    return nil, err or "no answer"
  end
  if res.err then
    return nil, res.err.message or vim.inspect(res.err)
  end
  return res.result
end

--- Apply source.fixAll.refine to `buf` now (what happens before each write).
function M.fix_all(buf)
  buf = buf or vim.api.nvim_get_current_buf()
  for _, client in ipairs(compat.clients(buf, M.config.name)) do
    local here = { line = 0, character = 0 }
    local params = {
      textDocument = { uri = vim.uri_from_bufnr(buf) },
      range = { start = here, ["end"] = here },
      context = { only = { "source.fixAll.refine" }, diagnostics = {} },
    }
    local actions, err = request_sync(client, "textDocument/codeAction", params, buf)
    if err then
      warn("fix-all skipped for this save: " .. tostring(err))
    end
    for _, action in ipairs(actions or {}) do
      local edit = action.edit
      if not edit then
        local resolved, rerr = request_sync(client, "codeAction/resolve", action, buf)
        if rerr then
          warn("fix-all skipped for this save: " .. tostring(rerr))
        end
        edit = resolved and resolved.edit
      end
      if edit then
        vim.lsp.util.apply_workspace_edit(edit, client.offset_encoding)
      end
    end
  end
end

function M.setup(opts)
  if opts and opts.inline == false then -- `inline = false` turns ghost text off
    opts = vim.tbl_extend("force", opts, { inline = { enabled = false } })
  end
  M.config = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  if opts and opts.settings then -- settings are the user's, whole (lists are not merged)
    M.config.settings = opts.settings
  end
  M.inline.config.client_name = M.config.name
  M.inline.config.debounce_ms = M.config.inline.debounce_ms
  M.inline.config.auto = M.config.inline.auto ~= false
  M.progress.display = M.config.progress

  local group = vim.api.nvim_create_augroup("refine_lsp", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = M.config.filetypes,
    callback = function(args)
      M.start(args.buf)
    end,
  })
  vim.api.nvim_create_user_command("RefineLspCancel", function()
    M.progress.cancel(M.config.name)
  end, { desc = "refine-lsp: cancel the long actions in progress" })
  vim.api.nvim_create_user_command("RefineLspFixAll", function()
    M.fix_all()
  end, { desc = "refine-lsp: apply source.fixAll.refine to this buffer" })

  -- Buffers already open when setup runs (a lazily loaded plugin) get the client too.
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(M.config.filetypes, vim.bo[buf].filetype) then
      M.start(buf)
    end
  end
end

return M
