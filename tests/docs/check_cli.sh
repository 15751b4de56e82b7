#!/usr/bin/env bash
# check_cli.sh SONICFLOW CLI_MD
#
# Every option that `sonicflow --help` and `sonicflow run --help` print
# must appear in docs/cli.md, so the reference and the program agree.
set -uo pipefail

bin=$1 doc=$2
missing=0 checked=0
for help in "--help" "run --help"; do
  # shellcheck disable=SC2086  # "run --help" is two words on purpose
  text=$("$bin" $help) || { echo "FAIL: sonicflow $help failed"; exit 1; }
  # options: -x and --long-name at the start of a word
  opts=$(grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' <<<"$text" |
         sed -E 's/^[ ,]//' | sort -u)
  for opt in $opts; do
    checked=$((checked + 1))
    # the option as a whole word: --sandbox must not match --sandbox-args
    if ! grep -Eq -- "(^|[^a-zA-Z0-9-])${opt}([^a-zA-Z0-9-]|$)" "$doc"; then
      echo "FAIL: '$opt' (in sonicflow $help) is not in docs/cli.md"
      missing=$((missing + 1))
    fi
  done
done
echo "$checked options checked, $missing missing from docs/cli.md"
((missing == 0))
