#!/usr/bin/env bash
# Start fake_service in each mode and run malformed.lua against it.
set -uo pipefail
bin="$1"; fake="$2"; script="$3"; shift 3
pass=0; fail=0
for mode in "$@"; do
  out="$(mktemp)"
  "$fake" "$mode" > "$out" &
  pid=$!
  for _ in $(seq 50); do grep -q listening "$out" && break; sleep 0.1; done
  url="$(sed 's/^listening on //' "$out" | head -1)"
  if "$bin" run -q --no-journal --base-url "$url" "$script" "$mode"; then
    pass=$((pass + 1)); echo "ok     $mode"
  else
    fail=$((fail + 1)); echo "FAIL   $mode"
  fi
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -f "$out"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
