--[=[ bpm.lua -- cookbook: the tempo of a song (POST /sonic/bpm).

Makes two songs, a mellow and an energetic one, and asks for their tempo:
average, fastest and slowest part.

  sonicflow run scripts/examples/cookbook/bpm.lua

On the real service: 15 per song, 1 per tempo.
]=]

local sonic = require "sonic"

-- each song's tempo is asked for as soon as that song is done
local function song_and_tempo (prompt, tags)
  local clip = sonic.wait(sonic.create{gpt_description_prompt = prompt,
                                       tags = tags})[1]
  return {clip = clip, tempo = sonic.bpm(clip)}
end

local results = sonic.all{
  function () return song_and_tempo("a lullaby", "mellow, ambient") end,
  function () return song_and_tempo("a festival anthem", "energetic, edm") end,
}
for _, r in ipairs(results) do
  local t = r.tempo
  print(("%-18s %6.1f bpm (%.1f-%.1f)"):format(tostring(r.clip.tags), t.bpm,
                                               t.min_bpm, t.max_bpm))
end
