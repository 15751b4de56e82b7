#!/usr/bin/env bash
# e2e_family.sh SONICFLOW -- issue 14, the client's side of the rest of the
# sonic family, against a separately started sandbox:
# - every endpoint's 400s reach the script as bad_request with the
#   service's message (or are caught before sending), charged nothing;
# - each cookbook recipe killed with SIGKILL right after its family call
#   was answered, then resumed: it finishes and the ledger holds that call
#   exactly once;
# - a dry run of an extend at continue_at = 5 passes (realistic durations);
# - mv "sonic-v6" against --models sonic-v6 passes; a model the service
#   lacks is a bad_request listing the accepted names; one the client does
#   not know is warned about once and sent.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

COOKBOOK=$EXAMPLES/cookbook

# charges of KIND in the ledger of the sandbox at URL
charges() { # URL KIND
  curl -s "$1/_sandbox/ledger" | grep -o "\"kind\":\"$2\"" | wc -l
}

# ------------------------------------------------------------------ 400s

t_family_400s() {
  local sb s
  start_sandbox sb "${FAST_ARGS[@]}" --quiet
  s=$(script family-400.lua <<'EOF'
sonic.config{ poll_interval = 0.05 }
local a, b = table.unpack(sonic.wait(sonic.create{
  gpt_description_prompt = "a song to refuse things with" }))
local function try(name, f)
  local ok, e = pcall(f)
  print(("%s ok=%s kind=%s message=%s"):format(name, tostring(ok),
        tostring(type(e) == "table" and e.kind),
        tostring(type(e) == "table" and e.message)))
end
try("mashup-same", function () return sonic.mashup(a, a, {}) end)
try("mashup-nil", function () return sonic.mashup(a, nil, {}) end)
try("sample-long", function ()
  return sonic.sample(a, {start_s = 1, end_s = 999}) end)
try("sample-order", function ()
  return sonic.sample(a, {start_s = 2, end_s = 1}) end)
try("replace-long", function ()
  return sonic.replace_section(a, {start_s = 1, end_s = 999}) end)
try("vox-40", function () return sonic.vox(a, {start_s = 0, end_s = 40}) end)
try("vox-long", function () return sonic.vox(a, {start_s = 0, end_s = 9}) end)
try("upload-extend-far", function ()
  return sonic.upload_extend(a.audio_url, {continue_at = 999}) end)
try("upload-cover-ftp", function ()
  return sonic.upload_cover("ftp://example.com/a.mp3", {}) end)
try("persona-noname", function () return sonic.persona(a, {}) end)
try("persona-music-unknown", function ()
  return sonic.persona_music("never-made", {gpt_description_prompt = "x"})
end)
try("upsample-empty", function () return sonic.upsample_tags("") end)
try("bpm-unknown", function ()
  return sonic.bpm("00000000-0000-4000-8000-000000000000") end)
local items = sonic.batch{ {gpt_description_prompt = "fine"},
                           {gpt_description_prompt = "x", mv = "nope-1"} }
print("batch-1 " .. tostring(getmetatable(items[1]) ~= nil and
                             not sonic.is_error(items[1])))
print("batch-2 " .. tostring(sonic.is_error(items[2], "bad_request")) ..
      " " .. tostring(items[2].message))
EOF
)
  sf_run run --base-url "$sb" "$s"
  expect_rc 0
  expect_grep "^mashup-same ok=false kind=bad_request message=The 'mashup_clip_ids' field should hold 2 different clips\.$" "$OUT"
  expect_grep "^mashup-nil ok=false kind=bad_request" "$OUT"
  expect_grep "^sample-long ok=false kind=bad_request message=The 'chop_sample_end_s' field should not be more than the clip duration\.$" "$OUT"
  expect_grep "^sample-order ok=false kind=bad_request message=The 'chop_sample_end_s' field should be greater than 'chop_sample_start_s'\.$" "$OUT"
  expect_grep "^replace-long ok=false kind=bad_request message=The 'infill_end_s' field should not be more than the clip duration\.$" "$OUT"
  expect_grep "^vox-40 ok=false kind=bad_request message=The vocal window should be at most 30 seconds\.$" "$OUT"
  expect_grep "^vox-long ok=false kind=bad_request message=The 'vocal_end_s' field should not be more than the clip duration\.$" "$OUT"
  expect_grep "^upload-extend-far ok=false kind=bad_request message=The 'continue_at' field should not be more than the clip duration\.$" "$OUT"
  expect_grep "^upload-cover-ftp ok=false kind=bad_request" "$OUT"
  expect_grep "^persona-noname ok=false kind=bad_request message=The 'name' field is required\.$" "$OUT"
  expect_grep "^persona-music-unknown ok=false kind=bad_request message=persona not found\.$" "$OUT"
  expect_grep "^upsample-empty ok=false kind=bad_request" "$OUT"
  expect_grep "^bpm-unknown ok=false kind=bad_request message=clip not found\.$" "$OUT"
  expect_grep "^batch-1 true$" "$OUT"
  expect_grep "^batch-2 true The 'mv' field is invalid\. Accepted values: .*sonic-v6" "$OUT"
  # only the two songs were charged: 15 + 15 (the batch's good item)
  expect_eq "$(charges "$sb" create_music)" 2 "creates charged"
  expect_eq "$(curl -s "$sb/_sandbox/ledger" | grep -o '"amount":' | wc -l)" 2 \
    "charges in all (the 400s cost nothing)"
  expect_no_crash
}

# ------------------------------------------------------------------ resume

# wait until FILE has N lines matching ERE (up to SECONDS)
wait_for_lines() { # ERE FILE N SECONDS
  local i
  for ((i = 0; i < $4 * 20; i++)); do
    (($(grep -Ec -- "$1" "$2" 2>/dev/null || true) >= $3)) && return 0
    sleep 0.05
  done
  return 1
}

# resume_case SCRIPT ANSWERED-ERE KIND N [ARGS...]: run the recipe, kill it
# with SIGKILL as soon as its family call was answered (the line ERE on
# stderr), resume, and expect N charges of KIND in the ledger. The kill
# must not land while a later paid call is in flight (that one's outcome
# would be unknown, and resume rightly stops on it): SB_PACE sets the
# sandbox's --rate-limit where a recipe sends one right after. CRASH_AT
# (a crash point, runtime/crash.h) has the run kill itself there instead,
# for a recipe whose run could end before the SIGKILL lands; it is passed
# to the run alone, as the resume must not stop at the same point.
resume_case() {
  local recipe=$1 ere=$2 kind=$3 n=$4 sb
  shift 4
  start_sandbox sb --speed 150 --clip-seconds 3 --credits 100000 --quiet \
    --rate-limit "${SB_PACE:-3}"
  SONICFLOW_CRASH_AT=${CRASH_AT:-} \
    run_bg run --base-url "$sb" --poll-interval 0.05 "$COOKBOOK/$recipe" \
    "$WORK/out-${recipe%.lua}" "$@"
  if ! wait_for_lines "$ere" "$ERR" "${LINES_WANTED:-1}" 60; then
    fail_because "$recipe: no line '$ere' within 60 s"
    show_run
  fi
  kill -9 "$BG_PID" 2>/dev/null || true
  wait "$BG_PID" 2>/dev/null || true
  local before
  before=$(charges "$sb" "$kind")
  sf_run resume --base-url "$sb" --poll-interval 0.05
  expect_rc 0
  expect_eq "$(charges "$sb" "$kind")" "$n" "$kind charges after the resume (before it: $before)"
  expect_no_crash
}

t_resume_mashup() { resume_case mashup.lua 'mashup of .* -> task' mashup 1; }
t_resume_sample() { resume_case sample.lua 'sample .* -> task' sample 1; }
t_resume_replace() {
  resume_case replace_section.lua 'replace .* -> task' replace_section 1
}
t_resume_upload_extend() {
  resume_case upload_extend.lua 'upload_extend .* -> task' upload_extend 1
}
t_resume_upload_cover() {
  resume_case upload_cover.lua 'upload_cover .* -> task' upload_cover 1
}
# persona_music follows the persona at once: a 5 s pace (750 s / speed
# 150) holds it in sonicflow's queue, unsent, when the kill comes
t_resume_persona() {
  SB_PACE=750 resume_case persona.lua 'persona ".*" -> ' persona 1
}
# the create follows the upsample-tags at once (nothing paced before it):
# kill once the create was answered too, so no call is left in flight
t_resume_upsample() {
  resume_case upsample_tags.lua 'create_music .* -> task' upsample_tags 1
}
# each song's bpm is asked for when that song is done: kill after the
# first, while the other song is still being made
t_resume_bpm() { resume_case bpm.lua 'bpm of .* -> ' bpm 2; }
# after the vox answer the recipe only downloads the vocals and ends, which
# can be over before a SIGKILL sent on the answer's line lands ("no
# unfinished run"): the run kills itself as that download's first bytes
# are written
t_resume_vox() {
  CRASH_AT=during_download resume_case vox.lua 'vox .* -> ' vox 1
}
t_resume_batch() { resume_case batch.lua 'batch of 2 -> ' create_music 12 12; }

# ------------------------------------------------------------------ dry run, models

t_dry_run_extend() {
  local s
  s=$(script dry-extend.lua <<'EOF'
local song = sonic.wait(sonic.create{ gpt_description_prompt = "dry" })[1]
local ext = sonic.wait(sonic.extend(song, {continue_at = 5}))
print(("extended at 5 s of %.1f s: %d clips"):format(song.duration, #ext))
EOF
)
  sf_run run --dry-run "$s"
  expect_rc 0
  expect_grep '^extended at 5 s of ([6-9][0-9]|[1-2][0-9][0-9])\.[0-9] s: 2 clips$' "$OUT"
}

t_models_v6() {
  local sb s
  start_sandbox sb "${FAST_ARGS[@]}" --quiet --models sonic-v6
  s=$(script v6.lua <<'EOF'
sonic.config{ poll_interval = 0.05 }
local clips = sonic.wait(sonic.create{ gpt_description_prompt = "v6",
                                       mv = "sonic-v6" })
print("v6 ok " .. #clips)
for i = 1, 2 do
  local ok, e = pcall(sonic.create, { gpt_description_prompt = "v7",
                                      mv = "sonic-v7-preview" })
  print(("v7 %d ok=%s kind=%s message=%s"):format(i, tostring(ok),
        tostring(e.kind), tostring(e.message)))
end
EOF
)
  sf_run run --base-url "$sb" "$s"
  expect_rc 0
  expect_grep '^v6 ok 2$' "$OUT"
  expect_grep "^v7 1 ok=false kind=bad_request message=The 'mv' field is invalid\. Accepted values: sonic-v6\.$" "$OUT"
  expect_lines 1 <(grep "model 'sonic-v7-preview' is not one sonicflow knows" "$ERR") \
    "the warning about an unknown model, once"
  # the service that has it: the client sends it and it works
  start_sandbox sb "${FAST_ARGS[@]}" --quiet --models "sonic-v6,sonic-v7-preview"
  s=$(script v7.lua <<'EOF'
sonic.config{ poll_interval = 0.05 }
local clips = sonic.wait(sonic.create{ gpt_description_prompt = "v7",
                                       mv = "sonic-v7-preview" })
print("v7 ok " .. #clips .. " " .. clips[1].mv)
EOF
)
  sf_run run --base-url "$sb" "$s"
  expect_rc 0
  expect_grep '^v7 ok 2 sonic-v7-preview$' "$OUT"
}

run_case "each endpoint's 400s: bad_request, service message, free" t_family_400s
run_case "mashup: SIGKILL after the answer, resume pays once" t_resume_mashup
run_case "sample: SIGKILL after the answer, resume pays once" t_resume_sample
run_case "replace-section: SIGKILL after the answer, resume pays once" t_resume_replace
run_case "upload-extend: SIGKILL after the answer, resume pays once" t_resume_upload_extend
run_case "upload-cover: SIGKILL after the answer, resume pays once" t_resume_upload_cover
run_case "persona: SIGKILL after the answer, resume pays once" t_resume_persona
run_case "upsample-tags: SIGKILL after the answer, resume pays once" t_resume_upsample
run_case "bpm: SIGKILL after the first answer, resume pays each once" t_resume_bpm
run_case "vox: SIGKILL after the answer, resume pays once" t_resume_vox
run_case "batch: SIGKILL after the last answer, resume pays each item once" t_resume_batch
run_case "a dry run of extend at 5 s passes" t_dry_run_extend
run_case "mv sonic-v6 with --models sonic-v6; unknown models" t_models_v6
summary
