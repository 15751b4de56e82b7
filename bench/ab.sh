#!/usr/bin/env bash
# bench/ab.sh BEFORE_SF AFTER_SF [N] [REPS] -- two sonicflow binaries side
# by side on bench/run's many-workflow scenario (N create -> wait ->
# download, poll 0.05 s, a fresh sandbox per sample, the journal on real
# disk, the files on tmpfs), interleaved so both see the same machine.
# Prints, journal off and on, the median CPU (user+sys) and peak RSS of
# each and after ÷ before. Environment:
#   AB_INFLIGHT=M      transfers in flight (default N, as bench/run)
#   AB_JOURNAL="on"    which runs ("off on" by default)
#   AB_SYNCS=1         then one run each under strace: the fsync and
#                      fdatasync calls on the journal's files, and apart on
#                      the downloads and their directory
#   AB_ENV_BEFORE / AB_ENV_AFTER="K=V ..."   environment for one side only,
#                      to compare one binary with itself under two settings
#   CPUTIME            bench-cputime (bench/cputime.c), when it is not in
#                      build-bench/
#   e.g. bench/ab.sh /tmp/old/sonicflow build-bench/sonicflow 1000 7
#        AB_INFLIGHT=500 AB_JOURNAL=on AB_SYNCS=1 bench/ab.sh OLD NEW 1000 3
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(dirname "$HERE")
CPUTIME=${CPUTIME:-$ROOT/build-bench/bench/bench-cputime}
[ -x "$CPUTIME" ] || { echo "bench/ab.sh: no $CPUTIME (build it: bench/run, or CPUTIME=...)" >&2; exit 2; }
# absolute: each sample runs in its own directory (the journal's)
BEFORE=$(realpath "$1"); AFTER=$(realpath "$2"); CPUTIME=$(realpath "$CPUTIME")
N=${3:-1000}; REPS=${4:-5}; M=${AB_INFLIGHT:-$N}
SF=$AFTER                          # whose sandbox serves both (lib.sh)
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
WORK=$(mktemp -d /dev/shm/sfab.XXXXXX); SBPID=""; jd=""
cleanup() {
  [ -n "$SBPID" ] && kill "$SBPID" 2>/dev/null
  rm -rf "$WORK" ${jd:+"$jd"}
}
trap cleanup EXIT
source "$HERE/lib.sh"

# one SIDE SF ENV JOURNAL(off|on) [strace]: one sample -> "cpu_s rss_kb",
# or with strace "J journal, D downloads" (sync calls)
one() {
  local side=$1 sf=$2 envs=$3 journal=$4 mode=${5:-} out flag=--no-journal
  jd=$(mktemp -d /var/tmp/sfab-journal.XXXXXX); out=$WORK/out
  rm -rf "$out"; mkdir -p "$out"
  [ "$journal" = on ] && flag=
  start_sandbox "${MANY_SANDBOX[@]}"
  # shellcheck disable=SC2086  # envs and flag are lists of words
  if [ "$mode" = strace ]; then
    (cd "$jd" && env $envs strace -f -y -e trace=fdatasync,fsync -o "$jd/st" \
       "$sf" run $flag -q --base-url "$URL" "$HERE/many.lua" "$N" "$M" 0.05 \
       "$out" >/dev/null)
    # the journal's (.sonicflow/journal.db*), not the downloads' own
    echo "$(grep -c '\.sonicflow' "$jd/st") journal," \
         "$(grep -vc '\.sonicflow' "$jd/st") downloads"
  else
    (cd "$jd" && env $envs "$CPUTIME" "$jd/t" "$sf" run $flag -q \
       --base-url "$URL" "$HERE/many.lua" "$N" "$M" 0.05 "$out" >/dev/null)
    awk '{print $2 + $3, $4}' "$jd/t"
  fi
  stop_sandbox
  [ "$(find "$out" -name '*.mp3' | wc -l)" = "$N" ] ||
    echo "WARNING: $side wrote $(find "$out" -name '*.mp3' | wc -l) files, not $N" >&2
  rm -rf "$jd" "$out"; jd=""
}

for journal in ${AB_JOURNAL:-off on}; do
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
  if [ "${AB_SYNCS:-}" = 1 ] && [ "$journal" = on ]; then
    echo "fsync+fdatasync calls: before $(one before "$BEFORE" "${AB_ENV_BEFORE:-}" on strace)," \
         "after $(one after "$AFTER" "${AB_ENV_AFTER:-}" on strace)"
  fi
done
