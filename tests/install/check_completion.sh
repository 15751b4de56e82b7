#!/usr/bin/env bash
# check_completion.sh SONICFLOW COMPLETION.bash
#
# The bash completion, called the way bash calls it (COMP_WORDS,
# COMP_CWORD, then the function `complete -p sonicflow` names): commands,
# each command's options, .lua scripts (and directories) for `run`, files
# for FILE arguments, nothing for value arguments, run ids for `resume`.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
bin=$(realpath "$1") comp=$(realpath "$2")
sf_tmpdir
cd "$SF_TMP/work" || exit 1
mkdir sub && touch song.lua notes.txt sub/inner.lua

# shellcheck source=/dev/null
. "$comp"
spec=$(complete -p sonicflow) || fail "no completion registered for sonicflow"
func=$(sed -E 's/.*-F ([^ ]+).*/\1/' <<<"$spec")

bad=0 cases=0
# expect "WORDS..." "EXPECTED ..." [exact]: complete the last word of
# WORDS; every EXPECTED word must be offered (with "exact": only them)
expect () {
  local line=$1 want=$2 mode=${3:-}
  local -a words
  read -ra words <<<"$line"
  [[ $line == *" " ]] && words+=("")      # completing a new, empty word
  words[0]=$bin
  COMP_WORDS=("${words[@]}") COMP_CWORD=$((${#words[@]} - 1))
  COMPREPLY=()
  "$func" sonicflow "${words[COMP_CWORD]}" "${words[COMP_CWORD - 1]}" 2>/dev/null
  local got=" ${COMPREPLY[*]} " w
  cases=$((cases + 1))
  for w in $want; do
    [[ $got == *" $w "* ]] || {
      echo "FAIL: '$line' offers [${COMPREPLY[*]}], not '$w'"; bad=$((bad + 1)); return; }
  done
  if [[ $mode == exact ]]; then
    local n=0
    for w in $want; do n=$((n + 1)); done
    ((${#COMPREPLY[@]} == n)) || {
      echo "FAIL: '$line' offers [${COMPREPLY[*]}], only [$want] expected"; bad=$((bad + 1)); }
  fi
}

expect "sonicflow r" "run runs report resume" exact
expect "sonicflow " "run resume runs report sandbox credits task --help --version"
expect "sonicflow run --no-" "--no-journal --no-progress" exact
expect "sonicflow run --webhook-l" "--webhook-listen" exact
expect "sonicflow sandbox --clip" "--clip-seconds" exact
expect "sonicflow sandbox --webhook-" "--webhook-duplicates --webhook-reorder-ms --webhook-bad-signature" exact
expect "sonicflow report -" "-o --output --journal"
expect "sonicflow runs --j" "--json --journal" exact
expect "sonicflow run " "song.lua sub/" exact          # scripts, not notes.txt
expect "sonicflow run su" "sub/" exact
expect "sonicflow run --budget 5 -q " "song.lua sub/" exact   # skips 5
expect "sonicflow run song.lua " "song.lua notes.txt sub" exact  # its args
expect "sonicflow run --key-file no" "notes.txt" exact    # FILE: any file
expect "sonicflow report -o so" "song.lua" exact
expect "sonicflow run --budget " "" exact                 # N: no guess
expect "sonicflow --version " "" exact

# resume: the journal's run ids
"$bin" run --no-progress -q --sandbox-args "--speed 1000" song.lua \
  > /dev/null 2>&1 || fail "could not make a run for the journal"
id=$("$bin" runs --json | grep -oE '"id": *"[^"]+"' | sed -E 's/.*"([^"]+)"$/\1/' | head -1)
[[ -n $id ]] || fail "no run id in sonicflow runs --json"
expect "sonicflow resume " "$id" exact
expect "sonicflow report " "$id" exact

echo "$cases completion cases, $bad failed"
((bad == 0))
