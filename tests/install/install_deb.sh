#!/usr/bin/env bash
# install_deb.sh BUILD_DIR
#
# The Debian package: `cpack -G DEB` of BUILD_DIR; its Depends name the
# package of every shared library the binary and sonic.so really load
# (so they came from dpkg-shlibdeps, not a list); the files sit in the
# Debian layout; lintian (when installed) reports no error and no
# warning. Then the package is used:
#
#   installed  as root on CI (CI=true) or with SF_TEST_DEB_INSTALL=1, when
#              no sonicflow package is installed already: `apt-get install
#              ./sonicflow_*.deb` (which pulls missing dependencies), the
#              installed sonicflow runs an example, lua5.4 requires
#              "sonic" with no package.cpath edit, `man -w sonicflow`
#              finds the page; then `apt-get purge` (also on failure);
#   extracted  anywhere else, as a weaker substitute that changes nothing
#              on the machine: every Depends is checked against the
#              installed packages, and the extracted binary and module run.
#
# The last line says which of the two was done.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
build=$1
sf_tmpdir
sandbox="--speed 500 --clip-seconds 3 --credits 1000"
cmod=$(pkg-config --variable=INSTALL_CMOD lua5.4)       # /usr/lib/<ma>/lua/5.4

(cd "$build" && cpack -G DEB -B "$SF_TMP/deb") > "$SF_TMP/cpack.log" 2>&1 ||
  { cat "$SF_TMP/cpack.log"; fail "cpack -G DEB"; }
debs=("$SF_TMP"/deb/sonicflow_*.deb)
((${#debs[@]} == 1)) && [[ -f ${debs[0]} ]] || fail "no single sonicflow_*.deb"
deb=${debs[0]}
echo "built $(basename "$deb")"

# --- Depends: one package for each library actually loaded ------------------
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
[[ -n $depends ]] || fail "the package has no Depends (dpkg-shlibdeps did not run)"
# owner PATH: the package that ships the file, under either name the
# merged /usr gives it (/lib/x.so and /usr/lib/x.so)
owner () {
  local real p
  real=$(realpath "$1")
  for p in "$1" "$real" "${real#/usr}" "/usr${1#/usr}"; do
    dpkg -S "$p" 2>/dev/null | head -1 | cut -d: -f1 | grep . && return
  done
  return 0
}
for elf in "$build/sonicflow" "$build/sonic.so"; do
  # the libraries it links itself (NEEDED), where the loader finds them
  for soname in $(readelf -d "$elf" | sed -nE 's/.*NEEDED.*\[(.*)\]/\1/p'); do
    path=$(ldd "$elf" | awk -v so="$soname" '$1 == so { print $3 }')
    [[ -n $path ]] || fail "$(basename "$elf"): $soname not found by ldd"
    pkg=$(owner "$path")
    [[ -n $pkg ]] || fail "$soname ($path) belongs to no package"
    grep -Eq "(^|, )$pkg( |,|$)" <<<"$depends" ||
      fail "$(basename "$elf") links $soname (package $pkg), not in Depends"
  done
done

# the library opened with dlopen (aubio, for `analyze`) is in no NEEDED
# list, so dpkg-shlibdeps cannot find it: its package must be named
if readelf -d "$build/sonicflow" | grep -q 'NEEDED.*libaubio'; then
  fail "sonicflow links libaubio: every start would load its ~140 libraries"
fi
aubio_pkg=$(owner "$(ldconfig -p | awk '$1 == "libaubio.so.5" { print $NF; exit }')")
[[ -n $aubio_pkg ]] || fail "libaubio.so.5 belongs to no package"
grep -Eq "(^|, )$aubio_pkg( |,|$)" <<<"$depends" ||
  fail "analyze opens libaubio.so.5 (package $aubio_pkg), not in Depends"

# --- layout -------------------------------------------------------------------
dpkg-deb -c "$deb" | awk '{ print $6 }' > "$SF_TMP/files"
for f in ./usr/bin/sonicflow ".$cmod/sonic.so" \
         ./usr/share/man/man1/sonicflow.1.gz \
         ./usr/share/bash-completion/completions/sonicflow \
         ./usr/share/doc/sonicflow/copyright \
         ./usr/share/doc/sonicflow/changelog.gz \
         ./usr/share/sonicflow/types/sonic.lua \
         ./usr/share/sonicflow/examples/cover_extend_stems.lua; do
  grep -qxF "$f" "$SF_TMP/files" || fail "the package lacks $f"
done
if grep -q '^\./usr/local' "$SF_TMP/files"; then fail "files under /usr/local"; fi

# --- lintian --------------------------------------------------------------------
if command -v lintian > /dev/null; then
  rc=0
  lintian -I --fail-on error,warning "$deb" > "$SF_TMP/lintian" 2>&1 || rc=$?
  grep -v 'running with root privileges' "$SF_TMP/lintian" || true
  ((rc == 0)) || fail "lintian reports errors or warnings (rc $rc)"
  lint="lintian: 0 errors, 0 warnings, $(grep -c '^I:' "$SF_TMP/lintian") info tags"
else
  lint="lintian not installed: not run (apt-get install lintian)"
fi
echo "$lint"

# --- use it ---------------------------------------------------------------------
# run_installed BIN MODULE_CPATH EXAMPLES: the example with the package's
# binary, a recipe with its module
run_installed () {
  local bin=$1 cpath=$2 examples=$3 rc=0
  clean "$bin" --version | grep -q "^sonicflow " || fail "$bin --version"
  clean "$bin" run --no-progress --sandbox-args "$sandbox" \
    "$examples/cover_extend_stems.lua" out > "$SF_TMP/run.out" 2>&1 || rc=$?
  ((rc == 0)) || { cat "$SF_TMP/run.out"; fail "$bin run: rc $rc"; }
  (($(count_mp3 "$SF_TMP/work/out") >= 3)) || fail "$bin run: too few MP3s"
  # analyze opens aubio with dlopen: a missing Depends fails here
  clean "$bin" analyze --json "$(find "$SF_TMP/work/out" -name '*.mp3' | head -1)" \
    > "$SF_TMP/analyze.out" 2>&1 || { cat "$SF_TMP/analyze.out"; fail "$bin analyze"; }
  expect_grep '"bpm"' "$SF_TMP/analyze.out" "analyze of a downloaded clip"
  if command -v lua5.4 > /dev/null; then
    clean ${cpath:+"LUA_CPATH_5_4=$cpath"} "SONICFLOW_SANDBOX_ARGS=$sandbox" \
      lua5.4 "$examples/cookbook/plain_lua.lua" mod > "$SF_TMP/mod.out" 2>&1 ||
      { cat "$SF_TMP/mod.out"; fail "lua5.4 with the package's sonic.so"; }
    expect_grep 'credits left: 985' "$SF_TMP/mod.out" "module recipe"
  fi
}

if [[ $(id -u) -eq 0 && (${CI:-} == true || ${SF_TEST_DEB_INSTALL:-} == 1) ]] &&
   ! dpkg-query -W -f='${Status}' sonicflow 2>/dev/null | grep -q installed; then
  export DEBIAN_FRONTEND=noninteractive
  apt=(apt-get -y -q -o DPkg::Lock::Timeout=120)
  trap '"${apt[@]}" purge sonicflow > /dev/null 2>&1 || dpkg --purge sonicflow
        rm -rf "$SF_TMP"' EXIT
  "${apt[@]}" install "$deb" > "$SF_TMP/apt.log" 2>&1 ||
    { cat "$SF_TMP/apt.log"; fail "apt-get install ./$(basename "$deb")"; }
  [[ $(command -v sonicflow) == /usr/bin/sonicflow ]] ||
    fail "sonicflow is not on PATH after the install"
  run_installed /usr/bin/sonicflow "" /usr/share/sonicflow/examples
  if command -v man > /dev/null; then
    [[ $(man -w sonicflow) == /usr/share/man/man1/sonicflow.1.gz ]] ||
      fail "man -w sonicflow: $(man -w sonicflow 2>&1)"
  fi
  "${apt[@]}" purge sonicflow > "$SF_TMP/apt.log" 2>&1 ||
    { cat "$SF_TMP/apt.log"; fail "apt-get purge sonicflow"; }
  [[ ! -e /usr/bin/sonicflow && ! -e $cmod/sonic.so ]] ||
    fail "files left after the purge"
  echo "installed with apt-get install ./$(basename "$deb"), ran the example" \
       "and the module (no cpath edit), purged"
else
  # every Depends alternative list must have one installed, new enough
  IFS=',' read -ra deps <<<"$depends"
  for dep in "${deps[@]}"; do
    ok=0
    IFS='|' read -ra alts <<<"$dep"
    for alt in "${alts[@]}"; do
      read -r name op ver <<<"$(sed -E 's/[()]//g' <<<"$alt")"
      have=$(dpkg-query -W -f='${Status} ${Version}\n' "$name" 2>/dev/null |
             awk '/ installed / { print $4 }' | head -1)
      [[ -n $have ]] || continue
      if [[ -z ${op:-} ]] || dpkg --compare-versions "$have" "$op" "$ver"; then
        ok=1
      fi
    done
    ((ok)) || fail "dependency not satisfied here: $dep"
  done
  dpkg-deb -x "$deb" "$SF_TMP/root"
  run_installed "$SF_TMP/root/usr/bin/sonicflow" "$SF_TMP/root$cmod/?.so" \
    "$SF_TMP/root/usr/share/sonicflow/examples"
  echo "extracted into a temporary root (not installed: needs root and" \
       "CI=true or SF_TEST_DEB_INSTALL=1, and no sonicflow package present);" \
       "every Depends is satisfied; the extracted binary and module ran"
fi
