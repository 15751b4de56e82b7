--[=[ batch.lua -- cookbook: many creates in few requests (POST /sonic/batch).

Submits one create per tag set, ten per request (longer lists are split),
waits for all, downloads the first clip of each. An item the service
refuses comes back as an error in its place; the others go on.

  sonicflow run scripts/examples/cookbook/batch.lua [OUT [N]]

On the real service: 15 per song.
]=]

local sonic = require "sonic"

local out = arg[1] or "batch"
local n = math.tointeger(tonumber(arg[2] or "12")) or 12
local styles = {"lo-fi", "synthwave", "jazz", "folk", "punk", "ambient"}

local items = {}
for i = 1, n do
  items[i] = {gpt_description_prompt = "song number " .. i,
              tags = styles[(i - 1) % #styles + 1]}
end
local handles = sonic.batch(items)
local settled = sonic.settle((function ()
  local waits = {}
  for i, h in ipairs(handles) do
    waits[i] = function ()
      if sonic.is_error(h) then error(h, 0) end
      local clips = sonic.wait(h)
      return sonic.download(clips[1], out .. "/")
    end
  end
  return waits
end)())
local done = 0
for i, r in ipairs(settled) do
  if r.ok then done = done + 1; print("saved " .. r.value)
  else print(("item %d: %s"):format(i, tostring(r.err))) end
end
print(("%d of %d songs done"):format(done, n))
os.exit(done == n and 0 or 1)
