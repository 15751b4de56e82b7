-- test_low_credits.lua -- HTTP 403 for credits. Sandbox with 20 credits:
-- --speed 1000 --clip-seconds 3 --credits 20 --extra-credits 0
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local t = require "testlib"

sonic.config{ poll_interval = 0.05, wait_timeout = 60 }

local NOT_ENOUGH = "The remaining credits are not enough. You can buy more "
                   .. "one-time credit packs or subscribe."
local E403 = { kind = "insufficient_credits", status = 403,
               message = NOT_ENOUGH }

local clips

t.case("credits: the account starts with 20 (integers)", function ()
  local c = sonic.credits()
  t.eq(c, { credits = 20, extra_credits = 0 })
  t.int(c.credits); t.int(c.extra_credits)
end)

t.case("a create fits: 5 credits left", function ()
  clips = sonic.wait(sonic.create{ gpt_description_prompt = "cheap" })
  t.eq(#clips, 2)
  t.eq(sonic.credits(), { credits = 5, extra_credits = 0 })
end)

t.case("the second create raises insufficient_credits (403, exact text)",
       function ()
  local e = t.raises(E403, sonic.create, { gpt_description_prompt = "more" })
  t.error_shape(e)
  t.eq(e.task_id, nil, "no task was created")
  t.eq(sonic.credits(), { credits = 5, extra_credits = 0 }, "nothing charged")
end)

t.case("stems full (75) and cover (15) raise insufficient_credits",
       function ()
  t.raises(E403, sonic.stems, clips[1], { full = true })
  t.raises(E403, sonic.cover, clips[1], "jazz")
end)

t.case("cheap calls still fit until the credits run out", function ()
  local w = sonic.wav(clips[1])                      -- 2: 3 left
  t.match(w.wav_url, "^https?://")
  sonic.wav(clips[2])                                -- 2: 1 left
  t.eq(sonic.credits(), { credits = 1, extra_credits = 0 })
  t.raises(E403, sonic.wav, clips[1])
end)

t.case("insufficient_credits inside a spawned task reaches settle",
       function ()
  local r = sonic.settle{ sonic.spawn(sonic.create,
                                      { gpt_description_prompt = "x" }) }
  t.eq(r[1].ok, false)
  t.check_error(r[1].err, E403)
end)

t.summary()
