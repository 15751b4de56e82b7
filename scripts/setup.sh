#!/usr/bin/env bash
# Shared by scripts/demo.sh and scripts/test.sh: install what is missing
# (Debian packages), then configure and build into the given directory.
# Usage: scripts/setup.sh BUILD_DIR [extra cmake args...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$1"; shift

# Debian package for each pkg-config module / tool the build needs
# (SF_EXTRA_PACKAGES adds more, e.g. clang for the fuzzers).
# lua5.4 runs cmake/md2man.lua, which makes the man page from docs/cli.md.
packages=(cmake gcc make pkg-config liblua5.4-dev lua-cjson-dev
          libcurl4-openssl-dev libmicrohttpd-dev libsqlite3-dev
          libmp3lame-dev libjpeg-dev libmpg123-dev libebur128-dev libaubio-dev
          zlib1g-dev lua5.4 ${SF_EXTRA_PACKAGES:-})
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  cmd="apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    $cmd >/dev/null
  else
    echo "setup: missing packages; run as root:" >&2
    echo "  sudo apt-get update && sudo $cmd" >&2
    exit 1
  fi
fi

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
