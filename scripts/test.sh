#!/usr/bin/env bash
# The README's second command: install what is missing, build, and run the
# whole test suite twice: once in a normal build, once under
# AddressSanitizer + UndefinedBehaviorSanitizer; then the fuzzers briefly.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="$(nproc)"

# chromium: the report is checked in a real (headless) browser;
# tests/install: dpkg-dev (dpkg-shlibdeps) and file for cpack's .deb,
# lintian, luarocks, bash-completion, man-db/groff-base for the man page;
# sqlite3: tests/hardening reads the journal; curl, python3-jsonschema:
# tests/drift; ffmpeg: tests/analyze checks the loudness against its
# ebur128 filter; python3-selenium and chromium-driver:
# tests/report/experiment_browser.py drives chromium
SF_EXTRA_PACKAGES="chromium lua5.4 dpkg-dev file lintian luarocks
  bash-completion man-db groff-base sqlite3 curl python3-jsonschema ffmpeg
  python3-selenium chromium-driver" "$root/scripts/setup.sh" "$root/build"
(cd "$root/build" && ctest --output-on-failure -j "$jobs")

"$root/scripts/setup.sh" "$root/build-asan" -DSF_ASAN=ON -DSF_UBSAN=ON
# Lua and libcurl come from Debian, built without sanitizers: leaks they
# hold at exit are theirs, ours are reported with our frames.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
(cd "$root/build-asan" && ctest --output-on-failure -j "$jobs")

# The libFuzzer harnesses, briefly (clang; longer runs: tests/fuzz/).
SF_EXTRA_PACKAGES="clang libclang-rt-14-dev" CC=clang \
  "$root/scripts/setup.sh" "$root/build-fuzz" -DSF_FUZZ=ON
(cd "$root/build-fuzz" && ctest --output-on-failure)
