#!/usr/bin/env bash
# check_links.sh ROOT
#
# The guides' relative links point at files that exist, and the cookbook
# names every script under scripts/examples/cookbook/.
set -uo pipefail

root=$1
bad=0
for md in README.md docs/getting-started.md docs/cookbook.md; do
  dir=$(dirname "$root/$md")
  # [text](target): relative targets only, without their #anchor
  while IFS= read -r target; do
    target=${target%%#*}
    [[ -z $target || $target == *://* || $target == mailto:* ]] && continue
    if [[ ! -e $dir/$target ]]; then
      echo "FAIL: $md links to $target, which does not exist"
      bad=$((bad + 1))
    fi
  done < <(grep -oE '\]\([^)]+\)' "$root/$md" | sed -E 's/^\]\((.*)\)$/\1/')
done
for script in "$root"/scripts/examples/cookbook/*.lua; do
  name=scripts/examples/cookbook/$(basename "$script")
  if ! grep -q "$name" "$root/docs/cookbook.md"; then
    echo "FAIL: docs/cookbook.md does not mention $name"
    bad=$((bad + 1))
  fi
done
echo "$bad problem(s)"
((bad == 0))
