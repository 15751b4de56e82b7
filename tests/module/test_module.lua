-- test_module.lua -- module sonic (sonic.so) under the stock lua5.4.
--
-- Run by tests/module/CMakeLists.txt as
--   env LUA_CPATH_5_4="BUILD/?.so;;" SONICFLOW_SANDBOX_ARGS="..." \
--       lua5.4 test_module.lua OUTDIR
-- with MUSICAPI_KEY and SONICFLOW_BASE_URL removed, so require "sonic"
-- starts the in-process sandbox. Prints "N passed, N failed" and exits
-- non-zero when a case fails. TEST_FILTER=pattern runs a subset.

local out = assert(arg[1], "usage: lua5.4 test_module.lua OUTDIR")
local filter = os.getenv("TEST_FILTER")
local passed, failed = 0, 0

local function case (name, fn)
  if filter and not name:find(filter) then return end
  local ok, err = pcall(fn)
  if ok then
    passed = passed + 1
    print("ok     " .. name)
  else
    failed = failed + 1
    print("FAIL   " .. name .. ": " .. tostring(err))
  end
end

local function eq (got, want, what)
  if got ~= want then
    error(("%s: expected %s, got %s"):format(what or "value",
          tostring(want), tostring(got)), 2)
  end
end

local function match (s, pat, what)
  if type(s) ~= "string" or not s:find(pat) then
    error(("%s: %q does not match %q"):format(what or "string",
          tostring(s), pat), 2)
  end
end

-- pcall(f, ...) must fail; returns the error value.
local function raises (f, ...)
  local ok, err = pcall(f, ...)
  if ok then error("expected an error, got none", 2) end
  return err
end

-- Send ourselves SIGINT a moment from now. Not from os.execute itself:
-- system() ignores SIGINT in the caller while its child runs.
local function sigint_soon ()
  local f = assert(io.open("/proc/self/stat"))
  local pid = f:read("l"):match("^(%d+)")   -- stock Lua has no getpid
  f:close()
  os.execute(("(sleep 0.2; kill -INT %s) &"):format(pid))
end

---------------------------------------------------------------- loading

local sonic = require "sonic"

case("require returns the module, once per state", function ()
  eq(type(sonic), "table", "type")
  eq(require "sonic", sonic, "second require")
  eq(package.loaded.sonic, sonic, "package.loaded")
  eq(type(sonic.run), "function", "sonic.run")
  eq(type(sonic.create), "function", "sonic.create")
  eq(sonic.config().sandbox, true, "uses the in-process sandbox")
end)

---------------------------------------------------------------- sonic.run

case("run passes arguments and returns every result", function ()
  local a, b, c = sonic.run(function (x, y) return x + y, "two", nil end,
                            40, 2)
  eq(a, 42, "first")
  eq(b, "two", "second")
  eq(c, nil, "third")
  eq(select("#", sonic.run(function () end)), 0, "no results")
end)

case("a real workflow: create, wait, download, credits, spawn/all",
  function ()
  local path, n, credits, before = sonic.run(function ()
    local before = sonic.credits()
    local clips = sonic.wait(sonic.create{
      gpt_description_prompt = "a short test tune", title = "Module Test"})
    -- two downloads at once, and a sleeper, inside the run
    local got = sonic.all{
      function () return sonic.download(clips[1], out .. "/") end,
      function () return sonic.download(clips[2], out .. "/") end,
      function () sonic.sleep(0.01); return "slept" end,
    }
    eq(got[3], "slept", "third result of all")
    return got[1], #clips, sonic.credits(), before
  end)
  eq(n, 2, "clips")
  local f = assert(io.open(path, "rb"))
  local size = f:seek("end")
  f:close()
  assert(size > 0, "empty download " .. path)
  eq(math.type(credits.credits), "integer", "credits is an integer")
  eq(math.type(credits.extra_credits), "integer", "extra_credits")
  eq(before.credits + before.extra_credits -
     (credits.credits + credits.extra_credits), 15, "one create charged")
end)

case("an error inside run reaches the caller as the sonic error table",
  function ()
  local e = raises(sonic.run, function () sonic.create{tags = 1} end)
  assert(sonic.is_error(e), "not a sonic error: " .. tostring(e))
  eq(e.kind, "bad_request", "kind")
  match(tostring(e), "^.-test_module%.lua:%d+: bad_request: ", "tostring")
end)

case("a plain error inside run is raised as it is", function ()
  eq(raises(sonic.run, function () error("boom", 0) end), "boom", "error")
  eq(raises(sonic.run, function () sonic.sleep(0); error({1}) end)[1], 1,
     "table error")
end)

case("the runtime is usable again after a failed run", function ()
  raises(sonic.run, function () error("first", 0) end)
  eq(sonic.run(function () sonic.sleep(0.01); return "again" end), "again",
     "second run")
end)

case("a spawned task that failed unobserved fails the run", function ()
  local e = raises(sonic.run, function ()
    sonic.spawn(function () error("lost", 0) end)
    sonic.sleep(0.05)
    return "main is fine"
  end)
  eq(e, "lost", "error")
  -- reported once: the next run does not raise it again
  eq(sonic.run(function () return 1 end), 1, "next run")
end)

case("a failing main task cancels the others", function ()
  local finished = false
  raises(sonic.run, function ()
    sonic.spawn(function () sonic.sleep(30); finished = true end)
    sonic.sleep(0.01)
    error("stop", 0)
  end)
  eq(finished, false, "the sleeper was cancelled")
end)

case("tasks waiting on each other: a 'stuck' error, then a clean state",
  function ()
  local e = raises(sonic.run, function ()
    local a, b
    a = sonic.spawn(function () sonic.sleep(0.01); return b:wait() end)
    b = sonic.spawn(function () return a:wait() end)
    return a:wait()
  end)
  eq(e.kind, "stuck", "kind")
  eq(sonic.run(function () return "ok" end), "ok", "next run")
end)

case("sonic.run inside a run is refused", function ()
  local e = raises(sonic.run, function ()
    return sonic.run(function () end)
  end)
  match(e, "sonic%.run: already running", "message")
end)

case("sonic.run checks its argument", function ()
  match(raises(sonic.run, 42), "function expected", "message")
end)

---------------------------------------------------------------- outside run

case("waiting outside sonic.run is a clear error and sends nothing",
  function ()
  local before = sonic.run(sonic.credits)
  match(raises(sonic.sleep, 0.01), "sonic%.sleep cannot wait here",
        "sleep")
  match(raises(sonic.create, {gpt_description_prompt = "x"}),
        "cannot wait here", "create")
  match(raises(sonic.wait, "0123456789abcdef"), "cannot wait here", "wait")
  local after = sonic.run(sonic.credits)
  eq(after.credits + after.extra_credits,
     before.credits + before.extra_credits, "nothing was charged")
end)

case("coroutine.wrap inside a run cannot swallow a wait", function ()
  local e = raises(sonic.run, function ()
    coroutine.wrap(function () sonic.sleep(0.01) end)()
  end)
  match(e, "cannot wait here", "message")
end)

---------------------------------------------------------------- signals

case("SIGINT during run stops it with an 'interrupted' error", function ()
  local e = raises(sonic.run, function ()
    sonic.spawn(function () sonic.sleep(60) end)
    sigint_soon()
    sonic.sleep(60)
  end)
  eq(e.kind, "interrupted", "kind")
end)

case("SIGINT stops a busy Lua loop inside run", function ()
  local e = raises(sonic.run, function ()
    sigint_soon()
    while true do end            -- never waits: only a hook can stop it
  end)
  eq(e.kind, "interrupted", "kind")
  -- the hook's "cancelled" is no error left over for the next run
  eq(sonic.run(function () return 1 end), 1, "next run")
end)

case("an unobserved error whose __tostring fails is still reported",
     function ()
  local bad = setmetatable({}, {__tostring = function () error("no text") end})
  local e = raises(sonic.run, function ()
    sonic.spawn(function () error("first", 0) end)
    sonic.spawn(function () error(bad) end)
    sonic.sleep(0.05)
  end)
  -- one of the two is raised, the other logged (with a fallback text)
  eq(e == "first" or e == bad, true, "the error raised is one of them")
end)

case("after run, the interpreter's own SIGINT handling is back", function ()
  sonic.run(function () sonic.sleep(0) end)
  -- lua.c's handler makes the running code raise "interrupted!"
  local e = raises(function ()
    sigint_soon()
    local deadline = os.time() + 5
    while os.time() < deadline do end
  end)
  match(e, "interrupted!", "lua.c's handler ran")
end)

print(("%d passed, %d failed"):format(passed, failed))
if failed > 0 then os.exit(1, true) end
