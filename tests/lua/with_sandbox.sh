#!/usr/bin/env bash
# with_sandbox.sh SONICFLOW "SANDBOX OPTIONS" [NAME=VALUE ...] -- RUN ARGS...
#
# Start `SONICFLOW sandbox --port 0 OPTIONS` as its own process, read its
# first stdout line ("listening on http://HOST:PORT"), then run
# `env NAME=VALUE... SONICFLOW run --base-url URL RUN ARGS...`, stop the
# sandbox and exit with the run's status.
set -euo pipefail

bin=$1 sandbox_opts=$2
shift 2
envs=()
while (($#)) && [[ $1 != -- ]]; do envs+=("$1"); shift; done
[[ ${1:-} == -- ]] && shift

work=$(mktemp -d "${TMPDIR:-/tmp}/sf-sandbox-XXXXXX")
sb_pid=
cleanup() {
  if [[ -n $sb_pid ]]; then
    kill "$sb_pid" 2>/dev/null || true
    wait "$sb_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

mkfifo "$work/out"
# shellcheck disable=SC2086  # the options are a word list on purpose
"$bin" sandbox --port 0 $sandbox_opts >"$work/out" 2>"$work/err" &
sb_pid=$!
exec 3<"$work/out"
line=
if ! IFS= read -r -t 20 line <&3; then
  echo "with_sandbox: the sandbox printed no first line; its stderr:" >&2
  cat "$work/err" >&2
  exit 2
fi
# keep draining stdout so the sandbox never blocks on a full pipe
cat <&3 >/dev/null &
url=${line#listening on }
if [[ $line != "listening on http://"* ]]; then
  echo "with_sandbox: unexpected first line: $line" >&2
  exit 2
fi

status=0
env ${envs[@]+"${envs[@]}"} "$bin" run --base-url "$url" "$@" || status=$?
exit "$status"
