#!/bin/sh
# links_alone.sh BINARY LINKS_FILE -- the synthesizer links only
# libmp3lame and libm (issue 13): fail if the synth test BINARY needs
# libmicrohttpd or SQLite at run time, or if the link libraries CMake
# recorded for sfsynth (LINKS_FILE) name them or the sandbox library.
bin=$1 links=$2
fail=0
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
if [ -z "$needed" ]; then
  echo "FAIL: cannot read the NEEDED entries of $bin"
  exit 1
fi
echo "NEEDED by $(basename "$bin"): $(echo $needed)"
case "$needed" in
  *libmp3lame*) ;;
  *) echo "FAIL: $bin does not link libmp3lame (is this a synth test?)"
     fail=1 ;;
esac
for lib in libmicrohttpd libsqlite3; do
  if echo "$needed" | grep -q "^$lib"; then
    echo "FAIL: $bin needs $lib"
    fail=1
  fi
done
echo "sfsynth links: $(cat "$links")"
if grep -qiE 'MHD|microhttpd|SQLITE|sfsandbox|sfcore' "$links"; then
  echo "FAIL: sfsynth's link interface names the HTTP server, SQLite or" \
       "the sandbox/core library"
  fail=1
fi
[ $fail -eq 0 ] && echo "ok: the synthesizer links alone"
exit $fail
