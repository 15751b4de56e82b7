#!/usr/bin/env bash
# bench/ab.sh BEFORE_SF AFTER_SF [N] [REPS] -- two sonicflow binaries side
# by side on bench/run's many-workflow scenario (N create -> wait ->
# download, all in flight, poll 0.05 s, a fresh sandbox per sample),
# journal off and on, interleaved so both see the same machine. Prints
# the median CPU (user+sys) and peak RSS of each, and after ÷ before.
# AB_ENV_BEFORE / AB_ENV_AFTER: environment for one side only ("K=V ..."),
# to compare one binary with itself under two settings.
# Timing: bench-cputime (bench/cputime.c), to the microsecond; CPUTIME
# names it when it is not in build-bench/.
#   e.g. bench/ab.sh /tmp/old/sonicflow build-bench/sonicflow 1000 7
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(dirname "$HERE")
CPUTIME=${CPUTIME:-$ROOT/build-bench/bench/bench-cputime}
[ -x "$CPUTIME" ] || { echo "bench/ab.sh: no $CPUTIME (build it: bench/run, or CPUTIME=...)" >&2; exit 2; }
# absolute: each sample runs in its own directory (the journal's)
BEFORE=$(realpath "$1"); AFTER=$(realpath "$2"); CPUTIME=$(realpath "$CPUTIME")
N=${3:-1000}; REPS=${4:-5}
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
WORK=$(mktemp -d /dev/shm/sfab.XXXXXX); SBPID=""; jd=""
cleanup() {
  [ -n "$SBPID" ] && kill "$SBPID" 2>/dev/null
  rm -rf "$WORK" ${jd:+"$jd"}
}
trap cleanup EXIT

start_sandbox() {   # the sandbox of bench/run's many scenario -> URL
  "$AFTER" sandbox --port 0 --rate-limit 0 --speed 100000 --clip-seconds 1 \
    --quiet --credits 1000000000 > "$WORK/sb.out" 2>&1 & SBPID=$!
  URL=""
  for _ in $(seq 200); do
    URL=$(sed -n 's/^listening on //p' "$WORK/sb.out"); [ -n "$URL" ] && break
    sleep 0.05
  done
  [ -n "$URL" ] || { echo "sandbox did not start" >&2; cat "$WORK/sb.out" >&2; exit 1; }
}
stop_sandbox() { kill "$SBPID"; wait "$SBPID" 2>/dev/null || true; SBPID=""; }

# one SIDE SF ENV JOURNAL(off|on): one sample -> "cpu_s rss_kb" on stdout
one() {
  local side=$1 sf=$2 envs=$3 journal=$4 out flag=--no-journal
  # the journal on real disk, as in bench/run; the files on tmpfs
  jd=$(mktemp -d /var/tmp/sfab-journal.XXXXXX); out=$WORK/out
  rm -rf "$out"; mkdir -p "$out"
  [ "$journal" = on ] && flag=
  start_sandbox
  # shellcheck disable=SC2086  # envs is a list of K=V words
  (cd "$jd" && env $envs "$CPUTIME" "$jd/t" "$sf" run $flag -q \
     --base-url "$URL" "$HERE/many.lua" "$N" "$N" 0.05 "$out" >/dev/null)
  stop_sandbox
  [ "$(find "$out" -name '*.mp3' | wc -l)" = "$N" ] ||
    echo "WARNING: $side wrote $(find "$out" -name '*.mp3' | wc -l) files, not $N" >&2
  awk '{print $2 + $3, $4}' "$jd/t"
  rm -rf "$jd" "$out"; jd=""
}

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
for journal in off on; do
  : > "$WORK/before"; : > "$WORK/after"
  for _ in $(seq "$REPS"); do
    one before "$BEFORE" "${AB_ENV_BEFORE:-}" "$journal" >> "$WORK/before"
    one after "$AFTER" "${AB_ENV_AFTER:-}" "$journal" >> "$WORK/after"
  done
  bc=$(cut -d' ' -f1 "$WORK/before" | median); ac=$(cut -d' ' -f1 "$WORK/after" | median)
  br=$(cut -d' ' -f2 "$WORK/before" | median); ar=$(cut -d' ' -f2 "$WORK/after" | median)
  awk -v n="$N" -v r="$REPS" -v j="$journal" -v bc="$bc" -v ac="$ac" \
      -v br="$br" -v ar="$ar" 'BEGIN {
    printf "N=%d journal %s, median of %d: CPU before %.3f s, after %.3f s (%.2fx); ", n, j, r, bc, ac, ac / bc
    printf "peak RSS before %.1f MiB, after %.1f MiB (%.2fx)\n", br / 1024, ar / 1024, ar / br }'
done
