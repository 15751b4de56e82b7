#!/usr/bin/env bash
# The API key must never appear in output, -v logs, tracebacks, the
# journal or any Lua-visible value. Run the error paths with a canary key
# and -v against a loopback sandbox, then grep everything for it.
set -uo pipefail
bin="$1"
work="$(mktemp -d)"; trap 'kill $sbx 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
cd "$work"
canary="sk-canary-$RANDOM$RANDOM-do-not-leak"
"$bin" sandbox --port 0 --key "$canary" --speed 500 --clip-seconds 2 \
  --quiet > sbx.out 2> sbx.err &
sbx=$!
for _ in $(seq 50); do grep -q listening sbx.out 2>/dev/null && break; sleep 0.1; done
url="$(head -1 sbx.out | sed 's/^listening on //')"
cat > paths.lua <<'LUA'
sonic.config{poll_interval = 0.05, retry_base = 0.01}
local found = {}
local function scan(v, seen)            -- every value Lua can reach
  if type(v) == "string" and v:find("canary", 1, true) then found[#found+1] = v end
  if type(v) ~= "table" or seen[v] then return end
  seen[v] = true
  for k, x in pairs(v) do scan(k, seen); scan(x, seen) end
  local mt = getmetatable(v)
  if type(mt) == "table" then scan(mt, seen) end
end
print(pcall(sonic.poll, "no-such-task"))
print(pcall(sonic.create, {gpt_description_prompt = "x", mv = "bogus"}))
print(pcall(sonic.wait, sonic.create{gpt_description_prompt = "x"}))
print(pcall(sonic.download, "http://127.0.0.1:1/x.mp3", "x.mp3"))
print(os.getenv("MUSICAPI_KEY"))
scan(_G, {}); scan(package.loaded, {}); scan(debug.getregistry(), {})
print("lua-visible canaries: " .. #found)
error("a deliberate failure with a traceback")
LUA
pass=0; fail=0
check() { if [ "$1" = 0 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $2"; fi; }
MUSICAPI_KEY="$canary" "$bin" run -v --base-url "$url" paths.lua > run.out 2> run.err
check $([ $? -eq 1 ]; echo $?) "the script fails at its end (exit 1)"
MUSICAPI_KEY="$canary" "$bin" credits -v --base-url "$url" >> run.out 2>> run.err
check $? "credits with the right key"
MUSICAPI_KEY="wrong-$canary" "$bin" credits -v --base-url "$url" >> run.out 2>> run.err
check $([ $? -eq 1 ]; echo $?) "credits with a wrong key fails"
MUSICAPI_KEY="$canary" "$bin" runs --json >> run.out 2>> run.err
grep -q "lua-visible canaries: 0" run.out; check $? "no Lua-visible value holds the key"
grep -q "Bearer \*\*\*" run.err; check $? "-v shows the header as Bearer ***"
grep -q "stack traceback" run.err; check $? "-v printed a traceback"
hits=$(grep -rla "canary" run.out run.err .sonicflow 2>/dev/null | wc -l)
check $([ "$hits" -eq 0 ]; echo $?) "no output, log or journal file holds the key ($hits)"
[ "$fail" -gt 0 ] && { grep -n canary run.out run.err | head; }
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
