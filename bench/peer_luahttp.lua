-- peer_luahttp.lua -- the Lua peer for bench/run (issue 17): what a Lua
-- user writes without sonicflow, with Debian's lua-http on cqueues (Lua
-- 5.3) and lua-cjson.  Same exchanges as bench/floor.c, bench/peer.js and
-- bench/many.lua: create -> poll every P seconds until both clips
-- succeeded -> download clip 1 to OUT_DIR.  One cqueues coroutine per
-- workflow; at most M requests in flight (a counting condition), like
-- max_inflight; M = N is no cap.  lua-http 0.4 has no connection pool:
-- every request is its own connection, as a naive client's would be.
-- usage: lua5.3 peer_luahttp.lua BASE_URL N M POLL_SECONDS OUT_DIR
-- Debian ships lua-http's pure-Lua dependencies (fifo, basexx,
-- binaryheap, lpeg_patterns) for Lua 5.1/5.2 only; they are plain Lua, so
-- the 5.2 tree is searched after 5.3's.  bench/run sets LUA_PATH so.
local cqueues = require "cqueues"
local condition = require "cqueues.condition"
local request = require "http.request"
local cjson = require "cjson"

local base, N, M, P, outdir = ...
local n, maxin, poll = tonumber(N), tonumber(M), tonumber(P)
local AUTH = "Bearer anykey"
local TIMEOUT = 120

-- the semaphore: 'inflight' requests at most 'maxin'
local inflight, freed = 0, condition.new()
local function limited (fn)
  while inflight >= maxin do freed:wait() end
  inflight = inflight + 1
  local ok, a, b = pcall(fn)
  inflight = inflight - 1
  freed:signal(1)
  if not ok then error(a, 0) end
  return a, b
end

-- One request; returns status, body (or saves the body to 'file').
local function fetch (url, method, body, file)
  local req = request.new_from_uri(url)
  req.headers:upsert(":method", method or "GET")
  req.headers:upsert("authorization", AUTH)
  if body then
    req.headers:upsert("content-type", "application/json")
    req:set_body(body)
  end
  local headers, stream = req:go(TIMEOUT)
  if not headers then error("request failed: " .. tostring(stream), 0) end
  local status = tonumber(headers:get(":status"))
  if file then
    local f = assert(io.open(file, "wb"))
    assert(stream:save_body_to_file(f, TIMEOUT))
    f:close()
    return status
  end
  local text = assert(stream:get_body_as_string(TIMEOUT))
  stream:shutdown()
  return status, text
end

local polls = 0
local CREATE = cjson.encode{custom_mode = false, mv = "sonic-v5",
                            gpt_description_prompt = "a bench song"}

local function workflow ()
  local st, text = limited(function ()
    return fetch(base .. "/api/v1/sonic/create", "POST", CREATE)
  end)
  if st ~= 200 then error("create HTTP " .. st, 0) end
  local id = cjson.decode(text).task_id
  local clips
  while true do
    cqueues.sleep(poll)
    st, text = limited(function ()
      polls = polls + 1
      return fetch(base .. "/api/v1/sonic/task/" .. id)
    end)
    if st ~= 200 then error("poll HTTP " .. st, 0) end
    local t = cjson.decode(text)
    if type(t.data) == "table" then
      local done = true
      for _, c in ipairs(t.data) do
        if c.state == "failed" then error("task failed", 0) end
        if c.state ~= "succeeded" then done = false end
      end
      if done then clips = t.data break end
    end
  end
  st = limited(function ()
    return fetch(clips[1].audio_url, "GET", nil,
                 outdir .. "/" .. clips[1].clip_id .. ".mp3")
  end)
  if st ~= 200 then error("download HTTP " .. st, 0) end
end

local cq = cqueues.new()
for _ = 1, n do cq:wrap(workflow) end
local ok, err = cq:loop()
if not ok then
  io.stderr:write("peer_luahttp: ", tostring(err), "\n")
  os.exit(1)
end
print(("ok %d polls %d"):format(n, polls))
