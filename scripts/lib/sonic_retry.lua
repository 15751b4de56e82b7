-- sonic.retry: which failures are tried again, how often, how long apart.
--
-- One table decides it all. Rows are failures (a transport failure kind
-- from sonic.core, or an HTTP status); columns are the kinds of call:
--   create   a paid POST: retried ONLY when the service cannot have acted
--            on it (the connection never opened, or 429: it refused)
--   read     polls, credits, task status: free and idempotent
--   download audio files: free and idempotent
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

-- Should a failure 'what' (kind string or status number) of a call of
-- kind 'call' be tried again after 'attempt' tries?
function M.should_retry(call, what, attempt)
  local row = M.POLICY[what]
  return row ~= nil and row[call] == true and attempt < M.settings.attempts
end

-- Seconds to wait before try number attempt+1: exponential backoff with
-- full jitter, or what the server asked for with Retry-After.
function M.delay(attempt, retry_after)
  local s = M.settings
  local wanted = tonumber(retry_after)
  if wanted and wanted >= 0 then
    return wanted, wanted > s.retry_after_max
  end
  local ceiling = math.min(s.cap, s.base * 2 ^ (attempt - 1))
  return math.random() * ceiling, false
end

return M
