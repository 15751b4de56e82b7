-- idle.lua N SECONDS: N tasks each sleeping SECONDS
local n, s = tonumber(arg[1]) or 1000, tonumber(arg[2]) or 60
local hs = {}
for i = 1, n do hs[i] = sonic.spawn(function() sonic.sleep(s) return i end) end
sonic.all(hs)
print("ok " .. n)
