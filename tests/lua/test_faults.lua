-- test_faults.lua -- a flaky service: "Nothing is retried that could spend
-- credits twice", and what can be retried is. Sandbox:
-- --speed 1000 --clip-seconds 3 --credits 1000000 --seed 7
-- --faults 429=0.1,500=0.05,drop=0.05,truncate=0.3
--   429       refused before processing: safe to retry, even a create
--   500       answered before processing: nothing charged
--   drop      connection closed AFTER processing: a create was charged, so
--             it must not be sent again
--   truncate  audio cut short: downloads are free to retry
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local t = require "testlib"

sonic.config{ poll_interval = 0.05, wait_timeout = 60 }
-- not part of the API contract: short back-off where the runtime has it
pcall(sonic.config, { retry_base = 0.01 })

local function total_credits ()
  local c = sonic.credits()
  return c.credits + c.extra_credits
end

local N = 30
local outcomes, created = {}, {}

t.case("flaky service: each create is charged at most once", function ()
  local before = total_credits()
  local hs = {}
  for i = 1, N do
    hs[i] = sonic.spawn(function ()
      local ok, task = pcall(sonic.create,
                             { gpt_description_prompt = "flaky " .. i })
      if not ok then
        created[i] = { err = task }
        error(task, 0)
      end
      created[i] = { task = task }
      return sonic.wait(task)
    end)
  end
  outcomes = sonic.settle(hs)
  local charged = 0
  for i = 1, N do
    local c = created[i]
    if c.task then
      charged = charged + 1
    else
      t.error_shape(c.err)
      t.ok(c.err.kind == "network" or c.err.kind == "timeout"
           or c.err.kind == "server" or c.err.kind == "rate_limited",
           "create " .. i .. " failed with " .. t.errstr(c.err))
      -- a dropped answer: the service processed (and charged) the create
      if c.err.kind == "network" or c.err.kind == "timeout" then
        charged = charged + 1
      end
    end
  end
  t.eq(before - total_credits(), 15 * charged,
       "credits spent (" .. charged .. " creates reached the service)")
end)

t.case("flaky service: created tasks are waited through read faults",
       function ()
  local ok_count = 0
  for i = 1, N do
    if outcomes[i].ok then
      ok_count = ok_count + 1
      t.eq(#outcomes[i].value, 2, "workflow " .. i .. " clips")
    elseif created[i].task then
      t.error_shape(outcomes[i].err)
    end
  end
  t.ok(ok_count >= N // 2, ok_count .. " of " .. N .. " workflows finished")
end)

t.case("flaky downloads are retried and complete", function ()
  local dir = t.tmpdir("faults")
  local clip
  for i = 1, N do
    if outcomes[i].ok then clip = outcomes[i].value[1]; break end
  end
  assert(clip, "no finished workflow")
  local ref = sonic.download(clip, dir .. "/ref.mp3")
  local hs = {}
  for i = 1, 10 do
    hs[i] = sonic.spawn(sonic.download, clip, dir .. "/copy" .. i .. ".mp3")
  end
  local r = sonic.settle(hs)
  local bytes = t.read(ref)
  t.ok(t.is_mp3(ref), "reference is an MP3")
  for i = 1, 10 do
    t.ok(r[i].ok, "download " .. i .. ": " .. t.errstr(r[i].err))
    t.eq(t.read(r[i].value) == bytes, true, "download " .. i .. " complete")
  end
  for _, name in ipairs(t.ls(dir)) do
    t.ok(not name:find("%.part$"), "leftover " .. name)
  end
end)

t.summary()
