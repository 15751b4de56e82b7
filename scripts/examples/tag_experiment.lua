--[=[ tag_experiment.lua -- one song, many styles, side by side.

What it does: creates one song, then covers it in several sets of style
tags at the same time with sonic.experiment (one axis, "style", one cell
per tag set), downloads the original and every cover, measures each take
against the original (loudness, tempo, brightness, chroma similarity) and
prints a table. The folder it leaves:

  OUT/styles/source/<title>-<clip>.mp3
  OUT/styles/style=lo-fi-mellow/<title>-<clip>.mp3   (2 clips per cover)
  OUT/styles/style=synthwave-energetic/...
  OUT/styles/experiment.json        (sonicflow report --experiment ...)

How to run:
  sonicflow run scripts/examples/tag_experiment.lua [OUT [TAGS...]]
  sonicflow run scripts/examples/tag_experiment.lua styles "jazz" "rock, energetic"
OUT defaults to "tag_experiment"; each further argument is one tag set
(default: four contrasting sets). With no MUSICAPI_KEY this runs against the
built-in sandbox and costs nothing. Then look and listen:
  sonicflow report --experiment OUT/styles/experiment.json -o styles.html

What it costs on the real service: 15 credits for the song plus 15 per tag
set (75 with the default four sets); the covers run at the same time, so it
takes about as long as two tasks (2 to 6 minutes).
]=]

local sonic = require "sonic"

local out = arg[1] or "tag_experiment"
local tag_sets = { table.unpack(arg, 2) }
if #tag_sets == 0 then
  tag_sets = { "lo-fi, mellow", "synthwave, energetic", "jazz, piano",
               "orchestral, ambient" }
end

local r = sonic.experiment{
  axes = { style = tag_sets },
  base = { gpt_description_prompt =
             "a simple catchy melody about the first day of spring",
           title = "First Day of Spring" },
  name = "styles", dir = out,
}

-- The table: one row per file, with what was measured.
local fmt = "%-28s %-36s %8s %7s %6s  %s"
print()
print(string.format(fmt, "tags", "clip", "seconds", "LUFS", "BPM", "file"))
for _, cell in ipairs(r.cells) do
  if cell.err then
    print(string.format("%-28s failed: %s", cell.tags:sub(1, 28),
                        tostring(cell.err)))
  end
  for i, clip in ipairs(cell.clips) do
    local m = cell.measures and cell.measures[i] or {}
    print(string.format(fmt, cell.tags:sub(1, 28), clip.clip_id,
                        string.format("%.2f", clip.duration),
                        m.lufs and string.format("%.1f", m.lufs) or "-",
                        m.bpm and string.format("%.0f", m.bpm) or "-",
                        cell.files[i]))
  end
end
print()
print("listen side by side: sonicflow report --experiment " .. r.manifest ..
      " -o styles.html")
