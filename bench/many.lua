-- many.lua -- N concurrent workflows (create -> wait -> download clip 1)
-- usage: sonicflow run --no-journal -q --base-url URL many.lua N M POLL OUT_DIR
--        [inorder]   (wait on the handles in order instead of sonic.all:
--                     the profiling aid of docs/performance.md)
local n = tonumber(arg[1]) or 100
local m = tonumber(arg[2]) or n
local poll = tonumber(arg[3]) or 0.05
local out = (arg[4] or "out") .. "/"
sonic.config{poll_interval = poll, max_inflight = m}
local hs = {}
for i = 1, n do
  hs[i] = sonic.spawn(function()
    local clips = sonic.wait(sonic.create{gpt_description_prompt = "a bench song"})
    return sonic.download(clips[1], out)
  end)
end
local r
if arg[5] == "inorder" then      -- O(N), unlike sonic.all's rescans
  r = {}
  for i, h in ipairs(hs) do r[i] = h:wait() end
else
  r = sonic.all(hs)
end
print("ok " .. #r)
