# lib.sh -- sourced by the e2e scripts: cases, checks, and the servers.
#
#   source lib.sh "$@"         # $1 = sonicflow binary, $2 = fake_server binary
#   t_name() { sf_run ...; expect_rc 0; expect_grep 'x' "$OUT"; }
#   run_case "name" t_name
#   summary                    # "N passed, N failed"; exit 1 if any failed
#
# Checks never abort the script (set -e is off inside conditions anyway);
# they mark the running case as failed and say why. Every process a script
# starts is stopped by its pid on exit.

set -euo pipefail

SF=$(realpath "${1:?usage: $0 SONICFLOW [FAKE_SERVER]}")
FAKE=${2:-}
[[ -n $FAKE ]] && FAKE=$(realpath "$FAKE")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
EXAMPLES=$ROOT/scripts/examples

# never let a developer's key or service URL reach a test run
unset MUSICAPI_KEY SONICFLOW_BASE_URL

# a fast sandbox: as one string (for --sandbox-args) and as words
FAST="--speed 1000 --clip-seconds 3 --credits 1000000 --extra-credits 0"
read -r -a FAST_ARGS <<<"$FAST"
export FAST FAST_ARGS EXAMPLES CLIP_SECONDS
CLIP_SECONDS=3

WORK=$(mktemp -d "${TEST_TMPDIR:-${TMPDIR:-/tmp}}/sf-e2e-XXXXXX")
PIDS=()
PASSED=0
FAILED=0
FAILED_NAMES=()
CASE_FAILED=0

cleanup() {
  local p
  for p in ${PIDS[@]+"${PIDS[@]}"}; do
    kill "$p" 2>/dev/null || true
  done
  for p in ${PIDS[@]+"${PIDS[@]}"}; do
    wait "$p" 2>/dev/null || true
  done
  if ((FAILED == 0)); then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT

# ------------------------------------------------------------------ checks

fail_because() {
  CASE_FAILED=1
  echo "    $*"
}

# show the last run's output after a failed check
show_run() {
  echo "    --- exit status: ${RC:-?}"
  if [[ -s ${OUT:-/nonexistent} ]]; then
    echo "    --- stdout:"; head -c 3000 "$OUT" | sed 's/^/    | /'
  fi
  if [[ -s ${ERR:-/nonexistent} ]]; then
    echo "    --- stderr:"; head -c 3000 "$ERR" | sed 's/^/    | /'
  fi
}

expect_rc() {
  if [[ $RC != "$1" ]]; then
    fail_because "expected exit status $1, got $RC"
    show_run
  fi
}

expect_eq() { # GOT WANT WHAT
  if [[ $1 != "$2" ]]; then fail_because "$3: expected '$2', got '$1'"; fi
}

expect_grep() { # ERE FILE [WHAT]
  if ! grep -Eq -- "$1" "$2"; then
    fail_because "${3:-$(basename "$2")} has no line matching /$1/"
    show_run
  fi
}

expect_grep_i() {
  if ! grep -Eiq -- "$1" "$2"; then
    fail_because "${3:-$(basename "$2")} has no line matching /$1/i"
    show_run
  fi
}

expect_no_grep() {
  if grep -Eq -- "$1" "$2"; then
    fail_because "${3:-$(basename "$2")} has a line matching /$1/:"
    grep -E -- "$1" "$2" | head -5 | sed 's/^/    | /'
  fi
}

expect_no_grep_i() {
  if grep -Eiq -- "$1" "$2"; then
    fail_because "${3:-$(basename "$2")} has a line matching /$1/i:"
    grep -Ei -- "$1" "$2" | head -5 | sed 's/^/    | /'
  fi
}

expect_lines() { # N FILE WHAT: the file has exactly N lines
  local n
  n=$(grep -c '' "$2" || true)
  if [[ $n != "$1" ]]; then
    fail_because "${3:-$(basename "$2")}: expected $1 line(s), got $n"
    show_run
  fi
}

expect_true() { # WHAT CMD...
  local what=$1
  shift
  if ! "$@"; then fail_because "$what"; fi
}

# No crash signature, no sanitizer report in the last run.
expect_no_crash() {
  if ((RC >= 128 && RC != 130)); then
    fail_because "killed by a signal (exit status $RC)"
  fi
  expect_no_grep 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation|core dumped' \
    "$ERR" stderr
}

is_mp3() {
  local head
  head=$(od -An -tx1 -N3 "$1" 2>/dev/null | tr -d ' \n')
  [[ $head == 494433* ]] && return 0                     # "ID3"
  [[ $head =~ ^ff[ef][0-9a-f] ]] && return 0             # frame sync
  return 1
}

# Every file under DIR is an MP3 with (if soxi is there) the expected
# length; no .part files. Sets NFILES.
expect_mp3_dir() { # DIR [SECONDS]
  local f d n=0
  NFILES=0
  if [[ ! -d $1 ]]; then fail_because "no folder $1"; return; fi
  while IFS= read -r -d '' f; do
    n=$((n + 1))
    case $f in
      *.part) fail_because "partial file left: $f"; continue ;;
    esac
    if ! is_mp3 "$f"; then
      fail_because "not an MP3 (no ID3 / frame sync): $f"
      continue
    fi
    if [[ -n ${2:-} ]] && command -v soxi >/dev/null 2>&1; then
      d=$(soxi -D "$f" 2>/dev/null || echo "unreadable")
      if [[ $d == unreadable ]]; then
        fail_because "soxi cannot read $f"
      elif ! awk -v d="$d" -v w="$2" 'BEGIN { exit !(d > w - 0.25 && d < w + 0.25) }'; then
        fail_because "$f lasts $d s, expected about $2 s"
      fi
    fi
  done < <(find "$1" -type f -print0)
  NFILES=$n
}

# Every MP3 under DIR named "...-<first 8 hex of the clip id>.mp3" lasts
# (soxi) what the run's stdout OUTFILE reported for that clip, as printed by
# the examples: "clip <clip id>  <seconds> s". No-op without soxi.
expect_reported_durations() { # DIR OUTFILE
  local f id want got
  command -v soxi >/dev/null 2>&1 || return 0
  while IFS= read -r -d '' f; do
    id=$(basename "$f" | sed -n 's/.*-\([0-9a-f]\{8\}\)\.mp3$/\1/p')
    if [[ -z $id ]]; then fail_because "no clip id in the name $f"; continue; fi
    want=$(sed -n "s/.*clip $id[0-9a-f-]* *\([0-9.]*\) s.*/\1/p" "$2" | head -1)
    if [[ -z $want ]]; then
      fail_because "no reported duration for clip $id ($f)"
      continue
    fi
    got=$(soxi -D "$f" 2>/dev/null || echo unreadable)
    if [[ $got == unreadable ]]; then
      fail_because "soxi cannot read $f"
    elif ! awk -v d="$got" -v w="$want" 'BEGIN { exit !(d > w - 0.1 && d < w + 0.1) }'; then
      fail_because "$f lasts $got s, its clip reported $want s"
    fi
  done < <(find "$1" -type f -name '*.mp3' -print0)
}

# ------------------------------------------------------------------ running

# sf_run ARGS...: run sonicflow with a 90 s limit; sets RC, OUT, ERR.
# sf_run_in DIR ARGS...: the same, in the working directory DIR.
N_RUN=0
sf_run_in() {
  local dir=$1
  shift
  N_RUN=$((N_RUN + 1))
  OUT=$WORK/run$N_RUN.out
  ERR=$WORK/run$N_RUN.err
  RC=0
  (cd "$dir" && exec timeout -k 5 90 "$SF" "$@") </dev/null >"$OUT" 2>"$ERR" \
    || RC=$?
}
sf_run() { sf_run_in "$WORK" "$@"; }

# Write a Lua script to $WORK/NAME (from stdin); echo its path.
script() {
  cat >"$WORK/$1"
  echo "$WORK/$1"
}

# A script that runs CALL under pcall and prints the error's fields.
# (retry_base is not part of the API contract: where the runtime has it,
# its back-off between retries of a truncated download gets short.)
probe() { # NAME LUA-EXPRESSION-CALL: writes $WORK/NAME, echoes its path
  script "$1" <<EOF
sonic.config{ poll_interval = 0.05 }
pcall(sonic.config, { retry_base = 0.001 })
local ok, e = pcall(function () return $2 end)
print("ok=" .. tostring(ok))
if not ok then
  print("kind=" .. tostring(type(e) == "table" and e.kind))
  print("status=" .. tostring(type(e) == "table" and e.status))
  print("message=" .. tostring(type(e) == "table" and e.message))
  print("tostring=" .. tostring(e):gsub("\n", "\\\\n"))
end
EOF
}

# start_server VAR CMD...: start a server that prints "listening on URL"
# first; set VAR to the URL. The process is stopped on exit.
start_server() {
  local var=$1 fifo line pid
  shift
  fifo=$WORK/fifo.$RANDOM$RANDOM
  mkfifo "$fifo"
  "$@" >"$fifo" 2>>"$WORK/servers.err" &
  pid=$!
  PIDS+=("$pid")
  exec {fd}<"$fifo"
  if ! IFS= read -r -t 20 -u "$fd" line || [[ $line != "listening on http://"* ]]; then
    echo "server '$*' did not start: '${line:-}'" >&2
    cat "$WORK/servers.err" >&2 || true
    exit 1
  fi
  cat <&"$fd" >/dev/null &   # drain the rest of its stdout
  PIDS+=("$!")
  printf -v "$var" '%s' "${line#listening on }"
}

start_sandbox() { # VAR [SANDBOX OPTIONS...]
  local var=$1
  shift
  start_server "$var" "$SF" sandbox --port 0 "$@"
}

start_fake() { # VAR MODE [LOG]
  local var=$1
  shift
  [[ -n $FAKE ]] || { echo "no fake_server binary given" >&2; exit 1; }
  start_server "$var" "$FAKE" "$@"
}

# run_bg ARGS...: start sonicflow in the background with SIGINT at its
# default action (a non-interactive shell would ignore it); sets BG_PID,
# OUT, ERR.
run_bg() {
  N_RUN=$((N_RUN + 1))
  OUT=$WORK/run$N_RUN.out
  ERR=$WORK/run$N_RUN.err
  (cd "$WORK" && exec env --default-signal=INT "$SF" "$@") </dev/null \
    >"$OUT" 2>"$ERR" &
  BG_PID=$!
  PIDS+=("$BG_PID")
}

# wait_bg SECONDS: wait for the background run to end; sets RC (or 124 if
# it had to be killed).
wait_bg() {
  local i
  for ((i = 0; i < $1 * 20; i++)); do
    if ! kill -0 "$BG_PID" 2>/dev/null; then break; fi
    sleep 0.05
  done
  if kill -0 "$BG_PID" 2>/dev/null; then
    kill -9 "$BG_PID" 2>/dev/null || true
    wait "$BG_PID" 2>/dev/null || true
    RC=124
    return
  fi
  RC=0
  wait "$BG_PID" || RC=$?
}

# wait until FILE has a line matching ERE (up to SECONDS)
wait_for_line() { # ERE FILE SECONDS
  local i
  for ((i = 0; i < $3 * 20; i++)); do
    grep -Eq -- "$1" "$2" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# interrupt_after ERE SECONDS DELAY: once the background run (run_bg)
# prints a line matching ERE (waiting up to SECONDS), let it run DELAY
# seconds more, press Ctrl-C (SIGINT) and expect exit code 130.
interrupt_after() {
  if ! wait_for_line "$1" "$OUT" "$2"; then
    fail_because "the script did not start"
  fi
  sleep "$3"
  kill -INT "$BG_PID" 2>/dev/null || true
  wait_bg 10
  expect_rc 130
}

# ------------------------------------------------------------------ cases

run_case() { # NAME FUNCTION
  local name=$1
  CASE_FAILED=0
  "$2"
  if ((CASE_FAILED)); then
    FAILED=$((FAILED + 1))
    FAILED_NAMES+=("$name")
    echo "FAIL   $name"
  else
    PASSED=$((PASSED + 1))
    echo "ok     $name"
  fi
}

summary() {
  if ((FAILED)); then
    echo "failed cases:"
    printf '  %s\n' "${FAILED_NAMES[@]}"
  fi
  echo "$PASSED passed, $FAILED failed"
  ((FAILED == 0))
}
