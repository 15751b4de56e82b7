-- sonic.experiment: a tag experiment as one call. The cross product of
-- named axes of tags, each cell covered from one source `repeats` times,
-- all at once (the runtime paces, budgets and journals every cover), every
-- take downloaded under DIR/NAME/<cell>/ and measured, and a manifest,
-- DIR/NAME/experiment.json, that `sonicflow report --experiment` renders.
-- sonic.load_picks reads back the picks.json that page exports.
-- Formats: docs/experiments.md.
local cjson = require "cjson.safe"
local errors = require "sonic.errors"

local K = errors.K
local M = {}

local function bad(fmt, ...)
  errors.raise(K.bad_request, fmt:format(...))
end

-- Axis names sorted, each a non-empty list of non-empty strings.
local function axis_order(axes)
  if type(axes) ~= "table" then
    bad("sonic.experiment: axes must be a table of named lists")
  end
  local names = {}
  for name, values in pairs(axes) do
    if type(name) ~= "string" or name == "" or name:find("[=,/]") then
      bad("sonic.experiment: axis names are strings without '=', ',' or '/'")
    end
    if type(values) ~= "table" or #values == 0 then
      bad("sonic.experiment: axis '%s' needs a list of values", name)
    end
    for _, v in ipairs(values) do
      if type(v) ~= "string" or v == "" then
        bad("sonic.experiment: axis '%s' holds a value that is not a " ..
            "non-empty string", name)
      end
    end
    names[#names + 1] = name
  end
  if #names == 0 then bad("sonic.experiment: axes is empty") end
  table.sort(names)
  return names
end

-- Every combination, the last axis varying fastest: {{name = value}, ...}.
local function cross(axes, names)
  local cells = {{}}
  for _, name in ipairs(names) do
    local grown = {}
    for _, partial in ipairs(cells) do
      for _, v in ipairs(axes[name]) do
        local c = {}
        for k, x in pairs(partial) do c[k] = x end
        c[name] = v
        grown[#grown + 1] = c
      end
    end
    cells = grown
  end
  return cells
end

-- "genre=lo-fi,mood=mellow" with only safe file-name characters in values.
local function cell_key(values, names)
  local parts = {}
  for i, name in ipairs(names) do
    parts[i] = name .. "=" .. values[name]:gsub("[^%w%-_.]+", "-")
  end
  return table.concat(parts, ",")
end

local function cell_tags(values, names, base_tags)
  local t = {}
  for i, name in ipairs(names) do t[i] = values[name] end
  if type(base_tags) == "string" and base_tags ~= "" then
    t[#t + 1] = base_tags
  end
  return table.concat(t, ", ")
end

-- A take is named after its cell: "<title> [<tags>]", cut to the
-- service's 80 characters (whole UTF-8 characters).
local function take_title(title, tags)
  local t = ("%s [%s]"):format(title or "take", tags)
  if (utf8.len(t) or #t) <= 80 then return t end
  local cut = utf8.offset(t, 80) or 81
  return t:sub(1, cut - 1)
end

local function relative(path, root)
  if path:sub(1, #root + 1) == root .. "/" then return path:sub(#root + 2) end
  return path
end

-- The numeric measures of one file (nothing when it cannot be measured:
-- a missing measure is not a failed experiment).
local function measures_of(sonic, file, ref)
  local ok, m = pcall(sonic.analyze, file, ref and {ref = ref} or nil)
  local out = {}
  if ok and type(m) == "table" then
    for k, v in pairs(m) do
      if type(v) == "number" then out[k] = v end
    end
  end
  return out
end

local function write_manifest(path, doc)
  -- Debian's lua-cjson writes every empty table as {}: a cell with no
  -- takes must still say "takes":[]
  local text = cjson.encode(doc):gsub('"takes":{}', '"takes":[]')
  local f, err = io.open(path, "w")
  if not f then errors.raise(K.io, "cannot write " .. tostring(err)) end
  local ok, werr = f:write(text, "\n")
  local closed, cerr = f:close()
  if not ok or not closed then
    errors.raise(K.io, ("cannot write %s: %s"):format(path,
                 tostring(werr or cerr)))
  end
end

function M.run(sonic, spec)
  if type(spec) ~= "table" then
    bad("sonic.experiment: a table {source, axes, base, name, dir, repeats} expected")
  end
  local names = axis_order(spec.axes)
  local base = spec.base or {}
  if type(base) ~= "table" then bad("sonic.experiment: base must be a table") end
  local repeats = math.tointeger(spec.repeats or 1)
  if not repeats or repeats < 1 then
    bad("sonic.experiment: repeats must be a positive integer")
  end
  local name = spec.name or "experiment"
  if type(name) ~= "string" or not name:match("^[%w%-_.]+$") then
    bad("sonic.experiment: name must be letters, digits, '-', '_' or '.'")
  end
  local root = (spec.dir or ".") .. "/" .. name
  local combos = cross(spec.axes, names)

  -- the grid and its cost, before anything is paid (a dry run stops here
  -- in effect: the sandbox answers, nothing is charged)
  local covers = #combos * repeats
  print(("experiment %s: %d cells x %d takes = %d covers (%d credits%s)")
        :format(name, #combos, repeats, covers, covers * 15,
                spec.source and "" or " + 15 for the source"))
  for i, values in ipairs(combos) do
    print(("  %2d  %s  tags %q"):format(i, cell_key(values, names),
          cell_tags(values, names, base.tags)))
  end

  local source = spec.source
  if source == nil then
    local params = {}
    for k, v in pairs(base) do params[k] = v end
    if params.gpt_description_prompt == nil and params.prompt == nil then
      params.gpt_description_prompt = "a song for experiment " .. name
    end
    source = sonic.wait(sonic.create(params))[1]
  elseif type(source) == "string" then
    source = {clip_id = source, id = source}
  end
  local source_file = source.audio_url and
                      sonic.download(source, root .. "/source/") or nil

  -- one job per take, spawned in a fixed order so that a resume replays
  -- the same covers in the same order
  local jobs, where = {}, {}
  for ci, values in ipairs(combos) do
    local tags = cell_tags(values, names, base.tags)
    local key = cell_key(values, names)
    for take = 1, repeats do
      jobs[#jobs + 1] = function ()
        local params = {}
        for k, v in pairs(base) do params[k] = v end
        params.tags = tags
        params.prompt, params.gpt_description_prompt = nil, nil
        params.title = take_title(base.title or source.title, tags)
        local clips = sonic.wait(sonic.cover(source, params))
        local files = {}
        for i, clip in ipairs(clips) do
          files[i] = sonic.download(clip, root .. "/" .. key .. "/")
        end
        return {clips = clips, files = files}
      end
      where[#jobs] = {cell = ci, take = take}
    end
  end
  local settled = sonic.settle(jobs)

  local cells = {}
  for ci, values in ipairs(combos) do
    cells[ci] = {axes = values, key = cell_key(values, names),
                 tags = cell_tags(values, names, base.tags),
                 clips = {}, files = {}}
  end
  for j, r in ipairs(settled) do
    local cell = cells[where[j].cell]
    if r.ok then
      for i, clip in ipairs(r.value.clips) do
        cell.clips[#cell.clips + 1] = clip
        cell.files[#cell.files + 1] = r.value.files[i]
      end
    elseif cell.err == nil then
      cell.err = r.err            -- the first failed take names the cell's
    end
  end

  local doc_cells = {}
  for ci, cell in ipairs(cells) do
    local takes = {}
    for i, clip in ipairs(cell.clips) do
      takes[i] = {clip_id = clip.clip_id, title = clip.title,
                  file = relative(cell.files[i], root),
                  duration = clip.duration,
                  measures = measures_of(sonic, cell.files[i], source_file)}
      cell.measures = cell.measures or {}        -- per take, as returned
      cell.measures[i] = takes[i].measures
    end
    doc_cells[ci] = {key = cell.key, axes = cell.axes, tags = cell.tags,
                     takes = takes,
                     error = cell.err and tostring(cell.err.message or
                                                   cell.err) or cjson.null}
  end
  local order = {}
  for i, n in ipairs(names) do order[i] = n end
  local manifest = root .. "/experiment.json"
  local okdir, direrr = require("sonic.core").mkdir(root)
  if not okdir then errors.raise(K.io, tostring(direrr)) end
  write_manifest(manifest, {
    name = name,
    source = {clip_id = source.clip_id, title = source.title,
              file = source_file and relative(source_file, root) or cjson.null},
    axes = spec.axes, axis_order = order, cells = doc_cells})
  local failed = 0
  for _, c in ipairs(cells) do if c.err then failed = failed + 1 end end
  print(("experiment %s: %d of %d cells done; manifest %s"):format(name,
        #cells - failed, #cells, manifest))
  return {source = source, cells = cells, manifest = manifest}
end

-- picks.json as the report page exports it (docs/experiments.md).
function M.load_picks(path)
  if type(path) ~= "string" or path == "" then
    bad("sonic.load_picks: a path to picks.json expected")
  end
  local f, err = io.open(path, "r")
  if not f then bad("sonic.load_picks: cannot read %s", tostring(err)) end
  local text = f:read("a")
  f:close()
  local doc, jerr = cjson.decode(text or "")
  if type(doc) ~= "table" then
    bad("sonic.load_picks: %s is not JSON (%s)", path, tostring(jerr))
  end
  if type(doc.experiment) ~= "string" or type(doc.picks) ~= "table" then
    bad("sonic.load_picks: %s needs \"experiment\" and a \"picks\" list", path)
  end
  local picks = {}
  for i, p in ipairs(doc.picks) do
    if type(p) ~= "table" or type(p.clip_id) ~= "string" then
      bad("sonic.load_picks: pick %d of %s has no clip_id", i, path)
    end
    local stars = tonumber(p.stars) or 0
    if stars < 0 or stars > 5 then
      bad("sonic.load_picks: pick %d has stars %s (0 to 5)", i,
          tostring(p.stars))
    end
    picks[i] = {clip_id = p.clip_id, file = type(p.file) == "string" and
                p.file or nil, cell = type(p.cell) == "string" and p.cell or
                nil, stars = math.tointeger(stars) or stars,
                note = type(p.note) == "string" and p.note or "",
                winner = p.winner == true}
  end
  local best = {}
  for i, p in ipairs(picks) do best[i] = p end
  table.sort(best, function (a, b)
    if a.winner ~= b.winner then return a.winner end
    if a.stars ~= b.stars then return a.stars > b.stars end
    return a.clip_id < b.clip_id
  end)
  return {experiment = doc.experiment, picks = picks, best = best}
end

return M
