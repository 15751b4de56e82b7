--[=[ persona.lua -- cookbook: keep a voice and sing new songs with it
(POST /sonic/persona, then create with task_type = persona_music).

Makes a song, stores its voice and style as a persona, then writes two
new songs with that persona. The persona id is printed: keep it, it
stays with the account.

  sonicflow run scripts/examples/cookbook/persona.lua [OUT [NAME]]

On the real service: 15 for the song, 1 for the persona, 15 per new song.
]=]

local sonic = require "sonic"

local out = arg[1] or "persona"
local name = arg[2] or "Harbour Voice"

local song = sonic.wait(sonic.create{
  gpt_description_prompt = "a warm soul ballad about an old radio",
  tags = "soul, warm, female vocals"})[1]
local persona = sonic.persona(song, {name = name,
                                     describe = "warm, close, a little husky",
                                     styles = "soul, warm"})
print(("persona %q: %s"):format(name, persona))
local songs = sonic.all{
  function () return sonic.wait(sonic.persona_music(persona, {
    gpt_description_prompt = "a song about the first snow"}))[1] end,
  function () return sonic.wait(sonic.persona_music(persona, {
    gpt_description_prompt = "a song about leaving the city"}))[1] end,
}
for _, clip in ipairs(songs) do
  print("saved " .. sonic.download(clip, out .. "/"))
end
