--[=[ plain_lua.lua -- cookbook: one script for sonicflow and for stock Lua.

Module sonic also builds as a C module for the lua5.4 you already have
(build/sonic.so, see docs/getting-started.md). There, nothing drives the
main chunk: hand the workflow to sonic.run, which runs it as the main task
until every task has finished, and returns its results or raises its
error. Under sonicflow the main chunk already is a task and sonic.run does
not exist, so this script works in both:

  sonicflow run scripts/examples/cookbook/plain_lua.lua [OUT]
  LUA_CPATH_5_4="build/?.so;;" lua5.4 scripts/examples/cookbook/plain_lua.lua [OUT]

With no MUSICAPI_KEY both use a sandbox inside the process (for lua5.4,
SONICFLOW_SANDBOX_ARGS sets its options). On the real service: 15 credits.
]=]

local sonic = require "sonic"

local function main (out)
  local clips = sonic.wait(sonic.create{
    gpt_description_prompt = "a short whistled tune about a lighthouse",
  })
  local paths = sonic.all{
    function () return sonic.download(clips[1], out .. "/") end,
    function () return sonic.download(clips[2], out .. "/") end,
  }
  return paths, sonic.credits()
end

local out = arg[1] or "plain"
local paths, credits
if sonic.run then                       -- stock lua5.4 with sonic.so
  paths, credits = sonic.run(main, out)
else                                    -- sonicflow run
  paths, credits = main(out)
end
for _, p in ipairs(paths) do print("saved " .. p) end
print(("credits left: %d + %d extra"):format(credits.credits,
                                             credits.extra_credits))
