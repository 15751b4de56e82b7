#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run the
# example workflow (create -> cover -> extend -> concat -> stems ->
# download) against the built-in sandbox. The MP3s land in ./out/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh" "$root/build"
out="${1:-$root/out}"
"$root/build/sonicflow" run "$root/scripts/examples/cover_extend_stems.lua" "$out"
echo
echo "Done: the audio files are in $out/"
ls -l "$out"
