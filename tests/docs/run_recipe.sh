#!/usr/bin/env bash
# run_recipe.sh WANT_RC PATTERN MIN_MP3 -- COMMAND...
#
# Run one cookbook recipe in a fresh directory (HOME there too, so no key
# file is found; MUSICAPI_KEY and SONICFLOW_BASE_URL are removed by the
# caller), then check its exit status, that its output matches the
# extended regex PATTERN, and that it left at least MIN_MP3 .mp3 files.
set -uo pipefail

want_rc=$1 pattern=$2 min_mp3=$3
shift 3
[[ ${1:-} == -- ]] && shift

work=$(mktemp -d "${TMPDIR:-/tmp}/sf-recipe-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2

HOME=$work "$@" >"$work/output" 2>&1
rc=$?
status=0
if [[ $rc != "$want_rc" ]]; then
  echo "FAIL: exit status $rc, expected $want_rc"; status=1
fi
if ! grep -Eq -- "$pattern" "$work/output"; then
  echo "FAIL: the output does not match: $pattern"; status=1
fi
mp3=$(find "$work" -name '*.mp3' | wc -l)
if ((mp3 < min_mp3)); then
  echo "FAIL: $mp3 .mp3 files, expected at least $min_mp3"; status=1
fi
if ((status != 0)); then
  echo "--- command: $*"; echo "--- output:"; cat "$work/output"
else
  echo "ok: exit $rc, $mp3 mp3 files"
fi
exit $status
