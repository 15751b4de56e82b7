#!/usr/bin/env bash
# faults_file_url.sh SONICFLOW FAKE_SERVER -- issue 19 item 8(b): a download
# of a file:// URL is refused with an error VALUE of kind bad_request (a
# table a script can branch on), not a bare string, and writes nothing.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh"

start_sandbox SB "${FAST_ARGS[@]}" --quiet

t_file_url_is_bad_request() {
  local s dir=$WORK/dl-file
  mkdir -p "$dir"
  echo "not audio" >"$WORK/local.mp3"
  s=$(script file_url.lua <<EOF2
local ok, e = pcall(sonic.download, "file://$WORK/local.mp3", "$dir/x.mp3")
print("ok=" .. tostring(ok))
print("type=" .. type(e))
print("kind=" .. tostring(type(e) == "table" and e.kind))
EOF2
)
  sf_run run --base-url "$SB" "$s"
  expect_rc 0
  expect_grep '^ok=false$' "$OUT" stdout
  expect_grep '^type=table$' "$OUT" "stdout (an error value, not a string)"
  expect_grep '^kind=bad_request$' "$OUT" stdout
  expect_eq "$(find "$dir" -type f | wc -l)" 0 "files written"
  expect_no_crash
}

run_case "file:// download is bad_request" t_file_url_is_bad_request
summary
