-- test_slow.lua -- waiting on tasks that take real time. Sandbox at real
-- speed, so no task finishes during this file:
-- --speed 1 --clip-seconds 3 --credits 1000000
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local t = require "testlib"

sonic.config{ poll_interval = 0.05, wait_timeout = 60 }

local task = sonic.create{ gpt_description_prompt = "takes a while" }

t.case("right after create the task is not done", function ()
  local p = sonic.poll(task)
  t.ok(p.state == "not_ready" or p.state == "pending"
       or p.state == "running", "state " .. t.show(p.state))
  t.eq(p.done, false, "done")
  t.type(p.clips, "table", "clips")
end)

t.case("wait{timeout} raises timeout with the task id", function ()
  local t0 = t.now()
  local e = t.raises("timeout", sonic.wait, task, { timeout = 0.3 })
  local dt = t.now() - t0
  t.error_shape(e)
  t.eq(e.task_id, task.id, "err.task_id")
  t.ok(dt >= 0.29, "gave up after " .. dt .. " s, timeout 0.3 s")
  t.ok(dt < 3, "gave up after " .. dt .. " s, timeout 0.3 s")
end)

t.case("config wait_timeout applies when wait has no timeout", function ()
  sonic.config{ wait_timeout = 0.3 }
  local t0 = t.now()
  local ok, e = pcall(sonic.wait, task)
  local dt = t.now() - t0
  sonic.config{ wait_timeout = 60 }
  t.eq(ok, false)
  t.check_error(e, "timeout")
  t.ok(dt >= 0.29 and dt < 3, "gave up after " .. dt .. " s")
end)

t.case("an explicit timeout overrides config wait_timeout", function ()
  sonic.config{ wait_timeout = 30 }
  local t0 = t.now()
  local ok, e = pcall(sonic.wait, task, { timeout = 0.2 })
  local dt = t.now() - t0
  sonic.config{ wait_timeout = 60 }
  t.eq(ok, false)
  t.check_error(e, "timeout")
  t.ok(dt < 3, "gave up after " .. dt .. " s")
end)

t.case("timeouts in many tasks at once", function ()
  local hs = {}
  for i = 1, 20 do
    hs[i] = sonic.spawn(sonic.wait, task, { timeout = 0.1 * (i % 3 + 1) })
  end
  local r = sonic.settle(hs)
  for i = 1, 20 do
    t.eq(r[i].ok, false)
    t.check_error(r[i].err, { kind = "timeout", task_id = task.id })
  end
end)

t.case("a waiting task does not block the others", function ()
  local waiter = sonic.spawn(sonic.wait, task, { timeout = 0.5 })
  local t0 = t.now()
  sonic.sleep(0.05)
  t.ok(t.now() - t0 < 0.45, "sleep finished while the waiter waits")
  t.raises("timeout", waiter.wait, waiter)
end)

t.summary()
