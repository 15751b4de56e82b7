#!/usr/bin/env bash
# e2e_bench_drivers.sh SONICFLOW -- bench/run's drivers on small inputs
# (BENCH_FLOOR, BENCH_CAPACITY, BENCH_STORE, BENCH_CPUTIME: their paths).
# What each is
# relied on for: the floor and many.lua complete N workflows and leave N
# files; lua_work.lua runs its workflows on answers captured from the
# sandbox; capacity holds N connections and has every one answered; the
# task store stops at --retain-tasks and finds every recent task; cputime
# writes a command's times in microseconds and passes its status on; ab.sh
# compares two binaries, journal off and on, with a line for each;
# report.py gives the journal's cost from medians and shows how far the
# interleaved pairs spread. No timings are checked: those belong to
# bench/run.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
BENCH=$ROOT/bench

start_sandbox SB --speed 100000 --clip-seconds 1 --quiet --rate-limit 0 \
  --credits 1000000

count_mp3() { find "$1" -name '*.mp3' -size +1k | wc -l; }

# run_driver NAME CMD...: run a driver; sets OUT, ERR (NAME.out/.err), RC
run_driver() {
  OUT=$WORK/$1.out ERR=$WORK/$1.err RC=0
  shift
  "$@" >"$OUT" 2>"$ERR" || RC=$?
}

t_floor() {
  local out=$WORK/floor-out
  mkdir -p "$out"
  run_driver floor "$BENCH_FLOOR" "$SB" 20 20 0.05 "$out"
  expect_rc 0
  expect_grep '^ok 20' "$OUT"
  expect_eq "$(count_mp3 "$out")" 20 "clips the floor downloaded"
  # the fresh-create shape compared against in docs/performance.md
  rm -rf "$out"; mkdir -p "$out"
  run_driver floor-fresh env FLOOR_FRESH_POST=1 "$BENCH_FLOOR" "$SB" 10 10 0.05 "$out"
  expect_rc 0
  expect_eq "$(count_mp3 "$out")" 10 "clips (fresh creates)"
}

t_many_lua() {
  mkdir -p "$WORK/many-out"
  sf_run run --no-journal -q --base-url "$SB" "$BENCH/many.lua" 20 20 0.05 \
    "$WORK/many-out"
  expect_rc 0
  expect_grep '^ok 20$' "$OUT"
  expect_eq "$(count_mp3 "$WORK/many-out")" 20 "clips many.lua downloaded"
}

t_lua_work() {
  run_driver capture "$BENCH/capture_answers.sh" "$SB" "$WORK"
  expect_rc 0
  expect_grep '"task_id":"' "$WORK/create.json"
  expect_grep '"audio_url":"http' "$WORK/poll.json"
  run_driver lua-work lua5.4 "$BENCH/lua_work.lua" 50 "$WORK/create.json" \
    "$WORK/poll.json"
  expect_rc 0
  # every workflow ran to its end (report.py reads cpu=)
  expect_grep '^ok 50 cpu=[0-9]+[.][0-9]+$' "$OUT"
  # a status without clips is an error, not a silent pass
  echo '{"code":200,"data":[]}' > "$WORK/noclips.json"
  run_driver lua-work-bad lua5.4 "$BENCH/lua_work.lua" 5 "$WORK/create.json" \
    "$WORK/noclips.json"
  expect_rc 1
  expect_grep 'no clip in POLL.json' "$ERR"
}

t_capacity() {
  run_driver capacity "$BENCH_CAPACITY" 127.0.0.1 "${SB##*:}" 200 20
  expect_rc 0
  expect_grep '^n=200 connected=200 connect_errors=0 answered=200 unanswered=0 ' "$OUT"
}

t_store() {
  run_driver store "$BENCH_STORE" 3000 1000 1000 3000
  expect_rc 0
  expect_lines 2 "$OUT" "store checkpoints"
  expect_grep '^tasks=1000 stored=1000 lookup_us=[0-9.]+ find_ns=[0-9]+ rss_mb=' "$OUT"
  # past the retention the store holds the newest 1,000, no more
  expect_grep '^tasks=3000 stored=1000 ' "$OUT"
  run_driver store-all "$BENCH_STORE" 2000 0 2000
  expect_rc 0
  expect_grep '^tasks=2000 stored=2000 ' "$OUT"
}

t_cputime() {
  local t=$WORK/cputime.txt
  # a command that spends CPU: ~20 ms, well over one 10 ms step
  run_driver cputime "$BENCH_CPUTIME" "$t" lua5.4 -e \
    'local x = 0; for i = 1, 3e6 do x = x + i end; print(x > 0)'
  expect_rc 0
  expect_grep '^true$' "$OUT"
  expect_grep '^[0-9]+[.][0-9]{6} [0-9]+[.][0-9]{6} [0-9]+[.][0-9]{6} [0-9]+$' "$t"
  expect_eq "$(awk '{print ($2 + $3 > 0.005) && ($4 > 1000)}' "$t")" 1 \
    "the busy loop's CPU and peak RSS were counted"
  # the command's status is the driver's; a command that cannot run is 127
  run_driver cputime-rc "$BENCH_CPUTIME" "$t" sh -c 'exit 3'
  expect_rc 3
  run_driver cputime-none "$BENCH_CPUTIME" "$t" "$WORK/no-such-command"
  expect_rc 127
  expect_grep 'cannot run' "$ERR"
}

t_ab() {
  # the same binary on both sides, one environment told apart
  run_driver ab env CPUTIME="$BENCH_CPUTIME" AB_ENV_AFTER="SF_AB_SIDE=after" \
    "$BENCH/ab.sh" "$SF" "$SF" 20 1
  expect_rc 0
  expect_lines 2 "$OUT" "lines: journal off and on"
  expect_grep '^N=20 journal off, median of 1: CPU before [0-9.]+ s, after [0-9.]+ s \([0-9.]+x\); peak RSS before [0-9.]+ MiB, after [0-9.]+ MiB \([0-9.]+x\)$' "$OUT"
  expect_grep '^N=20 journal on, median of 1: ' "$OUT"
  expect_no_grep 'WARNING' "$ERR" "stderr (every workflow wrote its file)"
}

# two reps at 1,000 and 10,000: the journal's cost is the difference of
# medians (50 and 60 µs a workflow), each pair's own difference its spread
t_report() {
  local raw=$WORK/raw.tsv
  {
    printf 'scenario\tclient\tn\trep\twall_s\tcpu_s\trss_kb\textra\n'
    printf 'many\t%s\t%s\t%s\t1\t%s\t1000\tok\n' \
      floor 1000 1 0.20  floor 1000 2 0.20 \
      sonicflow 1000 1 0.30  sonicflow+journal 1000 1 0.34 \
      sonicflow 1000 2 0.30  sonicflow+journal 1000 2 0.36 \
      floor 10000 1 2.0  floor 10000 2 2.0 \
      sonicflow 10000 1 3.0  sonicflow+journal 10000 1 3.5 \
      sonicflow 10000 2 3.0  sonicflow+journal 10000 2 3.7
  } > "$raw"
  run_driver report python3 "$BENCH/report.py" "$raw" "$WORK/t.md" "$WORK/t.svg"
  expect_rc 0
  expect_grep '^\| journal cost per workflow, N=10000 ÷ N=1000 ≤ 1\.1× \| 60 ÷ 50 µs \(single interleaved pairs: 40–60 µs at N=1000, 50–70 µs at N=10000\) = 1\.20× \| \*\*no\*\* \|$' "$WORK/t.md"
}

run_case "the floor completes its workflows" t_floor
run_case "many.lua completes its workflows" t_many_lua
run_case "lua_work.lua decodes the sandbox's answers" t_lua_work
run_case "capacity: every connection answered" t_capacity
run_case "store: retention bounds what is stored" t_store
run_case "cputime: microseconds and the command's status" t_cputime
run_case "ab.sh: two binaries, journal off and on" t_ab
run_case "report.py: the journal's cost and its spread" t_report
summary
