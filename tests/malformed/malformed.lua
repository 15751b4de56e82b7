-- Expectations for each malformed mode of fake_service (arg[1]).
local mode = arg[1]
sonic.config{poll_interval = 0.05, retry_base = 0.01, request_timeout = 1}
local passed, failed = 0, 0
local function expect(name, kind, max_seconds, f)
  local c0 = os.time()
  local ok, e = pcall(f)
  local took = os.time() - c0
  if not ok and sonic.is_error(e) and e.kind == kind and took <= max_seconds
  then
    passed = passed + 1
  else
    failed = failed + 1
    print(("FAIL %s: %s (%s s)"):format(name, ok and "no error" or
          tostring(e), took))
  end
end
if mode == "truncated" then
  expect("credits", "server", 5, sonic.credits)
  expect("poll", "server", 5, function() return sonic.poll("t-1") end)
elseif mode == "types" then
  expect("credits", "server", 5, sonic.credits)
  expect("poll", "server", 5, function() return sonic.poll("t-1") end)
  expect("create", "server", 5, function()
    return sonic.create{gpt_description_prompt = "x"}
  end)
elseif mode == "states" then
  local p = sonic.poll("t-1")
  if p.done == false then passed = passed + 1 else failed = failed + 1 end
  expect("wait", "timeout", 5, function()
    return sonic.wait("t-1", {timeout = 1})
  end)
elseif mode == "huge" then
  expect("credits", "server", 10, sonic.credits)
elseif mode == "slowloris" then
  expect("credits", "timeout", 40, sonic.credits)
end
print(("%d passed, %d failed"):format(passed, failed))
if failed > 0 then os.exit(1) end
