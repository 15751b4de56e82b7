#!/usr/bin/env bash
# faults_create_unknown.sh SONICFLOW FAKE_SERVER -- issue 19 item 8(a): a
# create answered 200 with HTML, with truncated JSON or with JSON that has
# no task_id may have been charged, so it is journaled
# as outcome unknown: the error says so, `runs` counts it, `resume` refuses
# to send it again unless --resend-unknown.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh"

start_fake HTML html "$WORK/html.log"
start_fake BADJSON badjson "$WORK/badjson.log"
start_fake NOTASKID notaskid "$WORK/notaskid.log"

# the server and its request log of the case running
URL=$HTML
LOG=$WORK/html.log
creates() { grep -c '^POST .*create' "$LOG" || true; }

t_create_is_unknown() {
  local s
  s=$(script outcome.lua <<'EOF2'
local ok, e = pcall(sonic.create, { gpt_description_prompt = "x" })
print("kind=" .. tostring(e.kind))
print("outcome=" .. tostring(e.outcome))
EOF2
)
  sf_run run --no-journal --base-url "$URL" "$s"
  expect_rc 0
  expect_grep '^outcome=unknown$' "$OUT" "stdout (the error's outcome)"
  s=$(script create.lua <<'EOF2'
sonic.create{ gpt_description_prompt = "x" }
EOF2
)
  : >"$LOG"
  sf_run run --base-url "$URL" "$s"
  expect_rc 1
  expect_eq "$(creates)" 1 "creates sent by the run"
  sf_run runs --json
  expect_grep '"credits_unknown":[1-9]' "$OUT" "runs --json (counts the unknown call's credits)"
  sf_run resume --base-url "$URL"
  expect_rc 1
  expect_grep_i 'resend-unknown' "$ERR" "stderr (resume names --resend-unknown)"
  expect_eq "$(creates)" 1 "creates after a plain resume (not resent)"
  sf_run resume --resend-unknown --base-url "$URL"
  expect_eq "$(creates)" 2 "creates after resume --resend-unknown (resent)"
  expect_no_crash
}

run_case "create answered 200 HTML is outcome unknown" t_create_is_unknown
URL=$BADJSON LOG=$WORK/badjson.log
run_case "create answered 200 truncated JSON is outcome unknown" t_create_is_unknown
URL=$NOTASKID LOG=$WORK/notaskid.log
run_case "create answered 200 without task_id is outcome unknown" t_create_is_unknown
summary
