-- test_loose.lua -- the loose parts of PROTOCOL.md: the client accepts
-- every variant. The sandbox runs with the non-default forms switched on:
-- create answers with "code":200, errors as {"code":N,"message":...},
-- not_ready as HTTP 202, duration as a JSON number, 24 full stems.
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local t = require "testlib"

sonic.config{ poll_interval = 0.05, wait_timeout = 60 }

local clips

t.case("create and wait (code in create answer, 202 while not ready)",
       function ()
  clips = sonic.wait(sonic.create{ gpt_description_prompt = "loose" })
  t.eq(#clips, 2)
  for i, c in ipairs(clips) do t.check_clip(c, "clip " .. i) end
end)

t.case("numeric duration arrives as a number", function ()
  t.type(clips[1].duration, "number")
  t.ok(math.abs(clips[1].duration - 3) < 0.15, "duration "
       .. clips[1].duration)
end)

t.case("errors of shape {code, message} are read", function ()
  t.raises({ kind = "bad_request", status = 400, message = "task not found." },
           sonic.poll, "00000000-0000-4000-8000-000000000000")
end)

t.case("stems full with 24 stems", function ()
  local stems = sonic.wait(sonic.stems(clips[1], { full = true }))
  t.eq(#stems, 24)
  for i, c in ipairs(stems) do t.check_clip(c, "stem " .. i) end
end)

t.case("poll while not ready (202) is not done", function ()
  local task = sonic.create{ gpt_description_prompt = "again" }
  local p = sonic.poll(task)
  t.type(p.done, "boolean")
  t.type(p.clips, "table")
  sonic.wait(task)
end)

t.summary()
