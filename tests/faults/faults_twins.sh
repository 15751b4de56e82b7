#!/usr/bin/env bash
# faults_twins.sh SONICFLOW FAKE_SERVER -- issue 19 item 5: two clips titled
# alike whose ids share their first 8 characters, downloaded into one
# folder, land on two files, each holding its own clip's bytes; a resume
# of the run keeps both and fetches neither again.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh"

start_fake TWINS twins "$WORK/twins.log"

t_twins_keep_both() {
  local s dir=$WORK/out pa pb
  mkdir -p "$dir"
  s=$(script twins.lua <<EOF2
sonic.config{ poll_interval = 0.05 }
local clips = sonic.wait("00000000-0000-4000-8000-000000000001")
for i, c in ipairs(clips) do
  print(("path%d=%s"):format(i, sonic.download(c, "$dir")))
end
-- the first run stops here, after both downloads, so it can be resumed
if os.getenv("TWINS_GO") == nil then error("stop after the downloads") end
print("resumed")
EOF2
)
  sf_run run --base-url "$TWINS" "$s"
  expect_rc 1
  pa=$(sed -n 's/^path1=//p' "$OUT")
  pb=$(sed -n 's/^path2=//p' "$OUT")
  expect_true "two different paths ($pa, $pb)" test -n "$pa" -a "$pa" != "$pb"
  expect_eq "$(find "$dir" -type f | wc -l)" 2 "files in the folder"
  expect_eq "$(tail -c 1 "$pa" 2>/dev/null)" A "last byte of clip 1's file"
  expect_eq "$(tail -c 1 "$pb" 2>/dev/null)" B "last byte of clip 2's file"
  expect_no_crash
  # resume: both files kept, neither fetched again
  local gets
  gets=$(grep -c '^GET .*\.mp3' "$WORK/twins.log")
  expect_eq "$gets" 2 "audio requests in the first run"
  TWINS_GO=1 sf_run resume --base-url "$TWINS"
  expect_rc 0
  expect_grep '^resumed$' "$OUT" stdout
  expect_grep "^path1=$pa\$" "$OUT" "stdout (clip 1's path on resume)"
  expect_grep "^path2=$pb\$" "$OUT" "stdout (clip 2's path on resume)"
  expect_eq "$(grep -c '^GET .*\.mp3' "$WORK/twins.log")" 2 "audio requests after the resume (no refetch)"
  expect_eq "$(find "$dir" -type f | wc -l)" 2 "files in the folder after the resume"
  expect_eq "$(tail -c 1 "$pa" 2>/dev/null)" A "last byte of clip 1's file after the resume"
  expect_eq "$(tail -c 1 "$pb" 2>/dev/null)" B "last byte of clip 2's file after the resume"
}

run_case "clips titled alike with ids alike keep two files" t_twins_keep_both
summary
