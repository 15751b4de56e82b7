-- testlib.lua -- the small test library of the Lua-level suite.
--
-- Test files run under `sonicflow run` (the main chunk is a runtime task, so
-- cases may call yielding sonic functions). A file looks like:
--
--   package.path = arg[0]:match("^(.*/)") .. "?.lua;" .. package.path
--   local t = require "testlib"
--   t.case("name", function () t.eq(1 + 1, 2) end)
--   t.summary()          -- prints "N passed, N failed"; raises if N failed > 0
--
-- Assertions raise a string error; a case fails on any error. Error
-- expectations follow lua-cjson's habit of naming the exact message, and
-- t.expect follows luv's call counting.
--
-- Environment: TEST_FILTER=pattern runs only the cases whose name matches.

local M = {}

local passed, failed = 0, 0
local failures = {}
local current            -- the running case: { name, expects = {...} }
local tmpdirs = {}

M.KINDS = {
  bad_request = true, auth = true, insufficient_credits = true,
  forbidden = true, rate_limited = true, server = true, network = true,
  timeout = true, task_failed = true, budget = true, cancelled = true,
}

---------------------------------------------------------------- formatting

-- A one-line, deterministic rendering of any value, for failure messages.
local function show (v, depth)
  depth = depth or 0
  local ty = type(v)
  if ty == "string" then
    if #v > 200 then v = v:sub(1, 200) .. "..." end
    return string.format("%q", v):gsub("\\\n", "\\n")
  elseif ty == "number" then
    return math.type(v) == "float" and string.format("%.17g (float)", v)
                                     or tostring(v)
  elseif ty ~= "table" then
    return tostring(v)
  end
  if depth > 2 then return "{...}" end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function (a, b)
    if type(a) == type(b) and (type(a) == "number" or type(a) == "string") then
      return a < b
    end
    return type(a) < type(b)
  end)
  local parts = {}
  for i, k in ipairs(keys) do
    if i > 12 then parts[#parts + 1] = "..."; break end
    local ks = type(k) == "string" and k:match("^[%a_][%w_]*$") and k
               or "[" .. show(k, depth + 1) .. "]"
    parts[#parts + 1] = ks .. "=" .. show(v[k], depth + 1)
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end
M.show = show

-- tostring of an error value, made to fit on one line.
function M.errstr (e)
  local ok, s = pcall(tostring, e)
  if not ok then s = "(tostring failed: " .. tostring(s) .. ")" end
  if type(e) == "table" and e.kind ~= nil then
    s = s .. "  " .. show(e)
  end
  return s
end

local function fail (msg, level)
  error(msg, (level or 1) + 1)
end

---------------------------------------------------------------- assertions

local function deep_eq (a, b, seen)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then
    if type(a) == "number" and type(b) == "number" then
      return false
    end
    return false
  end
  seen = seen or {}
  if seen[a] == b then return true end
  seen[a] = b
  for k, v in pairs(a) do
    if not deep_eq(v, b[k], seen) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end
M.deep_eq = deep_eq

-- eq(got, want [, what]): deep equality for tables, '==' otherwise. An
-- integer and a float compare equal here (1 == 1.0); use t.int for types.
function M.eq (got, want, what)
  if not deep_eq(got, want) then
    fail(string.format("%sexpected %s, got %s", what and (what .. ": ") or "",
                       show(want), show(got)), 2)
  end
  return got
end

function M.ne (got, unwanted, what)
  if deep_eq(got, unwanted) then
    fail(string.format("%sexpected anything but %s", what and (what .. ": ")
                       or "", show(unwanted)), 2)
  end
  return got
end

function M.ok (v, what)
  if not v then
    fail((what or "expected a true value") .. ", got " .. show(v), 2)
  end
  return v
end

-- match(s, pattern [, what]): s is a string matching the Lua pattern.
function M.match (s, pattern, what)
  if type(s) ~= "string" or not s:find(pattern) then
    fail(string.format("%sexpected a string matching %q, got %s",
                       what and (what .. ": ") or "", pattern, show(s)), 2)
  end
  return s
end

-- contains(s, plain [, what]): s contains the plain substring.
function M.contains (s, sub, what)
  if type(s) ~= "string" or not s:find(sub, 1, true) then
    fail(string.format("%sexpected a string containing %q, got %s",
                       what and (what .. ": ") or "", sub, show(s)), 2)
  end
  return s
end

function M.type (v, ty, what)
  if type(v) ~= ty then
    fail(string.format("%sexpected a %s, got %s", what and (what .. ": ")
                       or "", ty, show(v)), 2)
  end
  return v
end

-- int(v [, what]): v is a Lua integer (math.type), not an integral float.
function M.int (v, what)
  if math.type(v) ~= "integer" then
    fail(string.format("%sexpected an integer, got %s", what and (what .. ": ")
                       or "", show(v)), 2)
  end
  return v
end

function M.one_line (s, what)
  M.type(s, "string", what)
  if s:find("[\r\n]") then
    fail((what or "string") .. " spans several lines: " .. show(s), 2)
  end
  return s
end

-- Does the error 'e' satisfy 'spec'?
--   spec "task_failed" (a documented kind) -> e.kind == spec
--   spec other string                      -> tostring(e) matches the pattern
--   spec table {kind=, message=, status=, task_id=, match=}
--                                          -> those fields exactly; 'match'
--                                             is a pattern for e.message
-- Returns nil when it does, or a reason.
local function err_mismatch (e, spec)
  if type(spec) == "string" then
    if M.KINDS[spec] then
      if type(e) ~= "table" then
        return "expected an error table of kind " .. spec .. ", got "
               .. show(e)
      end
      if e.kind ~= spec then
        return "expected kind " .. show(spec) .. ", got " .. M.errstr(e)
      end
      return nil
    end
    local s = M.errstr(e)
    if not s:find(spec) then
      return "expected an error matching " .. show(spec) .. ", got " .. s
    end
    return nil
  end
  if type(e) ~= "table" then
    return "expected an error table " .. show(spec) .. ", got " .. show(e)
  end
  for k, want in pairs(spec) do
    if k == "match" then
      if type(e.message) ~= "string" or not e.message:find(want) then
        return "expected message matching " .. show(want) .. ", got "
               .. M.errstr(e)
      end
    elseif not deep_eq(e[k], want) then
      return string.format("expected %s = %s, got %s", k, show(want),
                           M.errstr(e))
    end
  end
  return nil
end
M.err_mismatch = err_mismatch

-- raises(spec, fn, ...): fn(...) must raise an error matching spec (see
-- err_mismatch). Returns the error value for further checks.
function M.raises (spec, fn, ...)
  local res = table.pack(pcall(fn, ...))
  if res[1] then
    fail("expected an error " .. show(spec) .. ", but the call returned "
         .. show(table.pack(table.unpack(res, 2, res.n))), 2)
  end
  local why = err_mismatch(res[2], spec)
  if why then fail(why, 2) end
  return res[2]
end

-- check_error(e, spec): like raises, for an error already caught.
function M.check_error (e, spec)
  local why = err_mismatch(e, spec)
  if why then fail(why, 2) end
  return e
end

-- Shape every error table the runtime raises must have.
function M.error_shape (e)
  M.type(e, "table", "error value")
  if not M.KINDS[e.kind] then
    fail("error kind " .. show(e.kind) .. " is not one of DESIGN.md's kinds: "
         .. M.errstr(e), 2)
  end
  M.type(e.message, "string", "error message")
  M.ok(#e.message > 0, "error message is not empty")
  M.one_line(tostring(e), "tostring(err)")
  return e
end

-- expect(fn, n): a wrapper of fn that must be called exactly n times before
-- the current case ends (luv's expect).
function M.expect (fn, n)
  assert(current, "t.expect outside a case")
  local rec = { count = 0, want = n, where = debug.traceback("", 2) }
  current.expects[#current.expects + 1] = rec
  return function (...)
    rec.count = rec.count + 1
    return fn(...)
  end
end

---------------------------------------------------------------- cases

local function handler (e)
  return M.errstr(e) .. "\n" .. debug.traceback("", 2)
end

-- case(name, fn): run fn now, record the outcome.
function M.case (name, fn)
  local filter = os.getenv("TEST_FILTER")
  if filter and filter ~= "" and not name:find(filter) then return end
  current = { name = name, expects = {} }
  local ok, err = xpcall(fn, handler)
  if ok then
    for _, rec in ipairs(current.expects) do
      if rec.count ~= rec.want then
        ok = false
        err = string.format("expected %d call(s), got %d%s", rec.want,
                            rec.count, rec.where)
        break
      end
    end
  end
  current = nil
  collectgarbage()
  if ok then
    passed = passed + 1
    print("ok     " .. name)
  else
    failed = failed + 1
    failures[#failures + 1] = name
    print("FAIL   " .. name .. "\n       " ..
          tostring(err):gsub("\n", "\n       "))
  end
  io.stdout:flush()
end

-- cases(prefix, list): lua-cjson style table-driven cases. Each entry is
--   { name, fn, args, ok, expected }
-- ok = true: table.pack(fn(unpack(args))) must deep-equal 'expected'
-- (a list of results); ok = false: fn must raise an error matching
-- 'expected' (an error spec as in t.raises).
function M.cases (prefix, list)
  for _, c in ipairs(list) do
    local name, fn, args, okwant, expected = c[1], c[2], c[3] or {}, c[4], c[5]
    M.case(prefix .. ": " .. name, function ()
      local res = table.pack(pcall(fn, table.unpack(args, 1, args.n or #args)))
      if okwant then
        if not res[1] then
          fail("expected success, got error " .. M.errstr(res[2]))
        end
        local got = table.pack(table.unpack(res, 2, res.n))
        got.n = nil
        M.eq(got, expected, "results")
      else
        if res[1] then
          fail("expected an error " .. show(expected) .. ", got results "
               .. show(table.pack(table.unpack(res, 2, res.n))))
        end
        local why = err_mismatch(res[2], expected)
        if why then fail(why) end
      end
    end)
  end
end

-- summary(): the closing line "N passed, N failed"; raises when any failed
-- (uncaught error -> the runner exits non-zero).
function M.summary ()
  if failed == 0 then
    for _, d in ipairs(tmpdirs) do
      os.execute("rm -rf " .. M.shq(d))
    end
  else
    print("failed cases:")
    for _, n in ipairs(failures) do print("  " .. n) end
  end
  print(string.format("%d passed, %d failed", passed, failed))
  io.stdout:flush()
  if failed > 0 or passed == 0 then
    error(string.format("%d test case(s) failed", failed), 0)
  end
end

---------------------------------------------------------------- helpers

-- Shell-quote a string.
function M.shq (s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- Run a shell command, return its stdout (trailing newline removed).
function M.sh (cmd)
  local p = assert(io.popen(cmd, "r"))
  local out = p:read("a")
  p:close()
  return (out:gsub("\n$", ""))
end

-- Seconds on a clock that does not stop, with sub-second resolution
-- (os.clock is CPU time, os.time whole seconds). /proc/uptime is read
-- without starting a process (10 ms steps); elsewhere, `date`.
function M.now ()
  local f = io.open("/proc/uptime", "r")
  if f then
    local n = tonumber((f:read("l") or ""):match("^([%d.]+)"))
    f:close()
    if n then return n end
  end
  local s = M.sh("date +%s.%N")
  local n = tonumber(s)
  assert(n, "date +%s.%N printed " .. s)
  return n
end

-- A fresh empty directory, removed by summary() when every case passed.
function M.tmpdir (tag)
  local base = os.getenv("TEST_TMPDIR") or os.getenv("TMPDIR") or "/tmp"
  local d = M.sh("mktemp -d " .. M.shq(base .. "/sf-" .. (tag or "t")
                                        .. "-XXXXXX"))
  assert(d ~= "" and M.isdir(d), "mktemp -d failed")
  tmpdirs[#tmpdirs + 1] = d
  return d
end

function M.exists (path)
  local f = io.open(path, "rb")
  if f then f:close(); return true end
  return false
end

function M.isdir (path)
  return os.execute("test -d " .. M.shq(path)) == true
end

function M.read (path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

function M.write (path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

function M.size (path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local n = f:seek("end")
  f:close()
  return n
end

-- Names in a directory (including dot files, without . and ..), sorted.
function M.ls (dir)
  local out = M.sh("ls -A " .. M.shq(dir) .. " 2>/dev/null")
  local names = {}
  for n in out:gmatch("[^\n]+") do names[#names + 1] = n end
  table.sort(names)
  return names
end

-- Every regular file under dir, recursively (paths relative to dir).
function M.find_files (dir)
  local out = M.sh("cd " .. M.shq(dir) .. " && find . -type f | sort")
  local names = {}
  for n in out:gmatch("[^\n]+") do names[#names + 1] = n:gsub("^%./", "") end
  return names
end

-- Is the file an MP3: an ID3v2 tag, or an MPEG audio frame sync?
function M.is_mp3 (path)
  local f = io.open(path, "rb")
  if not f then return false end
  local head = f:read(4) or ""
  f:close()
  if head:sub(1, 3) == "ID3" then return true end
  local b1, b2 = head:byte(1, 2)
  return b1 == 0xFF and b2 ~= nil and (b2 & 0xE0) == 0xE0
end

-- Is the file a RIFF/WAVE file?
function M.is_wav (path)
  local f = io.open(path, "rb")
  if not f then return false end
  local head = f:read(12) or ""
  f:close()
  return head:sub(1, 4) == "RIFF" and head:sub(9, 12) == "WAVE"
end

-- Directory part of a path ("a/b/c.mp3" -> "a/b"), and the last component.
function M.dirname (p)
  return p:match("^(.*)/[^/]*$") or "."
end
function M.basename (p)
  return p:match("([^/]*)$")
end

-- Canonical absolute path of an existing file or directory.
function M.realpath (p)
  return M.sh("realpath -e " .. M.shq(p) .. " 2>/dev/null")
end

-- The clip fields PROTOCOL.md promises, with the types sonic.wait hands back.
function M.check_clip (c, what)
  what = what or "clip"
  M.type(c, "table", what)
  M.type(c.clip_id, "string", what .. ".clip_id")
  M.ok(#c.clip_id > 0, what .. ".clip_id is not empty")
  M.eq(c.state, "succeeded", what .. ".state")
  M.type(c.audio_url, "string", what .. ".audio_url")
  M.match(c.audio_url, "^https?://", what .. ".audio_url")
  M.type(c.duration, "number", what .. ".duration")
  M.ok(c.duration > 0, what .. ".duration > 0")
  return c
end

return M
