#!/usr/bin/env bash
# Issue 19 item 1: a run is owned by one process at a time. After a crash,
# two `sonicflow resume` started together: one is refused at once with
# "run R is being resumed by pid N", the other finishes; the sandbox's
# ledger shows each step charged once and the journal keeps every task.
source "$(dirname "$0")/../e2e/lib.sh" "$@"
source "$(dirname "$0")/hlib.sh"

BUSY=75   # docs/cli.md: the run belongs to another live process

WF=$(script workflow.lua <<'LUA'
sonic.config{poll_interval = 0.05, retry_base = 0.05}
local song = sonic.wait(sonic.create{gpt_description_prompt = "lock test"})
print("created " .. song[1].id)
local cov = sonic.wait(sonic.cover(song[1], "lo-fi"))
print("covered " .. cov[1].id)
local ext = sonic.wait(sonic.extend(cov[1], {continue_at = 1}))
print("extended " .. ext[1].id)
print("workflow done")
LUA
)

# tasks take about a second each at this speed: the resumes overlap
start_sandbox URL --speed 150 --clip-seconds 3 --credits 100000 \
  --extra-credits 0

t_two_resumes() {
  local pa pb oa ob ea eb ra rb t0 t_refused=0 t_winner=0 led run id
  # crash before the cover's intent: the create is paid, two steps remain
  (cd "$WORK" && SONICFLOW_CRASH_AT=before_intent:2 exec timeout 60 "$SF" \
     run -q --base-url "$URL" "$WF") >"$WORK/crash.out" 2>"$WORK/crash.err" \
     </dev/null || true
  expect_true "the first run got its create answered before the crash" \
    grep -q "created" "$WORK/crash.out"
  run=$(cd "$WORK" && "$SF" runs --json)
  id=$(json_field "$run" id)
  expect_eq "$(json_field "$run" status)" running "status after kill -9"
  t0=$(now_ms)
  run_bg resume -q --base-url "$URL"; pa=$BG_PID; oa=$OUT; ea=$ERR
  run_bg resume -q --base-url "$URL"; pb=$BG_PID; ob=$OUT; eb=$ERR
  # note when each ends (bash reaps its children, so kill -0 then fails)
  local ta=0 tb=0 i
  for ((i = 0; i < 3000 && (ta == 0 || tb == 0); i++)); do
    ((ta == 0)) && ! kill -0 "$pa" 2>/dev/null && ta=$(( $(now_ms) - t0 ))
    ((tb == 0)) && ! kill -0 "$pb" 2>/dev/null && tb=$(( $(now_ms) - t0 ))
    sleep 0.02
  done
  BG_PID=$pa; wait_bg 5; ra=$RC
  BG_PID=$pb; wait_bg 5; rb=$RC
  [[ $ra == "$BUSY" ]] && t_refused=$ta t_winner=$tb
  [[ $rb == "$BUSY" ]] && t_refused=$tb t_winner=$ta
  if [[ $ra == 0 && $rb == "$BUSY" ]]; then
    expect_grep "run $id is being resumed by pid $pa\b" "$eb" "refused resume's stderr"
    expect_grep "workflow done" "$oa" "winner's stdout"
  elif [[ $rb == 0 && $ra == "$BUSY" ]]; then
    expect_grep "run $id is being resumed by pid $pb\b" "$ea" "refused resume's stderr"
    expect_grep "workflow done" "$ob" "winner's stdout"
  else
    fail_because "expected one resume to finish (0) and one refused ($BUSY), got $ra and $rb"
    for f in "$ea" "$eb"; do sed 's/^/    | /' "$f" | head -5; done
  fi
  # the winner's work goes on for seconds; a refusal is immediate, so it
  # ends long before (measured from the start of both: start-up included)
  echo "    refused after $t_refused ms, the winner ended after $t_winner ms"
  if ((t_refused > 2000 || t_refused * 2 > t_winner)); then
    fail_because "the refusal took $t_refused ms, the winner $t_winner ms"
  fi
  led=$(ledger "$URL")
  expect_eq "$(charges_of "$led")" 3 "charges in the ledger (create, cover, extend)"
  expect_eq "$(charges_of "$led" create_music)" 1 "create charges"
  run=$(cd "$WORK" && "$SF" runs --json)
  expect_eq "$(json_field "$run" status)" finished "journal status"
  expect_eq "$(json_field "$run" tasks)" 3 "journaled tasks"
  expect_eq "$(json_field "$run" credits_unknown)" 0 "credits of unknown outcome"
  expect_true "no lock file is left behind" \
    bash -c "! ls '$WORK'/.sonicflow/*.lock 2>/dev/null | grep -q ."
}

# the same journal entry cannot be run twice at once either: a resume of
# a run that is still going is refused, and the running one is unharmed
t_resume_while_running() {
  local pa run id
  rm -rf "$WORK/.sonicflow"
  run_bg run -q --base-url "$URL" "$WF"; pa=$BG_PID
  wait_for_line created "$OUT" 30 || fail_because "the run did not start"
  run=$(cd "$WORK" && "$SF" runs --json)
  id=$(json_field "$run" id)
  sf_run resume "$id" -q --base-url "$URL"
  expect_rc "$BUSY"
  expect_grep "^sonicflow: run $id is being resumed by pid $pa\b" "$ERR"
  expect_lines 1 "$ERR" "the refusal's stderr"
  BG_PID=$pa; wait_bg 60
  expect_rc 0
  run=$(cd "$WORK" && "$SF" runs --json)
  expect_eq "$(json_field "$run" status)" finished "status"
  expect_eq "$(json_field "$run" attempts)" 1 "attempts (a refused resume is not one)"
}

# the owner that crashed left its lock file (its pid inside); the kernel
# dropped its lock, so the next resume takes the run over at once
t_stale_owner() {
  local run id dead
  rm -rf "$WORK/.sonicflow"
  (cd "$WORK" && SONICFLOW_CRASH_AT=before_intent:2 exec "$SF" \
     run -q --base-url "$URL" "$WF") >/dev/null 2>&1 </dev/null || true
  run=$(cd "$WORK" && "$SF" runs --json)
  id=$(json_field "$run" id)
  expect_true "the crashed owner left run-$id.lock" \
    test -s "$WORK/.sonicflow/run-$id.lock"
  dead=$(cat "$WORK/.sonicflow/run-$id.lock" 2>/dev/null || echo none)
  expect_true "the pid in it ($dead) is gone" \
    bash -c "! kill -0 '$dead' 2>/dev/null"
  sf_run resume --base-url "$URL"
  expect_rc 0
  expect_grep "run $id: taking it over from pid $dead, which is gone" "$ERR"
  expect_grep "workflow done" "$OUT"
  expect_true "no lock file is left behind" \
    bash -c "! ls '$WORK'/.sonicflow/*.lock 2>/dev/null | grep -q ."
}

run_case "two resumes racing after a crash: one refused, each step paid once" t_two_resumes
run_case "a dead owner is taken over" t_stale_owner
run_case "resume of a run still in progress is refused" t_resume_while_running
summary
