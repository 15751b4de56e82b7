--[=[ upsample_tags.lua -- cookbook: turn short tags into a fuller style
prompt, then use it (POST /sonic/upsample-tags).

  sonicflow run scripts/examples/cookbook/upsample_tags.lua [OUT [TAGS]]

On the real service: 1 for the upsampling, 15 for the song.
]=]

local sonic = require "sonic"

local out = arg[1] or "upsample"
local tags = arg[2] or "lo-fi"

local richer = sonic.upsample_tags(tags)
print(("%q -> %q"):format(tags, richer))
local clips = sonic.wait(sonic.create{
  gpt_description_prompt = "a study session at midnight", tags = richer})
print("saved " .. sonic.download(clips[1], out .. "/"))
