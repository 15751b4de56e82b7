-- Run with --sandbox-script: every way out of the sandbox must be closed,
-- while the sonic API and ordinary Lua keep working.
local passed, failed = 0, 0
local function blocked(name, f, pattern)
  local ok, e = pcall(f)
  if not ok and (pattern == nil or tostring(e):find(pattern)) then
    passed = passed + 1
  else
    failed = failed + 1
    print(("ESCAPE %s: %s"):format(name, ok and "succeeded" or tostring(e)))
  end
end
local function works(name, f)
  local ok, e = pcall(f)
  if ok then passed = passed + 1
  else failed = failed + 1; print(("BROKEN %s: %s"):format(name, e)) end
end

blocked("os.execute", function() return os.execute("true") end)
blocked("os.exit", function() os.exit(0) end)
blocked("os.getenv", function() return os.getenv("HOME") end)
blocked("os.remove", function() return os.remove("escape.lua") end)
blocked("io.open", function() return io.open("/etc/passwd") end)
blocked("io.popen", function() return io.popen("id") end)
blocked("dofile", function() return dofile("/etc/passwd") end)
blocked("loadfile", function() return loadfile("/etc/passwd") end)
blocked("require io", function() return require("io") end, "not available")
blocked("require a C module", function() return require("socket") end,
        "not available")
blocked("package.loadlib", function() return package.loadlib("x", "y") end)
blocked("binary chunk", function()
  assert(load("\27LuaT\0\25\147\r\n\26\n\4\8\8"))
end, "binary")
blocked("string.dump", function() return string.dump(print) end)
blocked("debug.sethook", function() debug.sethook() end)
blocked("string metatable", function()
  getmetatable("").__index = function() return "owned" end
end)
blocked("collectgarbage stop", function() collectgarbage("stop") end,
        "not available")
blocked("download outside the cwd", function()
  return sonic.download("http://127.0.0.1:1/x.mp3", "/tmp/escape.mp3")
end, "below the working directory")
blocked("download up the tree", function()
  return sonic.download("http://127.0.0.1:1/x.mp3", "../escape.mp3")
end, "below the working directory")
blocked("memory bomb", function()
  local t = {}
  for i = 1, 1e9 do t[i] = ("x"):rep(4096) .. i end
end, "not enough memory")
blocked("string.rep bomb", function() return ("x"):rep(1 << 40) end)

-- tampering with the script's own tables must not break module sonic
string.format = function() return "tampered" end
table.concat = nil
pairs = function() error("tampered pairs") end
works("sonic still works", function()
  local c = sonic.credits()
  assert(math.type(c.credits) == "integer")
end)
works("text-only load", function() assert(load("return 1 + 1")() == 2) end)
works("string methods", function() assert(("abc"):upper() == "ABC") end)

print(("%d passed, %d failed"):format(passed, failed))
if failed > 0 then error("sandbox escapes: " .. failed) end
