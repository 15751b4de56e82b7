--[=[ upload_cover.lua -- cookbook: a cover of a song you have as a URL
(POST /sonic/upload-cover).

Give it a public URL of an MP3 and new tags. Without a URL it makes a
song first and covers its audio_url.

  sonicflow run scripts/examples/cookbook/upload_cover.lua [OUT [TAGS [URL]]]

On the real service: 15 + 2 for the upload (and 15 for the song made when
no URL is given).
]=]

local sonic = require "sonic"

local out = arg[1] or "upload-cover"
local tags = arg[2] or "lo-fi, acoustic, mellow"
local url = arg[3]
if url == nil then
  url = sonic.wait(sonic.create{
    gpt_description_prompt = "an upbeat pop song about a bicycle"})[1].audio_url
end
for _, clip in ipairs(sonic.wait(sonic.upload_cover(url, {tags = tags}))) do
  print(("cover %s in %q"):format(clip.clip_id:sub(1, 8), clip.tags))
  print("saved " .. sonic.download(clip, out .. "/"))
end
