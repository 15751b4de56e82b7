-- 200 workflows x 3 steps (create -> wait -> download) against a sandbox
-- injecting 5xx, 429, dropped connections, truncated downloads and failed
-- tasks. Every workflow must end succeeded or with an explicit error.
-- Prints one JSON summary line for tests/chaos/chaos_test.c.
local cjson = require "cjson"
local n = tonumber(arg[1]) or 200
local out = arg[2] or "chaos-out"
sonic.config{poll_interval = 0.05, retry_base = 0.02, max_inflight = 32}

local function workflow(i)
  local t = sonic.create{gpt_description_prompt = "chaos song " .. i}
  local clips = sonic.wait(t, {timeout = 120})
  local path = sonic.download(clips[1], ("%s/w%03d.mp3"):format(out, i))
  return {clip_id = clips[1].clip_id, path = path, task_id = t.id}
end

local hs = {}
for i = 1, n do hs[i] = sonic.spawn(workflow, i) end
local results = sonic.settle(hs)

local summary = {ok = 0, errors = {}, files = {}, unknown_network = 0,
                 unknown_server = 0, explicit = 0}
for i, r in ipairs(results) do
  if r.ok then
    summary.ok = summary.ok + 1
    summary.files[#summary.files + 1] = r.value
  else
    local e = r.err
    assert(sonic.is_error(e), "workflow " .. i .. " ended with a non-sonic "
           .. "error: " .. tostring(e))
    assert(e.kind and e.message, "error without kind/message")
    summary.explicit = summary.explicit + 1
    summary.errors[e.kind] = (summary.errors[e.kind] or 0) + 1
    if e.outcome == "unknown" then
      if e.kind == "network" or e.kind == "timeout" then
        summary.unknown_network = summary.unknown_network + 1
      else
        summary.unknown_server = summary.unknown_server + 1
      end
    end
  end
end
summary.workflows = n
summary.retries = require("sonic.retry").retries
local f = assert(io.open("summary.json", "w"))
f:write("CHAOS " .. cjson.encode(summary), "\n")
f:close()
print(("%d workflows: %d succeeded, %d explicit errors"):format(n, summary.ok, summary.explicit))
