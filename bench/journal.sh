#!/usr/bin/env bash
# bench/journal.sh [BASE_REV] -- the journal alone (bench/journal.c): cost
# per workflow at 1,000 and 10,000 workflows in one run, and their ratio
# (issue 17's target: <= 1.1, linear). With BASE_REV (e.g. a commit from
# before the journal work) the same benchmark is also built against that
# revision's runtime/journal.c and run first, in the same invocation, so
# before and after are measured under the same conditions. A journal from
# before sf_journal_commit existed ends every turn with sf_journal_flush,
# which is what the loop did then. The journals live on the real disk
# (DIR, default a fresh directory under /var/tmp): fdatasync is the point.
# Environment: N_SMALL=1000 N_LARGE=10000 REPS=3 DIR=...
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(dirname "$HERE")
N_SMALL=${N_SMALL:-1000}; N_LARGE=${N_LARGE:-10000}; REPS=${REPS:-3}
WORK=$(mktemp -d "${DIR:-/var/tmp}/sfjournal.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
CFLAGS="-O2 $(pkg-config --cflags sqlite3)"; LIBS=$(pkg-config --libs sqlite3)

build () {   # build NAME JOURNAL_DIR [extra cflags for the bench]
  local name=$1 jdir=$2; shift 2
  local objs=("$WORK/$name-bench.o" "$WORK/$name-journal.o")
  cc $CFLAGS -I"$jdir" -c "$jdir/journal.c" -o "$WORK/$name-journal.o"
  # the journal prints its JSON through sfbuf (runtime/buf.c) since c74742f
  if [ -f "$jdir/buf.c" ]; then
    cc $CFLAGS -I"$jdir" -c "$jdir/buf.c" -o "$WORK/$name-buf.o"
    objs+=("$WORK/$name-buf.o")
  fi
  cc $CFLAGS -I"$jdir" "$@" -c "$HERE/journal.c" -o "$WORK/$name-bench.o"
  cc -o "$WORK/$name" "${objs[@]}" $LIBS
}

if [ $# -ge 1 ]; then
  mkdir -p "$WORK/base"
  git -C "$ROOT" show "$1:runtime/journal.c" > "$WORK/base/journal.c"
  git -C "$ROOT" show "$1:runtime/journal.h" > "$WORK/base/journal.h"
  for f in buf.c buf.h; do   # absent before c74742f
    git -C "$ROOT" show "$1:runtime/$f" > "$WORK/base/$f" 2>/dev/null || rm -f "$WORK/base/$f"
  done
  extra=()
  grep -q sf_journal_commit "$WORK/base/journal.h" ||
    extra=(-Dsf_journal_commit=sf_journal_flush)
  build before "$WORK/base" "${extra[@]}"
  echo "== before ($1)"
  "$WORK/before" "$WORK" "$N_SMALL" "$N_LARGE" "$REPS"
fi
build after "$ROOT/runtime"
echo "== after (working tree)"
"$WORK/after" "$WORK" "$N_SMALL" "$N_LARGE" "$REPS"
