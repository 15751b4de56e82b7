#!/usr/bin/env bash
# capture_answers.sh URL DIR -- ask the sandbox at URL for one create and
# wait for the task to finish; leaves DIR/create.json (the create's answer)
# and DIR/poll.json (the finished task's status, both clips succeeded):
# the answers bench/lua_work.lua decodes, as the clients get them.
set -euo pipefail
url=$1 dir=$2
auth='Authorization: Bearer bench'   # any key: the sandbox checks its shape only
curl -sf -X POST -H "$auth" -H 'Content-Type: application/json' \
  -d '{"gpt_description_prompt":"a bench song","custom_mode":false,"mv":"sonic-v4"}' \
  "$url/api/v1/sonic/create" > "$dir/create.json" ||
  { echo "capture_answers: the sandbox refused a create" >&2; exit 1; }
id=$(sed -n 's/.*"task_id":"\([^"]*\)".*/\1/p' "$dir/create.json")
[ -n "$id" ] || { echo "capture_answers: no task_id in the create's answer" >&2; exit 1; }
for _ in $(seq 100); do
  curl -sf -H "$auth" "$url/api/v1/sonic/task/$id" > "$dir/poll.json" || true
  # done when every clip's state is "succeeded" (and there are clips)
  states=$(grep -o '"state":"[a-z_]*"' "$dir/poll.json" | sort -u | tr -d '\n' || true)
  [ "$states" = '"state":"succeeded"' ] && exit 0
  sleep 0.1
done
echo "capture_answers: task $id did not finish within 10 s" >&2
exit 1
