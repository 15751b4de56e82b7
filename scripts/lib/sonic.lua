-- sonic: the Lua API of sonicflow (DESIGN.md, "The Lua API").
--
-- Built on sonic.core, the C primitives: core.call (one API call) and
-- core.download (one file) yield the calling task until they are done,
-- core.sleep until a timer fires, core.join until another task ends.
-- The rules for money and files -- budget, journal, replay, retries,
-- .part files -- are all in C (runtime/steps.c, runtime/download.c):
-- this file only describes calls and shapes their answers.
local core = require "sonic.core"
local errors = require "sonic.errors"
local validate = require "sonic.validate"
local null = require("cjson.safe").null

local M = {}
local raise = errors.raise
local K = errors.K

local defaults = core.settings()
local config = {
  poll_interval = defaults.poll_interval,  -- nil: the service's advice
  request_timeout = 60,           -- seconds for one JSON call
  wait_timeout = defaults.wait_timeout,
  max_inflight = defaults.max_inflight,
}
local uploaded = {}               -- clip ids that came from sonic.upload

---------------------------------------------------------------- helpers

local function short(id)
  return tostring(id):sub(1, 8)
end

-- The level is set once, before any script runs (runtime/log.c): below
-- it, a line is neither formatted nor passed to C.
local SHOW_INFO = defaults.verbosity >= 1
local SHOW_DEBUG = defaults.verbosity >= 2

local function info(fmt, ...)
  if SHOW_INFO then core.log("info", fmt:format(...)) end
end

-- One API call; the policy is core.call's. Returns the decoded answer and
-- an info table {status, price, replayed, kind} (and, with
-- opts.journal_text while a journal is open, the answer's text), or raises
-- the error.
local function api(method, path, body, opts)
  opts = opts or {}
  opts.timeout = opts.timeout or config.request_timeout
  local data, info, text = core.call(method, path, body, opts)
  if data == nil then error(info, 0) end
  return data, info, text
end

local function clip_id_of(clip, what)
  if type(clip) == "string" then return validate.id(clip, what or "clip id") end
  if type(clip) == "table" then
    return validate.id(clip.clip_id or clip.id, what or "clip id")
  end
  raise(K.bad_request, ("%s: clip table or clip id expected, got %s")
        :format(what or "clip", type(clip)))
end

local function task_id_of(task)
  if type(task) == "table" then task = task.id or task.task_id end
  return validate.id(task, "task id")
end

-- A task handle: what the submitting functions return.
local Task = {}
Task.__index = Task
Task.__tostring = function(t) return "sonic task " .. t.id end

local function new_task(id, kind, body)
  return setmetatable({id = id, kind = kind, params = body}, Task)
end

function Task:poll() return M.poll(self) end
function Task:wait(opts) return M.wait(self, opts) end

---------------------------------------------------------------- submitting

-- POST a paid request whose answer carries a task id.
local function submit(path, body, label)
  local data, meta = api("POST", path, body, {task_id = true})
  local id, kind = data.task_id, meta.kind
  if not meta.replayed and SHOW_INFO then
    info("%s -> task %s (%d credits; %d committed in this run)", label,
         short(id), meta.price or 0, core.spending().spent)
  end
  core.progress("task", id, kind, label:gsub("^%S+%s*", ""),
                meta.price or 0)
  return new_task(id, kind, body)
end

local function copy(t)
  local c = {}
  for k, v in pairs(t or {}) do c[k] = v end
  return c
end

-- Fill what the service requires and the script left out, then check.
local function complete_create(p)
  local tt = p.task_type or "create_music"
  local spec = validate.TASK_TYPES[tt]
  if spec and spec.mv and p.mv == nil then p.mv = validate.DEFAULT_MODEL end
  if spec and spec.custom_mode and p.custom_mode == nil then
    p.custom_mode = p.prompt ~= nil
  end
  validate.create_body(p)
  return p
end

function M.create(params)
  if type(params) ~= "table" then
    raise(K.bad_request, "sonic.create: a table of parameters expected")
  end
  local body = complete_create(copy(params))
  local what = body.task_type or "create_music"
  return submit("sonic/create", body, what .. " " ..
                (body.tags or body.title or body.gpt_description_prompt or
                 (body.continue_clip_id and "of " ..
                  short(body.continue_clip_id)) or ""):sub(1, 60))
end

-- The model to use for a task derived from 'clip'.
local function model_for(clip, params)
  if params.mv then return params.mv end
  if type(clip) == "table" then
    return validate.model_of(clip.mv) or validate.DEFAULT_MODEL
  end
  return validate.DEFAULT_MODEL
end

local function from_upload(clip, id)
  return uploaded[id] or (type(clip) == "table" and clip.uploaded == true)
end

-- Shared by cover/extend/remaster...: a create that continues a clip.
local function derive(task_type, clip, params)
  local id = clip_id_of(clip)
  local body = copy(params)
  body.task_type = task_type
  body.continue_clip_id = id
  if validate.TASK_TYPES[task_type].mv then
    body.mv = model_for(clip, body)
  end
  return M.create(body)
end

function M.cover(clip, tags_or_params)
  local params = tags_or_params
  if type(params) == "string" then params = {tags = params} end
  if type(params) ~= "table" then
    raise(K.bad_request, "sonic.cover: tags string or parameter table expected")
  end
  local id = clip_id_of(clip)
  local tt = from_upload(clip, id) and "cover_upload_music" or "cover_music"
  return derive(tt, clip, params)
end

function M.extend(clip, params)
  params = copy(params)
  local id = clip_id_of(clip)
  if params.continue_at == nil then
    local d = type(clip) == "table" and tonumber(clip.duration)
    if not d then
      raise(K.bad_request, "sonic.extend: give continue_at (seconds), or a " ..
            "clip table with its duration")
    end
    params.continue_at = d
  end
  local tt = from_upload(clip, id) and "extend_upload_music" or "extend_music"
  return derive(tt, clip, params)
end

function M.concat(clip)
  return derive("concat_music", clip, {})
end

for _, tt in ipairs({"remaster", "add_instrumental", "add_vocals"}) do
  M[tt] = function(clip, params) return derive(tt, clip, params or {}) end
end

function M.stems(clip, opts)
  local id = clip_id_of(clip)
  local full = type(opts) == "table" and opts.full == true
  local path = full and "sonic/stems/full" or "sonic/stems/basic"
  return submit(path, {clip_id = id},
                (full and "full" or "basic") .. " stems of " .. short(id))
end

function M.upload(url)
  if type(url) ~= "string" or not url:match("^https?://") then
    raise(K.bad_request, "sonic.upload: a public http(s) URL expected")
  end
  local data = api("POST", "sonic/upload", {url = url}, {timeout = 300})
  local id = validate.id(data.clip_id, "uploaded clip id")
  uploaded[id] = true
  info("upload -> clip %s", short(id))
  return {clip_id = id, id = id, uploaded = true, source_url = url}
end

function M.wav(clip)
  local id = clip_id_of(clip)
  local data = api("POST", "sonic/wav", {clip_id = id})
  local url = type(data.data) == "table" and data.data.wav_url
  if type(url) ~= "string" or url == "" then
    raise(K.server, "the wav answer has no data.wav_url")
  end
  return {clip_id = id, wav_url = url,
          title = type(clip) == "table" and clip.title or nil}
end

function M.midi(clip)
  local data = api("POST", "sonic/midi", {clip_id = clip_id_of(clip)})
  return data.data
end

function M.lyrics(description)
  local data = api("POST", "sonic/lyrics", {description = description})
  return data.results
end

---------------------------------------------------------------- the rest of the family

-- A public audio URL, checked before it is sent.
local function url_of(url, what)
  if type(url) ~= "string" or not url:match("^https?://") then
    raise(K.bad_request, what .. ": a public http(s) URL expected")
  end
  return url
end

-- Generation fields completed as a create's are (mv, custom_mode).
local function generation(params, what)
  if params ~= nil and type(params) ~= "table" then
    raise(K.bad_request, what .. ": a table of parameters expected")
  end
  local body = copy(params)
  if body.mv == nil then body.mv = validate.DEFAULT_MODEL end
  if body.custom_mode == nil then body.custom_mode = body.prompt ~= nil end
  return body
end

function M.upload_extend(url, params)
  local body = generation(params, "sonic.upload_extend")
  body.url = url_of(url, "sonic.upload_extend")
  validate.upload_extend(body)
  return submit("sonic/upload-extend", body, "upload_extend " ..
                short(url:match("[^/]*$")))
end

function M.upload_cover(url, params)
  if type(params) == "string" then params = {tags = params} end
  local body = generation(params, "sonic.upload_cover")
  body.url = url_of(url, "sonic.upload_cover")
  validate.generation(body)
  return submit("sonic/upload-cover", body, "upload_cover " ..
                tostring(body.tags or ""):sub(1, 60))
end

function M.persona(clip, params)
  if type(params) ~= "table" then
    raise(K.bad_request, "sonic.persona: {name, describe, styles} expected")
  end
  local body = {clip_id = clip_id_of(clip), name = params.name,
                describe = params.describe, styles = params.styles}
  validate.persona(body)
  local data = api("POST", "sonic/persona", body)
  local id = data.persona_id
  if type(id) ~= "string" or id == "" then
    raise(K.server, "the persona answer has no persona_id")
  end
  info("persona %q -> %s", body.name, short(id))
  return id
end

function M.persona_music(persona_id, params)
  local body = copy(params)
  body.task_type = "persona_music"
  body.persona_id = persona_id
  return M.create(body)
end

function M.mashup(clip_a, clip_b, params)
  local body = generation(params, "sonic.mashup")
  body.mashup_clip_ids = {clip_id_of(clip_a, "first clip"),
                          clip_id_of(clip_b, "second clip")}
  validate.mashup(body)
  return submit("sonic/mashup", body, ("mashup of %s and %s"):format(
                short(body.mashup_clip_ids[1]), short(body.mashup_clip_ids[2])))
end

function M.sample(clip_or_url, params)
  if type(params) ~= "table" then
    raise(K.bad_request, "sonic.sample: {start_s, end_s, ...} expected")
  end
  local body = generation(params, "sonic.sample")
  body.start_s, body.end_s = nil, nil
  body.chop_sample_start_s = params.start_s
  body.chop_sample_end_s = params.end_s
  if type(clip_or_url) == "string" and clip_or_url:match("^https?://") then
    body.url = clip_or_url
  else
    body.sample_clip_id = clip_id_of(clip_or_url)
  end
  validate.sample(body)
  return submit("sonic/sample", body, ("sample %gs-%gs of %s"):format(
                body.chop_sample_start_s, body.chop_sample_end_s,
                short(body.sample_clip_id or body.url)))
end

function M.replace_section(clip, params)
  if type(params) ~= "table" then
    raise(K.bad_request, "sonic.replace_section: {start_s, end_s, lyrics} expected")
  end
  local body = copy(params)
  body.start_s, body.end_s, body.lyrics = nil, nil, nil
  body.clip_id = clip_id_of(clip)
  body.infill_start_s = params.start_s
  body.infill_end_s = params.end_s
  body.infill_lyrics = params.lyrics
  validate.replace_section(body)
  return submit("sonic/replace-section", body, ("replace %gs-%gs of %s")
                :format(body.infill_start_s, body.infill_end_s,
                        short(body.clip_id)))
end

function M.upsample_tags(tags)
  validate.upsample_tags(tags)
  local data, meta = api("POST", "sonic/upsample-tags", {tags = tags})
  local out = data.upsampled_tags or (type(data.data) == "table" and
                                      data.data.upsampled_tags)
  if type(out) ~= "string" then
    raise(K.server, "the upsample-tags answer has no upsampled_tags")
  end
  if not meta.replayed then
    info("upsample-tags %q -> %q", tags:sub(1, 60), out:sub(1, 120))
  end
  return out
end

-- A synchronous answer's payload: 'data' when there is one (loose).
local function payload(data)
  return type(data.data) == "table" and data.data or data
end

function M.bpm(clip)
  local id = clip_id_of(clip)
  local data, meta = api("POST", "sonic/bpm", {clip_id = id})
  local d = payload(data)
  local out = {}
  for _, k in ipairs({"bpm", "max_bpm", "min_bpm"}) do
    local v = tonumber(d[k])
    if v == nil then
      raise(K.server, ("the bpm answer has no '%s'"):format(k))
    end
    out[k] = v
  end
  if not meta.replayed then info("bpm of %s -> %g", short(id), out.bpm) end
  return out
end

function M.vox(clip, params)
  if type(params) ~= "table" then
    raise(K.bad_request, "sonic.vox: {start_s, end_s} expected")
  end
  local body = {clip_id = clip_id_of(clip), vocal_start_s = params.start_s,
                vocal_end_s = params.end_s}
  validate.vox(body)
  local data, meta = api("POST", "sonic/vox", body)
  local d = payload(data)
  d.code, d.message = nil, nil
  if not meta.replayed then
    info("vox %gs-%gs of %s -> %s", body.vocal_start_s, body.vocal_end_s,
         short(body.clip_id), tostring(d.vox_audio_id))
  end
  return d
end

-- Up to 10 creates per POST /sonic/batch; longer lists are split. Returns
-- one entry per item, in order: a task handle, or the item's error value
-- (a refused item does not fail the others).
function M.batch(list)
  if type(list) ~= "table" or #list == 0 then
    raise(K.bad_request, "sonic.batch: a list of create parameter tables expected")
  end
  local bodies = {}
  for i, p in ipairs(list) do
    if type(p) ~= "table" then
      raise(K.bad_request, ("sonic.batch: item %d is not a table"):format(i))
    end
    bodies[i] = complete_create(copy(p))
  end
  local out = {}
  for first = 1, #bodies, validate.BATCH_MAX do
    local items = table.move(bodies, first,
                             math.min(first + validate.BATCH_MAX - 1, #bodies),
                             1, {})
    local data, meta = api("POST", "sonic/batch", {items = items})
    local tasks = data.tasks
    if type(tasks) ~= "table" then
      raise(K.server, "the batch answer has no 'tasks' list",
            {outcome = "unknown"})
    end
    for i, body in ipairs(items) do
      local t = tasks[i]
      local id = type(t) == "table" and t.task_id
      if type(id) == "string" and id ~= "" then
        local kind = body.task_type or "create_music"
        core.progress("task", id, kind, tostring(body.tags or body.title or
                      ""):sub(1, 60), 0)
        out[first + i - 1] = new_task(id, kind, body)
      else
        local msg = type(t) == "table" and (t.error or t.message) or
                    "the service sent no task for this item"
        out[first + i - 1] = errors.new(K.bad_request, tostring(msg),
                                        {item = first + i - 1})
      end
    end
    if not meta.replayed then
      info("batch of %d -> %s", #items, tostring(data.batch_id))
    end
  end
  return out
end

---------------------------------------------------------------- reading

local TERMINAL = {succeeded = true, failed = true}

-- A clip as scripts see it: JSON nulls gone, duration a number, and the
-- audio URL present only once it is the final file. 'c' was decoded for
-- this poll alone and nothing else holds it: it is changed in place, as a
-- copy would cost a new table and its rehashes per clip per poll.
local function clip_view(c, task_id)
  for k, v in pairs(c) do
    if v == null then c[k] = nil end   -- clearing a field while traversing
  end                                  -- is allowed (lua manual, next)
  c.duration = tonumber(c.duration)
  c.task_id = task_id
  c.id = c.clip_id
  if c.state ~= "succeeded" then
    if c.audio_url and c.audio_url ~= "" then c.preview_url = c.audio_url end
    c.audio_url = nil
  end
  return c
end

-- The task's state from its clips: done only when every clip is terminal.
local function task_state(clips)
  if #clips == 0 then return "not_ready", false end
  local done, failed, moving = true, false, false
  for _, c in ipairs(clips) do
    if not TERMINAL[c.state] then done = false end
    if c.state == "failed" then failed = true end
    if c.state ~= "pending" then moving = true end
  end
  if done then return failed and "failed" or "succeeded", true end
  return moving and "running" or "pending", false
end

local function malformed(what)
  raise(K.server, "malformed task status from the service: " .. what)
end

-- The poll result for a task status answer. Anything malformed is a
-- 'server' error; an unknown clip state is simply not terminal (the wait
-- goes on, bounded by its timeout).
local function poll_view(id, data, status)
  local clips = {}
  if status ~= 202 and data.type ~= "not_ready" and data.data ~= nil then
    if type(data.data) ~= "table" then malformed("'data' is not a list") end
    for i, raw in ipairs(data.data) do
      if type(raw) ~= "table" then malformed("a clip is not an object") end
      if type(raw.clip_id) ~= "string" or type(raw.state) ~= "string" then
        malformed("a clip has no clip_id or state")
      end
      clips[i] = clip_view(raw, id)
    end
  end
  local state, done = task_state(clips)
  return {id = id, state = state, clips = clips, done = done}
end

function M.poll(task)
  local id = task_id_of(task)
  local data, meta, text = api("GET", "sonic/task/" .. id, nil,
                               {journal_text = true})
  local p = poll_view(id, data, meta.status)
  if p.done and text then core.record_task(id, text) end  -- for a resume
  return p
end

-- A resumed run: the task's final status, if it was journaled.
local function recorded_poll(id)
  local text = core.recorded_task(id)
  local data = text and core.decode(text)
  if type(data) ~= "table" then return nil end
  local p = poll_view(id, data, 200)
  return p.done and p or nil
end

-- Seconds until the next poll: the service advises a first poll after
-- ~10 s and then every 15-25 s; a configured interval gets +-10 % jitter
-- so many tasks do not poll in lockstep.
local function poll_delay(first)
  local fixed = config.poll_interval
  if fixed then return fixed * (0.9 + 0.2 * math.random()) end
  if first then return defaults.poll_first end
  return defaults.poll_min + (defaults.poll_max - defaults.poll_min) *
         math.random()
end

function M.wait(task, opts)
  local id = task_id_of(task)
  local timeout = type(opts) == "table" and opts.timeout or config.wait_timeout
  if type(timeout) ~= "number" or timeout <= 0 then
    raise(K.bad_request, "sonic.wait: timeout must be a positive number")
  end
  local deadline = core.now() + timeout
  local first, last_state = true, nil
  local p = recorded_poll(id)
  while true do
    if p == nil then
      local left = math.max(0, deadline - core.now())
      if defaults.webhooks then
        -- a delivery wakes us; the poll confirms it (and, slowly, stands
        -- in for a delivery that never comes)
        core.wait_event(id, math.min(defaults.webhook_fallback, left))
      else
        core.sleep(math.min(poll_delay(first), left))
      end
      first = false
      p = M.poll(id)
    end
    if p.state ~= last_state then
      -- guarded here, not in a helper: a line not shown costs no short(id)
      if SHOW_DEBUG then
        core.log("debug", ("task %s: %s"):format(short(id), p.state))
      end
      core.progress("state", id, p.state)
      last_state = p.state
    end
    if p.done then
      local good, bad = {}, nil
      for _, c in ipairs(p.clips) do
        if c.state == "succeeded" then good[#good + 1] = c
        elseif bad == nil then bad = c end
      end
      if bad then
        raise(K.task_failed, bad.error_message or "the task failed",
              {task_id = id, clips = good})
      end
      info("task %s succeeded: %d clip(s)", short(id), #good)
      return p.clips
    end
    if core.now() >= deadline then
      raise(K.timeout, ("task did not finish within %g s (last state: %s)")
            :format(timeout, p.state), {task_id = id})
    end
    p = nil
  end
end

function M.credits()
  local data = api("GET", "get-credits")
  for _, k in ipairs({"credits", "extra_credits"}) do
    if math.type(data[k]) ~= "integer" then
      raise(K.server, ("malformed get-credits answer: '%s' is not an " ..
            "integer"):format(k))
    end
  end
  return {credits = data.credits, extra_credits = data.extra_credits}
end

---------------------------------------------------------------- download

-- A file name from an untrusted title: letters, digits, '-', '_' only,
-- so nothing a server sends can leave the chosen directory.
local function safe_name(title)
  local s = tostring(title or ""):gsub("[^%w%-_]+", "_"):gsub("^_+", "")
  s = s:gsub("_+$", ""):sub(1, 60)
  return s ~= "" and s or "clip"
end

local function extension_of(url)
  -- "^.*" finds the last dot from the end; an unanchored "%.(%w+)$"
  -- tried a match at every character of the URL
  local ext = url:match("^.*%.(%w+)$") or url:match("%.(%w+)%?")
  ext = ext and ext:lower()
  if ext == "mp3" or ext == "wav" or ext == "flac" or ext == "ogg"
     or ext == "m4a" or ext == "mp4" then return ext end
  return "mp3"
end

local function is_directory(path)
  return path:sub(-1) == "/" or core.is_dir(path)
end

-- The URL to fetch and a clip table (if any) for x.
local function source_of(x)
  if type(x) == "string" then return x, nil end
  if type(x) ~= "table" then
    raise(K.bad_request, "sonic.download: clip, wav result or URL expected")
  end
  if x.wav_url then return x.wav_url, x end
  if x.state ~= nil and x.state ~= "succeeded" then
    raise(K.bad_request, ("clip %s is %s, not succeeded: wait for its task " ..
          "before downloading"):format(short(x.clip_id), tostring(x.state)))
  end
  if type(x.audio_url) ~= "string" or x.audio_url == "" then
    raise(K.bad_request, "sonic.download: the clip has no audio_url")
  end
  return x.audio_url, x
end

-- Ask the service again for the clip's URL (it may have changed).
local function fresh_url(clip)
  if not (clip and clip.task_id and clip.clip_id) then return nil end
  local ok, p = pcall(M.poll, clip.task_id)
  if not ok then return nil end
  for _, c in ipairs(p.clips) do
    if c.clip_id == clip.clip_id and c.audio_url then return c.audio_url end
  end
  return nil
end

-- The audio measures of a downloaded file (runtime/analyze; docs/analyze.md):
-- sonic.analyze(path, {ref = path}). 'path' may be what sonic.download
-- returned, or a table with a 'path' field. Runs without yielding.
function M.analyze(file, opts)
  local path = type(file) == "table" and file.path or file
  if type(path) ~= "string" or path == "" then
    raise(K.bad_request, "sonic.analyze: a file path expected")
  end
  if opts ~= nil and type(opts) ~= "table" then
    raise(K.bad_request, "sonic.analyze: options table expected")
  end
  local ref = opts and opts.ref
  if ref ~= nil and type(ref) ~= "string" then
    raise(K.bad_request, "sonic.analyze: ref must be a file path")
  end
  local measures, kind, message = core.analyze(path, ref)
  if not measures then raise(K[kind], message) end
  return measures
end

function M.download(x, dest)
  local url, clip = source_of(x)
  dest = dest or "."
  if type(dest) ~= "string" or dest == "" then
    raise(K.bad_request, "sonic.download: destination path expected")
  end
  local opts = {
    source = clip and clip.clip_id and
             (clip.clip_id .. (clip.wav_url and "/wav" or "/audio")) or url,
    -- between tries: the service's URL may have changed
    refresh = clip and function() return fresh_url(clip) end,
  }
  if is_directory(dest) then
    local ok, err = core.mkdir(dest)
    if not ok then raise(K.bad_request, err) end
    local id = clip and clip.clip_id or url:match("([%w%-]+)%.%w+$") or "file"
    -- the id comes from the server too: only letters, digits and '-'
    local tag = tostring(id)
    if not tag:find("^[%w%-]*$") then tag = tag:gsub("[^%w%-]", "") end
    opts.dir = (dest:gsub("/+$", ""))
    opts.base = safe_name(clip and clip.title)
    opts.id = tag ~= "" and tag or "clip"
    opts.ext = extension_of(url)
  else
    opts.dest = dest
  end
  local path, got = core.download(url, opts)
  if not path then error(got, 0) end
  if got.kept == "verified" then
    info("kept %s (verified earlier in this run)", path)
  elseif got.kept == "adopted" then
    info("kept %s (complete before the interruption)", path)
  else
    info("saved %s (%.1f MB)", path, got.bytes / 1e6)
  end
  return path
end

---------------------------------------------------------------- concurrency

M.spawn = core.spawn

-- Tag experiments (scripts/lib/sonic_experiment.lua, docs/experiments.md).
function M.experiment(spec) return require("sonic.experiment").run(M, spec) end
function M.load_picks(path)
  return require("sonic.experiment").load_picks(path)
end

function M.sleep(seconds)
  if type(seconds) ~= "number" or seconds < 0 then
    error("sonic.sleep: a non-negative number of seconds expected", 2)
  end
  core.sleep(seconds)
end

local function handles_of(list, what)
  if type(list) ~= "table" then
    error(what .. ": a list of handles expected", 3)
  end
  local hs = {}
  for i, h in ipairs(list) do
    if type(h) == "function" then h = core.spawn(h) end
    hs[i] = h
  end
  return hs
end

-- Results in input order (the first result of each); the first error to
-- happen cancels the others and is raised. Completions arrive through a
-- group in the order they happen: O(1) each, whatever the number of tasks.
function M.all(list)
  local hs = handles_of(list, "sonic.all")
  local results = {}
  if #hs == 0 then return results end
  local group = core.group(hs)
  for _ = 1, #hs do
    local i = core.group_next(group)
    local out = table.pack(core.join(hs[i]))
    if not out[1] then
      -- the first error stands for all: the others are cancelled, and
      -- their own failures are ours, not "unobserved"
      for k, other in ipairs(hs) do
        if k ~= i then
          core.cancel(other)
          core.observe(other)
        end
      end
      error(out[2], 0)
    end
    results[i] = out[2]
  end
  return results
end

-- Every outcome, in input order; never raises for the tasks' errors.
function M.settle(list)
  local hs = handles_of(list, "sonic.settle")
  local out = {}
  for i, h in ipairs(hs) do
    local r = table.pack(core.join(h))
    if r[1] then out[i] = {ok = true, value = r[2]}
    else out[i] = {ok = false, err = r[2]} end
  end
  return out
end

---------------------------------------------------------------- settings

local CONFIG_KEYS = {poll_interval = true, wait_timeout = true,
                     max_inflight = true, retry_base = true,
                     request_timeout = true, paid_interval = true}

function M.config(t)
  if t ~= nil then
    if type(t) ~= "table" then error("sonic.config: a table expected", 2) end
    for k, v in pairs(t) do
      if not CONFIG_KEYS[k] then
        error(("sonic.config: unknown option '%s'"):format(tostring(k)), 2)
      end
      if k == "poll_interval" and v == false then
        config.poll_interval = nil
      elseif k == "paid_interval" and type(v) == "number" and v >= 0 then
        core.paid_interval(v)
      elseif type(v) ~= "number" or v <= 0 then
        error(("sonic.config: '%s' must be a positive number"):format(k), 2)
      elseif k == "max_inflight" then
        core.set_max_inflight(math.tointeger(v) or
          error("sonic.config: 'max_inflight' must be an integer", 2))
        config.max_inflight = math.tointeger(v)
      elseif k == "retry_base" then
        core.retry_base(v)
      else
        config[k] = v
      end
    end
  end
  return {poll_interval = config.poll_interval,
          wait_timeout = config.wait_timeout,
          request_timeout = config.request_timeout,
          max_inflight = config.max_inflight,
          retry_base = core.retry_base(),
          paid_interval = core.paid_interval(),
          base_url = defaults.base_url, sandbox = defaults.sandbox}
end

function M.log(...)
  local parts = table.pack(...)
  for i = 1, parts.n do parts[i] = tostring(parts[i]) end
  core.log("info", table.concat(parts, "\t", 1, parts.n))
end

M.error = errors.new
M.is_error = errors.is

-- For tests and fuzzing: the view of a task status body (as poll makes).
function M._task_view(id, text, status)
  local data = core.decode(text)
  if type(data) ~= "table" then malformed("not a JSON object") end
  return poll_view(id, data, status or 200)
end

return M
