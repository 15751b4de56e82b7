-- test_concurrency.lua -- sonic.spawn, handle:wait, sonic.all, sonic.settle,
-- yields under pcall, the plain-coroutine guard, and 200 overlapping
-- workflows. Fast sandbox (--speed 1000 --clip-seconds 3 --credits 1000000).
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local t = require "testlib"

sonic.config{ poll_interval = 0.05, wait_timeout = 60 }

local BAD_ID = "00000000-0000-4000-8000-0000000000ff"

-------------------------------------------------------------- spawn

t.case("spawn passes arguments; handle:wait returns every result",
       function ()
  local fn = t.expect(function (a, b)
    sonic.sleep(0.01)
    return a + b, "two", nil, { a }
  end, 1)
  local h = sonic.spawn(fn, 1, 2)
  local r = table.pack(h:wait())
  t.eq(r.n, 4, "number of results")
  t.eq(r[1], 3); t.eq(r[2], "two"); t.eq(r[3], nil); t.eq(r[4], { 1 })
end)

t.case("any number of arguments and results crosses into and out of a task",
       function ()
  local h = sonic.spawn(function (...)
    return select("#", ...), table.unpack({}, 1, 100000)
  end, table.unpack({}, 1, 5000))
  local r = table.pack(h:wait())
  t.eq(r[1], 5000)
  t.eq(r.n, 100001)
end)

t.case("handle:wait raises fn's error value unchanged", function ()
  local boom = { kind = "custom", message = "boom" }
  local h = sonic.spawn(function () sonic.sleep(0.01); error(boom) end)
  local ok, e = pcall(h.wait, h)
  t.eq(ok, false)
  t.ok(rawequal(e, boom), "same error table, got " .. t.show(e))
end)

t.case("handle:wait raises a string error with its message", function ()
  local h = sonic.spawn(function () error("plain failure") end)
  t.raises("plain failure", h.wait, h)
end)

t.case("handle:wait raises a sonic error table from inside the task",
       function ()
  local h = sonic.spawn(function () return sonic.poll(BAD_ID) end)
  t.raises({ kind = "bad_request", status = 400, message = "task not found." },
           h.wait, h)
end)

t.case("handle:wait after the task finished, and twice", function ()
  local h = sonic.spawn(function () return "done" end)
  sonic.sleep(0.05)
  t.eq(h:wait(), "done")
  t.eq(h:wait(), "done")
end)

t.case("spawned tasks run concurrently", function ()
  local t0 = t.now()
  sonic.sleep(0.3)
  local one = t.now() - t0
  t0 = t.now()
  local hs = {}
  for i = 1, 5 do
    hs[i] = sonic.spawn(function () sonic.sleep(0.3); return i end)
  end
  for i = 1, 5 do t.eq(hs[i]:wait(), i) end
  local five = t.now() - t0
  t.ok(five < 2 * one, string.format("5 concurrent sleeps took %.3f s, "
       .. "one took %.3f s", five, one))
end)

t.case("a task spawned inside a task", function ()
  local h = sonic.spawn(function ()
    local inner = sonic.spawn(function (x) sonic.sleep(0.01); return x * 2 end,
                              21)
    return inner:wait()
  end)
  t.eq(h:wait(), 42)
end)

t.case("spawn of a non-function raises", function ()
  t.raises(".", sonic.spawn, 42)
  t.raises(".", sonic.spawn)
end)

t.case("1000 sleeping tasks overlap", function ()
  local t0 = t.now()
  local hs = {}
  for i = 1, 1000 do
    hs[i] = sonic.spawn(function () sonic.sleep(0.2); return i end)
  end
  local r = sonic.all(hs)
  local dt = t.now() - t0
  t.eq(#r, 1000)
  t.eq(r[1000], 1000)
  t.ok(dt < 0.2 * 1000 / 20, string.format("took %.3f s", dt))
end)

-------------------------------------------------------------- all

t.case("all: results in input order, not finishing order", function ()
  local hs = {}
  for i = 1, 5 do
    hs[i] = sonic.spawn(function () sonic.sleep(0.02 * (6 - i)); return i * 10
    end)
  end
  t.eq(sonic.all(hs), { 10, 20, 30, 40, 50 })
end)

t.case("all of no handles is an empty table", function ()
  t.eq(sonic.all({}), {})
end)

t.case("all: the first error cancels the rest and raises", function ()
  local boom = { kind = "custom", message = "first" }
  local finished = { false, false }
  local late = { kind = "custom", message = "late" }
  local hs = {
    sonic.spawn(function () sonic.sleep(0.4); finished[1] = true; return 1 end),
    sonic.spawn(function () sonic.sleep(0.05); error(boom) end),
    sonic.spawn(function () sonic.sleep(0.3); error(late) end),
    sonic.spawn(function ()
      sonic.sleep(0.4); finished[2] = true; return 4 end),
  }
  local ok, e = pcall(sonic.all, hs)
  t.eq(ok, false, "all raised")
  t.ok(rawequal(e, boom), "raised the first error, got " .. t.show(e))
  sonic.sleep(0.6)
  t.eq(finished, { false, false }, "siblings did not run to the end")
  t.raises("cancelled", hs[1].wait, hs[1])
  t.raises("cancelled", hs[4].wait, hs[4])
end)

t.case("all: a sibling waiting on a real task is cancelled too", function ()
  local after_wait = false
  local hs = {
    sonic.spawn(function ()
      local clips = sonic.wait(sonic.create{ gpt_description_prompt = "x" })
      after_wait = true
      return clips
    end),
    sonic.spawn(function () sonic.poll(BAD_ID) end),
  }
  t.raises({ kind = "bad_request", message = "task not found." },
           sonic.all, hs)
  sonic.sleep(1)
  t.eq(after_wait, false, "the cancelled workflow went on")
  t.raises("cancelled", hs[1].wait, hs[1])
end)

t.case("all inside pcall inside a task", function ()
  local h = sonic.spawn(function ()
    local ok, e = pcall(sonic.all, {
      sonic.spawn(function () error({ kind = "custom", message = "x" }) end) })
    return ok, e.message
  end)
  local ok, msg = h:wait()
  t.eq(ok, false); t.eq(msg, "x")
end)

-------------------------------------------------------------- settle

t.case("settle never raises; outcomes in input order", function ()
  local boom = { kind = "custom", message = "boom" }
  local hs = {
    sonic.spawn(function () sonic.sleep(0.1); return "a" end),
    sonic.spawn(function () sonic.sleep(0.02); error(boom) end),
    sonic.spawn(function () return sonic.poll(BAD_ID) end),
    sonic.spawn(function () sonic.sleep(0.05); return "d" end),
  }
  local ok, r = pcall(sonic.settle, hs)
  t.ok(ok, "settle raised " .. t.errstr(r))
  t.eq(#r, 4)
  t.eq(r[1], { ok = true, value = "a" })
  t.eq(r[2].ok, false)
  t.ok(rawequal(r[2].err, boom), "r[2].err is the raised table")
  t.eq(r[3].ok, false)
  t.check_error(r[3].err, { kind = "bad_request", status = 400,
                            message = "task not found." })
  t.eq(r[4], { ok = true, value = "d" })
end)

t.case("settle waits for every task, even after a failure", function ()
  local done = false
  local hs = {
    sonic.spawn(function () error("early") end),
    sonic.spawn(function () sonic.sleep(0.2); done = true; return 1 end),
  }
  local r = sonic.settle(hs)
  t.eq(done, true, "the slow task ran to the end")
  t.eq(r[2], { ok = true, value = 1 })
  t.eq(r[1].ok, false)
  t.match(tostring(r[1].err), "early")
end)

t.case("settle of no handles is an empty table", function ()
  t.eq(sonic.settle({}), {})
end)

-------------------------------------------------------------- yields

t.case("pcall around yielding calls inside a task", function ()
  local h = sonic.spawn(function ()
    local ok1 = pcall(sonic.sleep, 0.02)
    local ok2, e = pcall(sonic.poll, BAD_ID)
    local ok3, c = pcall(sonic.credits)
    sonic.sleep(0.01)          -- still a working task afterwards
    return ok1, ok2, e.kind, ok3, math.type(c.credits)
  end)
  t.eq(table.pack(h:wait()), { n = 5, true, false, "bad_request", true,
                               "integer" })
end)

t.case("pcall and xpcall around yielding calls in the main chunk",
       function ()
  t.eq(pcall(sonic.sleep, 0.01), true)
  local ok, e = xpcall(sonic.poll, function (m) return m end, BAD_ID)
  t.eq(ok, false)
  t.eq(e.kind, "bad_request")
end)

t.case("a yielding call inside coroutine.wrap raises a clear error",
       function ()
  local co = coroutine.wrap(function () sonic.sleep(0.01); return "slept" end)
  local ok, e = pcall(co)
  t.eq(ok, false, "coroutine.wrap call should fail, returned " .. t.show(e))
  local s = t.errstr(e)
  t.ok(s:find("task") or s:find("coroutine"),
       "the error says why: " .. s)
  sonic.sleep(0.01)            -- the main task is unharmed
end)

t.case("a yielding call inside coroutine.resume fails the same way",
       function ()
  local co = coroutine.create(function () return sonic.credits() end)
  local ok, e = coroutine.resume(co)
  t.eq(ok, false, "resume should fail, got " .. t.show(e))
  t.eq(coroutine.status(co), "dead")
  t.ok(sonic.credits().credits >= 0)
end)

t.case("plain coroutines that do not call sonic still work", function ()
  local gen = coroutine.wrap(function ()
    for i = 1, 3 do coroutine.yield(i) end
  end)
  t.eq({ gen(), gen(), gen() }, { 1, 2, 3 })
end)

-------------------------------------------------------------- workflows

local function workflow (i)
  local t0 = t.now()
  local clips = sonic.wait(sonic.create{
    gpt_description_prompt = "workflow " .. i })
  return { dt = t.now() - t0, n = #clips, id = clips[1].clip_id }
end

t.case("200 create->wait workflows overlap", function ()
  local one = workflow(0).dt
  local t0 = t.now()
  local hs = {}
  for i = 1, 200 do hs[i] = sonic.spawn(workflow, i) end
  local res = sonic.all(hs)
  local wall = t.now() - t0
  local sum, ids = 0, {}
  for i, r in ipairs(res) do
    t.eq(r.n, 2, "workflow " .. i .. " clips")
    t.eq(ids[r.id], nil, "clip ids are distinct")
    ids[r.id] = true
    sum = sum + r.dt
  end
  t.eq(#res, 200)
  local msg = string.format("wall %.2f s, sum of workflows %.2f s, one "
                            .. "workflow alone %.2f s", wall, sum, one)
  print("       " .. msg)
  t.ok(wall * 10 < sum, "far below the sum: " .. msg)
  t.ok(wall * 10 < 200 * one, "far below 200 x one: " .. msg)
end)

t.case("max_inflight = 2 still completes 20 concurrent workflows",
       function ()
  local old = sonic.config().max_inflight
  sonic.config{ max_inflight = 2 }
  local hs = {}
  for i = 1, 20 do hs[i] = sonic.spawn(workflow, i) end
  local r = sonic.settle(hs)
  sonic.config{ max_inflight = old }
  for i = 1, 20 do
    t.ok(r[i].ok, "workflow " .. i .. ": " .. t.errstr(r[i].err))
    t.eq(r[i].value.n, 2)
  end
end)

t.summary()
