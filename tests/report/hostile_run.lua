-- hostile_run.lua -- a small tag experiment whose title and tags try to
-- inject markup into the report, with files whose names need escaping in
-- a URL, and one WAV. Used by report_page.sh.
--   sonicflow run hostile_run.lua OUT
local sonic = require "sonic"

local out = arg[1] or "out"
os.execute("mkdir -p '" .. out .. "/with space #1%'")

local song = sonic.wait(sonic.create{
  gpt_description_prompt = "a song about <b>bold</b> & \"quoted\" things",
  title = "<script>alert(1)</script>",
})
local source = song[1]

local function try (tags)
  local clips = sonic.wait(sonic.cover(source, {
    tags = tags, title = "cover '" .. tags .. "' <i>x</i>" }))
  return clips
end

local a = sonic.spawn(try, "lo-fi, \"><img src=x onerror=alert(2)>")
local b = sonic.spawn(try, "jazz & blues")
local covers = sonic.all({a, b})

sonic.download(source, out .. "/with space #1%/orig<1>.mp3")
sonic.download(covers[1][1], out .. "/a-1.mp3")
sonic.download(covers[1][2], out .. "/a-2.mp3")
sonic.download(covers[2][1], out .. "/b-1.mp3")
sonic.download(sonic.wav(covers[2][2]), out .. "/b-2.wav")
print("ok")
