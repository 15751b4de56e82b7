-- test_budget.lua -- `sonicflow run --budget 20`: the run may spend 20
-- credits; a call that would pass the budget raises kind 'budget' before
-- any request. Sandbox: --speed 1000 --clip-seconds 3 --credits 1000000
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local t = require "testlib"

sonic.config{ poll_interval = 0.05, wait_timeout = 60 }

local function total_credits ()
  local c = sonic.credits()
  return c.credits + c.extra_credits
end

local clips

t.case("a create within the budget runs", function ()
  clips = sonic.wait(sonic.create{ gpt_description_prompt = "in budget" })
  t.eq(#clips, 2)
end)

t.case("a second create (15 + 15 > 20) raises budget, charges nothing",
       function ()
  local before = total_credits()
  local e = t.raises("budget", sonic.create, { gpt_description_prompt = "x" })
  t.error_shape(e)
  t.eq(total_credits(), before, "no request was charged")
end)

t.case("stems full and cover raise budget", function ()
  local before = total_credits()
  t.raises("budget", sonic.stems, clips[1], { full = true })
  t.raises("budget", sonic.cover, clips[1], "jazz")
  t.eq(total_credits(), before, "nothing charged")
end)

t.case("cheap calls fit until the budget is spent", function ()
  sonic.wav(clips[1])                     -- 17
  sonic.wav(clips[2])                     -- 19
  local before = total_credits()
  t.raises("budget", sonic.wav, clips[1]) -- 21 > 20
  t.eq(total_credits(), before, "nothing charged")
end)

t.case("budget inside spawned tasks", function ()
  local r = sonic.settle{
    sonic.spawn(sonic.create, { gpt_description_prompt = "a" }),
    sonic.spawn(sonic.create, { gpt_description_prompt = "b" }) }
  t.check_error(r[1].err, "budget")
  t.check_error(r[2].err, "budget")
end)

t.summary()
