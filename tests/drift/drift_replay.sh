#!/usr/bin/env bash
# drift_replay.sh SONICFLOW -- a run of cover_extend_stems.lua recorded
# with --har replays through `sonicflow sandbox --replay` to the same
# script output and the same MP3 files (the sandbox's own audio); a
# request the recording lacks gets 501 naming it; an edited recording is
# what the replayed run sees; a missing or malformed file is one line.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh"

CANARY=sk-canary-replay-0c4e
REC=$WORK/rec
mkdir -p "$REC"

# Record once, for every case.
start_sandbox LIVE "${FAST_ARGS[@]}" --quiet --key "$CANARY"
MUSICAPI_KEY=$CANARY sf_run_in "$REC" run --base-url "$LIVE" \
  --poll-interval 0.05 --no-journal --har "$WORK/run.har" \
  "$EXAMPLES/cover_extend_stems.lua" out
if [[ $RC != 0 ]]; then show_run; echo "the recording run failed"; exit 1; fi
cp "$OUT" "$WORK/recorded.out"

# replay_run DIR HAR: the same script against a replaying sandbox.
replay_run() {
  local url
  mkdir -p "$1"
  start_sandbox url --quiet --replay "$2"
  sf_run_in "$1" run --base-url "$url" --poll-interval 0.05 --no-journal \
    "$EXAMPLES/cover_extend_stems.lua" out
  REPLAY_URL=$url
}

t_same_output() {
  replay_run "$WORK/again" "$WORK/run.har"
  expect_rc 0
  expect_no_crash
  expect_true "the replayed run prints what the recorded one printed" \
    diff "$WORK/recorded.out" "$OUT"
  expect_mp3_dir "$WORK/again/out"
  expect_eq "$NFILES" "$(find "$REC/out" -type f | wc -l)" "MP3 files"
}

t_unrecorded_is_501() {
  local body code
  start_sandbox url --quiet --replay "$WORK/run.har"
  body=$WORK/501.json
  code=$(curl -s -o "$body" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' -d '{"mv":"sonic-v5","x":1}' \
    "$url/api/v1/sonic/lyrics")
  expect_eq "$code" 501 "status of an unrecorded POST"
  expect_grep 'no answer for POST /api/v1/sonic/lyrics with body \{mv,x\}' "$body"
  code=$(curl -s -o "$body" -w '%{http_code}' "$url/api/v1/get-credits")
  expect_eq "$code" 501 "status of an unrecorded GET"
  expect_grep 'no answer for GET /api/v1/get-credits\.' "$body"
}

t_edited_recording() {
  # the recorded stems call now ran out of credits: the replayed run must
  # see exactly that answer
  /usr/bin/python3 - "$WORK/run.har" "$WORK/edited.har" <<'EOF2'
import json, sys
har = json.load(open(sys.argv[1]))
for e in har["log"]["entries"]:
    if e["request"]["url"].endswith("/sonic/stems/basic"):
        e["response"]["status"] = 403
        e["response"]["content"]["text"] = json.dumps({"type": "forbidden",
            "message": "The remaining credits are not enough. You can buy "
                       "more one-time credit packs or subscribe."})
json.dump(har, open(sys.argv[2], "w"))
EOF2
  replay_run "$WORK/edited" "$WORK/edited.har"
  expect_rc 1
  expect_grep 'remaining credits are not enough' "$ERR" stderr
  expect_no_crash
}

t_bad_files() {
  sf_run sandbox --replay "$WORK/none.har"
  expect_true "a missing file is not served" test "$RC" -ne 0
  expect_lines 1 "$ERR" stderr
  expect_grep "cannot read .*none\.har" "$ERR" stderr
  printf '{"log":{"entries":[' >"$WORK/cut.har"
  sf_run sandbox --replay "$WORK/cut.har"
  expect_true "a malformed file is not served" test "$RC" -ne 0
  expect_lines 1 "$ERR" stderr
  expect_grep "cut\.har' is not a HAR file" "$ERR" stderr
}

run_case "replay: the recorded run again, same output" t_same_output
run_case "replay: an unrecorded request is 501 naming it" t_unrecorded_is_501
run_case "replay: an edited recording is what the run sees" t_edited_recording
run_case "replay: missing and malformed files are one line" t_bad_files
summary
