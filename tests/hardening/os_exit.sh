#!/usr/bin/env bash
# Issue 19 item 8 (last bullet): os.exit() inside a script closes the run
# in the journal as "exited", with the code, after flushing what the run
# did (an answered create stays answered): by default, with close = true,
# with a boolean, from a spawned task.
source "$(dirname "$0")/../e2e/lib.sh" "$@"
source "$(dirname "$0")/hlib.sh"

# exit_case NAME EXIT_EXPR WANT_RC: a create, then os.exit(EXIT_EXPR)
exit_case() {
  local f run
  f=$(script "$1.lua" <<LUA
sonic.config{poll_interval = 0.05}
local t = sonic.create{gpt_description_prompt = "exit test"}
print("created " .. t.id)
$2
print("not reached")
LUA
)
  rm -rf "$WORK/.sonicflow"
  sf_run run -q --sandbox --sandbox-args "$FAST" "$f"
  expect_rc "$3"
  expect_no_crash
  expect_grep "^created" "$OUT"
  expect_no_grep "not reached" "$OUT"
  run=$(cd "$WORK" && "$SF" runs --json)
  expect_eq "$(json_field "$run" status)" exited "journal status"
  expect_eq "$(sqlite3 "$WORK/.sonicflow/journal.db" \
               'SELECT exit_code FROM runs' 2>&1)" "$3" "journaled exit code"
  expect_eq "$(json_field "$run" tasks)" 1 "answered tasks"
  expect_eq "$(json_field "$run" credits_unknown)" 0 "credits of unknown outcome"
  expect_true "the run has an end time" \
    bash -c "! grep -q '\"finished_at\":null' <<<'$run'"
  (cd "$WORK" && "$SF" runs) >"$WORK/runs.txt"
  expect_grep "exited" "$WORK/runs.txt" "sonicflow runs"
}

t_default()   { exit_case default 'os.exit(3)' 3; }
t_close()     { exit_case close 'os.exit(4, true)' 4; }
t_true()      { exit_case true_ 'os.exit(true)' 0; }
t_false()     { exit_case false_ 'os.exit(false, true)' 1; }
t_noarg()     { exit_case noarg 'os.exit()' 0; }
t_spawned()   {
  exit_case spawned 'sonic.spawn(function () sonic.sleep(0.01); os.exit(5) end):wait()' 5
}
t_resume_after_exit() {
  # the exited run can be resumed: the create replays, nothing is resent
  local f
  f=$(script resumable.lua <<'LUA'
sonic.config{poll_interval = 0.05}
local t = sonic.create{gpt_description_prompt = "exit then resume"}
if os.getenv("EXIT_NOW") then os.exit(7) end
print("done " .. #sonic.wait(t))
LUA
)
  rm -rf "$WORK/.sonicflow"
  EXIT_NOW=1 sf_run run -q --sandbox --sandbox-args "$FAST" "$f"
  expect_rc 7
  sf_run resume -q -v
  expect_rc 0
  expect_grep "^done 2" "$OUT"
  expect_grep "replayed from the journal" "$ERR"
}

run_case "os.exit(3)" t_default
run_case "os.exit(4, true) closes the state" t_close
run_case "os.exit(true)" t_true
run_case "os.exit(false, true)" t_false
run_case "os.exit()" t_noarg
run_case "os.exit from a spawned task" t_spawned
run_case "an exited run resumes without paying again" t_resume_after_exit
summary
