-- sonic.untrusted: the environment of a script run with --sandbox-script
-- (a script someone else wrote). What stays: the sonic API, cjson, print,
-- pure functions (string, table, math, utf8, coroutine) and a harmless
-- part of os. What goes: files (io, dofile, loadfile), processes and the
-- environment (os.execute, os.getenv, os.exit...), debug, binary chunks,
-- C modules. The library tables are copies, and the string metatable is
-- hidden, so the script cannot change what the sonic module itself uses.
-- Memory and instructions are capped in C (runtime/limits.c).
return function(G)
  local function copy(t)
    local c = {}
    for k, v in pairs(t) do c[k] = v end
    return c
  end
  local real_load, real_require, real_collect = load, require, collectgarbage

  for _, name in ipairs({"string", "table", "math", "utf8", "coroutine"}) do
    G[name] = copy(G[name])
  end
  G.string.dump = nil                     -- no bytecode out ...
  G.load = function(chunk, name, _, env)  -- ... and none in
    return real_load(chunk, name, "t", env)
  end
  G.os = {time = os.time, clock = os.clock, date = os.date,
          difftime = os.difftime}
  G.io, G.debug, G.dofile, G.loadfile, G.package = nil, nil, nil, nil, nil

  local allowed = {sonic = true, cjson = true, ["cjson.safe"] = true}
  G.require = function(name)
    if not allowed[name] then
      error(("module '%s' is not available to a --sandbox-script script")
            :format(tostring(name)), 2)
    end
    return real_require(name)
  end
  G.collectgarbage = function(opt, ...)
    if opt == nil or opt == "collect" or opt == "count" or opt == "step" then
      return real_collect(opt, ...)
    end
    error("collectgarbage('" .. tostring(opt) .. "') is not available to " ..
          "a --sandbox-script script", 2)
  end
  getmetatable("").__metatable = "the string metatable is protected"
end
