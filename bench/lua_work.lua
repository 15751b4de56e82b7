-- lua_work.lua -- the Lua work alone of N workflows, with no network: what
-- any Lua host has to do on top of the raw libcurl floor (bench/floor.c).
-- usage: lua5.4 lua_work.lua N CREATE.json POLL.json
-- CREATE.json and POLL.json are answers bench/run captures from the same
-- sandbox the clients talk to (a create, and a finished task's status with
-- its two clips).  Each workflow is a coroutine that, as in bench/many.lua,
-- encodes its create body, decodes the create answer, decodes the finished
-- task's status, makes integral numbers integers (as sonicflow does where
-- JSON enters Lua) and takes clip 1's audio URL, yielding between the steps
-- where a host waits on the network.  Its CPU ÷ the floor's, measured in
-- the same run, is a lower bound on what a script adds: bench/report.py
-- sets it beside the targets that leave less room than that.
local cjson = require "cjson.safe"

local n = assert(tonumber(arg[1]), "usage: lua_work.lua N CREATE.json POLL.json")
local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end
local create_text, poll_text = slurp(arg[2]), slurp(arg[3])

local function integers(t)
  for k, v in pairs(t) do
    if math.type(v) == "float" and v == math.floor(v) then
      t[k] = math.tointeger(v)
    elseif type(v) == "table" then
      integers(v)
    end
  end
  return t
end

local function workflow()
  coroutine.yield(cjson.encode{gpt_description_prompt = "a bench song",
                               custom_mode = false, mv = "sonic-v4"})
  local created = integers(assert(cjson.decode(create_text)))
  coroutine.yield(created.task_id)
  local status = integers(assert(cjson.decode(poll_text)))
  local clip = assert(status.data and status.data[1], "no clip in POLL.json")
  coroutine.yield(clip.audio_url)
  return clip.clip_id
end

local cos = {}
for i = 1, n do cos[i] = coroutine.create(workflow) end
local done = 0
repeat                          -- round-robin, as a loop resumes its tasks
  local progressed = false
  for i = 1, n do
    local co = cos[i]
    if coroutine.status(co) == "suspended" then
      assert(coroutine.resume(co))
      progressed = true
      if coroutine.status(co) == "dead" then done = done + 1 end
    end
  end
until not progressed
-- its own CPU time, finer than /usr/bin/time's 10 ms (report.py reads it)
print(("ok %d cpu=%.4f"):format(done, os.clock()))
