-- sonic.cli: the one-shot commands `sonicflow credits` and
-- `sonicflow task ID`, written against the public API like any script.
local sonic = require "sonic"
local cjson = require "cjson"

local M = {}

function M.credits()
  local c = sonic.credits()
  print(("credits: %d\nextra_credits: %d"):format(c.credits, c.extra_credits))
end

function M.task(id)
  local p = sonic.poll(id)
  print(cjson.encode(p))
end

return M
