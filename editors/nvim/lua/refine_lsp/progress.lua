-- Work done progress ($/progress) of long actions, shown as it comes (Neovim records it but
-- shows nothing by default), and a way to cancel them.
local compat = require("refine_lsp.compat")

local M = {}

M.display = "echo" -- "echo" (no message history), "notify" (vim.notify at INFO) or false
M.active = {} -- client_id -> token -> { title, message, percentage, cancellable }

local function show(text)
  if M.display == "notify" then
    vim.notify(text, vim.log.levels.INFO)
  elseif M.display then
    -- Kept within one screen line, so a report never waits for the user to press Enter.
    local width = math.max(vim.o.columns - 12, 20)
    if #text > width then
      text = text:sub(1, width - 3) .. "..."
    end
    vim.api.nvim_echo({ { text } }, false, {})
  end
end

local function describe(work, message)
  local text = "refine-lsp: " .. (work.title or "working")
  if message and message ~= "" then
    text = text .. ": " .. message
  end
  if work.percentage then
    text = text .. string.format(" (%d%%)", work.percentage)
  end
  return text
end

--- The $/progress handler for refine-lsp clients: Neovim's own first (statuslines read it).
function M.handler(err, result, ctx, config)
  local default = vim.lsp.handlers["$/progress"]
  if default then
    default(err, result, ctx, config)
  end
  local value = result and result.value
  if err or type(value) ~= "table" then
    return
  end
  local works = M.active[ctx.client_id] or {}
  M.active[ctx.client_id] = works
  local token = result.token
  if value.kind == "begin" then
    local work = {
      title = value.title,
      message = value.message,
      percentage = value.percentage,
      cancellable = value.cancellable,
    }
    works[token] = work
    local hint = value.cancellable and " (:RefineLspCancel stops it)" or ""
    show(describe(work, value.message) .. hint)
  elseif value.kind == "report" then
    local work = works[token]
    if work then
      work.message = value.message or work.message
      work.percentage = value.percentage or work.percentage
      if value.cancellable ~= nil then
        work.cancellable = value.cancellable
      end
      show(describe(work, work.message))
    end
  elseif value.kind == "end" then
    local work = works[token] or {}
    works[token] = nil
    show(describe({ title = work.title }, value.message or "done"))
  end
end

--- Cancel every long action of refine-lsp in progress: window/workDoneProgress/cancel for
--- its token, and $/cancelRequest for a command Neovim is still waiting on.
function M.cancel(client_name)
  local cancelled = {}
  for _, client in ipairs(compat.clients(nil, client_name or "refine-lsp")) do
    for token, work in pairs(M.active[client.id] or {}) do
      if work.cancellable ~= false then
        compat.notify(client, "window/workDoneProgress/cancel", { token = token })
        table.insert(cancelled, work.title or tostring(token))
      end
    end
    for id, request in pairs(client.requests or {}) do
      if request.type == "pending" and request.method == "workspace/executeCommand" then
        compat.cancel_request(client, id)
        if #cancelled == 0 then
          table.insert(cancelled, "a command")
        end
      end
    end
  end
  if #cancelled == 0 then
    show("refine-lsp: nothing to cancel")
  else
    vim.notify("refine-lsp: cancelling " .. table.concat(cancelled, ", "), vim.log.levels.INFO)
  end
  return #cancelled
end

return M
