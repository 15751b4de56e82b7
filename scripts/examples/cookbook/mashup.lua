--[=[ mashup.lua -- cookbook: blend two songs into one (POST /sonic/mashup).

Makes two songs in different styles, then a mashup of them: two takes
that carry material of both (the built-in sandbox plays sections of each
source in turn, in one style). Downloads the takes.

  sonicflow run scripts/examples/cookbook/mashup.lua [OUT [TAGS]]

On the real service: 15 + 15 for the sources, 10 for the mashup.
]=]

local sonic = require "sonic"

local out = arg[1] or "mashup"
local tags = arg[2] or "synthwave, driving"

local a, b = table.unpack(sonic.all{
  function () return sonic.wait(sonic.create{
    gpt_description_prompt = "a folk song about a harbour at dawn",
    tags = "folk, acoustic"})[1] end,
  function () return sonic.wait(sonic.create{
    gpt_description_prompt = "a night drive through a neon city",
    tags = "synthwave"})[1] end,
})
local takes = sonic.wait(sonic.mashup(a, b, {tags = tags}))
for _, clip in ipairs(takes) do
  print(("mashup take %s: %.1f s, tags %q"):format(clip.clip_id:sub(1, 8),
                                                   clip.duration, clip.tags))
  print("saved " .. sonic.download(clip, out .. "/"))
end
