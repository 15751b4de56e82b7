--[=[ cover_extend_stems.lua -- one song through the whole chain.

What it does: creates a song from a description, covers it in the style
"lo-fi, acoustic, mellow", extends the cover (from its end), joins the
extension with everything before it (concat) into one full-length song, splits
that song into stems (vocals and instrumental), and downloads every resulting
MP3 into a folder, one sub-folder per step:

  OUT/1-song/  OUT/2-cover/  OUT/3-extension/  OUT/4-full/  OUT/5-stems/

How to run:
  sonicflow run scripts/examples/cover_extend_stems.lua [OUT]     (OUT: "out")
With no MUSICAPI_KEY this runs against the built-in sandbox and costs nothing.

What it costs on the real service: create 15 + cover 15 + extend 15 +
concat 2 + stems (basic) 15 = 62 credits (a new account has 30), and about
5 to 15 minutes, since each step waits for the one before. `--budget 62`
caps the spending.
]=]

local sonic = require "sonic"

local out = arg[1] or "out"

-- Create a folder (and its parents) if it does not exist yet.
local function mkdir (dir)
  local ok = os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "' 2>/dev/null")
  if not ok then
    error("cannot create the output folder '" .. dir .. "'", 0)
  end
end

local function describe (clips)
  for _, c in ipairs(clips) do
    print(string.format("      clip %s  %6.2f s  %q", c.clip_id, c.duration,
                        c.title or ""))
  end
end

-- Submit with 'submit', wait for the task, and report.
local function step (n, what, submit)
  print(string.format("[%d/5] %s", n, what))
  local task = submit()
  print("      task " .. task.id)
  local clips = sonic.wait(task)
  describe(clips)
  return clips
end

mkdir(out)

local song = step(1, "create a song from a description", function ()
  return sonic.create{
    gpt_description_prompt = "a gentle song about a rainy morning in the city",
    title = "Rainy Morning",
  }
end)

local cover = step(2, 'cover it in "lo-fi, acoustic, mellow"', function ()
  return sonic.cover(song[1], { tags = "lo-fi, acoustic, mellow",
                                title = "Rainy Morning (lo-fi)" })
end)

local extension = step(3, "extend the cover from its end", function ()
  -- continue_at defaults to the clip's duration
  return sonic.extend(cover[1], { title = "Rainy Morning (lo-fi, extended)" })
end)

local full = step(4, "join the extension with what came before (concat)",
                  function () return sonic.concat(extension[1]) end)

local stems = step(5, "split the full song into stems", function ()
  return sonic.stems(full[1], { full = false })
end)

-- Download everything at once: one task per file.
local groups = {
  { "1-song", song }, { "2-cover", cover }, { "3-extension", extension },
  { "4-full", full }, { "5-stems", stems },
}
local jobs = {}
for _, g in ipairs(groups) do
  local dir = out .. "/" .. g[1] .. "/"
  mkdir(dir)
  for _, clip in ipairs(g[2]) do
    jobs[#jobs + 1] = sonic.spawn(sonic.download, clip, dir)
  end
end
print(string.format("downloading %d files into %s/", #jobs, out))
local paths = sonic.all(jobs)
for _, p in ipairs(paths) do print("  " .. p) end
print(string.format("done: %d MP3 files in %s/", #paths, out))
