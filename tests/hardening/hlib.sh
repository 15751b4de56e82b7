# hlib.sh -- helpers of the hardening tests, on top of ../e2e/lib.sh.
#
#   source "$(dirname "$0")/../e2e/lib.sh" "$@"; source "$(dirname "$0")/hlib.sh"

# ledger URL: print the sandbox's ledger (GET /_sandbox/ledger) as JSON.
# Bash's /dev/tcp, so the tests need neither curl nor jq.
ledger() {
  local hostport=${1#http://} host port body
  hostport=${hostport%%/*}
  host=${hostport%:*}
  port=${hostport##*:}
  exec {fd}<>"/dev/tcp/$host/$port"
  printf 'GET /_sandbox/ledger HTTP/1.0\r\nHost: %s\r\n\r\n' "$hostport" >&"$fd"
  body=$(cat <&"$fd")
  exec {fd}<&-
  printf '%s\n' "${body#*$'\r\n\r\n'}"
}

# charges_of JSON [KIND]: how many charges (of KIND) the ledger lists.
charges_of() {
  { grep -o "\"kind\":\"${2:-[a-z_]*}\"" <<<"$1" || true; } | wc -l |
    tr -d ' '
}

# json_field JSON KEY: the first value of "KEY": in a flat JSON text.
json_field() {
  { grep -o "\"$2\":[^,}]*" <<<"$1" || true; } | head -1 |
    sed "s/^\"$2\"://; s/^\"//; s/\"\$//"
}

# now_ms: wall clock in milliseconds.
now_ms() { date +%s%3N; }
