#!/bin/bash
# report_chromium.sh -- the report of a real tag experiment (one of its
# tag sets is hostile) loaded in headless Chromium: no console message of
# any kind, every <audio> loads its metadata (the page's own script sets
# data-audio-ok on <body>), and a screenshot is taken. Skipped (77) when
# chromium is not installed.
. "$(dirname "$0")/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -z "$CHROMIUM" ]; then
  echo "chromium is not installed: skipped"
  exit 77
fi

W=$(fresh_dir chromium)
cd "$W" || exit 1
sandbox_run "$SRC/scripts/examples/tag_experiment.lua" styles \
  "lo-fi, mellow" "synthwave, energetic" '<script>alert(1)</script>' \
  >run.log 2>&1
check "the tag experiment runs" test $? -eq 0
report -o report.html 2>/dev/null
check "the report is written" test -s report.html

PROFILE=$(mktemp -d)
trap 'rm -rf "$PROFILE"' EXIT
# Headless, offline, no first-run work; every console message goes to
# stderr as "CONSOLE(line)".
chrome () {
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
    --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --user-data-dir="$PROFILE" \
    --enable-logging=stderr --v=0 --hide-scrollbars --mute-audio "$@" \
    "file://$W/report.html"
}

chrome --run-all-compositor-stages-before-draw --virtual-time-budget=5000 \
  --dump-dom >dom.html 2>dom.log
check "chromium loads the page" test -s dom.html
body=$(grep -o '<body[^>]*>' dom.html)
echo "  $body"
players=$(grep -o '<audio ' report.html | wc -l)
check "every audio element loaded its source" \
  grep -q "data-audio-ok=\"yes\" data-audio-count=\"$players/$players\"" <<<"$body"
check "there are players ($players)" test "$players" -ge 8
check "no console message (errors, CSP violations, failed loads)" \
  bash -c "! grep -E 'CONSOLE|Refused to|Failed to load|Uncaught' dom.log"
check "the hostile title stays text in the DOM" \
  grep -q '\[&lt;script&gt;alert(1)&lt;/script&gt;\]' dom.html

chrome --window-size=1200,2000 --screenshot="$W/shot.png" >shot.log 2>&1
size=$(stat -c %s shot.png 2>/dev/null || echo 0)
check "a screenshot ($size bytes)" test "$size" -gt 50000
echo "  screenshot: $W/shot.png"
check "no console message while drawing it" \
  bash -c "! grep -E 'CONSOLE|Refused to|Failed to load|Uncaught' shot.log"

finish
