--[=[ sample.lua -- cookbook: grow a new song from a few seconds of another
(POST /sonic/sample).

Makes a song, chops a range of it (by default its second quarter) and
asks for a song that starts from that sample in new tags.

  sonicflow run scripts/examples/cookbook/sample.lua [OUT [TAGS]]

On the real service: 15 for the source, 14 for the sample.
]=]

local sonic = require "sonic"

local out = arg[1] or "sample"
local tags = arg[2] or "hip hop, dusty drums"

local src = sonic.wait(sonic.create{
  gpt_description_prompt = "a jazzy piano loop on a rainy afternoon",
  tags = "jazz, piano"})[1]
local from, to = src.duration / 4, src.duration / 2
print(("sampling %.1f-%.1f s of %s"):format(from, to, src.clip_id:sub(1, 8)))
local songs = sonic.wait(sonic.sample(src, {start_s = from, end_s = to,
                                            tags = tags}))
for _, clip in ipairs(songs) do
  print(("sampled song %s: %.1f s"):format(clip.clip_id:sub(1, 8),
                                           clip.duration))
  print("saved " .. sonic.download(clip, out .. "/"))
end
