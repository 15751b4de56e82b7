-- sonic.retry: what the retry table (runtime/retry.c) has done in this run.
--
-- The table itself -- which failures are tried again, how often, how long
-- apart, and the run's retry budget -- lives in C with the rest of the
-- call policy (runtime/steps.c, runtime/download.c), so that no script
-- and no part of the Lua half can decide to resend a paid call. This
-- module only reads it: `require("sonic.retry").retries` is the number of
-- retries made so far.
local core = require "sonic.core"

return setmetatable({}, {
  __index = function(_, k)
    if k == "retries" then return core.retries() end
    if k == "base" then return core.retry_base() end
    return nil
  end,
})
