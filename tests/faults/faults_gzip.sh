#!/usr/bin/env bash
# faults_gzip.sh SONICFLOW FAKE_SERVER -- issue 19 item 6: a CDN that gzips
# audio. Asked for compression, it sends gzip with the compressed length,
# and a client that asks and then checks the decoded length against
# Content-Length fails every download. sonicflow asks for audio
# uncompressed: the file is the audio's exact bytes. A CDN that gzips
# although not asked gets a typed error and leaves no file.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh"

start_fake GZ gzip "$WORK/gzip.log"
start_fake GZALL gzipall

download_script() { # URL PATH
  probe "dl-$RANDOM.lua" "sonic.download(\"$1\", \"$2\")"
}

t_gzip_cdn_gives_the_audio() {
  local dir=$WORK/dl-gzip want
  mkdir -p "$dir"
  # what the CDN serves to a client that does not ask for gzip
  curl -s -o "$WORK/plain.mp3" "$GZ/files/song.mp3"
  sf_run run --no-journal "$(download_script "$GZ/files/song.mp3" "$dir/song.mp3")"
  expect_rc 0
  expect_grep '^ok=true$' "$OUT" stdout
  want=$(sha256sum <"$WORK/plain.mp3")
  expect_eq "$(sha256sum <"$dir/song.mp3" 2>/dev/null)" "$want" \
    "the downloaded file's sha256 (the audio's exact bytes)"
  expect_no_grep_i '^Accept-Encoding:.*gzip' "$WORK/gzip.log" \
    "the download's request (asks for no compression)"
  expect_no_crash
}

t_unasked_gzip_is_a_typed_error() {
  local dir=$WORK/dl-gzipall
  mkdir -p "$dir"
  sf_run run --no-journal "$(download_script "$GZALL/files/song.mp3" "$dir/song.mp3")"
  expect_rc 0
  expect_grep '^ok=false$' "$OUT" stdout
  expect_grep '^kind=(server|bad_response)$' "$OUT" "stdout (a typed error)"
  expect_grep_i '^message=.*(gzip|encod|compress)' "$OUT" "stdout (the message says why)"
  expect_eq "$(find "$dir" -type f | wc -l)" 0 "files left (final or .part)"
  expect_no_crash
}

# An API answer may come compressed: the client asks for gzip on API
# calls and reads the decoded JSON.
t_gzip_json_answer_decoded() {
  local s
  s=$(script packed.lua <<'EOF2'
sonic.config{ poll_interval = 0.05 }
local clips = sonic.wait("00000000-0000-4000-8000-000000000003")
print(("clips %d title %s"):format(#clips, clips[1].title))
EOF2
)
  : > "$WORK/gzip.log"
  sf_run run --no-journal --base-url "$GZ" "$s"
  expect_rc 0
  expect_grep '^clips 1 title Packed$' "$OUT" stdout
  expect_grep_i '^Accept-Encoding: gzip' "$WORK/gzip.log" \
    "the task poll's request (asks for gzip)"
  expect_no_crash
}

run_case "gzip CDN: the file is the audio's exact bytes" t_gzip_cdn_gives_the_audio
run_case "gzip API answer: decoded" t_gzip_json_answer_decoded
run_case "gzip sent unasked: typed error, no file" t_unasked_gzip_is_a_typed_error
summary
