#!/usr/bin/env bash
# bench/journal_e2e.sh BEFORE_SF AFTER_SF [N] [REPS] -- bench/run's
# "sonicflow+journal" scenario (N create -> wait -> download workflows,
# 500 in flight, poll 0.05 s, journal on the real disk, a separate sandbox)
# with two sonicflow binaries, interleaved so both see the same machine:
# client CPU (user+sys, median of REPS) and, in one more run each under
# strace, the fdatasync/fsync calls on the journal's files (and, apart, on
# the downloaded files and their directory).
#   e.g. bench/journal_e2e.sh /tmp/base/build-bench/sonicflow \
#          build-bench/sonicflow 1000 3
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(dirname "$HERE")
BEFORE=$1; AFTER=$2; N=${3:-1000}; REPS=${4:-3}; M=$(( N < 500 ? N : 500 ))
WORK=$(mktemp -d /var/tmp/sfje.XXXXXX); SBPID=""
cleanup() { [ -n "$SBPID" ] && kill "$SBPID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

start_sandbox() {   # the sandbox of bench/run's journal scenario -> URL
  local pace=()   # the account's pace off, where the sandbox has one
  "$AFTER" sandbox --help | grep -q -- --rate-limit && pace=(--rate-limit 0)
  "$AFTER" sandbox --port 0 --speed 100000 --clip-seconds 1 --quiet \
    "${pace[@]}" --credits 1000000000 > "$WORK/sb.out" 2>&1 & SBPID=$!
  URL=""
  for _ in $(seq 200); do
    URL=$(sed -n 's/^listening on //p' "$WORK/sb.out"); [ -n "$URL" ] && break
    sleep 0.05
  done
  [ -n "$URL" ] || { echo "sandbox did not start" >&2; exit 1; }
}
stop_sandbox() { kill "$SBPID"; wait "$SBPID" 2>/dev/null || true; SBPID=""; }

one() {   # one SF [strace] -> prints "cpu_s" or "syncs"
  local sf=$1 mode=${2:-} jd out
  jd=$(mktemp -d "$WORK/j.XXXXXX"); out=$jd/out; mkdir -p "$out"
  start_sandbox
  if [ "$mode" = strace ]; then
    (cd "$jd" && strace -f -y -e trace=fdatasync,fsync -o "$jd/st" \
       "$sf" run -q --base-url "$URL" "$HERE/many.lua" "$N" "$M" 0.05 "$out" \
       >/dev/null)
    # the journal's (.sonicflow/journal.db*), not the downloads' own
    echo "$(grep -c '\.sonicflow' "$jd/st") journal," \
         "$(grep -vc '\.sonicflow' "$jd/st") downloads"
  else
    (cd "$jd" && /usr/bin/time -o "$jd/t" -f '%U %S' "$sf" run -q \
       --base-url "$URL" "$HERE/many.lua" "$N" "$M" 0.05 "$out" >/dev/null)
    awk '{print $1 + $2}' "$jd/t"
  fi
  [ "$(ls "$out" | grep -c '\.mp3$')" = "$N" ] ||
    echo "WARNING: $sf wrote $(ls "$out" | wc -l) files, not $N" >&2
  stop_sandbox; rm -rf "$jd"
}

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
: > "$WORK/before"; : > "$WORK/after"
for _ in $(seq "$REPS"); do
  one "$BEFORE" >> "$WORK/before"; one "$AFTER" >> "$WORK/after"
done
b=$(median < "$WORK/before"); a=$(median < "$WORK/after")
echo "N=$N, $M in flight, median of $REPS: client CPU before $b s, after $a s" \
     "(after/before $(echo "$a / $b" | bc -l | cut -c1-4))"
echo "fsync+fdatasync calls: before $(one "$BEFORE" strace)," \
     "after $(one "$AFTER" strace)"
