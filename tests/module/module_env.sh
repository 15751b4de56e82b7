#!/usr/bin/env bash
# module_env.sh LUA SONICFLOW SODIR
#
# How require "sonic" reads its environment, as `sonicflow run` does with
# no options: SONICFLOW_BASE_URL + MUSICAPI_KEY against a separately
# started `sonicflow sandbox`, and the configuration errors require raises.
# Prints "N passed, N failed"; exits non-zero when a case fails.
set -uo pipefail

lua=$1 bin=$2 sodir=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/sf-module-XXXXXX")
sb_pid=
cleanup() {
  if [[ -n $sb_pid ]]; then
    kill "$sb_pid" 2>/dev/null || true
    wait "$sb_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

passed=0 failed=0
ok()   { passed=$((passed + 1)); echo "ok     $1"; }
fail() { failed=$((failed + 1)); echo "FAIL   $1"; [[ -n ${2:-} ]] && echo "$2"; }

# Run lua5.4 with the module on its cpath, a clean environment (no key
# file either: HOME is empty) plus the given NAME=VALUE pairs.
mlua() {
  local envs=()
  while (($#)) && [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  env -u MUSICAPI_KEY -u SONICFLOW_BASE_URL -u SONICFLOW_SANDBOX_ARGS \
      HOME="$work" LUA_CPATH_5_4="$sodir/?.so;;" "${envs[@]}" "$lua" "$@"
}

# --- a remote service: a sandbox in its own process, with a key ----------
mkfifo "$work/out"
"$bin" sandbox --port 0 --key module-test-key --speed 500 \
  --clip-seconds 3 --quiet >"$work/out" 2>"$work/sb.err" &
sb_pid=$!
exec 3<"$work/out"
if ! IFS= read -r -t 20 line <&3; then
  echo "the sandbox did not start:"; cat "$work/sb.err"; exit 2
fi
cat <&3 >/dev/null &
url=${line#listening on }

script='
local sonic = require "sonic"
local cfg = sonic.config()
assert(cfg.sandbox == false, "not the in-process sandbox")
assert(cfg.base_url == os.getenv("WANT_URL"), cfg.base_url)
local clips = sonic.run(function ()
  return sonic.wait(sonic.create{gpt_description_prompt = "remote"})
end)
assert(#clips == 2, "two clips")
print("remote ok")'
if o=$(mlua SONICFLOW_BASE_URL="$url" MUSICAPI_KEY=module-test-key \
        WANT_URL="$url" -- -e "$script" 2>&1) && [[ $o == *"remote ok"* ]]
then ok "SONICFLOW_BASE_URL + MUSICAPI_KEY reach that service"
else fail "SONICFLOW_BASE_URL + MUSICAPI_KEY reach that service" "$o"; fi

if o=$(mlua SONICFLOW_BASE_URL="$url" MUSICAPI_KEY=wrong-key -- -e '
  local sonic = require "sonic"
  local ok, e = pcall(sonic.run, sonic.credits)
  assert(not ok and e.kind == "auth", tostring(e))
  print("auth ok")' 2>&1) && [[ $o == *"auth ok"* ]]
then ok "a wrong key is an 'auth' error raised by sonic.run"
else fail "a wrong key is an 'auth' error raised by sonic.run" "$o"; fi

# --- configuration errors are raised by require ---------------------------
expect_require_error() {   # NAME PATTERN ENV...
  local name=$1 pat=$2 o
  shift 2
  o=$(mlua "$@" -- -e '
    local ok, e = pcall(require, "sonic")
    assert(not ok, "require succeeded")
    print("ERR " .. tostring(e))' 2>&1)
  if [[ $o == *"ERR "*$pat* ]]; then ok "$name"; else fail "$name" "$o"; fi
}
expect_require_error "a remote base URL without a key is refused" \
  "no API key for https://api.example.invalid" \
  SONICFLOW_BASE_URL=https://api.example.invalid
expect_require_error "plain http to a non-loopback host is refused" \
  "sonic: " SONICFLOW_BASE_URL=http://example.com MUSICAPI_KEY=k
expect_require_error "a bad SONICFLOW_SANDBOX_ARGS names the option" \
  "--bogus" SONICFLOW_SANDBOX_ARGS="--speed 100 --bogus"

# --- the sandbox arguments are used ---------------------------------------
if o=$(mlua SONICFLOW_SANDBOX_ARGS="--speed 500 --clip-seconds 3 --credits 77 --extra-credits 0" -- -e '
  local sonic = require "sonic"
  local c = sonic.run(sonic.credits)
  assert(c.credits == 77, c.credits)
  print("args ok")' 2>&1) && [[ $o == *"args ok"* ]]
then ok "SONICFLOW_SANDBOX_ARGS configures the in-process sandbox"
else fail "SONICFLOW_SANDBOX_ARGS configures the in-process sandbox" "$o"; fi

echo "$passed passed, $failed failed"
((failed == 0))
