-- test_failures.lua -- tasks that fail. Sandbox with every task failing:
-- --speed 1000 --clip-seconds 3 --credits 1000000 --fail-rate 1
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local t = require "testlib"

sonic.config{ poll_interval = 0.05, wait_timeout = 60 }

local function total_credits ()
  local c = sonic.credits()
  return c.credits + c.extra_credits
end

t.case("wait on a failing task raises task_failed with task_id", function ()
  local task = sonic.create{ gpt_description_prompt = "doomed" }
  local e = t.raises("task_failed", sonic.wait, task)
  t.error_shape(e)
  t.eq(e.task_id, task.id, "err.task_id")
  t.type(e.clips, "table", "err.clips")
  t.eq(#e.clips, 0, "no clip succeeded")
end)

t.case("the error carries the clip's error_message", function ()
  local task = sonic.create{ gpt_description_prompt = "doomed" }
  local e = t.raises("task_failed", sonic.wait, task)
  local p = sonic.poll(task)
  local cm = p.clips[1] and p.clips[1].error_message
  if type(cm) == "string" and cm ~= "" then
    t.contains(e.message, cm, "err.message")
  end
end)

t.case("poll of a failed task: state failed, done", function ()
  local task = sonic.create{ gpt_description_prompt = "doomed" }
  pcall(sonic.wait, task)
  local p = sonic.poll(task)
  t.eq(p.state, "failed", "state")
  t.eq(p.done, true, "done")
  t.eq(#p.clips, 2, "#clips")
  for i, c in ipairs(p.clips) do
    t.eq(c.state, "failed", "clip " .. i .. " state")
  end
end)

t.case("a failed task is refunded", function ()
  local before = total_credits()
  local task = sonic.create{ gpt_description_prompt = "refund me" }
  pcall(sonic.wait, task)
  t.eq(total_credits(), before, "credits after the failure")
end)

t.case("all over failing workflows raises task_failed", function ()
  local hs = {}
  for i = 1, 5 do
    hs[i] = sonic.spawn(function ()
      return sonic.wait(sonic.create{ gpt_description_prompt = "w" .. i })
    end)
  end
  t.raises("task_failed", sonic.all, hs)
end)

t.case("settle over failing workflows reports each failure", function ()
  local hs, tasks = {}, {}
  for i = 1, 5 do
    hs[i] = sonic.spawn(function ()
      tasks[i] = sonic.create{ gpt_description_prompt = "w" .. i }
      return sonic.wait(tasks[i])
    end)
  end
  local r = sonic.settle(hs)
  t.eq(#r, 5)
  for i = 1, 5 do
    t.eq(r[i].ok, false, "outcome " .. i)
    t.check_error(r[i].err, { kind = "task_failed", task_id = tasks[i].id })
  end
end)

t.case("an uncaught task_failed inside spawn reaches handle:wait",
       function ()
  local h = sonic.spawn(function ()
    local clips = sonic.wait(sonic.cover("00000000-0000-4000-8000-0000000000aa",
                                         "jazz"))
    return clips
  end)
  local ok, e = pcall(h.wait, h)
  t.eq(ok, false)
  t.error_shape(e)
end)

t.summary()
