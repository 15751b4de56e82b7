-- sonic.retry: which failures are tried again, how often, how long apart.
--
-- One table decides it all. Rows are failures (a transport failure kind
-- from sonic.core, or an HTTP status); columns are the kinds of call:
--   create   a paid POST: retried ONLY when the service cannot have acted
--            on it (the connection never opened, or 429: it refused)
--   read     polls, credits, task status: free and idempotent
--   download audio files: free and idempotent
-- A failure that has no row is never retried: TLS verification ("tls"),
-- 400, 401, 403, and anything else the service refused on its merits.
local core = require "sonic.core"

local M = {}

M.POLICY = {
  connect   = {create = true, read = true, download = true},
  timeout   = {read = true, download = true},
  network   = {read = true, download = true},
  truncated = {download = true},
  [408]     = {read = true, download = true},
  [429]     = {create = true, read = true, download = true},
  [500]     = {read = true, download = true},
  [502]     = {read = true, download = true},
  [503]     = {read = true, download = true},
  [504]     = {read = true, download = true},
}

M.settings = {
  attempts = 6,        -- tries in all, the first one included
  base = 1.0,          -- seconds: the first backoff's ceiling
  cap = 30.0,          -- seconds: no backoff is longer
  retry_after_max = 120.0,  -- longer Retry-After: wait, and say so
}

-- The retry budget, shared by every task of the run (AWS "standard"
-- retries): a retry spends tokens, a success earns one back. In an outage
-- the bucket empties and calls fail at once instead of becoming a storm.
M.bucket = {tokens = 100, capacity = 100, cost = 5, timeout_cost = 10}
M.retries = 0                    -- retries made in this run (for reports)

function M.success()
  local b = M.bucket
  b.tokens = math.min(b.capacity, b.tokens + 1)
end

-- Should a failure 'what' (kind string or status number) of a call of
-- kind 'call' be tried again after 'attempt' tries? Spends the tokens.
function M.should_retry(call, what, attempt)
  local row = M.POLICY[what]
  if row == nil or row[call] ~= true or attempt >= M.settings.attempts then
    return false
  end
  local b = M.bucket
  local cost = what == "timeout" and b.timeout_cost or b.cost
  if b.tokens < cost then return false end
  b.tokens = b.tokens - cost
  M.retries = M.retries + 1
  return true
end

-- Seconds to wait before try number attempt+1: exponential backoff with
-- full jitter, or what the server asked for with Retry-After.
function M.delay(attempt, retry_after)
  local s = M.settings
  local wanted = retry_after and core.retry_after(retry_after)
  if wanted then
    return wanted, wanted > s.retry_after_max
  end
  local ceiling = math.min(s.cap, s.base * 2 ^ (attempt - 1))
  return math.random() * ceiling, false
end

return M
