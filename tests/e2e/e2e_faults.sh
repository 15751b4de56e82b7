#!/usr/bin/env bash
# e2e_faults.sh SONICFLOW FAKE_SERVER -- bad input end to end: answers that
# are not JSON, HTML instead of audio, truncated downloads, unwritable
# destinations, Ctrl-C (SIGINT) mid-run and mid-transfer.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

start_sandbox SB "${FAST_ARGS[@]}" --quiet
start_fake HTML html
start_fake HTML502 html502
start_fake TRUNC truncate
start_fake SLOW slow

KINDS='bad_request|auth|insufficient_credits|forbidden|rate_limited|server|network|timeout|task_failed|budget|cancelled'

# ------------------------------------------------------------------ not JSON

t_not_json_create() {
  local s
  s=$(probe nj_create.lua 'sonic.create{ gpt_description_prompt = "x" }')
  sf_run run --base-url "$HTML" "$s"
  expect_rc 0
  expect_grep '^ok=false$' "$OUT" stdout
  expect_grep '^kind=server$' "$OUT" "stdout (a 200 that is not JSON is a server fault)"
  expect_grep_i '^message=.*json' "$OUT" "stdout (message says JSON)"
  expect_no_grep '^tostring=.*\\n' "$OUT" "stdout (tostring is one line)"
  expect_no_crash
}

t_not_json_credits_uncaught() {
  local s
  s=$(script nj_credits.lua <<'EOF'
local c = sonic.credits()
print("credits=" .. tostring(c.credits))
EOF
)
  sf_run run --base-url "$HTML" "$s"
  expect_rc 1
  expect_grep_i 'json' "$ERR" stderr
  expect_lines 1 "$ERR" "stderr (one line)"
  expect_no_grep 'credits=' "$OUT" stdout
  expect_no_crash
}

t_not_json_poll() {
  local s
  s=$(probe nj_poll.lua 'sonic.poll("00000000-0000-4000-8000-000000000000")')
  sf_run run --base-url "$HTML" "$s"
  expect_rc 0
  expect_grep '^ok=false$' "$OUT" stdout
  expect_grep "^kind=($KINDS)\$" "$OUT" "stdout (a documented kind)"
  expect_no_crash
}

t_proxy_error_page() {
  local s
  s=$(probe nj_502.lua 'sonic.create{ gpt_description_prompt = "x" }')
  sf_run run --base-url "$HTML502" "$s"
  expect_rc 0
  expect_grep '^kind=server$' "$OUT" stdout
  expect_grep '^status=502$' "$OUT" stdout
  expect_no_crash
}

# ------------------------------------------------------------------ bad downloads

t_download_html_page() {
  local s dir=$WORK/dl-html
  mkdir -p "$dir"
  s=$(probe dl_html.lua "sonic.download('$HTML/audio/x.mp3', '$dir/x.mp3')")
  sf_run run --base-url "$SB" "$s"
  expect_rc 0
  expect_grep '^ok=false$' "$OUT" "stdout (an HTML page is not audio)"
  expect_grep "^kind=($KINDS)\$" "$OUT" "stdout (a documented kind)"
  expect_eq "$(find "$dir" -type f | wc -l)" 0 "files left (final or .part)"
  expect_no_crash
}

t_download_html_page_to_dir() {
  local s dir=$WORK/dl-html-dir
  mkdir -p "$dir"
  s=$(probe dl_html_dir.lua "sonic.download('$HTML/audio/x.mp3', '$dir')")
  sf_run run --base-url "$SB" "$s"
  expect_grep '^ok=false$' "$OUT" stdout
  expect_eq "$(find "$dir" -type f | wc -l)" 0 "files left (final or .part)"
}

t_download_truncated() {
  local s dir=$WORK/dl-trunc
  mkdir -p "$dir"
  s=$(probe dl_trunc.lua "sonic.download('$TRUNC/audio/x.mp3', '$dir/x.mp3')")
  sf_run run --base-url "$SB" "$s"
  expect_rc 0
  expect_grep '^ok=false$' "$OUT" "stdout (4 KiB of 200000 announced)"
  expect_grep "^kind=($KINDS)\$" "$OUT" "stdout (a documented kind)"
  expect_eq "$(find "$dir" -type f | wc -l)" 0 "files left (final or .part)"
  expect_no_crash
}

t_download_unwritable() {
  local s
  : >"$WORK/plainfile"
  s=$(script dl_unwritable.lua <<EOF
sonic.config{ poll_interval = 0.05 }
local clips = sonic.wait(sonic.create{ gpt_description_prompt = "x" })
sonic.download(clips[1], "$WORK/plainfile/sub/")
EOF
)
  sf_run run -q --base-url "$SB" "$s"
  expect_rc 1
  expect_grep 'plainfile/sub' "$ERR" "stderr (names the destination)"
  expect_lines 1 "$ERR" "stderr (one line)"
  expect_no_crash
}

t_key_not_sent_with_download() {
  local s sbk fakelog=$WORK/fake-requests.log dir=$WORK/dl-key
  mkdir -p "$dir"
  start_sandbox sbk "${FAST_ARGS[@]}" --key canary-dl-9999 --quiet
  start_fake LOGGED html "$fakelog"
  s=$(script dl_key.lua <<EOF
sonic.config{ poll_interval = 0.05 }
local clips = sonic.wait(sonic.create{ gpt_description_prompt = "key" })
print("api ok " .. #clips)
print("audio " .. tostring(pcall(sonic.download, "$LOGGED/cdn/a.mp3", "$dir/a.mp3")))
EOF
)
  MUSICAPI_KEY=canary-dl-9999 sf_run run -q --base-url "$sbk" "$s"
  expect_rc 0
  expect_grep '^api ok 2$' "$OUT" "stdout (the key works for the API)"
  expect_grep '^GET /cdn/a\.mp3' "$fakelog" "requests to the audio host"
  expect_no_grep 'canary-dl-9999' "$fakelog" "requests to the audio host"
  expect_no_grep_i '^authorization:' "$fakelog" "requests to the audio host"
}

t_hostile_service_names() {
  # a service that answers path-like, control-character clip ids and titles:
  # downloads into a folder still land in that folder under safe names
  local s host parent=$WORK/hostile-parent dir=$WORK/hostile-parent/out f n=0
  mkdir -p "$dir"
  start_fake host hostile
  s=$(script hostile.lua <<EOF
sonic.config{ poll_interval = 0.05 }
pcall(sonic.config, { retry_base = 0.001 })
local clips = sonic.wait("00000000-0000-4000-8000-000000000001")
for i, c in ipairs(clips) do
  local ok, p = pcall(sonic.download, c, "$dir")
  print(("clip %d: %s %s"):format(i, tostring(ok), tostring(p):gsub("%c", "?")))
end
EOF
)
  sf_run run --base-url "$host" "$s"
  expect_rc 0
  expect_grep '^clip 1: true ' "$OUT" "stdout (download of the first clip)"
  expect_grep '^clip 2: true ' "$OUT" "stdout (download of the second clip)"
  while IFS= read -r -d '' f; do
    n=$((n + 1))
    if [[ $(dirname "$f") != "$dir" ]]; then
      fail_because "a file outside the folder: $f"
    elif [[ ! $(basename "$f") =~ ^[A-Za-z0-9._-]+$ ]]; then
      fail_because "an unsafe file name: $(basename "$f" | od -c | head -2)"
    fi
  done < <(find "$parent" /tmp/escape* -type f -newer "$s" -print0 2>/dev/null)
  expect_eq "$n" 2 "files written"
}

t_big_answer_read_whole() {
  # a 140 KB task status, many times the client's receive buffer, written
  # in pieces that split escapes and UTF-8 characters: read whole, exactly
  local s big
  start_fake big bigjson
  s=$(script big.lua <<'EOF'
sonic.config{ poll_interval = 0.05 }
local clips = sonic.wait("00000000-0000-4000-8000-000000000002")
local lyrics = clips[1].lyrics
local n, bad = 0, 0
for i, line in lyrics:gmatch("line (%d+): ([^\n]*)\n") do
  if tonumber(i) ~= n or line ~= 'caf\u{e9} "snow" \u{2603}' then
    bad = bad + 1
  end
  n = n + 1
end
print(("clips %d lines %d bad %d bytes %d"):format(#clips, n, bad, #lyrics))
EOF
)
  sf_run run --no-journal --base-url "$big" "$s"
  expect_rc 0
  # 4,000 lines of 28 bytes each
  expect_grep '^clips 1 lines 4000 bad 0 bytes 112000$' "$OUT"
}

# ------------------------------------------------------------------ SIGINT

t_sigint_during_sleep() {
  local s
  s=$(script sleepy.lua <<'EOF'
print("sleeping")
io.stdout:flush()
sonic.sleep(60)
print("woke up")
EOF
)
  run_bg run --base-url "$SB" "$s"
  interrupt_after '^sleeping$' 20 0.2
  expect_no_grep 'woke up' "$OUT" stdout
}

t_sigint_during_workflow() {
  local s
  # a real-speed sandbox: the task will not finish while we watch
  s=$(script slow_wf.lua <<'EOF'
sonic.config{ poll_interval = 0.05 }
local task = sonic.create{ gpt_description_prompt = "slow" }
print("submitted " .. task.id)
io.stdout:flush()
sonic.wait(task)
print("finished")
EOF
)
  run_bg run --sandbox --sandbox-args "--speed 1 --credits 1000" "$s"
  interrupt_after '^submitted ' 20 0.3
  expect_no_grep finished "$OUT" stdout
}

t_sigint_mid_transfer() {
  local s dir=$WORK/dl-sigint
  mkdir -p "$dir"
  s=$(script slow_dl.lua <<EOF
print("downloading")
io.stdout:flush()
sonic.download("$SLOW/audio/slow.mp3", "$dir/slow.mp3")
print("downloaded")
EOF
)
  run_bg run --base-url "$SB" "$s"
  interrupt_after '^downloading$' 20 1
  expect_true "no final file after Ctrl-C" test ! -e "$dir/slow.mp3"
  expect_no_grep downloaded "$OUT" stdout
  if [[ -n $(find "$dir" -name '*.part') ]]; then
    echo "    note: a .part file is left after Ctrl-C: $(find "$dir" -name '*.part')"
  fi
}

t_sigint_many_downloads() {
  # Ctrl-C while many downloads from the sandbox run: every final file
  # that exists is complete (same bytes as a reference download)
  local s dir=$WORK/dl-many
  mkdir -p "$dir"
  s=$(script many_dl.lua <<EOF
sonic.config{ poll_interval = 0.05 }
local clips = sonic.wait(sonic.create{ gpt_description_prompt = "many" })
sonic.download(clips[1], "$dir/reference.bin")
print("ready")
io.stdout:flush()
local hs = {}
for round = 1, 100000 do
  for i = 1, 8 do
    hs[i] = sonic.spawn(sonic.download, clips[1],
                        string.format("$dir/copy-%d-%d.mp3", round, i))
  end
  sonic.all(hs)
end
EOF
)
  run_bg run --base-url "$SB" "$s"
  interrupt_after '^ready$' 30 1
  local f bad=0 n=0
  while IFS= read -r -d '' f; do
    n=$((n + 1))
    if ! cmp -s "$f" "$dir/reference.bin"; then bad=$((bad + 1)); fi
  done < <(find "$dir" -name 'copy-*.mp3' -print0)
  expect_true "some downloads finished before Ctrl-C (got $n)" test "$n" -gt 0
  expect_eq "$bad" 0 "incomplete final files (of $n)"
}

# ------------------------------------------------------------------ idle

t_no_busy_wait() {
  # Waiting costs no CPU: (1) after a request that libcurl ended on its own
  # deadline (a timeout, retried with backoff), when only task timers are
  # left -- libcurl reports no "no more deadlines" then, and a loop that
  # kept the fired deadline as still due spun at 100 % CPU (8 s of CPU in
  # this case before the fix); (2) during a download trickling 1 KB per
  # 100 ms, with libcurl's own deadlines armed.
  local s dir=$WORK/dl-idle
  mkdir -p "$dir"
  s=$(script idle_wait.lua <<EOF
sonic.config{request_timeout = 0.5, retry_base = 0.05}
assert(not pcall(sonic.credits))   -- the slow server times out
for i = 1, 50 do sonic.spawn(function() sonic.sleep(1 + i / 100) end) end
sonic.sleep(1.5)
sonic.spawn(function()
  sonic.download("$SLOW/audio/idle.mp3", "$dir/idle.mp3")
end)
sonic.sleep(1.5)
print(("cpu %.3f"):format(os.clock()))
os.exit(0)
EOF
)
  sf_run run --base-url "$SLOW" "$s"
  expect_rc 0
  local cpu
  cpu=$(sed -n 's/^cpu //p' "$OUT")
  if [[ -z $cpu ]] || ! awk -v c="$cpu" 'BEGIN { exit !(c < 1.0) }'; then
    fail_because "waiting used ${cpu:-?} s of CPU (a busy loop?)"
  fi
}

run_case "create answered by a 200 HTML page: kind server, says JSON" t_not_json_create
run_case "uncaught not-JSON answer: exit 1, one line" t_not_json_credits_uncaught
run_case "poll answered by HTML: a typed error" t_not_json_poll
run_case "502 proxy page: kind server, status 502" t_proxy_error_page
run_case "download of an HTML page: error, no file" t_download_html_page
run_case "download of an HTML page into a folder: no file" t_download_html_page_to_dir
run_case "truncated download: error, no file" t_download_truncated
run_case "download under a regular file: exit 1, one line" t_download_unwritable
run_case "the API key is never sent to an audio host" t_key_not_sent_with_download
run_case "hostile clip ids and titles from the service stay in the folder" t_hostile_service_names
run_case "a task status many buffers long is read whole" t_big_answer_read_whole
run_case "SIGINT during sleep: exit 130" t_sigint_during_sleep
run_case "SIGINT during a workflow: exit 130" t_sigint_during_workflow
run_case "SIGINT mid-transfer: exit 130, no final file" t_sigint_mid_transfer
run_case "SIGINT among many downloads: only complete files" t_sigint_many_downloads
run_case "waiting on a slow transfer and timers uses no CPU" t_no_busy_wait
summary
