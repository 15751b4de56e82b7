# lib.sh -- shared by the report tests: arguments, the report command,
# a sandbox run, and pass/fail counting.
#   bash report_X.sh SONICFLOW REPORT_TOOL SOURCE_DIR

SONICFLOW=${1:?sonicflow binary}
REPORT_TOOL=${2:?sf_report_tool binary}
SRC=${3:?source directory}
HERE="$SRC/tests/report"
PASS=0
FAIL=0

ok ()   { PASS=$((PASS + 1)); echo "ok   $*"; }
bad ()  { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
check () { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

finish () {
  echo "$PASS passed, $FAIL failed"
  [ "$FAIL" -eq 0 ]
}

# `sonicflow report` once main.c dispatches it, else the same code as a
# program of its own.
report () {
  if "$SONICFLOW" report --help >/dev/null 2>&1; then
    "$SONICFLOW" report "$@"
  else
    "$REPORT_TOOL" "$@"
  fi
}

# A fresh directory under TEST_TMPDIR (or /tmp) to run in.
fresh_dir () {
  local d="${TEST_TMPDIR:-/tmp}/$1"
  rm -rf "$d"
  mkdir -p "$d"
  echo "$d"
}

# Run SCRIPT ARGS... against the fast in-process sandbox, in the cwd.
sandbox_run () {
  "$SONICFLOW" run -q --sandbox --sandbox-args "--speed 500 --clip-seconds 4" \
    "$@"
}

# Percent-decode $1 ("%20" -> " ").
url_decode () {
  local s=${1//+/%2B}
  printf '%b' "${s//%/\\x}"
}

# Every <audio src> of page $1, decoded, one a line.
audio_srcs () {
  grep -o '<audio [^>]*src="[^"]*"' "$1" | sed 's/.*src="//; s/"$//' |
    sed 's/&amp;/\&/g'
}
