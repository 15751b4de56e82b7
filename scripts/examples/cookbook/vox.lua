--[=[ vox.lua -- cookbook: the vocals of part of a song (POST /sonic/vox).

Makes a song and takes the vocals of a window of it (at most 30 s; by
default the first 20 s or the whole song if shorter), then downloads
them.

  sonicflow run scripts/examples/cookbook/vox.lua [OUT]

On the real service: 15 for the song, 1 for the vocals.
]=]

local sonic = require "sonic"

local out = arg[1] or "vox"

local song = sonic.wait(sonic.create{
  prompt = "[Verse]\nPaper boats along the gutter\n[Chorus]\nSail away",
  tags = "pop, female vocals"})[1]
local to = math.min(20, song.duration)
local v = sonic.vox(song, {start_s = 0, end_s = to})
print(("vocals 0-%.1f s: %s"):format(to, v.vox_audio_id))
print("saved " .. sonic.download(v.audio_url, out .. "/"))
