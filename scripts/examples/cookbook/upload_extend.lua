--[=[ upload_extend.lua -- cookbook: continue a song you have as a URL
(POST /sonic/upload-extend).

Give it a public URL of an MP3 (at most 8 minutes) and the second to
continue from. Without a URL it makes a song first and uses that song's
audio_url, so it runs anywhere. With auto_concat the task pairs the
extension with the whole song.

  sonicflow run scripts/examples/cookbook/upload_extend.lua [OUT [URL [AT]]]

On the real service: 15 + 2 for the upload (and 15 for the song made when
no URL is given).
]=]

local sonic = require "sonic"

local out = arg[1] or "upload-extend"
local url, at = arg[2], tonumber(arg[3])
if url == nil then
  local song = sonic.wait(sonic.create{
    gpt_description_prompt = "a slow blues about a train that never came"})[1]
  url, at = song.audio_url, song.duration / 2
end
at = at or 30
local clips = sonic.wait(sonic.upload_extend(url, {continue_at = at,
                                                   auto_concat = true}))
for i, clip in ipairs(clips) do
  print(("%s: %.1f s"):format(i == 1 and "extension" or "whole song",
                              clip.duration))
  print("saved " .. sonic.download(clip, out .. "/"))
end
