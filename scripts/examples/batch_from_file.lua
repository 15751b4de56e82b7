--[=[ batch_from_file.lua -- one workflow per line of a file.

What it does: reads a list of song descriptions (one per line; blank lines
and lines starting with '#' are skipped), and for each line creates a song,
waits for it and downloads its clips as OUT/NN-<words>-<k>.mp3. Workflows run
concurrently, at most PARALLEL at a time; one failing line does not stop the
others (the outcomes are collected with sonic.settle). Prints a summary and
exits with status 1 if any line failed.

How to run:
  sonicflow run scripts/examples/batch_from_file.lua [LIST [OUT [PARALLEL]]]
LIST defaults to prompts.txt beside this script, OUT to "batch_out",
PARALLEL to 3. With no MUSICAPI_KEY this runs against the built-in sandbox
and costs nothing.

What it costs on the real service: 15 credits per line (the shipped
prompts.txt has 5 lines: 75 credits); a line that fails is refunded or never
charged. Time: about (lines / PARALLEL) x 1 to 3 minutes.
]=]

local sonic = require "sonic"

local here = arg[0]:match("^(.*/)") or "./"
local list = arg[1] or (here .. "prompts.txt")
local out = arg[2] or "batch_out"
local parallel = math.tointeger(tonumber(arg[3] or "3"))
if not parallel or parallel < 1 then
  error("PARALLEL must be a positive integer, got " .. tostring(arg[3]), 0)
end

local function mkdir (dir)
  local ok = os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "' 2>/dev/null")
  if not ok then
    error("cannot create the output folder '" .. dir .. "'", 0)
  end
end

-- "A jazzy song about a cat..." -> "a-jazzy-song-about-a-cat" (whole words)
local function slug (s)
  local words, len = {}, 0
  for w in s:lower():gmatch("%w+") do
    if #words > 0 and len + #w > 32 then break end
    words[#words + 1] = w:sub(1, 32)
    len = len + #w + 1
  end
  return #words > 0 and table.concat(words, "-") or "song"
end

-- Read the lines to run: { {line = n, prompt = text}, ... }
local function read_list (path)
  local f, err = io.open(path, "r")
  if not f then error("cannot read the list: " .. err, 0) end
  local items, n = {}, 0
  for text in f:lines() do
    n = n + 1
    text = text:gsub("^%s+", ""):gsub("%s+$", "")
    if text ~= "" and text:sub(1, 1) ~= "#" then
      items[#items + 1] = { line = n, prompt = text }
    end
  end
  f:close()
  return items
end

local items = read_list(list)
if #items == 0 then error("no prompts in " .. list, 0) end
mkdir(out)

-- One workflow: create, wait, download every clip. Returns the paths.
local function workflow (i, item)
  local clips = sonic.wait(sonic.create{ gpt_description_prompt = item.prompt })
  local paths = {}
  for k, clip in ipairs(clips) do
    paths[k] = sonic.download(clip, string.format("%s/%02d-%s-%d.mp3", out, i,
                                                  slug(item.prompt), k))
  end
  return paths
end

-- A fixed number of workers take the next line as soon as they are free,
-- so at most 'parallel' workflows are in flight. Each workflow is its own
-- task; its handle is kept for sonic.settle.
local handles, next_item = {}, 1
local in_flight, max_in_flight = 0, 0
local function worker ()
  while next_item <= #items do
    local i = next_item
    next_item = next_item + 1      -- no yield between read and update
    in_flight = in_flight + 1
    max_in_flight = math.max(max_in_flight, in_flight)
    handles[i] = sonic.spawn(workflow, i, items[i])
    pcall(handles[i].wait, handles[i])   -- the outcome is read by settle
    in_flight = in_flight - 1
  end
end

print(string.format("%d prompts from %s, %d at a time", #items, list, parallel))
local workers = {}
for w = 1, math.min(parallel, #items) do workers[w] = sonic.spawn(worker) end
sonic.all(workers)
local outcomes = sonic.settle(handles)

-- Summary: one row per line of the list.
local ok_count, failed = 0, 0
print()
for i, o in ipairs(outcomes) do
  local item = items[i]
  if o.ok then
    ok_count = ok_count + 1
    print(string.format("line %3d  ok      %s", item.line,
                        table.concat(o.value, "  ")))
  else
    failed = failed + 1
    print(string.format("line %3d  FAILED  %s", item.line, tostring(o.err)))
  end
end
print(string.format("%d succeeded, %d failed (at most %d in flight)",
                    ok_count, failed, max_in_flight))
if failed > 0 then
  error(string.format("%d of %d workflows failed", failed, #items), 0)
end
