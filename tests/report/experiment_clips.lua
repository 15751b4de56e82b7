-- experiment_clips.lua OUT -- audio for the experiment page's browser
-- test: one song covered in four tag combos (genre x mood), every clip
-- downloaded as OUT/<genre>_<mood>_<k>.mp3, then one line per clip
-- "genre<TAB>mood<TAB>clip_id<TAB>duration<TAB>file" on stdout for the test
-- to write experiment.json from.
local sonic = require "sonic"
local out = assert(arg[1], "usage: experiment_clips.lua OUT")
assert(os.execute("mkdir -p '" .. out .. "'"))
local song = sonic.wait(sonic.create{ gpt_description_prompt = "a short tune",
                                      title = "Seed" })
local src = song[1]
local combos = { {"lo-fi", "mellow"}, {"lo-fi", "driving"},
                 {"synthwave", "mellow"}, {"synthwave", "driving"} }
local function cover (g, m)
  local clips = sonic.wait(sonic.cover(src, { tags = g .. ", " .. m }))
  local rows = {}
  for k, c in ipairs(clips) do
    local file = string.format("%s_%s_%d.mp3", g, m, k)
    sonic.download(c, out .. "/" .. file)
    rows[k] = table.concat({ g, m, c.clip_id, c.duration or 0, file }, "\t")
  end
  return rows
end
local handles = {}
for i, gm in ipairs(combos) do handles[i] = sonic.spawn(cover, gm[1], gm[2]) end
sonic.download(src, out .. "/seed.mp3")
for _, rows in ipairs(sonic.all(handles)) do
  for _, r in ipairs(rows) do print(r) end
end
print(table.concat({ "source", "", src.clip_id, src.duration or 0, "seed.mp3" }, "\t"))
