#!/usr/bin/env bash
# install_prefix.sh BUILD_DIR
#
# `cmake --install BUILD_DIR --prefix TMP`, then, with a clean environment
# and from a directory far from the build tree: every file is where
# docs/install.md says, nothing went outside the prefix, nothing points
# back into the build (no RUNPATH), `sonicflow --version` names its
# libraries, the installed binary runs the README's example and the
# installed sonic.so runs a recipe under stock lua5.4.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
build=$1
sf_tmpdir
# DESTDIR: whatever the install writes lands under $SF_TMP/root, where a
# file outside the prefix shows (the build's install_manifest.txt could
# be rewritten by a concurrent cpack)
prefix=$SF_TMP/root/opt/sonicflow
sandbox="--speed 500 --clip-seconds 3 --credits 1000"

DESTDIR=$SF_TMP/root cmake --install "$build" --prefix /opt/sonicflow \
  > "$SF_TMP/install.log" ||
  { cat "$SF_TMP/install.log"; fail "cmake --install"; }

for f in bin/sonicflow lib/lua/5.4/sonic.so \
         share/sonicflow/types/sonic.lua \
         share/sonicflow/examples/cover_extend_stems.lua \
         share/sonicflow/examples/cookbook/plain_lua.lua \
         share/doc/sonicflow/README.md share/doc/sonicflow/cli.md \
         share/doc/sonicflow/install.md share/doc/sonicflow/copyright \
         share/doc/sonicflow/changelog.gz share/man/man1/sonicflow.1.gz \
         share/bash-completion/completions/sonicflow; do
  [[ -f $prefix/$f ]] || fail "not installed: $f"
done
[[ -x $prefix/bin/sonicflow ]] || fail "bin/sonicflow is not executable"
# every file the install wrote is under the prefix
outside=$(find "$SF_TMP/root" -mindepth 1 -not -path "$SF_TMP/root/opt" \
               -not -path "$prefix" -not -path "$prefix/*")
[[ -z $outside ]] || fail "installed outside the prefix: $outside"
for elf in bin/sonicflow lib/lua/5.4/sonic.so; do
  if readelf -d "$prefix/$elf" | grep -Eq 'RUNPATH|RPATH'; then
    fail "$elf keeps a RUNPATH into the build tree"
  fi
done
gzip -t "$prefix/share/man/man1/sonicflow.1.gz" || fail "man page gzip"

# --version: one line, with Lua, libcurl and SQLite
clean "$prefix/bin/sonicflow" --version > "$SF_TMP/version"
[[ $(wc -l < "$SF_TMP/version") -eq 1 ]] || fail "--version: not one line"
expect_grep '^sonicflow [0-9]+\.[0-9]+\.[0-9]+ \(Lua 5\.4\.[0-9]+, libcurl [0-9.]+, SQLite 3\.[0-9.]+\)$' \
  "$SF_TMP/version" "--version"

# the binary: the README's example, from the installed examples
rc=0
clean "$prefix/bin/sonicflow" run --no-progress --sandbox-args "$sandbox" \
  "$prefix/share/sonicflow/examples/cover_extend_stems.lua" out \
  > "$SF_TMP/run.out" 2>&1 || rc=$?
((rc == 0)) || { cat "$SF_TMP/run.out"; fail "installed sonicflow run: rc $rc"; }
n=$(count_mp3 "$SF_TMP/work/out")
((n >= 3)) || { cat "$SF_TMP/run.out"; fail "only $n MP3 files from the run"; }

# the module: stock lua5.4 finds it with only the prefix's C-module dir
rc=0
clean "LUA_CPATH_5_4=$prefix/lib/lua/5.4/?.so" \
  "SONICFLOW_SANDBOX_ARGS=$sandbox" \
  lua5.4 "$prefix/share/sonicflow/examples/cookbook/plain_lua.lua" mod \
  > "$SF_TMP/mod.out" 2>&1 || rc=$?
((rc == 0)) || { cat "$SF_TMP/mod.out"; fail "lua5.4 + installed sonic.so: rc $rc"; }
expect_grep 'credits left: 985' "$SF_TMP/mod.out" "module recipe"
n=$(count_mp3 "$SF_TMP/work/mod")
((n >= 2)) || fail "only $n MP3 files from the module run"
# bash-completion finds the installed completion through XDG_DATA_DIRS
loader=/usr/share/bash-completion/bash_completion
if [[ -f $loader ]]; then
  clean "XDG_DATA_DIRS=$prefix/share:/usr/share" "PATH=$prefix/bin:/usr/bin:/bin" \
    bash -c '. '"$loader"' && __load_completion sonicflow &&
             COMP_WORDS=(sonicflow ru) COMP_CWORD=1 &&
             $(complete -p sonicflow | sed -E "s/.*-F ([^ ]+).*/\1/") &&
             echo "${COMPREPLY[*]}"' > "$SF_TMP/comp.out" 2>&1 ||
    { cat "$SF_TMP/comp.out"; fail "bash-completion did not load it"; }
  expect_grep '^run runs$|^runs run$' "$SF_TMP/comp.out" "loaded completion"
  completion="bash-completion loads the completion"
else
  completion="bash-completion not installed: its loader not checked"
fi

echo "$completion"
echo "installed into a temporary prefix: binary ran the example ($(count_mp3 "$SF_TMP/work/out") MP3), module ran a recipe ($n MP3)"
