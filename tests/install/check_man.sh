#!/usr/bin/env bash
# check_man.sh SONICFLOW PAGE.1 SOURCE_DIR
#
# sonicflow(1), as generated from docs/cli.md, is a valid man page and a
# complete one: groff renders it without a warning, it has the sections
# man-pages(7) expects, and it names every command of `sonicflow --help`,
# every option of every `sonicflow COMMAND --help`, every environment
# variable the code reads (getenv in runtime/ and bindings/) and every
# exit code. A new option or variable without a line in docs/cli.md (or
# docs/sandbox.md's option table) fails here.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
bin=$1 page=$2 src=$3
sf_tmpdir
[[ -f $page ]] || fail "no $page: the build makes it with lua5.4 (apt-get install lua5.4)"
command -v groff > /dev/null || fail "groff not installed (apt-get install groff-base)"

# -ww: every warning, on the device man(1) and lintian use; then the text
# with no hyphenation and long lines, so words stay whole
groff -man -Tutf8 -ww -z "$page" 2> "$SF_TMP/warnings"
[[ ! -s $SF_TMP/warnings ]] || { cat "$SF_TMP/warnings"; fail "groff warnings"; }
groff -man -Tutf8 -P-cbou -rHY=0 -rLL=200n "$page" 2>/dev/null |
  sed 's/\xe2\x80\x90/-/g' > "$SF_TMP/page.txt"   # U+2010 hyphen -> -
[[ -s $SF_TMP/page.txt ]] || fail "the page renders empty"

missing=0 checked=0
need () {   # need WORD WHERE: WORD is in the page as a whole word
  checked=$((checked + 1))
  if ! grep -Eq -- "(^|[^a-zA-Z0-9_-])$1([^a-zA-Z0-9_-]|$)" "$SF_TMP/page.txt"; then
    echo "FAIL: '$1' ($2) is not in the man page (add it to docs/cli.md)"
    missing=$((missing + 1))
  fi
}

for section in NAME SYNOPSIS DESCRIPTION COMMANDS ENVIRONMENT FILES \
               "EXIT STATUS" "SEE ALSO"; do
  grep -q "^$section\$" "$SF_TMP/page.txt" || {
    echo "FAIL: no $section section"; missing=$((missing + 1)); }
done

# the commands, from the "commands:" block of `sonicflow --help`
commands=$("$bin" --help | awk '/^commands:/ { on = 1; next } /^$/ { on = 0 }
                                on && /^  [a-z]/ { sub(",", "", $1); print $1 }')
[[ -n $commands ]] || fail "no commands parsed from sonicflow --help"
for c in $commands; do
  [[ $c == help ]] && continue      # `help` is --help's alias
  grep -Eq "^ *sonicflow $c( |$)" "$SF_TMP/page.txt" || {
    echo "FAIL: command '$c' has no SYNOPSIS line"; missing=$((missing + 1)); }
done

# every option of every command's help
for help in "" $commands; do
  [[ $help == help ]] && continue
  # shellcheck disable=SC2086  # empty $help: the top-level --help
  text=$("$bin" $help --help 2>&1) || fail "sonicflow $help --help failed"
  for opt in $(grep -oE -- '(^|[ ,[(])--?[a-zA-Z][a-zA-Z0-9-]*' <<<"$text" |
               sed -E 's/^[ ,[(]//' | sort -u); do
    need "$opt" "sonicflow $help --help"
  done
done

# every environment variable the program or the module reads
for var in $(grep -rhoE 'getenv\("[A-Z_]+"\)' "$src/runtime" "$src/bindings" |
             sed -E 's/getenv\("(.*)"\)/\1/' | sort -u); do
  case $var in HOME | TERM) continue ;; esac   # the system's own
  need "$var" "getenv in the sources"
done

# the exit codes, as tags of EXIT STATUS
exits=$(sed -n '/^EXIT STATUS$/,/^[A-Z]/p' "$SF_TMP/page.txt")
for code in 0 1 2 130; do
  checked=$((checked + 1))
  grep -Eq "^ +$code( |$)" <<<"$exits" || {
    echo "FAIL: exit code $code is not in EXIT STATUS"; missing=$((missing + 1)); }
done

echo "$checked names checked, $missing missing from sonicflow(1)"
((missing == 0))
