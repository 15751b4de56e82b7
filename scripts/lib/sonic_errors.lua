-- sonic.errors: the error tables every sonic function raises.
--
-- An error is a table {kind, message, status?, task_id?, where?} with a
-- __tostring that reads as one line, so an uncaught error prints as
-- "script.lua:12: insufficient_credits: The remaining ... (HTTP 403)".
-- 'kind' is one of the names in core.kinds, the one table of failure
-- kinds (runtime/kinds.c): the Lua half names them as K.bad_request, never
-- as string literals, so a misspelt kind fails loudly.
local core = require "sonic.core"

local M = {}
local MT = core.error_mt()
M.MT = MT
M.K = core.kinds

-- "file:line:" of the first caller outside module sonic, so an error
-- points at the script line that made the call.
local function caller_position()
  for level = 3, 40 do
    local info = debug.getinfo(level, "Sl")
    if info == nil then return nil end
    if info.currentline and info.currentline > 0
       and info.source:sub(1, 7) ~= "@sonic/" then
      return info.short_src .. ":" .. info.currentline .. ":"
    end
  end
  return nil
end

-- A new error table; 'fields' adds status, task_id, ...
function M.new(kind, message, fields)
  local e = {kind = kind, message = message}
  for k, v in pairs(fields or {}) do e[k] = v end
  e.where = e.where or caller_position()
  return setmetatable(e, MT)
end

-- Raise a new error (level 0: the position is in 'where').
function M.raise(kind, message, fields)
  error(M.new(kind, message, fields), 0)
end

function M.is(e, kind)
  return getmetatable(e) == MT and (kind == nil or e.kind == kind)
end

return M
