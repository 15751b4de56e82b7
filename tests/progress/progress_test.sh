#!/usr/bin/env bash
# Live progress: drawn in place on a terminal (a pty made by script(1)),
# plain timestamped lines otherwise, no colour with NO_COLOR, nothing live
# with --no-progress or -q.
set -uo pipefail
bin="$1"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$work"
cat > wf.lua <<'LUA'
sonic.config{poll_interval = 0.05}
local hs = {}
for i = 1, 3 do
  hs[i] = sonic.spawn(function()
    local c = sonic.wait(sonic.create{gpt_description_prompt = "p" .. i})
    print("done " .. i)
    return sonic.download(c[1], "out/")
  end)
end
sonic.all(hs)
LUA
args=(run --no-journal --sandbox-args "--speed 60 --clip-seconds 20" wf.lua)
pass=0; fail=0
check() { if eval "$2"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $1"; fi; }
esc=$'\033'

TERM=xterm script -qec "$bin ${args[*]@Q}" tty.log > /dev/null 2>&1
check "a terminal gets the live block (cursor moves)" "grep -q \"\${esc}\[[0-9]*A\" tty.log"
check "the block lists tasks with their state" "grep -q 'create_music .* \(running\|pending\|not_ready\)' tty.log"
check "the final summary stays" "grep -q 'tasks: 3 done, 0 failed, 0 running' tty.log"
check "bold summary when colour is allowed" "grep -q \"\${esc}\[1m\" tty.log"
check "the script's own lines are there" "[ \$(grep -c '^done [123]' tty.log) -eq 3 ]"

NO_COLOR=1 TERM=xterm script -qec "$bin ${args[*]@Q}" nocolor.log > /dev/null 2>&1
check "NO_COLOR: no colour codes" "! grep -q \"\${esc}\[1m\" nocolor.log"
check "NO_COLOR: still live" "grep -q \"\${esc}\[[0-9]*A\" nocolor.log"

TERM=xterm script -qec "$bin run --no-progress --no-journal --sandbox-args '--speed 60 --clip-seconds 20' wf.lua" plain.log > /dev/null 2>&1
check "--no-progress: no escape codes" "! grep -q \"\${esc}\[\" plain.log"
check "--no-progress: timestamped lines" "grep -q '^\[ *[0-9.]*s\] task .* succeeded' plain.log"

"$bin" "${args[@]}" > pipe.out 2> pipe.err
check "not a terminal: no escape codes" "! grep -q \"\${esc}\" pipe.err"
check "not a terminal: timestamped lines" "grep -q '^\[ *[0-9.]*s\] saved out/' pipe.err"

TERM=xterm script -qec "$bin run -q --no-journal --sandbox-args '--speed 60 --clip-seconds 20' wf.lua" quiet.log > /dev/null 2>&1
check "-q: nothing live" "! grep -q \"\${esc}\[\" quiet.log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
