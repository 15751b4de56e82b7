--[=[ batch_csv.lua -- cookbook: a batch of songs from a CSV file.

Reads a CSV file with a header line and the columns title, tags and
description (quoted fields may hold commas; "" is a quote), and makes one
song per row: create, wait, download. At most PARALLEL rows run at once:
the rows are taken in chunks of PARALLEL, each chunk spawned and collected
with sonic.settle before the next starts, so one failing row never stops
the batch. Writes OUT/results.csv (one line per row) and exits with an
error if any row failed.

  sonicflow run scripts/examples/cookbook/batch_csv.lua [CSV [OUT [PARALLEL]]]

CSV defaults to songs.csv beside this script, OUT to "batch", PARALLEL to
2. On the real service: 15 credits per row (75 for songs.csv); a failed
row is refunded.
]=]

local sonic = require "sonic"

local here = arg[0]:match("^(.*/)") or "./"
local csv = arg[1] or (here .. "songs.csv")
local out = arg[2] or "batch"
local parallel = math.tointeger(tonumber(arg[3] or "2"))
if not parallel or parallel < 1 then
  error("PARALLEL must be a positive integer, got " .. tostring(arg[3]), 0)
end

local function mkdir (dir)
  local ok = os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "' 2>/dev/null")
  if not ok then error("cannot create the folder '" .. dir .. "'", 0) end
end

-- Split one CSV line into its fields.
local function parse_line (line)
  local fields, pos = {}, 1
  while pos <= #line + 1 do
    if line:sub(pos, pos) == '"' then         -- quoted: up to a lone quote
      local value, i = {}, pos + 1
      while true do
        local q = line:find('"', i, true)
        if not q then error("unterminated quote in: " .. line, 0) end
        value[#value + 1] = line:sub(i, q - 1)
        if line:sub(q + 1, q + 1) == '"' then  -- "" is one quote
          value[#value + 1] = '"'
          i = q + 2
        else
          pos = q + 2                          -- past the quote and comma
          break
        end
      end
      fields[#fields + 1] = table.concat(value)
    else
      local comma = line:find(",", pos, true) or #line + 1
      fields[#fields + 1] = line:sub(pos, comma - 1)
      pos = comma + 1
    end
  end
  return fields
end

-- The rows as tables keyed by the header's names.
local function read_csv (path)
  local f, err = io.open(path, "r")
  if not f then error("cannot read " .. err, 0) end
  local header, rows = nil, {}
  for line in f:lines() do
    line = line:gsub("\r$", "")
    if line ~= "" then
      local fields = parse_line(line)
      if not header then
        header = fields
      else
        local row = {}
        for i, name in ipairs(header) do row[name] = fields[i] end
        rows[#rows + 1] = row
      end
    end
  end
  f:close()
  return rows
end

-- One row: create, wait, download its clips. Returns the paths.
local function make_song (i, row)
  local clips = sonic.wait(sonic.create{
    gpt_description_prompt = row.description,
    tags = row.tags ~= "" and row.tags or nil,
    title = row.title,
  })
  local paths = {}
  for k, clip in ipairs(clips) do
    paths[k] = sonic.download(clip, string.format("%s/%02d/", out, i))
  end
  return paths
end

local rows = read_csv(csv)
if #rows == 0 then error("no rows in " .. csv, 0) end
mkdir(out)
print(("%d rows from %s, %d at a time"):format(#rows, csv, parallel))

-- Chunks of 'parallel': spawn them all, settle, then the next chunk.
local outcomes = {}
for first = 1, #rows, parallel do
  local handles = {}
  for i = first, math.min(first + parallel - 1, #rows) do
    handles[#handles + 1] = sonic.spawn(make_song, i, rows[i])
  end
  for k, o in ipairs(sonic.settle(handles)) do
    outcomes[first + k - 1] = o
  end
end

-- results.csv: row, title, status, files or error
local function csv_field (s)
  s = tostring(s)
  if s:find('[,"\n]') then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end
local report = assert(io.open(out .. "/results.csv", "w"))
report:write("row,title,status,result\n")
local failed = 0
for i, o in ipairs(outcomes) do
  local status, result = "ok", nil
  if o.ok then
    result = table.concat(o.value, " ")
  else
    status, result, failed = "failed", tostring(o.err), failed + 1
  end
  report:write(("%d,%s,%s,%s\n"):format(i, csv_field(rows[i].title), status,
                                        csv_field(result)))
  print(("%2d  %-16s %-7s %s"):format(i, rows[i].title, status, result))
end
report:close()
print(("%d of %d rows done; see %s/results.csv"):format(#rows - failed,
      #rows, out))
if failed > 0 then error(("%d rows failed"):format(failed), 0) end
