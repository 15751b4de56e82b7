#!/usr/bin/env bash
# e2e_cli.sh SONICFLOW -- the command line: help, version, usage errors,
# script errors, arg, exit codes, configuration, the one-shot helpers.
# Runs against a separately started `sonicflow sandbox --port 0`.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

start_sandbox SB "${FAST_ARGS[@]}" --credits 777777 --quiet
UNREACHABLE=http://127.0.0.1:1

OKLUA=$(script ok.lua <<'EOF'
print("hello from ok.lua")
EOF
)

# ------------------------------------------------------------------ help

t_help() {
  sf_run --help
  expect_rc 0
  expect_grep 'run' "$OUT" "--help output"
  expect_grep 'sandbox' "$OUT" "--help output"
  expect_no_crash
}

t_run_help() {
  sf_run run --help
  expect_rc 0
  for opt in --sandbox --base-url --poll-interval --budget; do
    expect_grep "$opt" "$OUT" "run --help output"
  done
}

t_version() {
  sf_run --version
  expect_rc 0
  expect_grep '[0-9]+\.[0-9]+\.[0-9]+' "$OUT" "--version output"
  expect_lines 1 "$OUT" "--version output"
}

# ------------------------------------------------------------------ usage: 2

t_no_args() {
  sf_run
  expect_rc 2
  expect_true "usage on stderr" test -s "$ERR"
}

t_unknown_command() {
  sf_run frobnicate
  expect_rc 2
  expect_true "a message on stderr" test -s "$ERR"
}

t_unknown_option() {
  sf_run run --frobnicate "$OKLUA"
  expect_rc 2
  expect_grep 'frobnicate' "$ERR" stderr
  expect_no_grep 'hello from ok.lua' "$OUT" stdout
}

t_run_without_script() {
  sf_run run
  expect_rc 2
  expect_true "a message on stderr" test -s "$ERR"
}

t_missing_script() {
  sf_run run --base-url "$UNREACHABLE" "$WORK/no-such-script.lua"
  expect_rc 2
  expect_grep 'no-such-script\.lua' "$ERR" stderr
  expect_lines 1 "$ERR" stderr
}

t_bad_option_values() {
  sf_run run --budget lots "$OKLUA"
  expect_rc 2
  sf_run run --poll-interval soon "$OKLUA"
  expect_rc 2
  sf_run run --poll-interval -1 "$OKLUA"
  expect_rc 2
}

# ------------------------------------------------------------------ script errors: 1

t_syntax_error() {
  local s
  s=$(script bad_syntax.lua <<'EOF'
local a = 1
local b = 2
local c = = 3
print("never")
EOF
)
  sf_run run --base-url "$UNREACHABLE" "$s"
  expect_rc 1
  expect_grep 'bad_syntax\.lua:3:' "$ERR" stderr
  expect_lines 1 "$ERR" "stderr (one line)"
  expect_no_grep 'traceback' "$ERR" stderr
  expect_no_grep never "$OUT" stdout
}

t_runtime_error() {
  local s
  s=$(script rt_error.lua <<'EOF'
print("before")
local function f () error("deliberate failure") end
f()
EOF
)
  sf_run run --base-url "$SB" "$s"
  expect_rc 1
  expect_grep 'rt_error\.lua:2: deliberate failure' "$ERR" stderr
  expect_lines 1 "$ERR" "stderr (one line)"
  expect_grep before "$OUT" stdout
}

t_runtime_error_verbose() {
  sf_run run -v --base-url "$SB" "$WORK/rt_error.lua"
  expect_rc 1
  expect_grep 'rt_error\.lua:2: deliberate failure' "$ERR" stderr
  expect_grep_i 'traceback' "$ERR" "stderr under -v"
}

t_error_in_spawned_task() {
  local s
  s=$(script spawn_error.lua <<'EOF'
sonic.spawn(function ()
  sonic.sleep(0.05)
  error("failure inside a spawned task")
end)
print("main chunk done")
EOF
)
  sf_run run --base-url "$SB" "$s"
  expect_rc 1
  expect_grep 'spawn_error\.lua:3: failure inside a spawned task' "$ERR" stderr
  expect_grep 'main chunk done' "$OUT" stdout
  expect_no_crash
}

t_errors_caught_by_all() {
  local s
  # both tasks fail in the same loop turn; all raises the first, and the
  # script handles it: the run succeeds
  s=$(script caught_all.lua <<'EOF'
local ok, e = pcall(sonic.all, {
  sonic.spawn(function () error("first failure", 0) end),
  sonic.spawn(function () error("second failure", 0) end) })
print("all raised: " .. tostring(e))
EOF
)
  sf_run run --base-url "$SB" "$s"
  expect_rc 0
  expect_grep '^all raised: first failure$' "$OUT" stdout
  expect_no_grep 'second failure' "$ERR" stderr
}

t_errors_caught_by_settle() {
  local s
  s=$(script caught_settle.lua <<'EOF'
local r = sonic.settle({
  sonic.spawn(function () error("first failure", 0) end),
  sonic.spawn(function () sonic.sleep(0.05); error("second failure", 0) end) })
print("settled: " .. tostring(r[1].err) .. ", " .. tostring(r[2].err))
local h = sonic.spawn(function () error("waited failure", 0) end)
print("waited: " .. tostring(select(2, pcall(h.wait, h))))
EOF
)
  sf_run run --base-url "$SB" "$s"
  expect_rc 0
  expect_grep '^settled: first failure, second failure$' "$OUT" stdout
  expect_grep '^waited: waited failure$' "$OUT" stdout
  expect_no_grep 'failure' "$ERR" stderr
}

t_uncaught_sonic_error() {
  local s
  s=$(script sonic_error.lua <<'EOF'
sonic.config{ poll_interval = 0.05 }
sonic.wait("00000000-0000-4000-8000-000000000000")
EOF
)
  sf_run run --base-url "$SB" "$s"
  expect_rc 1
  expect_grep 'task not found\.' "$ERR" stderr
  expect_lines 1 "$ERR" "stderr (one line)"
}

t_error_object_not_string() {
  local s
  s=$(script table_error.lua <<'EOF'
error({ code = 42 })
EOF
)
  sf_run run --base-url "$SB" "$s"
  expect_rc 1
  expect_lines 1 "$ERR" "stderr (one line)"
  expect_no_crash
}

# ------------------------------------------------------------------ arg

t_arg() {
  local s
  s=$(script args.lua <<'EOF'
print("arg0=" .. arg[0])
print("n=" .. #arg)
for i = 1, #arg do print(i .. "=[" .. arg[i] .. "]") end
print("varargs=" .. select("#", ...))
print("first=" .. tostring((...)))
EOF
)
  sf_run_in "$WORK" run --base-url "$SB" args.lua "a b" --flag "" -v
  expect_rc 0
  expect_grep '^arg0=args\.lua$' "$OUT" stdout
  expect_grep '^n=4$' "$OUT" stdout
  expect_grep '^1=\[a b\]$' "$OUT" stdout
  expect_grep '^2=\[--flag\]$' "$OUT" stdout
  expect_grep '^3=\[\]$' "$OUT" stdout
  expect_grep '^4=\[-v\]$' "$OUT" stdout
  expect_grep '^varargs=4$' "$OUT" stdout
  expect_grep '^first=a b$' "$OUT" stdout
}

t_arg_absolute() {
  sf_run run --base-url "$SB" "$WORK/args.lua"
  expect_rc 0
  expect_grep "^arg0=$WORK/args\.lua\$" "$OUT" stdout
  expect_grep '^n=0$' "$OUT" stdout
}

t_script_name_with_space() {
  mkdir -p "$WORK/a dir"
  cat >"$WORK/a dir/my script" <<'EOF'
print("ran " .. arg[0] .. " with " .. #arg .. " arg(s): " .. table.concat(arg, "|"))
EOF
  sf_run run --base-url "$SB" "$WORK/a dir/my script" "x y" z
  expect_rc 0
  expect_grep "^ran $WORK/a dir/my script with 2 arg\(s\): x y\|z\$" "$OUT" stdout
}

# ------------------------------------------------------------------ exit codes 0

t_exit_waits_for_tasks() {
  local s
  s=$(script background.lua <<EOF
sonic.spawn(function ()
  sonic.sleep(0.3)
  local f = assert(io.open("$WORK/background.txt", "w"))
  f:write("written by a spawned task")
  f:close()
end)
EOF
)
  rm -f "$WORK/background.txt"
  sf_run run --base-url "$SB" "$s"
  expect_rc 0
  expect_true "the spawned task ran before exit" test -s "$WORK/background.txt"
}

t_ok_exit() {
  sf_run run --base-url "$SB" "$OKLUA"
  expect_rc 0
  expect_grep '^hello from ok\.lua$' "$OUT" stdout
}

t_log_to_stderr() {
  local s
  s=$(script log.lua <<'EOF'
sonic.log("a log line", 42)
print("to stdout")
EOF
)
  sf_run run --base-url "$SB" "$s"
  expect_rc 0
  expect_grep 'a log line.*42' "$ERR" stderr
  expect_no_grep 'a log line' "$OUT" stdout
}

# ------------------------------------------------------------------ configuration

CREDITS_LUA=
t_base_url_option() {
  CREDITS_LUA=$(script credits.lua <<'EOF'
local c = sonic.credits()
print("credits=" .. c.credits .. " extra=" .. c.extra_credits)
EOF
)
  sf_run run --base-url "$SB" "$CREDITS_LUA"
  expect_rc 0
  expect_grep '^credits=777777 extra=0$' "$OUT" "stdout (credits of the external sandbox, as integers)"
  expect_no_grep_sandbox_notice
}

expect_no_grep_sandbox_notice() {
  expect_no_grep 'sandbox' "$ERR" "stderr (no in-process sandbox)"
}

t_base_url_env() {
  SONICFLOW_BASE_URL=$SB sf_run run "$CREDITS_LUA"
  expect_rc 0
  expect_grep '^credits=777777 extra=0$' "$OUT" stdout
  expect_no_grep_sandbox_notice
}

t_in_process_sandbox_notice() {
  sf_run run --sandbox-args "$FAST" "$OKLUA"
  expect_rc 0
  expect_grep '^hello from ok\.lua$' "$OUT" stdout
  expect_grep_i 'sandbox' "$ERR" "stderr (the one-line notice)"
  expect_lines 1 "$ERR" "stderr (the one-line notice)"
}

t_sandbox_flag_wins() {
  SONICFLOW_BASE_URL=$SB sf_run run --sandbox --sandbox-args "$FAST --credits 4321" "$CREDITS_LUA"
  expect_rc 0
  expect_grep '^credits=4321 extra=0$' "$OUT" "stdout (in-process sandbox credits)"
}

t_poll_interval_option() {
  local s
  s=$(script pi.lua <<'EOF'
print("poll_interval=" .. tostring(sonic.config().poll_interval))
EOF
)
  sf_run run --base-url "$SB" --poll-interval 0.07 "$s"
  expect_rc 0
  expect_grep '^poll_interval=0\.07$' "$OUT" stdout
}

t_key_is_never_printed() {
  local s
  start_sandbox SBKEY "${FAST_ARGS[@]}" --key canary-secret-5678 --quiet
  s=$(script keyed.lua <<'EOF'
sonic.config{ poll_interval = 0.05 }
local clips = sonic.wait(sonic.create{ gpt_description_prompt = "keyed" })
print("clips=" .. #clips)
error("fail on purpose")
EOF
)
  MUSICAPI_KEY=canary-secret-5678 sf_run run -v --base-url "$SBKEY" "$s"
  expect_rc 1
  expect_grep '^clips=2$' "$OUT" stdout
  expect_no_grep 'canary-secret-5678' "$OUT" stdout
  expect_no_grep 'canary-secret-5678' "$ERR" stderr
  MUSICAPI_KEY=wrong-canary sf_run run --base-url "$SBKEY" "$CREDITS_LUA"
  expect_rc 1
  expect_grep 'auth' "$ERR" "stderr (kind auth)"
  expect_lines 1 "$ERR" "stderr (one line)"
  expect_no_grep 'wrong-canary' "$ERR" stderr
}

t_quiet() {
  local s
  s=$(script quiet.lua <<EOF
sonic.config{ poll_interval = 0.05 }
local clips = sonic.wait(sonic.create{ gpt_description_prompt = "quiet" })
print(sonic.download(clips[1], "$WORK/quiet.mp3"))
EOF
)
  sf_run run -q --base-url "$SB" "$s"
  expect_rc 0
  expect_grep "^$WORK/quiet\.mp3\$" "$OUT" stdout
  expect_lines 0 "$ERR" "stderr under -q"
}

t_runs_share_a_directory() {
  # four workflows started at once from the same folder (one journal)
  local s dir=$WORK/together pids=() i rc
  mkdir -p "$dir"
  s=$(script together.lua <<'EOF'
sonic.config{ poll_interval = 0.05 }
for i = 1, 3 do sonic.wait(sonic.create{ gpt_description_prompt = "t" .. i }) end
print("done")
EOF
)
  for i in 1 2 3 4; do
    (cd "$dir" && exec timeout 60 "$SF" run -q --base-url "$SB" "$s") \
      >"$WORK/together$i.out" 2>"$WORK/together$i.err" </dev/null &
    pids+=("$!")
  done
  for i in 1 2 3 4; do
    rc=0
    wait "${pids[$((i - 1))]}" || rc=$?
    OUT=$WORK/together$i.out ERR=$WORK/together$i.err RC=$rc
    expect_rc 0
  done
}

# ------------------------------------------------------------------ helpers

t_credits_command() {
  local want
  sf_run run --base-url "$SB" "$CREDITS_LUA"
  want=$(sed -n 's/^credits=\([0-9]*\) extra=.*/\1/p' "$OUT")
  SONICFLOW_BASE_URL=$SB sf_run credits
  expect_rc 0
  expect_grep "(^|[^0-9])${want:-no-number}([^0-9.]|\$)" "$OUT" \
    "stdout (the external sandbox's credits, $want, as an integer)"
}

t_task_command() {
  local s id
  s=$(script mktask.lua <<'EOF'
sonic.config{ poll_interval = 0.05 }
local task = sonic.create{ gpt_description_prompt = "for sonicflow task" }
sonic.wait(task)
print(task.id)
EOF
)
  sf_run run --base-url "$SB" "$s"
  expect_rc 0
  id=$(tail -n 1 "$OUT")
  SONICFLOW_BASE_URL=$SB sf_run task "$id"
  expect_rc 0
  expect_grep 'succeeded' "$OUT" stdout
  SONICFLOW_BASE_URL=$SB sf_run task 00000000-0000-4000-8000-000000000000
  expect_true "unknown task: non-zero exit (got $RC)" test "$RC" -ne 0
  expect_grep 'task not found\.' "$ERR" stderr
}

run_case "--help" t_help
run_case "run --help lists the options" t_run_help
run_case "--version" t_version
run_case "no arguments: exit 2" t_no_args
run_case "unknown command: exit 2" t_unknown_command
run_case "unknown option: exit 2, script not run" t_unknown_option
run_case "run without a script: exit 2" t_run_without_script
run_case "missing script: exit 2, one line naming it" t_missing_script
run_case "bad option values: exit 2" t_bad_option_values
run_case "syntax error: exit 1, one line with file:line" t_syntax_error
run_case "runtime error: exit 1, one line with file:line" t_runtime_error
run_case "runtime error under -v: traceback" t_runtime_error_verbose
run_case "error in a spawned task: exit 1" t_error_in_spawned_task
run_case "errors caught through sonic.all do not fail the run" t_errors_caught_by_all
run_case "errors caught through settle and handle:wait do not fail the run" t_errors_caught_by_settle
run_case "uncaught sonic error: exit 1, one line" t_uncaught_sonic_error
run_case "non-string error object: exit 1, one line" t_error_object_not_string
run_case "arg and ... hold ARGS as in lua" t_arg
run_case "arg[0] is the script path as given" t_arg_absolute
run_case "a script path with a space, no .lua suffix" t_script_name_with_space
run_case "the process waits for spawned tasks" t_exit_waits_for_tasks
run_case "success: exit 0" t_ok_exit
run_case "sonic.log writes to stderr" t_log_to_stderr
run_case "--base-url reaches the given service" t_base_url_option
run_case "SONICFLOW_BASE_URL reaches the given service" t_base_url_env
run_case "no key, no base URL: in-process sandbox, one line on stderr" t_in_process_sandbox_notice
run_case "--sandbox wins over SONICFLOW_BASE_URL" t_sandbox_flag_wins
run_case "--poll-interval sets sonic.config().poll_interval" t_poll_interval_option
run_case "MUSICAPI_KEY is used and never printed" t_key_is_never_printed
run_case "-q: nothing on stderr for a good run" t_quiet
run_case "four runs at once in one directory" t_runs_share_a_directory
run_case "sonicflow credits" t_credits_command
run_case "sonicflow task ID" t_task_command
summary
