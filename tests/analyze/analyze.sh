#!/usr/bin/env bash
# analyze.sh SONICFLOW MAKE_CLIP: `sonicflow analyze` against ffmpeg's
# ebur128 filter and against what the synth knows it rendered.
set -uo pipefail
bin=$1 make=$2
cd "${TEST_TMPDIR:-$(mktemp -d)}" || exit 1
pass=0 failed=0
ok () { echo "ok: $*"; pass=$((pass + 1)); }
bad () { echo "FAIL: $*"; failed=$((failed + 1)); }
# field FILE.json NAME: the first number of "NAME": in a one-file document
field () { grep -oE "\"$2\": -?[0-9.]+" "$1" | head -1 | awk '{print $2}'; }
within () { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

# clips: one idea (seed 7) as rock and as a lo-fi cover, its WAV, a
# different idea (seed 12345); a mellow and an energetic take
"$make" rock.mp3 7 20 rock > /dev/null
rock_bpm=$("$make" rock.wav 7 20 rock bpm)
lofi_bpm=$("$make" lofi.mp3 7 20 lo-fi bpm)
"$make" other.mp3 12345 20 rock > /dev/null
"$make" mellow.mp3 7 20 "rock, mellow" > /dev/null
"$make" energetic.mp3 7 20 "rock, energetic" > /dev/null

# (a) integrated loudness within 0.5 LU of ffmpeg's
for f in rock.mp3 rock.wav lofi.mp3 other.mp3; do
  "$bin" analyze --json "$f" > "$f.json" || { bad "$f: analyze failed"; continue; }
  ours=$(field "$f.json" lufs)
  theirs=$(ffmpeg -nostats -i "$f" -af ebur128 -f null - 2>&1 |
           awk '/^ +I:/ { v = $2 } END { print v }')
  if [[ -n $ours && -n $theirs ]] && within "$ours" "$theirs" 0.5; then
    ok "$f: $ours LUFS, ffmpeg $theirs"
  else
    bad "$f: $ours LUFS, ffmpeg '$theirs'"
  fi
done

# (b) tempo within 2 BPM of the synth's (after folding into 70-180)
for pair in "rock.wav $rock_bpm" "lofi.mp3 $lofi_bpm"; do
  set -- $pair
  got=$(field "$1.json" bpm)
  if within "$got" "$2" 2; then ok "$1: $got BPM, synth $2"
  else bad "$1: $got BPM, synth $2"; fi
done

# (c) the energetic take is faster than the mellow one, and brighter
"$bin" analyze --json mellow.mp3 > m.json && "$bin" analyze --json energetic.mp3 > e.json
mb=$(field m.json bpm) eb=$(field e.json bpm)
mc=$(field m.json centroid_hz) ec=$(field e.json centroid_hz)
if awk -v m="$mb" -v e="$eb" 'BEGIN { exit !(e > m + 5) }'; then
  ok "energetic $eb BPM > mellow $mb"; else bad "energetic $eb BPM, mellow $mb"; fi
if awk -v m="$mc" -v e="$ec" 'BEGIN { exit !(e > m) }'; then
  ok "energetic $ec Hz brighter than mellow $mc"; else bad "centroid energetic $ec, mellow $mc"; fi

# (d) a cover keeps the song: it scores higher against its source than a
# different song does
"$bin" analyze --json --ref rock.mp3 lofi.mp3 > cover.json
"$bin" analyze --json --ref rock.mp3 other.mp3 > other.json
cs=$(field cover.json chroma_similarity) os=$(field other.json chroma_similarity)
if awk -v c="$cs" -v o="$os" 'BEGIN { exit !(c > o + 0.1) }'; then
  ok "cover $cs > unrelated $os"; else bad "cover $cs, unrelated $os"; fi

# (e) bad input: one clear line each, exit 1, no crash; the good file
# in the same call is still measured
echo "just some text" > notes.txt
head -c 300 rock.mp3 > cut_short.mp3
head -c 100000 rock.mp3 > cut_mid.mp3
"$bin" analyze rock.mp3 notes.txt missing.mp3 cut_short.mp3 > table.txt 2> err.txt
rc=$?
[[ $rc == 1 ]] && ok "bad files: exit 1" || bad "bad files: exit $rc"
grep -q "notes.txt: not an audio file" err.txt && ok "text file named" || bad "text: $(cat err.txt)"
grep -q "missing.mp3: No such file" err.txt && ok "missing file named" || bad "missing: $(cat err.txt)"
grep -q "cut_short.mp3: .*MP3" err.txt && ok "short MP3 named" || bad "short: $(cat err.txt)"
grep -qE "^rock.mp3 +20\.0" table.txt && ok "good file still measured" || bad "table: $(cat table.txt)"
"$bin" analyze --json cut_mid.mp3 > mid.json
d=$(field mid.json duration)
awk -v d="$d" 'BEGIN { exit !(d > 1 && d < 10) }' && ok "mid-cut MP3: the $d s that are there" ||
  bad "mid-cut MP3: duration '$d'"
"$bin" analyze --bogus x > /dev/null 2>&1; rc=$?
[[ $rc == 2 ]] && ok "unknown option: exit 2" || bad "unknown option: exit $rc"
"$bin" analyze --ref missing.mp3 rock.mp3 > /dev/null 2>&1; rc=$?
[[ $rc == 2 ]] && ok "unreadable --ref: exit 2" || bad "unreadable --ref: exit $rc"

# sonic.analyze: the same measures as a table, errors with their kind
cat > lua_analyze.lua <<'LUA'
local m = sonic.analyze("lofi.mp3", {ref = "rock.mp3"})
assert(type(m.lufs) == "number" and #m.chroma == 12, "measures")
assert(m.chroma_similarity > 0.5, "similarity " .. tostring(m.chroma_similarity))
local ok, e = pcall(sonic.analyze, "notes.txt")
assert(not ok and e.kind == "bad_request", tostring(e))
ok, e = pcall(sonic.analyze, "missing.mp3")
assert(not ok and e.kind == "io", tostring(e))
print("lua ok")
LUA
if "$bin" run --no-journal -q lua_analyze.lua 2>&1 | grep -q "lua ok"; then
  ok "sonic.analyze"; else bad "sonic.analyze: $("$bin" run --no-journal -q lua_analyze.lua 2>&1)"; fi

echo "$pass passed, $failed failed"
[[ $failed == 0 ]]
