-- sonic.probe: `sonicflow probe`. Asks the service (the "real" side) and a
-- sandbox in this process the same free questions, and compares the
-- answers' shapes: status codes, field names, JSON types and message
-- texts, never values such as ids or credit counts. The C half
-- (runtime/probe.c) only carries the requests.
local cjson = require "cjson.safe"
local validate = require "sonic.validate"

local M = {}

local KNOWN_STATES = {pending = true, running = true, streaming = true,
                      succeeded = true, failed = true}
local NO_SUCH_TASK = "00000000-0000-4000-8000-000000000000"
-- A model no service can have: the create is refused before anything is
-- generated or charged (PROTOCOL.md: an invalid mv costs nothing).
local INVALID_MODEL = "sonicflow-probe-not-a-model"

-- ---------------------------------------------------------------- shapes

-- The JSON type of a decoded value ("empty" for {} or [], which cjson
-- cannot tell apart).
local function json_type(v)
  if v == cjson.null then return "null" end
  local t = type(v)
  if t ~= "table" then return t end
  if next(v) == nil then return "empty" end
  return v[1] ~= nil and "array" or "object"
end

-- "name:type, ..." of an object's fields, sorted.
local function shape(obj)
  if json_type(obj) ~= "object" then return json_type(obj) end
  local parts = {}
  for k, v in pairs(obj) do parts[#parts + 1] = k .. ":" .. json_type(v) end
  table.sort(parts)
  return "{" .. table.concat(parts, ", ") .. "}"
end

-- The message of an error body, read as the client reads it.
local function message_of(obj)
  if type(obj) ~= "table" then return nil end
  for _, f in ipairs{"message", "error", "detail"} do
    if type(obj[f]) == "string" then return obj[f] end
  end
end

-- One answer: status, decoded body (or nil), the raw text.
local function ask(net, side, method, path, body, auth)
  local status, text = net.fetch(side, method, path,
                                body and cjson.encode(body), auth or "key")
  if not status then return nil, text end
  return {status = status, json = cjson.decode(text), text = text}
end

-- ---------------------------------------------------------------- rows

local Rows = {}
Rows.__index = Rows

-- Add a row; 'match' nil means "not comparable" (not drift).
function Rows:add(check, real, sandbox, match)
  self[#self + 1] = {check = check, real = real, sandbox = sandbox,
                     match = match}
end

-- Compare two descriptions: equal text is a match.
function Rows:same(check, real, sandbox)
  self:add(check, real, sandbox, real == sandbox)
end

function Rows:drift()
  for _, r in ipairs(self) do
    if r.match == false then return true end
  end
  return false
end

-- "400 task not found." for an error answer.
local function status_and_message(a)
  return ("%d %s"):format(a.status, message_of(a.json) or a.text)
end

-- ---------------------------------------------------------------- checks

local function check_credits(rows, real, sbx)
  rows:same("credits: status", tostring(real.status), tostring(sbx.status))
  rows:same("credits: fields", shape(real.json), shape(sbx.json))
end

local function check_auth(rows, net)
  for _, c in ipairs{{"auth: header missing", "none"},
                     {"auth: bad format", "format"}} do
    local r = assert(ask(net, "real", "GET", "/get-credits", nil, c[2]))
    local s = assert(ask(net, "sandbox", "GET", "/get-credits", nil, c[2]))
    rows:same(c[1], status_and_message(r), status_and_message(s))
  end
end

local function check_unknown_task(rows, net)
  local path = "/sonic/task/" .. NO_SUCH_TASK
  local r = assert(ask(net, "real", "GET", path))
  local s = assert(ask(net, "sandbox", "GET", path))
  rows:same("unknown task", status_and_message(r), status_and_message(s))
  rows:same("error body fields", shape(r.json), shape(s.json))
end

-- The accepted names in an invalid-mv message, and the text before them.
local function split_accepted(msg)
  local head, list = msg:match("^(.-)%s*Accepted values:%s*(.-)%.?$")
  if not head then head, list = msg:match("^(.-%.)%s*(.*)$") end
  local names = {}
  for name in (list or ""):gmatch("[^,%s]+") do
    names[#names + 1] = name:gsub("%.$", "")
  end
  return head or msg, names
end

-- A create the service must refuse; a 429 (the account's pace) is waited
-- out once.
local function invalid_create(net, side)
  local body = {custom_mode = false, mv = INVALID_MODEL,
                gpt_description_prompt = "sonicflow probe (never made)"}
  local a = assert(ask(net, side, "POST", "/sonic/create", body))
  if a.status == 429 then
    net.sleep(5)
    a = assert(ask(net, side, "POST", "/sonic/create", body))
  end
  return a
end

local function check_invalid_model(rows, net, report)
  local r, s = invalid_create(net, "real"), invalid_create(net, "sandbox")
  local rhead, rnames = split_accepted(message_of(r.json) or r.text)
  local shead = split_accepted(message_of(s.json) or s.text)
  if r.status >= 200 and r.status < 300 then
    rhead = "ACCEPTED (a task may have been made and charged)"
  end
  rows:same("invalid mv", ("%d %s"):format(r.status, rhead),
            ("%d %s"):format(s.status, shead))
  local known, unseen = {}, {}
  for _, m in ipairs(validate.MODELS) do known[m.name] = true end
  for _, n in ipairs(rnames) do
    if not known[n] then unseen[#unseen + 1] = n end
  end
  report.accepted, report.unseen = rnames, unseen
end

-- ---------------------------------------------------------------- tasks

-- What the reference answers for a task: right after the create
-- (not_ready) and once every clip has succeeded.
local function reference_task(net)
  local made = assert(ask(net, "sandbox", "POST", "/sonic/create",
    {custom_mode = false, mv = validate.DEFAULT_MODEL,
     gpt_description_prompt = "sonicflow probe reference"}))
  local id = assert(made.json and made.json.task_id,
                    "the reference sandbox made no task")
  local path = "/sonic/task/" .. id
  local first = assert(ask(net, "sandbox", "GET", path))
  for _ = 1, 400 do
    local a = assert(ask(net, "sandbox", "GET", path))
    local data = a.json and a.json.data
    local done = type(data) == "table" and #data > 0
    for _, c in ipairs(done and data or {}) do
      done = done and c.state == "succeeded"
    end
    if done then return {not_ready = first, done = a} end
    net.sleep(0.05)
  end
  error("the reference sandbox's task did not finish")
end

local function answer_kind(a)
  if a.json and a.json.type == "not_ready" then return "not_ready" end
  if a.json and json_type(a.json.data) == "array" then return "clips" end
  return "error"
end

-- Field names (without the failed-only error_message) and the types of
-- the non-null values, over all clips of an answer.
local function clip_fields(clips)
  local names, types = {}, {}
  for _, c in ipairs(clips) do
    for k, v in pairs(c) do
      if k ~= "error_message" then
        names[k] = true
        if v ~= cjson.null then types[k] = json_type(v) end
      end
    end
  end
  return names, types
end

local function diff_names(real, ref)
  local extra, missing = {}, {}
  for k in pairs(real) do if not ref[k] then extra[#extra + 1] = k end end
  for k in pairs(ref) do if not real[k] then missing[#missing + 1] = k end end
  table.sort(extra)
  table.sort(missing)
  if #extra == 0 and #missing == 0 then return nil end
  local parts = {}
  if #extra > 0 then parts[#parts + 1] = "extra " .. table.concat(extra, ",") end
  if #missing > 0 then
    parts[#parts + 1] = "missing " .. table.concat(missing, ",")
  end
  return table.concat(parts, "; ")
end

local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

-- "sonic-*" or "chirp-*": how the clips spell their model.
local function mv_spelling(clips)
  local seen = {}
  for _, c in ipairs(clips) do
    if type(c.mv) == "string" then
      seen[(c.mv:match("^(%a+)%-") or c.mv) .. "-*"] = true
    end
  end
  local list = {}
  for k in pairs(seen) do list[#list + 1] = k end
  table.sort(list)
  return #list > 0 and table.concat(list, ",") or "none"
end

local function check_clips(rows, label, real, ref)
  local rnames, rtypes = clip_fields(real.json.data)
  local snames, stypes = clip_fields(ref.json.data)
  local d = diff_names(rnames, snames)
  rows:add(label .. "clip fields", d or (count(rnames) .. " fields"),
           count(snames) .. " fields", d == nil)
  local wrong = {}
  for k, t in pairs(rtypes) do
    if k ~= "duration" and stypes[k] and stypes[k] ~= t then
      wrong[#wrong + 1] = ("%s:%s"):format(k, t)
    end
  end
  table.sort(wrong)
  rows:add(label .. "clip types", #wrong > 0 and table.concat(wrong, ", ")
           or "same", #wrong > 0 and "see sandbox" or "same", #wrong == 0)
  rows:same(label .. "duration type", rtypes.duration or "null (none done)",
            stypes.duration)
  if rtypes.duration == nil then rows[#rows].match = nil end
  rows:same(label .. "mv spelling", mv_spelling(real.json.data),
            mv_spelling(ref.json.data))
  local states, bad = {}, false
  for _, c in ipairs(real.json.data) do
    states[#states + 1] = tostring(c.state)
    bad = bad or not KNOWN_STATES[c.state]
  end
  rows:add(label .. "states", table.concat(states, ","),
           "pending..failed", not bad)
end

-- The answer without its clips' insides: their fields are rows of their
-- own.
local function envelope(a, kind)
  if kind ~= "clips" then return a.json end
  return {code = a.json.code, message = a.json.message, data = a.json.data}
end

local function check_task(rows, net, id, ref)
  local label = "task " .. id:sub(1, 8) .. ": "
  local a = assert(ask(net, "real", "GET", "/sonic/task/" .. id))
  local kind = answer_kind(a)
  if kind == "error" then
    rows:add(label .. "answer", status_and_message(a), "-", nil)
    return
  end
  local sample = kind == "not_ready" and ref.not_ready or ref.done
  rows:same(label .. "answer", ("%d %s"):format(a.status, kind),
            ("%d %s"):format(sample.status, answer_kind(sample)))
  rows:same(label .. "fields", shape(envelope(a, kind)),
            shape(envelope(sample, kind)))
  if kind == "clips" then check_clips(rows, label, a, ref.done) end
end

-- ---------------------------------------------------------------- output

local function print_table(rows, report)
  local w = {5, 4, 7}
  for _, r in ipairs(rows) do
    w[1] = math.max(w[1], #r.check)
    w[2] = math.max(w[2], #r.real)
    w[3] = math.max(w[3], #r.sandbox)
  end
  local fmt = ("%%-%ds  %%-%ds  %%-%ds  %%s"):format(w[1], w[2], w[3])
  print(fmt:format("check", "real", "sandbox", "match"))
  for _, r in ipairs(rows) do
    print(fmt:format(r.check, r.real, r.sandbox, r.match == nil and "n/a"
                     or r.match and "yes" or "DRIFT"))
  end
  print(("\naccepted models: %s"):format(#report.accepted > 0 and
        table.concat(report.accepted, ", ") or "(none listed)"))
  print(("never seen by sonicflow: %s"):format(#report.unseen > 0 and
        table.concat(report.unseen, ", ") or "none"))
  print(rows:drift() and "drift: the service answers differently from "
        .. "the sandbox" or "no drift")
end

-- A JSON array of strings (cjson writes an empty table as {}).
local function string_array(list)
  local parts = {}
  for i, s in ipairs(list) do parts[i] = cjson.encode(s) end
  return "[" .. table.concat(parts, ",") .. "]"
end

local function print_json(rows, report, target)
  local parts = {}
  for i, r in ipairs(rows) do
    parts[i] = ('{"check":%s,"real":%s,"sandbox":%s,"match":%s}'):format(
      cjson.encode(r.check), cjson.encode(r.real), cjson.encode(r.sandbox),
      r.match == nil and "null" or tostring(r.match))
  end
  print(('{"target":%s,"drift":%s,"checks":[%s],"accepted_models":%s,' ..
         '"unseen_models":%s}'):format(cjson.encode(target),
         tostring(rows:drift()), table.concat(parts, ","),
         string_array(report.accepted), string_array(report.unseen)))
end

-- ---------------------------------------------------------------- run

local function fail(json, code, msg)
  if json then
    print(('{"error":%s,"exit":%d}'):format(cjson.encode(msg), code))
  end
  io.stderr:write("sonicflow probe: ", msg, "\n")
  return code
end

-- net = {fetch = f, sleep = f}; returns the exit code (0, 1 or 2).
function M.run(net, target, tasks, json)
  local real, err = ask(net, "real", "GET", "/get-credits")
  if not real then
    return fail(json, 2, ("cannot reach %s: %s"):format(target, err))
  end
  if real.status == 401 or real.status == 403 then
    return fail(json, 2, ("%s refused the key: %s"):format(target,
                status_and_message(real)))
  end
  local rows, report = setmetatable({}, Rows), {accepted = {}, unseen = {}}
  local ok, e = pcall(function ()
    check_credits(rows, real, assert(ask(net, "sandbox", "GET",
                                         "/get-credits")))
    check_auth(rows, net)
    check_unknown_task(rows, net)
    check_invalid_model(rows, net, report)
    if #tasks > 0 then
      local ref = reference_task(net)
      for _, id in ipairs(tasks) do check_task(rows, net, id, ref) end
    end
  end)
  if not ok then
    return fail(json, 2, ("%s stopped answering: %s"):format(target,
                tostring(e)))
  end
  if json then print_json(rows, report, target)
  else print_table(rows, report) end
  return rows:drift() and 1 or 0
end

return M
