--[=[ replace_section.lua -- cookbook: redo one part of a song, keep the
rest (POST /sonic/replace-section).

Makes a song, then regenerates its middle third with new lyrics. Outside
that range the audio is the original's (the sandbox keeps it sample for
sample). Downloads the source and both new takes for comparison.

  sonicflow run scripts/examples/cookbook/replace_section.lua [OUT]

On the real service: 15 for the source, 10 for the replacement.
]=]

local sonic = require "sonic"

local out = arg[1] or "replace"

local src = sonic.wait(sonic.create{
  prompt = "[Verse]\nThe kettle sings, the window's grey\n" ..
           "[Chorus]\nStay a while, stay a while",
  tags = "indie, acoustic"})[1]
local from, to = src.duration / 3, 2 * src.duration / 3
print("saved " .. sonic.download(src, out .. "/original/"))
local takes = sonic.wait(sonic.replace_section(src, {
  start_s = from, end_s = to,
  lyrics = "[Bridge]\nThe rain gives way, the light comes in"}))
for _, clip in ipairs(takes) do
  print(("replaced %.1f-%.1f s: take %s"):format(from, to,
                                                  clip.clip_id:sub(1, 8)))
  print("saved " .. sonic.download(clip, out .. "/replaced/"))
end
