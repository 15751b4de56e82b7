#!/usr/bin/env bash
# e2e_pace.sh SONICFLOW FAKE_SERVER -- issue 14: the account's pace. 500
# spawned creates against a sandbox that refuses a paid call within 3 s
# (scaled by --speed) of the last: the client learns the pace from the
# first 429 and queues the rest itself, so no 429 reaches the script, and
# the ledger holds exactly 500 charges (a 429 is charged nothing).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/hardening/hlib.sh
source "$(dirname "$0")/../hardening/hlib.sh"

# 3 s / 150 = 20 ms between creates: 500 take about 10 s
start_sandbox SB --speed 150 --rate-limit 3 --clip-seconds 3 --credits 100000 --quiet

t_500_creates_paced() {
  local s led
  s=$(script pace.lua <<'EOF2'
local jobs = {}
for i = 1, 500 do
  jobs[i] = sonic.spawn(function ()
    return sonic.create{ gpt_description_prompt = "song " .. i }
  end)
end
local ok, failed = 0, 0
for _, r in ipairs(sonic.settle(jobs)) do
  if r.ok then ok = ok + 1
  else failed = failed + 1; print("error: " .. tostring(r.err)) end
end
print("ok=" .. ok .. " errors=" .. failed)
EOF2
)
  sf_run run --no-journal --base-url "$SB" "$s"
  expect_rc 0
  expect_grep '^ok=500 errors=0$' "$OUT" "stdout (every create accepted)"
  expect_no_grep 'rate_limited|429' "$OUT" "stdout (no 429 reached the script)"
  expect_grep 'paces paid calls at one per 0.02 s' "$ERR" \
    "stderr (the pace learned from the sandbox)"
  led=$(ledger "$SB")
  expect_eq "$(charges_of "$led" create_music)" 500 "create charges in the ledger"
  expect_no_crash
}

run_case "500 creates at the account's pace: no 429 reaches the script" t_500_creates_paced
summary
