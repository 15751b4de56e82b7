#!/usr/bin/env bash
# install_luarocks.sh SOURCE_DIR PROJECT_VERSION
#
# `luarocks --lua-version 5.4 make` of the checkout's rockspec, in a copy
# of the source (luarocks builds in ./build.luarocks) and into a temporary
# tree: the rock's version is the project's, it installs sonic.so only,
# and stock lua5.4 with `luarocks path` for that tree (and nothing else)
# runs a recipe with it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
src=$1 version=$2
sf_tmpdir
sandbox="--speed 500 --clip-seconds 3 --credits 1000"

specs=("$src"/sonicflow-*.rockspec)
((${#specs[@]} == 1)) || fail "want exactly one rockspec, found ${#specs[@]}"
[[ $(basename "${specs[0]}") == "sonicflow-$version-1.rockspec" ]] ||
  fail "$(basename "${specs[0]}") does not match project() version $version"

# the source without builds or git metadata
mkdir "$SF_TMP/src"
tar -C "$src" --exclude='./build*' --exclude=./.git --exclude=./out \
    --exclude=.sonicflow -cf - . | tar -C "$SF_TMP/src" -xf -
tree=$SF_TMP/tree
(cd "$SF_TMP/src" &&
 CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) HOME=$SF_TMP/home \
   luarocks --lua-version 5.4 make --tree "$tree") > "$SF_TMP/rock.log" 2>&1 ||
  { tail -40 "$SF_TMP/rock.log"; fail "luarocks make"; }

# only sonic.so is built and deployed (SF_MODULE_ONLY)
[[ -f $tree/lib/lua/5.4/sonic.so ]] || fail "no sonic.so in the rock tree"
if grep -q 'Building C object.*sonicflow\.dir' "$SF_TMP/rock.log"; then
  fail "the rock built the sonicflow program too"
fi
[[ ! -e $tree/bin/sonicflow ]] || fail "the rock installed the program"

# lua5.4 with just the tree's paths
paths=$(HOME=$SF_TMP/home luarocks --lua-version 5.4 path --tree "$tree" |
        sed -nE "s/^export (LUA_C?PATH(_5_4)?)='(.*)'$/\1=\3/p")
[[ $paths == *LUA_CPATH*"$tree"* ]] || fail "luarocks path: $paths"
# shellcheck disable=SC2086  # NAME=VALUE words, no spaces in them
found=$(clean $paths lua5.4 -e 'print(package.searchpath("sonic", package.cpath))')
[[ $found == "$tree/lib/lua/5.4/sonic.so" ]] ||
  fail "require \"sonic\" would load $found, not the rock's"
rc=0
# shellcheck disable=SC2086  # NAME=VALUE words, no spaces in them
clean $paths "SONICFLOW_SANDBOX_ARGS=$sandbox" lua5.4 \
  "$src/scripts/examples/cookbook/plain_lua.lua" out > "$SF_TMP/mod.out" 2>&1 ||
  rc=$?
((rc == 0)) || { cat "$SF_TMP/mod.out"; fail "lua5.4 with the rock's sonic.so: rc $rc"; }
expect_grep 'credits left: 985' "$SF_TMP/mod.out" "module recipe"
(($(count_mp3 "$SF_TMP/work/out") >= 2)) || fail "too few MP3s"
echo "luarocks make built sonic.so only; lua5.4 ran a recipe with the rock"
