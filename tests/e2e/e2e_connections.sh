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

# connections_check LOG: "CONNECTIONS BY_GET": client ports seen, and
# ports whose first request was a GET (a poll or download that found no
# idle connection to reuse)
connections_check() {
  awk '
    $1 == "sandbox:" {
      port = ""
      for (i = 3; i < NF; i++) if ($i == "port") port = $(i + 1)
      if (port == "" || (port in seen)) next
      seen[port] = 1
      ports++
      if ($2 == "GET") by_get++
    }
    END { printf "%d %d\n", ports, by_get }' "$1"
}

# spawn_chains COUNT PREFIX: Lua that runs COUNT create -> wait ->
# download chains at once, then prints "done"
spawn_chains() {
  cat <<EOF2
local jobs = {}
for i = 1, $1 do
  jobs[i] = sonic.spawn(function ()
    local clips = sonic.wait(sonic.create{ gpt_description_prompt = "$2" .. i })
    return sonic.download(clips[1], "out/")
  end)
end
sonic.all(jobs)
print("done")
EOF2
}

t_paid_calls_fresh() {
  local s creates fresh pooled
  s=$({ cat <<'EOF2'
sonic.config{ poll_interval = 0.05 }
-- sequential chains first (a pooled connection is there to be reused by
-- the next create), then a few at once
for i = 1, 4 do
  local clips = sonic.wait(sonic.create{ gpt_description_prompt = "seq " .. i })
  sonic.download(clips[1], "out/")
end
EOF2
  spawn_chains 6 "par "; } | script chains.lua)
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

# Above 64 transfers in flight the connections are kept in several pools
# (runtime/http_pools.c): each workflow's polls and download must still
# reuse a pooled connection, not open one per request, and every paid
# call must still take a new one.
t_many_pools_reuse() {
  local s lines_before creates fresh pooled ports by_get
  s=$({ cat <<'EOF2'
sonic.config{ poll_interval = 0.05, max_inflight = 200 }  -- 4 pools
EOF2
  spawn_chains 150 p; } | script pools.lua)
  lines_before=$(wc -l < "$WORK/servers.err")  # earlier cases' lines
  sf_run run --no-journal --base-url "$SB" "$s"
  expect_rc 0
  expect_grep '^done$' "$OUT" "stdout"
  # only this run's lines: the sandbox's log holds the earlier cases too
  tail -n +"$((lines_before + 1))" "$WORK/servers.err" > "$WORK/pools.log"
  read -r creates fresh pooled < <(ports_check "$WORK/pools.log")
  read -r ports by_get < <(connections_check "$WORK/pools.log")
  echo "    creates $creates (on new connections $fresh), GETs on a create's" \
    "connection $pooled; connections $ports, opened by a GET $by_get"
  expect_eq "$creates" 150 "creates seen by the sandbox"
  expect_eq "$fresh" 150 "creates on a connection never used before"
  # 150 workflows make >= 450 GETs (polls, download): a pool that did not
  # reuse would open a connection for most of them
  ((pooled >= 300)) || fail_because "only $pooled GETs reused a create's" \
    "connection: the pools do not hand their connections on"
  ((by_get <= 15)) || fail_because "$by_get connections were opened by a" \
    "GET: polls and downloads open connections instead of reusing them"
  expect_no_crash
}

run_case "paid calls on new connections, which then join the pool" t_paid_calls_fresh
run_case "many transfers in flight: several pools, each reusing" t_many_pools_reuse
summary
