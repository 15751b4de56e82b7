#!/usr/bin/env bash
# faults_twins.sh SONICFLOW FAKE_SERVER -- issue 19 item 5: two clips titled
# alike whose ids share their first 8 characters, downloaded into one
# folder, land on two files, each holding its own clip's bytes.
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
EOF2
)
  sf_run run --base-url "$TWINS" "$s"
  expect_rc 0
  pa=$(sed -n 's/^path1=//p' "$OUT")
  pb=$(sed -n 's/^path2=//p' "$OUT")
  expect_true "two different paths ($pa, $pb)" test -n "$pa" -a "$pa" != "$pb"
  expect_eq "$(find "$dir" -type f | wc -l)" 2 "files in the folder"
  expect_eq "$(tail -c 1 "$pa" 2>/dev/null)" A "last byte of clip 1's file"
  expect_eq "$(tail -c 1 "$pb" 2>/dev/null)" B "last byte of clip 2's file"
  expect_no_crash
}

run_case "clips titled alike with ids alike keep two files" t_twins_keep_both
summary
