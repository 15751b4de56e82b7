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

# capped NAME URL MESSAGE-ERE [RUN OPTIONS...]: the download of URL is
# refused with kind server and a message matching MESSAGE-ERE, and leaves
# no file (final or .part)
capped() {
  local name=$1 url=$2 ere=$3 dir=$WORK/dl-$1 s
  shift 3
  mkdir -p "$dir"
  s=$(probe "$name.lua" "sonic.download(\"$url\", \"$dir/x.mp3\")")
  sf_run run "$@" --base-url "$SB" "$s"
  expect_rc 0
  expect_grep '^ok=false$' "$OUT" stdout
  expect_grep '^kind=server$' "$OUT" stdout
  expect_grep "^message=$ere" "$OUT" "stdout (the message names the cap)"
  expect_eq "$(find "$dir" -type f | wc -l)" 0 "files left (final or .part)"
  expect_no_crash
}

t_endless_body_capped() {
  capped endless "$ENDLESS/audio/x.mp3" '.*max-download-mb' --max-download-mb 5
}

t_huge_refused_by_default_cap() {
  capped huge "$HUGE/audio/x.mp3" '.*max-download-mb \(2048 MiB\)'
}

run_case "endless body stopped by --max-download-mb" t_endless_body_capped
run_case "3 GB Content-Length refused by the default cap" t_huge_refused_by_default_cap
summary
