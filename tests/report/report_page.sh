#!/bin/bash
# report_page.sh -- `sonicflow report` on real runs against the sandbox,
# the page checked as text: every player points at a file that exists,
# waveforms are drawn, nothing from the journal becomes markup, nothing
# is fetched from the network, and the usage errors.
. "$(dirname "$0")/lib.sh"

# ---- a hostile tag experiment (tests/report/hostile_run.lua)
W=$(fresh_dir page)
cd "$W" || exit 1
sandbox_run "$HERE/hostile_run.lua" out >run.log 2>&1
check "the hostile run succeeds" grep -q '^ok$' run.log

report -o page.html 2>report.log
check "report exits 0" test $? -eq 0
check "the page is written" test -s page.html
check "no temporary file is left" test -z "$(ls | grep '\.tmp-')"

# every player's source is a file that exists, relative to the page
n=0; missing=0
while IFS= read -r src; do
  n=$((n + 1))
  f=$(url_decode "$src")
  case "$src" in http:*|https:*|/*) missing=$((missing + 1)); continue;; esac
  [ -f "$W/$f" ] || { echo "  missing: $src -> $f"; missing=$((missing + 1)); }
done < <(audio_srcs page.html)
# 5 files; the source clip shows twice (in its task and its experiment row)
check "6 players (got $n)" test "$n" -eq 6
check "every player's source exists" test "$missing" -eq 0
check "names are URL-escaped" grep -q 'src="out/with%20space%20%231%25/orig%3C1%3E.mp3"' page.html
check "the WAV gets a player" grep -q 'src="out/b-2.wav"' page.html

# waveforms: one per downloaded clip shown, each a real outline
waves=$(grep -o '<svg class="wave"' page.html | wc -l)
check "6 waveforms (got $waves)" test "$waves" -eq 6
points=$(grep -o '<path class="pk" d="[^"]*"' page.html | head -1 | grep -o L | wc -l)
check "a waveform has ~800 points (got $points)" test "$points" -ge 790

# injection: every journal string is escaped
check "the hostile title is escaped" grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' page.html
check "no raw hostile title" bash -c "! grep -q '<script>alert(1)' page.html"
check "one script element only (ours)" test "$(grep -o '<script' page.html | wc -l)" -eq 1
check "no injected img" bash -c "! grep -qi '<img' page.html"
check "quotes in tags are escaped" grep -q '&quot;&gt;&lt;img src=x onerror=alert(2)&gt;' page.html
check "no injected <i> or <b>" bash -c "! grep -q '<i>x</i>\|<b>bold' page.html"
check "CSP names the script's hash" grep -q "script-src 'sha256-" page.html

# offline: nothing from elsewhere
check "no remote src/href" bash -c "! grep -Eq '(src|href)=\"(https?:)?//' page.html"
check "the sandbox's dead URLs are not used" bash -c "! grep -q '127.0.0.1' page.html"

# the experiment row: the source and both covers
check "a tag experiment row" grep -q '<div class="row">' page.html
row=$(sed -n '/<div class="row">/,/<\/div>$/p' page.html | grep -o 'class="kind">[a-z_]*' | tr '\n' ' ')
check "row = source + 2 covers ($row)" test "$row" = 'class="kind">source class="kind">cover_music class="kind">cover_music '
check "credits spent in the header" grep -q 'credits spent</dt><dd>47' page.html
check "the create task is named" grep -q 'class="kind">create_music' page.html

# ---- the same run by id, from another folder, into a sub-folder
RUN=$(sed -n 's/^report of run \([^:]*\):.*/\1/p' report.log)
check "the run id is printed" test -n "$RUN"
mkdir -p sub/deeper
report "$RUN" -o sub/deeper/p.html 2>/dev/null
check "report RUN into a sub-folder" test -s sub/deeper/p.html
check "paths climb out of it" grep -q 'src="../../out/a-1.mp3"' sub/deeper/p.html
mkdir -p elsewhere
(cd elsewhere && report "$RUN" --journal ../.sonicflow/journal.db -o p.html 2>/dev/null)
check "--journal from another folder" grep -q 'src="../out/a-1.mp3"' elsewhere/p.html

# ---- the example of the README: tag_experiment.lua
W2=$(fresh_dir page-example)
cd "$W2" || exit 1
sandbox_run "$SRC/scripts/examples/tag_experiment.lua" styles "lo-fi, mellow" "jazz" >run.log 2>&1
check "the tag experiment example runs" test $? -eq 0
report -o report.html 2>/dev/null
check "its report" test -s report.html
covers=$(grep -o 'class="kind">cover_music' report.html | wc -l)
check "its two covers side by side (got $covers)" test "$covers" -eq 2
n=0; missing=0
while IFS= read -r src; do
  n=$((n + 1)); [ -f "$W2/$(url_decode "$src")" ] || missing=$((missing + 1))
done < <(audio_srcs report.html)
check "its 6 players exist (got $n, $missing missing)" test "$n" -eq 6 -a "$missing" -eq 0
check "a clip that was not downloaded says so" grep -q 'not downloaded in this run' report.html

# ---- a journal with broken records still gives a page
if command -v sqlite3 >/dev/null; then
  cd "$W" || exit 1
  mkdir -p broken/.sonicflow
  cp .sonicflow/journal.db broken/.sonicflow/
  cp -r out broken/
  sqlite3 broken/.sonicflow/journal.db "
    UPDATE task_results SET body = '{not json' WHERE rowid = 1;
    UPDATE task_results SET body = '{\"data\":{\"clip_id\":1}}' WHERE rowid = 2;
    UPDATE steps SET request = 'garbage' WHERE seq = 2;
    UPDATE downloads SET dest = 'out/gone.mp3' WHERE dest = 'out/a-2.mp3';
    INSERT INTO downloads VALUES ('$RUN', 'x/audio', 'out/../../../../etc/passwd', 1, 'x');"
  (cd broken && report -o p.html 2>/dev/null)
  check "broken records: exit 0" test $? -eq 0
  check "broken records: the page says what is missing" \
    grep -q 'no final status in the journal' broken/p.html
  check "broken records: a deleted file has no player" \
    bash -c "! grep -q 'gone.mp3' broken/p.html"
else
  echo "skip the broken-journal case: no sqlite3 command"
fi

# ---- usage and errors
cd "$W" || exit 1
report >/dev/null 2>&1;                         check "no -o: usage (2)" test $? -eq 2
report a b -o x.html >/dev/null 2>&1;           check "two runs: usage (2)" test $? -eq 2
report --bogus -o x.html >/dev/null 2>&1;       check "unknown option: usage (2)" test $? -eq 2
report -h >/dev/null 2>&1;                      check "-h: 0" test $? -eq 0
report nope-run -o x.html >/dev/null 2>&1;      check "unknown run: 1" test $? -eq 1
report -o x.html --journal none.db >/dev/null 2>&1; check "no journal: 1" test $? -eq 1
report -o no/such/dir/x.html >/dev/null 2>&1;   check "no such folder: 1" test $? -eq 1
check "nothing written on errors" test ! -e x.html

finish
