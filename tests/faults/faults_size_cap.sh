#!/usr/bin/env bash
# faults_size_cap.sh SONICFLOW FAKE_SERVER -- issue 19 item 6: a download
# whose body never ends is stopped by --max-download-mb with a typed error
# (kind server, the message names the cap) and leaves no file, no .part;
# a 3 GB Content-Length is refused by the default cap (2048 MiB) before
# its body is read.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh"

start_sandbox SB "${FAST_ARGS[@]}" --quiet
start_fake ENDLESS endless
start_fake HUGE huge

t_endless_body_capped() {
  local s dir=$WORK/dl-endless
  mkdir -p "$dir"
  s=$(script endless.lua <<EOF2
local ok, e = pcall(sonic.download, "$ENDLESS/audio/x.mp3", "$dir/x.mp3")
print("ok=" .. tostring(ok))
print("kind=" .. tostring(type(e) == "table" and e.kind))
print("message=" .. tostring(type(e) == "table" and e.message))
EOF2
)
  sf_run run --max-download-mb 5 --base-url "$SB" "$s"
  expect_rc 0
  expect_grep '^ok=false$' "$OUT" stdout
  expect_grep '^kind=server$' "$OUT" stdout
  expect_grep '^message=.*max-download-mb' "$OUT" "stdout (message names the cap)"
  expect_eq "$(find "$dir" -type f | wc -l)" 0 "files left (final or .part)"
  expect_no_crash
}

t_huge_refused_by_default_cap() {
  local s dir=$WORK/dl-huge
  mkdir -p "$dir"
  s=$(script huge.lua <<EOF2
local ok, e = pcall(sonic.download, "$HUGE/audio/x.mp3", "$dir/x.mp3")
print("ok=" .. tostring(ok))
print("kind=" .. tostring(type(e) == "table" and e.kind))
print("message=" .. tostring(type(e) == "table" and e.message))
EOF2
)
  sf_run run --base-url "$SB" "$s"
  expect_rc 0
  expect_grep '^ok=false$' "$OUT" stdout
  expect_grep '^kind=server$' "$OUT" stdout
  expect_grep '^message=.*max-download-mb \(2048 MiB\)' "$OUT" \
    "stdout (the message names the default cap)"
  expect_eq "$(find "$dir" -type f | wc -l)" 0 "files left (final or .part)"
  expect_no_crash
}

run_case "endless body stopped by --max-download-mb" t_endless_body_capped
run_case "3 GB Content-Length refused by the default cap" t_huge_refused_by_default_cap
summary
