#!/usr/bin/env bash
# Issue 19 item 4: with MUSICAPI_KEY set and --sandbox, the in-process
# sandbox never sees the real key. Run a workflow with a canary key
# (downloads, webhooks, -v, the sandbox's state file), then grep every file
# the run leaves and all of its output for the canary: no hit.
source "$(dirname "$0")/../e2e/lib.sh" "$@"

canary="sk-canary-$RANDOM$RANDOM-do-not-leak"

WF=$(script canary.lua <<'LUA'
sonic.config{poll_interval = 0.05, retry_base = 0.05}
local song = sonic.wait(sonic.create{gpt_description_prompt = "canary song"})
print(sonic.download(song[1], arg[1] .. "/"))
local cov = sonic.wait(sonic.cover(song[1], "lo-fi"))
print(sonic.download(cov[1], arg[1] .. "/"))
-- a create with the script's own webhook and no secret: the service
-- signs its deliveries with the account's key then
local hooked = sonic.create{gpt_description_prompt = "hooked",
                            webhook_url = "http://127.0.0.1:9/hook"}
sonic.wait(hooked)
print(sonic.credits().credits)
print("done")
LUA
)

# every file under DIR and the run's output: how many hold the canary
hits() {
  { grep -rla -- "$canary" "$@" 2>/dev/null || true; } | wc -l | tr -d ' '
}

t_sandbox_with_key() {
  local dir=$WORK/k1
  mkdir -p "$dir"
  MUSICAPI_KEY=$canary sf_run_in "$dir" run -v --sandbox \
    --sandbox-args "$FAST" --webhook-listen 127.0.0.1:0 "$WF" out
  expect_rc 0
  expect_grep "^done" "$OUT"
  expect_true "the sandbox kept a state file next to the journal" \
    bash -c "ls '$dir'/.sonicflow/sandbox-*.db >/dev/null"
  expect_true "two files downloaded" \
    bash -c "[ \$(ls '$dir/out' | wc -l) -eq 2 ]"
  expect_eq "$(hits "$dir" "$OUT" "$ERR")" 0 "files and output holding the key"
  # a resume of it (replays; talks to the same kind of sandbox)
  MUSICAPI_KEY=$canary sf_run_in "$dir" resume \
    "$(cd "$dir" && "$SF" runs --json | grep -o '"id":"[^"]*"' | head -1 |
       cut -d'"' -f4)" -v --sandbox-args "$FAST"
  expect_rc 0
  expect_eq "$(hits "$dir" "$OUT" "$ERR")" 0 "after the resume"
  MUSICAPI_KEY=$canary sf_run_in "$dir" report -o "$dir/report.html"
  expect_rc 0
  expect_eq "$(hits "$dir" "$OUT" "$ERR")" 0 "after a report"
}

t_sandbox_state_option() {
  # an explicit --state for the in-process sandbox, and a dry run
  local dir=$WORK/k2
  mkdir -p "$dir"
  MUSICAPI_KEY=$canary sf_run_in "$dir" run -v --sandbox \
    --sandbox-args "$FAST --state $dir/explicit-state.db" "$WF" out
  expect_rc 0
  expect_true "the explicit state file exists" test -s "$dir/explicit-state.db"
  expect_eq "$(hits "$dir" "$OUT" "$ERR")" 0 "files and output holding the key"
  MUSICAPI_KEY=$canary sf_run_in "$dir" run -v --dry-run "$WF" out2
  expect_rc 0
  expect_eq "$(hits "$dir" "$OUT" "$ERR")" 0 "after a dry run"
}

t_no_key_still_works() {
  # without any key the in-process sandbox is what it always was
  local dir=$WORK/k3
  mkdir -p "$dir"
  sf_run_in "$dir" run -q --sandbox-args "$FAST" "$WF" out
  expect_rc 0
  expect_grep "^done" "$OUT"
}

run_case "MUSICAPI_KEY + --sandbox + webhooks + -v: the key is nowhere" t_sandbox_with_key
run_case "the same with --state in --sandbox-args, and --dry-run" t_sandbox_state_option
run_case "no key: the in-process sandbox still works" t_no_key_still_works
summary
