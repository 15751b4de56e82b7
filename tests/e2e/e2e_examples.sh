#!/usr/bin/env bash
# e2e_examples.sh SONICFLOW -- the three example workflows run end to end
# and leave playable MP3s (ID3 / frame sync; with soxi, the clip length).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

# the in-process sandbox, fast; the examples keep the real poll defaults,
# so the poll interval comes from the command line
INPROC=(run --sandbox --sandbox-args "$FAST" --poll-interval 0.05)

# ------------------------------------------------------------------ cover_extend_stems

t_cover_extend_stems() {
  local out=$WORK/ces f
  sf_run "${INPROC[@]}" "$EXAMPLES/cover_extend_stems.lua" "$out"
  expect_rc 0
  for d in 1-song 2-cover 3-extension 4-full 5-stems; do
    expect_true "folder $d" test -d "$out/$d"
  done
  expect_mp3_dir "$out"
  expect_reported_durations "$out" "$OUT"
  # the full song is the source up to the extension point plus the extension
  expect_true "the concat clip is longer than one clip" \
    grep -Eq "clip $(basename "$out"/4-full/*.mp3 .mp3 | sed 's/.*-//')[0-9a-f-]* +([4-9]|[1-9][0-9])\.[0-9]+ s" "$OUT"
  # 2 song + 2 cover + >= 1 extension + 1 full + 2 stems
  expect_true "at least 8 MP3 files (got $NFILES)" test "$NFILES" -ge 8
  expect_eq "$(find "$out/1-song" -type f 2>/dev/null | wc -l)" 2 "song clips"
  expect_eq "$(find "$out/2-cover" -type f 2>/dev/null | wc -l)" 2 "cover clips"
  expect_eq "$(find "$out/4-full" -type f 2>/dev/null | wc -l)" 1 "concat clips"
  expect_eq "$(find "$out/5-stems" -type f 2>/dev/null | wc -l)" 2 "stems"
  # it prints every path it wrote
  while IFS= read -r f; do
    expect_grep "$(basename "$f" | sed 's/[][\.*^$+?(){}|]/\\&/g')" "$OUT" stdout
  done < <(find "$out" -type f)
  expect_no_crash
}

t_cover_extend_stems_default_out() {
  local dir=$WORK/default-out
  mkdir -p "$dir"
  sf_run_in "$dir" "${INPROC[@]}" "$EXAMPLES/cover_extend_stems.lua"
  expect_rc 0
  expect_mp3_dir "$dir/out"
  expect_reported_durations "$dir/out" "$OUT"
  expect_true "at least 8 MP3 files in ./out (got $NFILES)" test "$NFILES" -ge 8
}

t_cover_extend_stems_external() {
  local sb out=$WORK/ces-ext
  start_sandbox sb "${FAST_ARGS[@]}" --quiet
  sf_run run --base-url "$sb" --poll-interval 0.05 \
    "$EXAMPLES/cover_extend_stems.lua" "$out"
  expect_rc 0
  expect_mp3_dir "$out"
  expect_reported_durations "$out" "$OUT"
  expect_true "at least 8 MP3 files (got $NFILES)" test "$NFILES" -ge 8
}

t_cover_extend_stems_unwritable() {
  local out=$WORK/a-file/out
  : >"$WORK/a-file"
  sf_run "${INPROC[@]}" "$EXAMPLES/cover_extend_stems.lua" "$out"
  expect_rc 1
  expect_grep 'a-file/out' "$ERR" stderr
  expect_no_crash
}

t_cover_extend_stems_budget() {
  local out=$WORK/ces-budget
  sf_run "${INPROC[@]}" --budget 40 "$EXAMPLES/cover_extend_stems.lua" "$out"
  expect_rc 1
  expect_grep_i 'budget' "$ERR" stderr
  expect_true "no download before the failure" test ! -e "$out/1-song"
}

# ------------------------------------------------------------------ tag_experiment

t_tag_experiment_default() {
  local out=$WORK/tags d
  sf_run "${INPROC[@]}" "$EXAMPLES/tag_experiment.lua" "$out"
  expect_rc 0
  # every folder but the manifest's own file holds playable MP3s only
  expect_mp3_dir "$out/styles/source" "$CLIP_SECONDS"
  expect_eq "$NFILES" 1 "original"
  for d in lo-fi-mellow synthwave-energetic jazz-piano orchestral-ambient; do
    expect_mp3_dir "$out/styles/style=$d" "$CLIP_SECONDS"
    expect_eq "$NFILES" 2 "covers in style=$d"
  done
  expect_eq "$(find "$out" -type f | wc -l)" 10 \
    "files (original + 4 tag sets x 2 + experiment.json)"
  expect_true "the manifest" test -s "$out/styles/experiment.json"
  expect_grep '^tags +clip +seconds +LUFS +BPM +file$' "$OUT" "stdout (table header)"
  expect_grep '^synthwave, energetic .*styles/style=synthwave-energetic/.*\.mp3$' "$OUT" stdout
  expect_grep 'report --experiment .*styles/experiment\.json' "$OUT" stdout
}

t_tag_experiment_custom() {
  local out=$WORK/tags2
  sf_run "${INPROC[@]}" "$EXAMPLES/tag_experiment.lua" "$out" "rock" \
    "edm, house"
  expect_rc 0
  expect_mp3_dir "$out/styles/style=rock" "$CLIP_SECONDS"
  expect_eq "$NFILES" 2 "rock"
  expect_mp3_dir "$out/styles/style=edm-house" "$CLIP_SECONDS"
  expect_eq "$NFILES" 2 "edm, house"
  expect_eq "$(find "$out" -type f | wc -l)" 6 \
    "files (original + 2 tag sets x 2 + experiment.json)"
}

# ------------------------------------------------------------------ batch_from_file

t_batch_shipped_list() {
  local out=$WORK/batch
  sf_run "${INPROC[@]}" "$EXAMPLES/batch_from_file.lua" \
    "$EXAMPLES/prompts.txt" "$out" 3
  expect_rc 0
  expect_mp3_dir "$out" "$CLIP_SECONDS"
  expect_eq "$NFILES" 10 "files (5 prompts x 2 clips)"
  expect_grep '^5 succeeded, 0 failed \(at most [1-3] in flight\)$' "$OUT" stdout
  expect_grep '^line +3 +ok' "$OUT" stdout
}

t_batch_default_list() {
  local dir=$WORK/batch-default
  mkdir -p "$dir"
  sf_run_in "$dir" "${INPROC[@]}" "$EXAMPLES/batch_from_file.lua"
  expect_rc 0
  expect_mp3_dir "$dir/batch_out" "$CLIP_SECONDS"
  expect_eq "$NFILES" 10 "files in ./batch_out"
}

t_batch_with_failures() {
  local out=$WORK/batch-fail list=$WORK/list.txt long
  long=$(printf 'x%.0s' $(seq 1 401))
  {
    echo "# a comment"
    echo "a short folk song"
    echo "$long"
    echo ""
    echo "a march for a toy army"
    echo "a lullaby for a sleepy robot"
  } >"$list"
  sf_run "${INPROC[@]}" "$EXAMPLES/batch_from_file.lua" "$list" "$out" 2
  expect_rc 1
  expect_grep '^3 succeeded, 1 failed \(at most [12] in flight\)$' "$OUT" stdout
  expect_grep "^line +3 +FAILED .*The 'gpt_description_prompt' character length should be less than 400\." \
    "$OUT" stdout
  expect_grep '1 of 4 workflows failed' "$ERR" stderr
  expect_mp3_dir "$out" "$CLIP_SECONDS"
  expect_eq "$NFILES" 6 "files (3 good lines x 2 clips)"
}

t_batch_missing_list() {
  sf_run "${INPROC[@]}" -q "$EXAMPLES/batch_from_file.lua" "$WORK/nope.txt"
  expect_rc 1
  expect_grep 'nope\.txt' "$ERR" stderr
  expect_lines 1 "$ERR" "stderr under -q (one error line)"
}

run_case "cover_extend_stems: MP3s of every step" t_cover_extend_stems
run_case "cover_extend_stems: default folder ./out" t_cover_extend_stems_default_out
run_case "cover_extend_stems against sonicflow sandbox --port 0" t_cover_extend_stems_external
run_case "cover_extend_stems: unwritable output folder" t_cover_extend_stems_unwritable
run_case "cover_extend_stems: --budget 40 stops it" t_cover_extend_stems_budget
run_case "tag_experiment: four default tag sets" t_tag_experiment_default
run_case "tag_experiment: tag sets from the command line" t_tag_experiment_custom
run_case "batch_from_file: the shipped prompts.txt" t_batch_shipped_list
run_case "batch_from_file: default list and folder" t_batch_default_list
run_case "batch_from_file: a failing line, the rest go on" t_batch_with_failures
run_case "batch_from_file: missing list" t_batch_missing_list
summary
