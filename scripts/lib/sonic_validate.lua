-- sonic.validate: the service's own checks, made before a request is
-- sent, with the service's exact messages (PROTOCOL.md). A request that
-- would be refused is never sent: it costs nothing either way, but it
-- would cost a round trip and, against the real service, rate limit.
local core = require "sonic.core"
local errors = require "sonic.errors"

local M = {}

-- Every model the service accepts, with its limits. The one list to
-- update when the service adds a model.
M.MODELS = {
  {name = "sonic-v3-5", prompt = 3000, tags = 200},
  {name = "sonic-v4", prompt = 3000, tags = 200},
  {name = "sonic-v4-5", prompt = 5000, tags = 1000},
  {name = "sonic-v4-5-plus", prompt = 5000, tags = 1000},
  {name = "sonic-v5", prompt = 5000, tags = 1000},
  {name = "sonic-v5-5", prompt = 5000, tags = 1000},
  -- reported by integrators in 2026-10 (PROTOCOL.md, "mv values")
  {name = "sonic-v6", prompt = 5000, tags = 1000},
  {name = "sonic-v6-wild", prompt = 5000, tags = 1000},
  {name = "sonic-v6-mini", prompt = 5000, tags = 1000},
}
M.DEFAULT_MODEL = "sonic-v5"
M.BATCH_MAX = 10              -- items per POST /sonic/batch

-- The service is the authority on model names: one it has and we do not
-- know is sent anyway (an invalid one costs nothing: a 400 that lists the
-- accepted names). Its limits are taken as the newest model's.
local NEWEST = {prompt = 5000, tags = 1000}
local warned = {}

local by_name = {}
for _, m in ipairs(M.MODELS) do by_name[m.name] = m end

-- Task types, and what each one needs (besides mv where 'mv' is set).
M.TASK_TYPES = {
  create_music = {mv = true, custom_mode = true},
  extend_music = {mv = true, clip = true, continue_at = true},
  cover_music = {mv = true, clip = true},
  concat_music = {clip = true},
  persona_music = {mv = true, custom_mode = true, persona = true},
  extend_upload_music = {mv = true, clip = true, continue_at = true},
  cover_upload_music = {mv = true, clip = true},
  remaster = {mv = true, clip = true},
  add_instrumental = {mv = true, clip = true},
  add_vocals = {mv = true, clip = true, prompt = true},
}

-- A model name as the service may echo it ("chirp-v5") made current.
function M.model_of(mv)
  if type(mv) ~= "string" or mv == "" then return nil end
  return (mv:gsub("^chirp%-", "sonic-"))   -- unknown names are kept too
end

local function bad(message)
  errors.raise(errors.K.bad_request, message)
end

local function chars(s)
  return utf8.len(s) or #s
end

local function accepted_models()
  local names = {}
  for i, m in ipairs(M.MODELS) do names[i] = m.name end
  return table.concat(names, ", ")
end

-- Check a create body; raises bad_request with the service's message.
function M.create_body(p)
  local tt = p.task_type or "create_music"
  local spec = M.TASK_TYPES[tt]
  if spec == nil then
    bad(("The 'task_type' field is invalid: %s."):format(tostring(tt)))
  end
  for _, f in ipairs({"make_instrumental", "custom_mode", "auto_lyrics"}) do
    if p[f] ~= nil and type(p[f]) ~= "boolean" then
      bad(("The '%s' field should be boolean."):format(f))
    end
  end
  local model
  if spec.mv then model = M.model_limits(p.mv) end
  if spec.persona and (type(p.persona_id) ~= "string" or p.persona_id == "")
  then
    bad("The 'persona_id' field is required when task_type = persona_music.")
  end
  if spec.clip and (type(p.continue_clip_id) ~= "string"
                    or p.continue_clip_id == "") then
    bad(("The 'continue_clip_id' field is required when task_type = %s.")
        :format(tt))
  end
  if spec.continue_at and type(p.continue_at) ~= "number" then
    bad(("The 'continue_at' field is required when task_type = %s.")
        :format(tt))
  end
  local limits = model or by_name[M.DEFAULT_MODEL]
  for _, f in ipairs({"prompt", "tags", "title", "gpt_description_prompt",
                      "negative_tags"}) do
    if p[f] ~= nil and type(p[f]) ~= "string" then
      bad(("The '%s' field should be a string."):format(f))
    end
  end
  if p.prompt and chars(p.prompt) > limits.prompt then
    bad(("The prompt character length should be less than %d.")
        :format(limits.prompt))
  end
  if p.tags and chars(p.tags) > limits.tags then
    bad(("The tags character length should be less than %d.")
        :format(limits.tags))
  end
  if p.title and chars(p.title) > 80 then
    bad("The title character length should be less than 80.")
  end
  if p.gpt_description_prompt and chars(p.gpt_description_prompt) > 400 then
    bad("The 'gpt_description_prompt' character length should be less " ..
        "than 400.")
  end
  for _, f in ipairs({"style_weight", "weirdness_constraint",
                      "audio_weight"}) do
    local v = p[f]
    if v ~= nil and (type(v) ~= "number" or v < 0 or v > 1) then
      bad(("The '%s' field should be a number between 0 and 1."):format(f))
    end
  end
  if p.vocal_gender ~= nil and p.vocal_gender ~= "f"
     and p.vocal_gender ~= "m" then
    bad("The 'vocal_gender' field should be 'f' or 'm'.")
  end
end

-- The limits of model 'mv'; a name we do not know is warned about once
-- and allowed; anything but a string is refused as the service would.
function M.model_limits(mv)
  if type(mv) ~= "string" or mv == "" then
    bad("The 'mv' field is invalid. Accepted values: " ..
        accepted_models() .. ".")
  end
  local model = by_name[mv]
  if model then return model end
  if not warned[mv] then
    warned[mv] = true
    core.log("info", ("model '%s' is not one sonicflow knows (%s): sending " ..
             "it anyway; the service decides"):format(mv, accepted_models()))
  end
  return NEWEST
end

-- The generation fields shared by the create family (lengths, weights,
-- booleans, mv), for the endpoints outside /sonic/create.
function M.generation(p)
  local copy = {}
  for k, v in pairs(p) do copy[k] = v end
  copy.task_type = "create_music"
  M.create_body(copy)
end

local function number_at_least(p, f, min)
  if type(p[f]) ~= "number" or p[f] < min then
    bad(("The '%s' field should be a number of seconds, at least %g.")
        :format(f, min))
  end
end

local function ordered(p, first, last)
  number_at_least(p, first, 0)
  number_at_least(p, last, 0)
  if p[last] <= p[first] then
    bad(("The '%s' field should be greater than '%s'."):format(last, first))
  end
end

function M.upload_extend(p)
  M.generation(p)
  number_at_least(p, "continue_at", 0)
end

function M.persona(p)
  if type(p.name) ~= "string" or p.name == "" then
    bad("The 'name' field is required.")
  end
  for _, f in ipairs({"describe", "styles"}) do
    if p[f] ~= nil and type(p[f]) ~= "string" then
      bad(("The '%s' field should be a string."):format(f))
    end
  end
end

function M.mashup(p)
  if type(p.mashup_clip_ids) ~= "table" or #p.mashup_clip_ids ~= 2 then
    bad("The 'mashup_clip_ids' field should hold exactly 2 clip ids.")
  end
  M.generation(p)
end

function M.sample(p)
  ordered(p, "chop_sample_start_s", "chop_sample_end_s")
  M.generation(p)
end

function M.replace_section(p)
  ordered(p, "infill_start_s", "infill_end_s")
  for _, f in ipairs({"infill_lyrics", "prompt", "tags"}) do
    if p[f] ~= nil and type(p[f]) ~= "string" then
      bad(("The '%s' field should be a string."):format(f))
    end
  end
  if p.auto_concat ~= nil and type(p.auto_concat) ~= "boolean" then
    bad("The 'auto_concat' field should be boolean.")
  end
end

function M.vox(p)
  ordered(p, "vocal_start_s", "vocal_end_s")
  if p.vocal_end_s - p.vocal_start_s > 30 then
    bad("The vocal window should be at most 30 seconds.")
  end
end

function M.upsample_tags(tags)
  if type(tags) ~= "string" or tags == "" then
    bad("The 'tags' field is required.")
  end
  if chars(tags) > 1000 then
    bad("The tags character length should be less than 1000.")
  end
end

-- A task or clip id that is safe to put in a URL path.
function M.id(id, what)
  -- anchored: one match over the id, not one attempt at each character
  if type(id) ~= "string" or #id > 128 or not id:find("^[%w%-_]+$") then
    bad(("invalid %s: %s"):format(what, tostring(id)))
  end
  return id
end

return M
