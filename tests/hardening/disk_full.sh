#!/usr/bin/env bash
# disk_full.sh SONICFLOW -- issue 19 items 6 and 8: a full disk.
# - Under a download: the error is kind `io` and names the file's path, no
#   partial file is left, and after space is freed `resume` finishes the
#   run without paying again.
# - Under the journal: kind `io` (not `network`, not retried), the
#   journal's path named, and no paid call is sent after the failure.
# The full disks are small tmpfs mounts (tests run as root in CI).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/../e2e/lib.sh"
# shellcheck source=tests/hardening/hlib.sh
source "$(dirname "$0")/hlib.sh"

MOUNTS=()
unmount_all() {
  local m
  for m in ${MOUNTS[@]+"${MOUNTS[@]}"}; do umount -l "$m" 2>/dev/null || true; done
  cleanup
}
trap unmount_all EXIT

# small_disk DIR SIZE: mount a tmpfs of SIZE at DIR
small_disk() {
  mkdir -p "$1"
  if ! mount -t tmpfs -o "size=$2" tmpfs "$1" 2>"$WORK/mount.err"; then
    echo "cannot mount a tmpfs (root needed): $(cat "$WORK/mount.err")" >&2
    exit 77
  fi
  MOUNTS+=("$1")
}

# fill DIR: write until the filesystem under DIR has no space left
fill() { dd if=/dev/zero of="$1/filler" bs=4k status=none 2>/dev/null || true; }

start_sandbox SB "${FAST_ARGS[@]}" --quiet

t_download_on_full_disk() {
  local out=$WORK/full-out s led
  small_disk "$out" 64k
  fill "$out"
  s=$(script download-full.lua <<EOF2
local clips = sonic.wait(sonic.create{ gpt_description_prompt = "full disk" })
local ok, e = pcall(sonic.download, clips[1], "$out")
print("kind=" .. tostring(type(e) == "table" and e.kind))
print("message=" .. tostring(type(e) == "table" and e.message or e))
if not ok then error(e) end
print("saved")
EOF2
)
  sf_run run --base-url "$SB" "$s"
  expect_rc 1
  expect_grep '^kind=io$' "$OUT" "stdout (the error's kind)"
  expect_grep "^message=.*$out/" "$OUT" "stdout (the message names the file)"
  expect_eq "$(find "$out" -type f ! -name filler | wc -l)" 0 \
    "files left on the full disk (final or .part)"
  rm -f "$out/filler"
  sf_run resume --base-url "$SB"
  expect_rc 0
  expect_grep '^saved$' "$OUT" "stdout of the resume"
  expect_eq "$(find "$out" -name '*.mp3' | wc -l)" 1 "files after the resume"
  led=$(ledger "$SB")
  expect_eq "$(charges_of "$led" create_music)" 1 "create charges in the ledger"
  expect_no_crash
}

t_journal_on_full_disk() {
  local jdir=$WORK/full-journal s led before
  small_disk "$jdir" 1m
  s=$(script journal-full.lua <<'EOF2'
sonic.create{ gpt_description_prompt = "before the disk filled" }
print("created")
io.stdout:flush()
sonic.sleep(3)
local ok, e = pcall(sonic.create, { gpt_description_prompt = "after" })
print("kind=" .. tostring(type(e) == "table" and e.kind))
print("message=" .. tostring(type(e) == "table" and e.message or e))
EOF2
)
  before=$(charges_of "$(ledger "$SB")" create_music)
  run_bg run --base-url "$SB" --journal "$jdir/journal.db" "$s"
  if ! wait_for_line '^created$' "$OUT" 30; then
    fail_because "the first create did not finish"
  fi
  fill "$jdir"
  wait_bg 60
  expect_grep '^kind=io$' "$OUT" "stdout (the error's kind)"
  expect_grep "^message=.*$jdir/journal.db" "$OUT" \
    "stdout (the message names the journal)"
  led=$(ledger "$SB")
  expect_eq "$(charges_of "$led" create_music)" $((before + 1)) \
    "create charges (none after the journal filled up)"
  expect_no_crash
}

run_case "download onto a full disk: io, path named, resume finishes" t_download_on_full_disk
run_case "journal on a full disk: io, path named, no paid call sent" t_journal_on_full_disk
summary
