#!/usr/bin/env bash
# e2e_experiment.sh SONICFLOW -- issue 16: sonic.experiment and
# sonic.load_picks against a separately started sandbox:
# - a 2x2 grid with 2 repeats: 4 cell folders, 8 covers (16 clips) where
#   promised, experiment.json listing every take with a file that exists
#   and its measures (driving measured faster and brighter than mellow),
#   a cell the service refuses reported as that cell's error while the
#   others finish;
# - SIGKILL in the middle of the grid, then resume: every cover charged
#   exactly once;
# - load_picks: winners and stars first; malformed files are bad_request.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

charges() { # URL KIND
  curl -s "$1/_sandbox/ledger" | grep -o "\"kind\":\"$2\"" | wc -l
}

grid_script() { # NAME OUT [EXTRA-AXIS-VALUE]
  script "$1" <<EOF
sonic.config{ poll_interval = 0.05 }
local moods = {"mellow", "driving"}
if "${3:-}" ~= "" then moods[3] = "${3:-}" end
local r = sonic.experiment{
  axes = {genre = {"lo-fi", "synthwave"}, mood = moods},
  base = {gpt_description_prompt = "an experiment"},
  name = "grid", dir = "$2", repeats = 2 }
for _, c in ipairs(r.cells) do
  print(("cell %s clips=%d files=%d err=%s"):format(c.key, #c.clips,
        #c.files, c.err and c.err.kind or "none"))
end
EOF
}

t_grid() {
  local sb s out=$WORK/exp f n
  start_sandbox sb "${FAST_ARGS[@]}" --quiet
  s=$(grid_script grid.lua "$out")
  sf_run run --base-url "$sb" "$s"
  expect_rc 0
  expect_grep '^experiment grid: 4 cells x 2 takes = 8 covers \(120 credits \+ 15 for the source\)$' "$OUT"
  for f in genre=lo-fi,mood=mellow genre=lo-fi,mood=driving \
           genre=synthwave,mood=mellow genre=synthwave,mood=driving; do
    expect_grep "^cell $f clips=4 files=4 err=none$" "$OUT"
    expect_eq "$(find "$out/grid/$f" -name '*.mp3' | wc -l)" 4 "files in $f"
  done
  expect_eq "$(charges "$sb" cover_music)" 8 "covers charged"
  n=$(/usr/bin/python3 - "$out/grid" <<'EOF'
import json, os, sys
root = sys.argv[1]
m = json.load(open(os.path.join(root, "experiment.json")))
takes = [t for c in m["cells"] for t in c["takes"]]
assert m["axis_order"] == ["genre", "mood"], m["axis_order"]
assert len(m["cells"]) == 4 and all(c["error"] is None for c in m["cells"])
for t in takes:
    assert os.path.isfile(os.path.join(root, t["file"])), t["file"]
    assert -40 < t["measures"]["lufs"] < 0, t["measures"]
assert os.path.isfile(os.path.join(root, m["source"]["file"]))
# the sandbox plays "driving" faster and brighter than "mellow" (its style
# table): the measures must say so, genre by genre
by = {c["key"]: c["takes"][0]["measures"] for c in m["cells"]}
for g in ("lo-fi", "synthwave"):
    fast = by["genre=%s,mood=driving" % g]
    slow = by["genre=%s,mood=mellow" % g]
    assert fast["bpm"] > slow["bpm"], (g, fast["bpm"], slow["bpm"])
    assert fast["centroid_hz"] > slow["centroid_hz"], g
print(len(takes))
EOF
)
  expect_eq "$n" 16 "takes in experiment.json with files and loudness"
  # a cell whose tags the service refuses (over 1000 characters)
  local long
  long=$(printf 'x%.0s' $(seq 1 1001))
  s=$(grid_script refused.lua "$WORK/exp-refused" "$long")
  sf_run run --base-url "$sb" "$s"
  expect_rc 0
  expect_grep '^cell genre=lo-fi,mood=x+ clips=0 files=0 err=bad_request$' "$OUT"
  expect_grep '^cell genre=synthwave,mood=driving clips=4 files=4 err=none$' "$OUT"
  expect_true "the refused cell's error is in the manifest" \
    grep -q '"error":"The tags character length should be less than 1000."' \
    "$WORK/exp-refused/grid/experiment.json"
  expect_no_crash
}

t_resume() {
  local sb s out=$WORK/exp-resume
  # a 2 s pace (120 s / speed 60): half a second after a cover was
  # answered the next one waits in sonicflow's queue, unsent, so the kill
  # leaves no paid call whose outcome is unknown
  start_sandbox sb --speed 60 --clip-seconds 3 --credits 100000 --quiet \
    --rate-limit 120
  s=$(grid_script resume.lua "$out")
  run_bg run --base-url "$sb" --poll-interval 0.05 "$s"
  # kill once some covers were answered and others are still running
  if ! wait_for_line 'cover_music .* -> task' "$ERR" 60; then
    fail_because "no cover was sent within 60 s"
  fi
  sleep 0.5
  kill -9 "$BG_PID" 2>/dev/null || true
  wait "$BG_PID" 2>/dev/null || true
  expect_eq "$(charges "$sb" cover_music)" 1 "covers charged before the kill"
  sf_run resume --base-url "$sb" --poll-interval 0.05
  expect_rc 0
  expect_grep '^experiment grid: 4 of 4 cells done' "$OUT"
  expect_eq "$(charges "$sb" cover_music)" 8 "covers charged after the resume"
  expect_eq "$(charges "$sb" create_music)" 1 "sources charged after the resume"
  expect_no_crash
}

t_load_picks() {
  local s
  printf '%s' '{"experiment":"grid","picks":[{"clip_id":"a","stars":3,"note":"ok"},{"clip_id":"b","stars":5},{"clip_id":"c","stars":1,"winner":true}]}' >"$WORK/picks.json"
  printf '%s' '{"experiment":"grid","picks":[{"stars":3}]}' >"$WORK/bad-shape.json"
  printf '%s' '{"experiment":' >"$WORK/bad-json.json"
  s=$(script picks.lua <<EOF
local p = sonic.load_picks("$WORK/picks.json")
print("best " .. p.best[1].clip_id .. p.best[2].clip_id .. p.best[3].clip_id)
print("note " .. p.picks[1].note .. " stars " .. p.picks[2].stars)
for _, f in ipairs{"$WORK/bad-shape.json", "$WORK/bad-json.json",
                   "$WORK/missing.json"} do
  local ok, e = pcall(sonic.load_picks, f)
  print("bad " .. tostring(ok) .. " " .. tostring(e.kind))
end
EOF
)
  sf_run run --sandbox "$s"
  expect_rc 0
  expect_grep '^best cba$' "$OUT"
  expect_grep '^note ok stars 5$' "$OUT"
  expect_eq "$(grep -c '^bad false bad_request$' "$OUT")" 3 "malformed picks refused"
}

run_case "a 2x2 grid, 2 repeats: files, manifest, a refused cell" t_grid
run_case "SIGKILL in the middle of a grid, resume: each cover paid once" t_resume
run_case "load_picks: winners first, malformed files refused" t_load_picks
summary
