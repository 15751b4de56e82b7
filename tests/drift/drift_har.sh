#!/usr/bin/env bash
# drift_har.sh SONICFLOW -- `sonicflow run --har FILE`: a run of
# cover_extend_stems.lua against a sandbox that accepts only a canary key
# is recorded as valid HAR 1.2 (tests/drift/har-1.2.schema.json), with
# neither the key nor a webhook secret in it and audio as size + sha256;
# Ctrl-C in the middle still leaves a valid file.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh"

CANARY=sk-canary-har-51d0e2
SCHEMA=$HERE/../drift/har-1.2.schema.json
CHECK=$HERE/../drift/har_check.py
start_sandbox SB "${FAST_ARGS[@]}" --quiet --key "$CANARY"

har_valid() { # FILE MIN_ENTRIES
  local why
  if ! why=$(/usr/bin/python3 "$CHECK" "$SCHEMA" "$1" "$2" 2>&1); then
    fail_because "${why:-the HAR check failed}"
  fi
}

t_recorded_run() {
  local har=$WORK/ces.har
  MUSICAPI_KEY=$CANARY sf_run run --base-url "$SB" --poll-interval 0.05 \
    --no-journal --har "$har" "$EXAMPLES/cover_extend_stems.lua" "$WORK/ces"
  expect_rc 0
  expect_no_crash
  har_valid "$har" 20
  expect_no_grep "$CANARY" "$har" "the HAR"
  expect_grep '"Bearer \[redacted\]"' "$har" "the HAR"
  expect_true "every audio answer is a size and a sha256, not its bytes" \
    /usr/bin/python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["log"]["entries"]
audio = [x for x in e if "/files/" in x["request"]["url"]]
assert len(audio) >= 8, len(audio)
for x in audio:
    c = x["response"]["content"]
    assert "text" not in c and c["size"] > 1000, c
    assert len(c["_sha256"]) == 64 and c["_sha256"] in c["comment"], c
from urllib.parse import urlparse
paths = {urlparse(x["request"]["url"]).path.split("/")[1] for x in e}
assert {"api", "files"} <= paths, paths
' "$har"
}

t_secret_fields() {
  local har=$WORK/secret.har lua
  lua=$(script secret.lua <<'EOF2'
local t = sonic.create{custom_mode = false, gpt_description_prompt = "x",
  webhook_url = "http://127.0.0.1:9/hook",
  webhook_secret = "whsec-canary-77aa"}
print("task " .. t.id)
EOF2
)
  MUSICAPI_KEY=$CANARY sf_run run --base-url "$SB" --no-journal --har "$har" "$lua"
  expect_rc 0
  har_valid "$har" 1
  expect_no_grep 'whsec-canary-77aa' "$har" "the HAR"
  expect_grep 'webhook_secret.{0,8}:.{0,8}\[redacted\]' "$har" "the HAR"
}

t_interrupted() {
  local har=$WORK/int.har slow
  start_sandbox slow --speed 20 --clip-seconds 3 --quiet --key "$CANARY"
  MUSICAPI_KEY=$CANARY run_bg run --base-url "$slow" --poll-interval 0.05 \
    --no-journal --har "$har" "$EXAMPLES/cover_extend_stems.lua" "$WORK/int"
  interrupt_after 'task [0-9a-f]' 30 0.5
  har_valid "$har" 2
  expect_no_grep "$CANARY" "$har" "the HAR"
}

t_bad_path() {
  sf_run run -q --sandbox --har "$WORK/no/such/dir/x.har" "$EXAMPLES/cover_extend_stems.lua"
  expect_rc 2
  expect_lines 1 "$ERR" stderr
  expect_grep 'cannot create .*x\.har' "$ERR" stderr
}

run_case "har: a recorded run is HAR 1.2 without the key" t_recorded_run
run_case "har: secret-named fields are redacted" t_secret_fields
run_case "har: Ctrl-C leaves a valid file" t_interrupted
run_case "har: an unwritable path is one line, exit 2" t_bad_path
summary
