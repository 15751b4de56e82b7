--[=[ tag_grid.lua -- cookbook: one song, many tag sets, side by side.

Creates one song, then covers it in every tag set at the same time (one
task each) and collects every outcome with sonic.settle: a cover that
fails is a row in the grid, not the end of the experiment.

  sonicflow run scripts/examples/cookbook/tag_grid.lua [OUT [TAGS...]]
  sonicflow run scripts/examples/cookbook/tag_grid.lua grid "jazz" "punk, fast"

OUT defaults to "grid"; each further argument is one tag set (default:
three). On the real service: 15 credits for the song + 15 per tag set (60
with the defaults); a failed cover is refunded. It takes about as long as
two tasks, whatever the number of tag sets.
]=]

local sonic = require "sonic"

local out = arg[1] or "grid"
local tag_sets = { table.unpack(arg, 2) }
if #tag_sets == 0 then
  tag_sets = { "lo-fi, mellow", "synthwave, energetic", "jazz, piano" }
end

-- "Lo-Fi, mellow!" -> "lo-fi-mellow", for folder names
local function slug (s)
  s = s:lower():gsub("[^%w]+", "-"):gsub("^-+", ""):gsub("-+$", "")
  return s ~= "" and s:sub(1, 40) or "tags"
end

local song = sonic.wait(sonic.create{
  gpt_description_prompt = "a simple catchy melody about the first snow",
  title = "First Snow",
})
local source = song[1]
sonic.download(source, out .. "/00-original/")

-- One cell of the grid: cover, wait, download both clips.
local function cell (i, tags)
  local clips = sonic.wait(sonic.cover(source, { tags = tags }))
  local dir = string.format("%s/%02d-%s/", out, i, slug(tags))
  local paths = {}
  for k, clip in ipairs(clips) do paths[k] = sonic.download(clip, dir) end
  return { clips = clips, paths = paths }
end

local handles = {}
for i, tags in ipairs(tag_sets) do
  handles[i] = sonic.spawn(cell, i, tags)   -- all start now
end
local outcomes = sonic.settle(handles)      -- waits for every one

print(string.format("\n%-3s %-24s %-8s %s", "#", "tags", "result", "clips"))
local failed = 0
for i, o in ipairs(outcomes) do
  local what
  if o.ok then
    local parts = {}
    for k, c in ipairs(o.value.clips) do
      parts[k] = string.format("%s (%.1f s)", c.clip_id:sub(1, 8), c.duration)
    end
    what = "ok       " .. table.concat(parts, ", ")
  else
    failed = failed + 1
    what = "FAILED   " .. tostring(o.err)
  end
  print(string.format("%-3d %-24s %s", i, tag_sets[i]:sub(1, 24), what))
end
print(string.format("%d of %d tag sets done; files in %s/",
                    #tag_sets - failed, #tag_sets, out))
