-- test_basics.lua -- module wiring, sonic.config, error tables, credits,
-- sleep, log. Run: sonicflow run --sandbox --sandbox-args
-- "--speed 1000 --clip-seconds 3 --credits 1000000" test_basics.lua
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local t = require "testlib"

t.case("require 'sonic' returns the global 'sonic'", function ()
  t.type(sonic, "table", "global sonic")
  t.ok(rawequal(require "sonic", sonic), "require 'sonic' == sonic")
end)

t.case("every API function of DESIGN.md exists", function ()
  for _, name in ipairs{ "create", "cover", "extend", "concat", "stems",
                         "upload", "wav", "poll", "wait", "download",
                         "credits", "spawn", "all", "settle", "sleep",
                         "config", "log" } do
    t.type(sonic[name], "function", "sonic." .. name)
  end
end)

t.case("require 'cjson' works and round-trips", function ()
  local cjson = require "cjson"
  t.type(cjson.encode, "function", "cjson.encode")
  local v = cjson.decode(cjson.encode{ a = "x", b = { 1, 2, 3 }, c = true })
  t.eq(v.a, "x")
  t.eq(v.b, { 1, 2, 3 })
  t.eq(v.c, true)
  t.ok(cjson.null ~= nil, "cjson.null exists")
end)

t.case("arg[0] is this script", function ()
  t.match(arg[0], "test_basics%.lua$")
end)

-------------------------------------------------------------- sonic.config

t.case("config{} sets and returns the current config", function ()
  local c = sonic.config{ poll_interval = 0.05, wait_timeout = 120,
                          max_inflight = 7 }
  t.type(c, "table", "config result")
  t.eq(c.poll_interval, 0.05, "poll_interval")
  t.eq(c.wait_timeout, 120, "wait_timeout")
  t.eq(c.max_inflight, 7, "max_inflight")
  local again = sonic.config()
  t.eq(again.poll_interval, 0.05, "config() poll_interval")
  t.eq(again.wait_timeout, 120, "config() wait_timeout")
  t.eq(again.max_inflight, 7, "config() max_inflight")
end)

t.case("config{} changes only the fields given", function ()
  sonic.config{ poll_interval = 0.05, wait_timeout = 120, max_inflight = 7 }
  local c = sonic.config{ wait_timeout = 60 }
  t.eq(c.poll_interval, 0.05, "poll_interval kept")
  t.eq(c.wait_timeout, 60, "wait_timeout changed")
  t.eq(c.max_inflight, 7, "max_inflight kept")
end)

t.cases("config rejects bad values naming the field", {
  { "negative poll_interval", sonic.config, { { poll_interval = -1 } },
    false, "poll_interval" },
  { "string wait_timeout", sonic.config, { { wait_timeout = "soon" } },
    false, "wait_timeout" },
  { "zero max_inflight", sonic.config, { { max_inflight = 0 } },
    false, "max_inflight" },
  { "fractional max_inflight", sonic.config, { { max_inflight = 1.5 } },
    false, "max_inflight" },
})

-- leave a fast, known configuration for the rest of the file
sonic.config{ poll_interval = 0.05, wait_timeout = 60, max_inflight = 16 }

-------------------------------------------------------------- errors

t.case("server error: table with kind, message, status; one-line tostring",
       function ()
  local e = t.raises({ kind = "bad_request", status = 400,
                       message = "task not found." },
                     sonic.poll, "00000000-0000-4000-8000-000000000000")
  t.error_shape(e)
  t.contains(tostring(e), "task not found.", "tostring(err)")
  t.int(e.status, "status")
end)

t.case("wait on an unknown task id raises bad_request 'task not found.'",
       function ()
  t.raises({ kind = "bad_request", status = 400, message = "task not found." },
           sonic.wait, "00000000-0000-4000-8000-000000000001")
end)

t.case("error tables survive pcall and rethrow unchanged", function ()
  local ok, e = pcall(sonic.poll, "00000000-0000-4000-8000-000000000002")
  t.eq(ok, false)
  local ok2, e2 = pcall(error, e)
  t.eq(ok2, false)
  t.ok(rawequal(e, e2), "same table")
end)

-------------------------------------------------------------- credits

t.case("credits: integers, not floats", function ()
  local c = sonic.credits()
  t.type(c, "table")
  t.int(c.credits, "credits")
  t.int(c.extra_credits, "extra_credits")
  t.ok(c.credits >= 0 and c.extra_credits >= 0, "non-negative")
  t.eq(tostring(c.credits):find("%."), nil, "tostring(credits) has no '.'")
end)

t.case("a create costs 15 credits (extra_credits first)", function ()
  local before = sonic.credits()
  local task = sonic.create{ gpt_description_prompt = "a short test tune" }
  local after = sonic.credits()
  t.eq((before.credits + before.extra_credits)
       - (after.credits + after.extra_credits), 15, "credits spent")
  sonic.wait(task)
end)

-------------------------------------------------------------- sleep, log

t.case("sleep waits at least the time asked", function ()
  local t0 = t.now()
  sonic.sleep(0.2)
  local dt = t.now() - t0
  t.ok(dt >= 0.19, "slept " .. dt .. " s, asked 0.2")
  t.ok(dt < 5, "slept " .. dt .. " s, asked 0.2")
end)

t.case("sleep(0) returns", function ()
  sonic.sleep(0)
end)

t.case("sleep rejects a non-number duration", function ()
  t.raises(".", sonic.sleep, "soon")
end)

t.case("log accepts several values of any type", function ()
  sonic.log("testlib log line", 42, true, nil, { 1 })
end)

t.summary()
