#!/usr/bin/env bash
# drift_probe.sh SONICFLOW -- `sonicflow probe` against a separately
# started sandbox: exit 0 when it answers like the in-process reference,
# 1 naming the row when one loose variant is switched on, 2 when the
# service cannot be reached or refuses the key. The key never shows.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh"

CANARY=sk-canary-probe-7f3a9c

# A task on the sandbox at URL (free there), for --task; echoes its id.
make_task() { # URL
  curl -sf -H "Authorization: Bearer $CANARY" \
    -H 'Content-Type: application/json' \
    -d '{"custom_mode":false,"mv":"sonic-v5","gpt_description_prompt":"p"}' \
    "$1/api/v1/sonic/create" |
    sed -n 's/.*"task_id":"\([0-9a-f-]*\)".*/\1/p'
}

# probe_variant VARIANT-ARGS...: a sandbox with those switches, one task
# (finished unless --speed 1 keeps it not_ready), then the probe.
probe_variant() {
  local url task
  start_sandbox url --quiet --key "$CANARY" --clip-seconds 3 "$@"
  task=$(make_task "$url")
  if [[ -z $task ]]; then fail_because "no task made on $url"; return; fi
  sleep 0.3
  MUSICAPI_KEY=$CANARY sf_run probe --base-url "$url/api/v1" --task "$task"
  expect_no_grep "$CANARY" "$OUT" stdout
  expect_no_grep "$CANARY" "$ERR" stderr
  expect_no_crash
}

t_matches() {
  probe_variant --speed 1000
  expect_rc 0
  expect_grep '^no drift$' "$OUT"
  expect_no_grep 'DRIFT' "$OUT"
  expect_grep '^task [0-9a-f]{8}: clip fields .* yes$' "$OUT"
  expect_grep '^invalid mv +400 The .mv. field is invalid\. ' "$OUT"
}

t_not_ready_202() {
  probe_variant --speed 1 --not-ready-status 202
  expect_rc 1
  expect_grep '^task [0-9a-f]{8}: answer +202 not_ready +200 not_ready +DRIFT$' "$OUT"
}

t_duration_number() {
  probe_variant --speed 1000 --duration-number
  expect_rc 1
  expect_grep '^task [0-9a-f]{8}: duration type +number +string +DRIFT$' "$OUT"
}

t_mv_chirp() {
  probe_variant --speed 1000 --mv-chirp
  expect_rc 1
  expect_grep '^task [0-9a-f]{8}: mv spelling +chirp-\* +sonic-\* +DRIFT$' "$OUT"
}

t_error_shape() {
  probe_variant --speed 1000 --error-shape code
  expect_rc 1
  expect_grep '^error body fields +\{code:number, message:string\} .* DRIFT$' "$OUT"
}

t_unseen_models_json() {
  local url
  start_sandbox url --quiet --models sonic-v5,sonic-v9-probe
  MUSICAPI_KEY=$CANARY sf_run probe --base-url "$url" --json
  expect_rc 0
  expect_true "the JSON names sonic-v9-probe as unseen" /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["drift"] is False, d
assert d["unseen_models"] == ["sonic-v9-probe"], d["unseen_models"]
assert "sonic-v5" in d["accepted_models"]
assert all(c["match"] for c in d["checks"]), d["checks"]
' "$OUT"
}

t_drift_json() {
  local url task
  start_sandbox url --quiet --speed 1000 --clip-seconds 3 --duration-number
  task=$(make_task "$url")
  sleep 0.3
  MUSICAPI_KEY=$CANARY sf_run probe --base-url "$url" --task "$task" --json
  expect_rc 1
  expect_true "the JSON has drift and exactly the duration row false" \
    /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["drift"] is True, d
bad = [c for c in d["checks"] if c["match"] is False]
assert [c["check"][-13:] for c in bad] == ["duration type"], bad
assert bad[0]["real"] == "number" and bad[0]["sandbox"] == "string", bad
' "$OUT"
}

t_closed_port() {
  MUSICAPI_KEY=$CANARY sf_run probe --base-url http://127.0.0.1:1
  expect_rc 2
  expect_grep 'cannot reach' "$ERR" stderr
}

t_refused_key() {
  local url
  start_sandbox url --quiet --key other-key
  MUSICAPI_KEY=$CANARY sf_run probe --base-url "$url"
  expect_rc 2
  expect_grep 'refused the key' "$ERR" stderr
  expect_no_grep "$CANARY" "$ERR" stderr
}

t_bad_task_id() {
  sf_run probe --base-url http://127.0.0.1:1 --task ../get-credits
  expect_rc 2
  expect_lines 1 "$ERR" stderr
  expect_grep '^sonicflow probe: --task needs a task id' "$ERR" stderr
}

run_case "probe: the sandbox matches its reference" t_matches
run_case "probe: not_ready as 202 is drift" t_not_ready_202
run_case "probe: duration as a number is drift" t_duration_number
run_case "probe: mv echoed as chirp-v5 is drift" t_mv_chirp
run_case "probe: the code error shape is drift" t_error_shape
run_case "probe --json: accepted and unseen models" t_unseen_models_json
run_case "probe --json: drift names the row" t_drift_json
run_case "probe: a closed port exits 2" t_closed_port
run_case "probe: a refused key exits 2" t_refused_key
run_case "probe: a task id that is no id is a usage error" t_bad_task_id
summary
