-- N tasks in webhook mode: each wait wakes on its delivery.
local n = tonumber(arg[1]) or 20
local hs = {}
for i = 1, n do
  hs[i] = sonic.spawn(function()
    return sonic.wait(sonic.create{gpt_description_prompt = "hook " .. i})
  end)
end
sonic.all(hs)
local s = require("sonic.core").spending()
print(("RESULT tasks=%d polls=%d accepted=%d duplicates=%d rejected=%d")
      :format(n, s.polls, s.webhooks_accepted, s.webhooks_duplicates,
              s.webhooks_rejected))
