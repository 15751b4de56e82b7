-- poll.lua N: N workflows create -> wait with the default poll schedule
local n = tonumber(arg[1]) or 20
local hs = {}
for i = 1, n do
  hs[i] = sonic.spawn(function()
    return sonic.wait(sonic.create{gpt_description_prompt = "a poll song"})
  end)
end
sonic.all(hs)
print("ok " .. n)
