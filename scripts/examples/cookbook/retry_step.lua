--[=[ retry_step.lua -- cookbook: retry a failed step, safely.

sonic already retries what is free and safe (polls, downloads, a create
whose connection never opened or that got 429). What is left to the
script is deciding, by the error's kind, which failures are worth paying
for again:

  task_failed          the service failed the task and refunded it: submit
                       it again (each attempt still counts against --budget)
  timeout, network,    while waiting: the task may still finish; wait for
  server               the SAME task again (polls are free), never re-create
  outcome = "unknown"  a paid call got no answer: it may have been charged;
                       stop, do not send it twice
  anything else        bad_request, auth, insufficient_credits, budget, ...:
                       trying again cannot help; stop

  sonicflow run scripts/examples/cookbook/retry_step.lua [OUT [ATTEMPTS]]

Try it against a sandbox that fails half of its tasks:
  sonicflow run --sandbox-args "--fail-rate 0.5 --seed 1" \
      scripts/examples/cookbook/retry_step.lua

On the real service: 15 credits per attempt that succeeds or is still
running; failed attempts are refunded.
]=]

local sonic = require "sonic"

local out = arg[1] or "retry"
local attempts = math.tointeger(tonumber(arg[2] or "5"))
if not attempts or attempts < 1 then
  error("ATTEMPTS must be a positive integer, got " .. tostring(arg[2]), 0)
end

-- Wait for 'task', waiting again (for free) while it may still finish.
local function wait_patiently (task, tries)
  for try = 1, tries do
    local ok, res = pcall(sonic.wait, task)
    if ok then return res end
    local waiting_failed = sonic.is_error(res, "timeout") or
                           sonic.is_error(res, "network") or
                           sonic.is_error(res, "server")
    if not waiting_failed or try == tries then error(res, 0) end
    sonic.log(("task %s: %s; waiting again"):format(task.id, res.kind))
  end
end

-- Submit with 'submit' and wait; submit again when the task failed.
local function with_retries (label, submit)
  for attempt = 1, attempts do
    local task = submit()                 -- a create error is raised as is
    local ok, res = pcall(wait_patiently, task, 3)
    if ok then return res, attempt end
    if not sonic.is_error(res, "task_failed") or attempt == attempts then
      error(res, 0)                       -- not worth paying for again
    end
    sonic.log(("%s: attempt %d failed (%s); it was refunded, trying again")
              :format(label, attempt, res.message))
  end
end

local clips, used = with_retries("song", function ()
  return sonic.create{ gpt_description_prompt = "a calm piano piece for rain" }
end)
print(("song done after %d attempt(s)"):format(used))

local covers, used2 = with_retries("cover", function ()
  return sonic.cover(clips[1], "bossa nova, guitar")
end)
print(("cover done after %d attempt(s)"):format(used2))
print("saved " .. sonic.download(covers[1], out .. "/"))
