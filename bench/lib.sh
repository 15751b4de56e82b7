# bench/lib.sh -- sourced by bench/run and bench/ab.sh: a fresh sandbox per
# sample and the median of samples. The caller sets WORK (a scratch
# directory) and SF (the sonicflow whose sandbox runs; SBBIN overrides it).

# The many-workflow scenario's sandbox: clips of 1 s, made at once.
MANY_SANDBOX=(--speed 100000 --clip-seconds 1 --quiet --credits 1000000000)

# a benchmark measures the clients, not the account's pace: off
# (--rate-limit 0) where the sandbox binary has one (a baseline may not)
no_pace() {
  if "$1" sandbox --help 2>/dev/null | grep -q -- --rate-limit; then
    echo --rate-limit 0
  fi
}

start_sandbox() {   # start_sandbox ARGS... -> sets URL, SBPID
  local f=$WORK/sb.$RANDOM.out; URL=""
  # shellcheck disable=SC2046
  "${SBBIN:-$SF}" sandbox --port 0 $(no_pace "${SBBIN:-$SF}") "$@" \
    > "$f" 2> "$WORK/sb.err" &
  SBPID=$!
  for _ in $(seq 200); do
    URL=$(sed -n 's/^listening on //p' "$f" 2>/dev/null || true)  # not there yet: try again
    [ -n "$URL" ] && break; sleep 0.05
  done
  rm -f "$f"
  [ -n "$URL" ] || { echo "sandbox did not start" >&2; cat "$WORK/sb.err" >&2; exit 1; }
}
stop_sandbox() { kill "$SBPID"; wait "$SBPID" 2>/dev/null || true; SBPID=""; }

# median < numbers, one per line
median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
