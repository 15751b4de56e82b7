# lib.sh -- helpers of the install tests (sourced).
#
# A clean environment for what is installed: nothing from the build or the
# caller's shell (no LUA_CPATH, no key, no HOME with a key file), only the
# system's PATH and a fresh HOME.

fail () { echo "FAIL: $*" >&2; exit 1; }

# sf_tmpdir: a temporary directory removed when the test exits.
sf_tmpdir () {
  SF_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sf-install.XXXXXX")
  trap 'rm -rf "$SF_TMP"' EXIT
  mkdir -p "$SF_TMP/home" "$SF_TMP/work"
}

# clean CMD...: run CMD with env -i, PATH, HOME=$SF_TMP/home, in
# $SF_TMP/work, plus any NAME=VALUE given before CMD.
clean () {
  (cd "$SF_TMP/work" &&
   env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$SF_TMP/home" \
       LANG=C.UTF-8 "$@")
}

# expect_grep PATTERN FILE WHAT
expect_grep () {
  grep -Eq -- "$1" "$2" || { cat "$2" >&2; fail "$3: no match for /$1/"; }
}

# count_mp3 DIR: how many MP3 files (ID3 or MPEG frame magic) DIR holds.
count_mp3 () {
  local n=0 f magic
  while IFS= read -r -d '' f; do
    magic=$(head -c 3 "$f" | od -An -tx1 | tr -d ' \n')
    [[ $magic == 494433 || $magic == fff* ]] && n=$((n + 1))
  done < <(find "$1" -name '*.mp3' -print0 2>/dev/null)
  echo "$n"
}
