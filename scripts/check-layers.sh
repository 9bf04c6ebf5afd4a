#!/bin/sh
# check-layers.sh: fail when a folder of the library includes a header of a layer above it.
# The layers, bottom up: base < text, ruleset < extract; output sits on base only; cli on all.
set -u
cd "$(dirname "$0")/.."
allowed() {
    case $1 in
    base) echo "base" ;;
    text) echo "base text" ;;
    ruleset) echo "base ruleset" ;;
    extract) echo "base text ruleset extract" ;;
    output) echo "base output" ;;
    cli) echo "base text ruleset extract output cli" ;;
    esac
}
bad=0
for dir in base text ruleset extract output cli; do
    ok=$(allowed $dir)
    for f in "$dir"/*.c "$dir"/*.h; do
        [ -e "$f" ] || continue
        grep -n '^#include "' "$f" | while IFS= read -r hit; do
            inc=${hit#*\"}; inc=${inc%%\"*}
            top=${inc%%/*}
            [ "$top" = "$inc" ] && { echo "$f:${hit%%:*}: '$inc' has no folder: write '$dir/$inc'"; echo x; continue; }
            case " $ok " in *" $top "*) ;; *) echo "$f:${hit%%:*}: '$dir/' may not include '$inc' (allowed: $ok)"; echo x ;; esac
        done
    done
done | { n=0; while IFS= read -r l; do if [ "$l" = x ]; then n=$((n+1)); else echo "check-layers: $l" >&2; fi; done; [ $n = 0 ]; } || bad=1
[ $bad = 0 ] && echo "check-layers: every include goes down a layer"
exit $bad
