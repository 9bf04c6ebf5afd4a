#!/bin/sh
# check-rule-keys.sh: fail when a key of the rule-file format (the loader's table, as
# `planmetrics rules keys` prints it) is missing from the README's key table or from the
# header of rules/base.rules, or when either documents a key the loader does not know.
# usage: sh scripts/check-rule-keys.sh BINARY...   (README=, BASE_RULES= to check other copies)
set -u
cd "$(dirname "$0")/.."
readme=${README:-README.md}
base=${BASE_RULES:-rules/base.rules}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
"$@" rules keys >"$tmp/out" || { echo "check-rule-keys: '$* rules keys' failed"; exit 2; }
# the key names: first word of each indented line
sed -n 's/^  \([a-z][a-z]*\).*/\1/p' "$tmp/out" | sort -u >"$tmp/table"
# README: the first backquoted word of each row of the table under "## Rule files"
awk '/^## Rule files/ {on = 1; next} /^## / {on = 0} on && /^\| `/' "$readme" |
    sed 's/^| `\([a-z][a-z]*\).*/\1/' | sort -u >"$tmp/readme"
# base.rules: "#   KEY ..." lines of the comment block before the first line that is not one
awk '!/^#/ {exit} /^#   [a-z]/' "$base" | sed 's/^#   \([a-z][a-z]*\).*/\1/' | sort -u >"$tmp/base"
bad=0
for doc in readme base; do
    name=$readme; [ $doc = base ] && name=$base
    for k in $(comm -23 "$tmp/table" "$tmp/$doc"); do echo "check-rule-keys: $name does not document the key '$k'"; bad=1; done
    for k in $(comm -13 "$tmp/table" "$tmp/$doc"); do echo "check-rule-keys: $name documents '$k', which is no key"; bad=1; done
done
[ $bad = 0 ] && echo "check-rule-keys: $(wc -l <"$tmp/table") keys, each in $readme and $base"
exit $bad
