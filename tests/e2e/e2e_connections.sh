#!/usr/bin/env bash
# e2e_connections.sh SONICFLOW FAKE_SERVER -- which connection carries
# which request, read from the sandbox's log (each line names the client's
# port). A paid call must never go out on a reused connection: libcurl
# silently resends a request when a reused connection turns out dead, and
# a resent create is charged twice. Once answered, the paid call's
# connection may serve polls and downloads, which are safe to resend.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"

start_sandbox SB --speed 200 --rate-limit 0 --clip-seconds 2 --credits 100000

# ports_check LOG: "CREATES FRESH POOLED": creates seen, creates on a
# port not seen before, GETs on a port a create used first
ports_check() {
  awk '
    $1 == "sandbox:" {
      port = ""
      for (i = 3; i < NF; i++) if ($i == "port") port = $(i + 1)
      if (port == "") next
      if ($2 == "POST" && $3 ~ /\/sonic\/create$/) {
        creates++
        if (!(port in seen)) fresh++
        by_create[port] = 1
      } else if ($2 == "GET" && (port in by_create)) {
        pooled++
      }
      seen[port] = 1
    }
    END { printf "%d %d %d\n", creates, fresh, pooled }' "$1"
}

t_paid_calls_fresh() {
  local s creates fresh pooled
  s=$(script chains.lua <<'EOF2'
sonic.config{ poll_interval = 0.05 }
-- sequential chains first (a pooled connection is there to be reused by
-- the next create), then a few at once
for i = 1, 4 do
  local clips = sonic.wait(sonic.create{ gpt_description_prompt = "seq " .. i })
  sonic.download(clips[1], "out/")
end
local jobs = {}
for i = 1, 6 do
  jobs[i] = sonic.spawn(function ()
    local clips = sonic.wait(sonic.create{ gpt_description_prompt = "par " .. i })
    return sonic.download(clips[1], "out/")
  end)
end
sonic.all(jobs)
print("done")
EOF2
)
  sf_run run --no-journal --base-url "$SB" "$s"
  expect_rc 0
  expect_grep '^done$' "$OUT" "stdout"
  read -r creates fresh pooled < <(ports_check "$WORK/servers.err")
  echo "    creates $creates, on new connections $fresh, GETs on a create's connection $pooled"
  expect_eq "$creates" 10 "creates seen by the sandbox"
  expect_eq "$fresh" 10 "creates on a connection never used before"
  ((pooled > 0)) || fail_because "no poll or download reused a create's" \
    "connection: it was closed, one more connection per paid call"
  expect_no_crash
}

run_case "paid calls on new connections, which then join the pool" t_paid_calls_fresh
summary
