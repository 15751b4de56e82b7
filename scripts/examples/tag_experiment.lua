--[=[ tag_experiment.lua -- one song, many styles, side by side.

What it does: creates one song, then covers its first clip in several sets
of style tags at the same time (one task per tag set, started with
sonic.spawn and collected with sonic.all), downloads the original and every
cover into one folder with names that sort side by side, and prints a table.

  OUT/00-original-1.mp3
  OUT/01-lo-fi-mellow-1.mp3   OUT/01-lo-fi-mellow-2.mp3
  OUT/02-synthwave-energetic-1.mp3 ...

How to run:
  sonicflow run scripts/examples/tag_experiment.lua [OUT [TAGS...]]
  sonicflow run scripts/examples/tag_experiment.lua styles "jazz" "rock, energetic"
OUT defaults to "tag_experiment"; each further argument is one tag set
(default: four contrasting sets). With no MUSICAPI_KEY this runs against the
built-in sandbox and costs nothing.

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

local function mkdir (dir)
  local ok = os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "' 2>/dev/null")
  if not ok then
    error("cannot create the output folder '" .. dir .. "'", 0)
  end
end

-- "Lo-Fi, mellow!" -> "lo-fi-mellow"
local function slug (s)
  s = s:lower():gsub("[^%w]+", "-"):gsub("^-+", ""):gsub("-+$", "")
  return s:sub(1, 40) ~= "" and s:sub(1, 40) or "tags"
end

mkdir(out)

print("creating the song ...")
local song = sonic.wait(sonic.create{
  gpt_description_prompt = "a simple catchy melody about the first day of spring",
  title = "First Day of Spring",
})
local source = song[1]
print(string.format("song: clip %s, %.2f s", source.clip_id, source.duration))

-- One task per tag set: cover, wait, download both covers.
local function try_style (i, tags)
  local clips = sonic.wait(sonic.cover(source, {
    tags = tags, title = source.title and (source.title .. " [" .. tags .. "]"),
  }))
  local rows = {}
  for k, clip in ipairs(clips) do
    local path = string.format("%s/%02d-%s-%d.mp3", out, i, slug(tags), k)
    rows[k] = { tags = tags, clip = clip,
                path = sonic.download(clip, path) }
  end
  return rows
end

print(string.format("covering it in %d styles at once ...", #tag_sets))
local handles = {}
for i, tags in ipairs(tag_sets) do
  handles[i] = sonic.spawn(try_style, i, tags)
end
local original = sonic.download(source, out .. "/00-original-1.mp3")
local results = sonic.all(handles)

-- The table: one row per file.
local fmt = "%-3s %-28s %-36s %8s  %s"
print()
print(string.format(fmt, "#", "tags", "clip", "seconds", "file"))
print(string.format(fmt, "0", "(original)", source.clip_id,
                    string.format("%.2f", source.duration), original))
for i, rows in ipairs(results) do
  for _, r in ipairs(rows) do
    print(string.format(fmt, tostring(i), r.tags:sub(1, 28), r.clip.clip_id,
                        string.format("%.2f", r.clip.duration), r.path))
  end
end
